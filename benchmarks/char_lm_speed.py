"""Training throughput of the char-Shakespeare model: our recurrent layer against keras.layers.LSTM.

Both models are the application's own (`rnnzoo.applications.char_shakespeare.model.build`),
the same size, on the same batches of character ids; each side at its best of
`jit_compile` on and off, timed in interleaved rounds (see benchmarks/timing.py).

    python benchmarks/char_lm_speed.py                  # the zoo recipe: 2 x 384 units, batch 64 x 100 chars
    python benchmarks/char_lm_speed.py --rnn leaky      # any other layer against LSTM
"""

import argparse
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run as a script from anywhere

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rnnzoo.applications.char_shakespeare import model as char_model  # noqa: E402
from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from benchmarks.timing import best_of_jit, interleaved_medians, with_and_without_jit  # noqa: E402

VOCABULARY = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # tiny-shakespeare's 65


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rnn", default="peephole", choices=sorted(set(char_model.RECURRENT_LAYERS) - {"lstm"}))
    parser.add_argument("--units", type=positive_int, default=384)
    parser.add_argument("--layers", type=positive_int, default=2)
    parser.add_argument("--batch", type=positive_int, default=64)
    parser.add_argument("--seq-len", type=positive_int, default=100)
    parser.add_argument("--rounds", type=positive_int, default=5)
    parser.add_argument("--iters", type=positive_int, default=5)
    args = parser.parse_args(argv)
    return args


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(0)
    x = rng.integers(0, len(VOCABULARY), size=(args.batch, args.seq_len)).astype("int32")
    y = rng.integers(0, len(VOCABULARY), size=(args.batch, args.seq_len)).astype("int32")

    def build(rnn, jit):
        model = char_model.build(VOCABULARY, rnn=rnn, units=args.units, num_layers=args.layers)
        model.compile(model.optimizer, model.loss, jit_compile=jit)
        return model

    seconds = interleaved_medians(with_and_without_jit(build, [args.rnn, "lstm"]), x, y, args.rounds, args.iters)
    characters = args.batch * args.seq_len
    (ours, our_jit), (ref, ref_jit) = best_of_jit(seconds, args.rnn), best_of_jit(seconds, "lstm")
    print(f"# char LM training, {args.layers} x {args.units} units, batch {args.batch} x {args.seq_len} characters")
    print(f"# keras {keras.__version__} ({keras.backend.backend()}), {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{args.rnn:<10}{characters / ours:>10,.0f} chars/s (jit {'on' if our_jit else 'off'})")
    print(f"{'lstm':<10}{characters / ref:>10,.0f} chars/s (jit {'on' if ref_jit else 'off'})")
    print(f"throughput ratio {args.rnn} / lstm: {ref / ours:.2f}")


if __name__ == "__main__":
    main()
