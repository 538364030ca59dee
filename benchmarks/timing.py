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


def with_and_without_jit(build, labels):
    """{(label, jit): model} with `build(label, jit)` returning a model compiled
    with `jit_compile=jit`; a label listed twice is built once."""
    return {(label, jit): build(label, jit) for label in dict.fromkeys(labels) for jit in (False, True)}


def best_of_jit(seconds, label):
    """(seconds, jit) of a label at its faster jit setting."""
    jit = min((False, True), key=lambda j: seconds[label, j])
    return seconds[label, jit], jit
