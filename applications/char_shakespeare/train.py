"""
Title: Character-level Shakespeare with recurrent layers
Author: rnnzoo
Description: Train a character-level language model on tiny-shakespeare with a
peephole LSTM (or any recurrent layer of rnnzoo or Keras), then generate text.

Run it:

    python -m rnnzoo.applications.char_shakespeare.train                # the zoo's shakespeare-char recipe
    python -m rnnzoo.applications.char_shakespeare.train --rnn lstm     # the same with keras.layers.LSTM
    python -m rnnzoo.applications.char_shakespeare.train --smoke        # end to end in well under a minute

Copy this file as a template: every constant below is a flag.
"""

# ## Setup

import argparse
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from rnnzoo.applications.char_shakespeare import data, model as char_model  # noqa: E402
from rnnzoo.applications.char_shakespeare.generate import generate_text  # noqa: E402
from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.common.training import TrainingConfig, make_dataset, save_weights, train  # noqa: E402

SEQ_LEN = 100  # characters per training window: the truncated-BPTT length
BATCH_SIZE = 64  # windows per step
EPOCHS = 15  # passes over the 1M training characters
LEARNING_RATE = 2e-3  # Adam; decayed to 0 along a cosine after a short warm-up
UNITS, NUM_LAYERS = 384, 2  # two 384-unit recurrent layers: ~1.9M parameters
EMBEDDING_DIM = 64
DROPOUT = 0.2  # between layers, not on the recurrence


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train a char-level LM on tiny-shakespeare.")
    parser.add_argument("--data", help="a UTF-8 text file (default: the shared tiny-shakespeare copy)")
    parser.add_argument("--tfds", action="store_true", help="load tiny_shakespeare through tensorflow_datasets (internet)")
    parser.add_argument("--rnn", default="peephole", choices=sorted(char_model.RECURRENT_LAYERS))
    parser.add_argument("--units", type=positive_int, default=UNITS)
    parser.add_argument("--layers", type=positive_int, default=NUM_LAYERS)
    parser.add_argument("--embedding-dim", type=positive_int, default=EMBEDDING_DIM)
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--seq-len", type=positive_int, default=SEQ_LEN)
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE)
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--strategy", default="default", choices=["default", "mirrored", "multiworker"])
    parser.add_argument("--checkpoint-dir", help="checkpoints every 200 steps; an interrupted run resumes from here")
    parser.add_argument("--log-dir", help="TensorBoard logs")
    parser.add_argument("--save", help="write the trained weights here (.weights.h5)")
    parser.add_argument("--prompt", default="ROMEO:", help="priming text for the sample printed at the end")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny run on 20k characters, for tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.units, args.layers, args.seq_len, args.batch_size, args.epochs = 32, 1, 32, 16, 1
    if args.save and not args.save.endswith(".weights.h5"):
        parser.error(f"--save must end in .weights.h5, got {args.save}")
    return args


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    # ## Data
    # The whole corpus becomes integer ids; the first 90 % trains, the last 10 % validates.
    text = data.read_tfds_text() if args.tfds else data.read_text(args.data)
    if args.smoke:
        text = text[:20_000]
    vocabulary = data.Vocabulary.from_text(text)
    train_ids, val_ids = data.split(vocabulary.encode(text))
    train_ds = make_dataset(*data.windows(train_ids, args.seq_len), args.batch_size, shuffle=True, seed=args.seed)
    val_ds = make_dataset(*data.windows(val_ids, args.seq_len), args.batch_size, shuffle=False, drop_remainder=False)
    print(f"{len(text):,} characters, {len(vocabulary)} distinct; {len(train_ids):,} train / {len(val_ids):,} validation")

    # ## Model
    # Everything the builder needs is plain data: the zoo stores exactly this dict.
    config = dict(
        vocabulary=vocabulary.characters,
        rnn=args.rnn,
        units=args.units,
        num_layers=args.layers,
        embedding_dim=args.embedding_dim,
        dropout=args.dropout,
        learning_rate=args.learning_rate,
    )

    # ## Train
    # The shared runner: gradient clipping, cosine learning rate, checkpoints and resume.
    steps_per_epoch = len(train_ids) // (args.seq_len * args.batch_size)
    training = TrainingConfig(
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        learning_rate=args.learning_rate,
        lr_schedule="cosine",
        warmup_steps=min(200, steps_per_epoch),
        clipnorm=1.0,
        checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=200,
        log_dir=args.log_dir,
        strategy=args.strategy,
        seed=args.seed,
        verbose=0 if args.smoke else 2,
    )
    # XLA even on a CPU, where Keras's jit_compile="auto" (the zoo's default) leaves it
    # off: our fused PeepholeLSTM step trains 1.3x faster with it (benchmarks/char_lm_speed.py).
    training_config = {**config, "jit_compile": True}
    model, history = train(lambda: char_model.build(**training_config), train_ds, training, validation_data=val_ds)

    # ## Evaluate
    # Cross-entropy per character, in nats (the loss) and bits.
    val_loss = model.evaluate(val_ds, verbose=0)
    val_loss = val_loss[0] if isinstance(val_loss, list) else val_loss
    print(f"validation loss {val_loss:.4f} nats/char = {char_model.bits_per_char(val_loss):.4f} bits/char")
    if not math.isfinite(val_loss):
        sys.exit("training diverged: the validation loss is not finite; weights not saved")

    if args.save:
        save_weights(model, lambda: char_model.build(**config), args.save)
        print(f"weights saved to {args.save}")

    # ## Generate
    prompt = args.prompt
    if not set(prompt) <= set(vocabulary.characters):
        prompt = text.split("\n", 1)[0] + "\n"
        print(f"(the corpus lacks characters of --prompt {args.prompt!r}; priming with its first line instead)")
    print(generate_text(model, config, prompt=prompt, length=200 if not args.smoke else 40, temperature=0.8, seed=args.seed))
    return val_loss



if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError) as error:  # the user's data: one line, no traceback
        sys.exit(f"train: error: {error}")
