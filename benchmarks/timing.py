"""Side-by-side timing shared by the benchmarks: interleaved rounds, medians, best of jit.

Every candidate is warmed up first (compilation stays out of the figures); the
rounds then visit all candidates in turn, so noise on a shared machine falls
on each of them alike.
"""

import statistics
import time


def train_step_seconds(model, x, y, iters):
    start = time.perf_counter()
    for _ in range(iters):
        model.train_on_batch(x, y)
    return (time.perf_counter() - start) / iters


def interleaved_medians(models, x, y, rounds, iters, warmup=3):
    """{key: median seconds per training step} for a dict of compiled models."""
    for model in models.values():
        train_step_seconds(model, x, y, warmup)
    samples = {key: [] for key in models}
    for _ in range(rounds):
        for key, model in models.items():
            samples[key].append(train_step_seconds(model, x, y, iters))
    return {key: statistics.median(values) for key, values in samples.items()}


def with_and_without_jit(build, labels, jits=(False, True)):
    """{(label, jit): model} with `build(label, jit)` returning a model compiled
    with `jit_compile=jit`; a label listed twice is built once."""
    return {(label, jit): build(label, jit) for label in dict.fromkeys(labels) for jit in jits}


def best_of_jit(seconds, label):
    """(seconds, jit) of a label at its faster jit setting (of those timed)."""
    jit = min((j for j in (False, True) if (label, j) in seconds), key=lambda j: seconds[label, j])
    return seconds[label, jit], jit


def vector_extension():
    """The CPU's widest SIMD extension: AVX-512 or AVX2 machines both run this
    project, and timings and the last bits of training curves differ between them."""
    try:
        flags = next(line for line in open("/proc/cpuinfo") if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "flags unknown"
    return next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX")) if flag in flags), "no AVX")
