"""Training-step speed of rnnzoo's layers against the Keras layers they extend.

Each model is Input -> recurrent layer (last output) -> Dense(1), trained with
Adam on MSE through `model.train_on_batch`. Every model is built and warmed up
first; then the timing rounds interleave all of them, so machine noise falls on
every candidate alike. Each side is reported at its best of `jit_compile` on
and off, and the figure that matters is the ratio ours / Keras (< 1: faster).

    python benchmarks/layers_speed.py                 # batch 64, 100 steps, 64 features, 256 units
    python benchmarks/layers_speed.py --quick         # a small, fast sanity run
"""

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import layers  # noqa: E402

# (ours, reference) pairs; each entry is (label, layer factory taking units).
PAIRS = [
    (("PeepholeLSTM", layers.PeepholeLSTM), ("LSTM", keras.layers.LSTM)),
    (("LeakyRNN", lambda u: layers.LeakyRNN(u, leak_rate_range=(0.01, 1.0))), ("SimpleRNN", keras.layers.SimpleRNN)),
    (("SkipRNN(1,4)", lambda u: layers.SkipRNN(u, delays=(1, 4))), ("SimpleRNN", keras.layers.SimpleRNN)),
    (("IRNN", layers.IRNN), ("SimpleRNN", keras.layers.SimpleRNN)),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=100, help="time steps per sequence")
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (median is reported)")
    parser.add_argument("--iters", type=int, default=5, help="training steps per round")
    parser.add_argument("--quick", action="store_true", help="batch 16, 20 steps, 64 units, 3 rounds")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.steps, args.units, args.rounds = 16, 20, 64, 3
    for name in ("batch", "steps", "features", "units", "rounds", "iters"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    return args


def build_model(make_layer, units, args, jit):
    model = keras.Sequential([keras.Input((args.steps, args.features)), make_layer(units), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=jit)
    return model


def time_steps(model, x, y, iters):
    start = time.perf_counter()
    for _ in range(iters):
        model.train_on_batch(x, y)
    return (time.perf_counter() - start) / iters


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch, args.steps, args.features)).astype("float32")
    y = rng.normal(size=(args.batch, 1)).astype("float32")

    candidates = {}  # (label, jit) -> model; a shared reference is built once
    for pair in PAIRS:
        for label, make in pair:
            for jit in (False, True):
                if (label, jit) not in candidates:
                    candidates[label, jit] = build_model(make, args.units, args, jit)
    for model in candidates.values():  # compile and warm up outside the timing
        time_steps(model, x, y, 3)

    samples = {key: [] for key in candidates}
    for _ in range(args.rounds):
        for key, model in candidates.items():
            samples[key].append(time_steps(model, x, y, args.iters))
    ms = {key: 1e3 * statistics.median(values) for key, values in samples.items()}

    def best(label):
        jit = min((False, True), key=lambda j: ms[label, j])
        return ms[label, jit], jit

    print(f"# training step, batch {args.batch} x {args.steps} steps x {args.features} features, {args.units} units")
    print(f"# keras {keras.__version__} ({keras.backend.backend()}), {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{'ours':<14}{'ms (jit)':>14}  {'reference':<11}{'ms (jit)':>14}  {'ratio':>6}")
    for (ours, _), (ref, _) in PAIRS:
        (our_ms, our_jit), (ref_ms, ref_jit) = best(ours), best(ref)
        print(f"{ours:<14}{our_ms:>8.1f} ({'on' if our_jit else 'off':>3})  {ref:<11}{ref_ms:>8.1f} ({'on' if ref_jit else 'off':>3})  {our_ms / ref_ms:>6.2f}")
    print("# all timings (ms, jit off / on): " + ", ".join(f"{k}: {ms[k, False]:.1f}/{ms[k, True]:.1f}" for k in dict.fromkeys(k for k, _ in ms)))


if __name__ == "__main__":
    main()
