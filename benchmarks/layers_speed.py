"""Training-step speed of rnnzoo's layers against the Keras layers they extend.

Each model is Input -> recurrent layer (last output) -> Dense(1), trained with
Adam on MSE through `model.train_on_batch`. Every model is built and warmed up
first; then the timing rounds interleave all of them, so machine noise falls on
every candidate alike. Each side is reported at its best of `jit_compile` on
and off, and the figure that matters is the ratio ours / Keras (< 1: faster).

    python benchmarks/layers_speed.py                 # batch 64, 100 steps, 64 features, 256 units
    python benchmarks/layers_speed.py --backend jax   # the same on JAX (ratios against Keras on JAX)
    python benchmarks/layers_speed.py --quick         # a small, fast sanity run

On JAX both sides are compiled (op by op JAX takes seconds a step); on PyTorch
`jit_compile=True` means torch.compile (a minute per model here), so there both
sides run eagerly.
"""

import argparse
import os
import platform
import sys

BACKENDS = ("tensorflow", "jax", "torch")


def _backend_argument(argv):
    # Keras reads KERAS_BACKEND once, on import: set it before the import below.
    for k, arg in enumerate(argv):
        if arg == "--backend" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--backend="):
            return arg.split("=", 1)[1]
    return None


if _backend_argument(sys.argv[1:]) in BACKENDS:
    os.environ["KERAS_BACKEND"] = _backend_argument(sys.argv[1:])
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run as a script from anywhere

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rnnzoo import layers  # noqa: E402
from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from benchmarks.timing import best_of_jit, interleaved_medians, vector_extension, with_and_without_jit  # noqa: E402

# (ours, reference) pairs; each entry is (label, layer factory taking units).
PAIRS = [
    (("PeepholeLSTM", layers.PeepholeLSTM), ("LSTM", keras.layers.LSTM)),
    # The same cell in Keras's own loop: what the fused loop with its hand-written backward pass buys.
    (("Peephole/loop", lambda u: keras.layers.RNN(layers.PeepholeLSTMCell(u))), ("LSTM", keras.layers.LSTM)),
    (("LeakyRNN", lambda u: layers.LeakyRNN(u, leak_rate_range=(0.01, 1.0))), ("SimpleRNN", keras.layers.SimpleRNN)),
    (("SkipRNN(1,4)", lambda u: layers.SkipRNN(u, delays=(1, 4))), ("SimpleRNN", keras.layers.SimpleRNN)),
    (("IRNN", layers.IRNN), ("SimpleRNN", keras.layers.SimpleRNN)),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=positive_int, default=64)
    parser.add_argument("--steps", type=positive_int, default=100, help="time steps per sequence")
    parser.add_argument("--features", type=positive_int, default=64)
    parser.add_argument("--units", type=positive_int, default=256)
    parser.add_argument("--rounds", type=positive_int, default=5, help="interleaved timing rounds (median is reported)")
    parser.add_argument("--iters", type=positive_int, default=5, help="training steps per round")
    parser.add_argument("--quick", action="store_true", help="batch 16, 20 steps, 64 units, 3 rounds")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="Keras backend for both sides (default: KERAS_BACKEND, else tensorflow)")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.steps, args.units, args.rounds = 16, 20, 64, 3
    return args


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch, args.steps, args.features)).astype("float32")
    y = rng.normal(size=(args.batch, 1)).astype("float32")
    factories = dict(side for pair in PAIRS for side in pair)

    def build(label, jit):
        model = keras.Sequential([keras.Input((args.steps, args.features)), factories[label](args.units), keras.layers.Dense(1)])
        model.compile(keras.optimizers.Adam(1e-3), "mse", jit_compile=jit)
        return model

    # Each backend's usual mode: TensorFlow both ways, JAX compiled (op by op it
    # takes seconds a step), PyTorch eager (torch.compile takes a minute a model).
    jits = {"tensorflow": (False, True), "jax": (True,), "torch": (False,)}[keras.backend.backend()]
    models = with_and_without_jit(build, factories, jits)
    ms = {key: 1e3 * seconds for key, seconds in interleaved_medians(models, x, y, args.rounds, args.iters).items()}

    print(f"# training step, batch {args.batch} x {args.steps} steps x {args.features} features, {args.units} units")
    print(f"# keras {keras.__version__} ({keras.backend.backend()}), {platform.processor() or platform.machine()} "
          f"({vector_extension()}), {os.cpu_count()} CPUs")
    print(f"{'ours':<14}{'ms (jit)':>14}  {'reference':<11}{'ms (jit)':>14}  {'ratio':>6}")
    for (ours, _), (ref, _) in PAIRS:
        (our_ms, our_jit), (ref_ms, ref_jit) = best_of_jit(ms, ours), best_of_jit(ms, ref)
        print(f"{ours:<14}{our_ms:>8.1f} ({'on' if our_jit else 'off':>3})  {ref:<11}{ref_ms:>8.1f} ({'on' if ref_jit else 'off':>3})  {our_ms / ref_ms:>6.2f}")
    print("# all timings (ms, jit " + " / ".join("on" if j else "off" for j in jits) + "): "
          + ", ".join(f"{k}: " + "/".join(f"{ms[k, j]:.1f}" for j in jits) for k in factories))


if __name__ == "__main__":
    main()
