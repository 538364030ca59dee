"""A small model with dropout, trained by the shared runner: what the
reliability tests interrupt, damage and resume. Also a script, for the
fault-injection suite's killed processes:

    python -m tests.reliability.checkpointing CHECKPOINT_DIR OUT.npz [EPOCHS]
"""

import os
import sys
import time

import numpy as np

import keras
from rnnzoo.applications.common.training import TrainingConfig, make_dataset, train

FEATURES, STEPS_PER_EPOCH, EVERY = 4, 6, 3


def build():
    """Dense layers with dropout between them: the masks draw on a Keras
    SeedGenerator, whose state a checkpoint must keep for an exact resume."""
    model = keras.Sequential([
        keras.Input((FEATURES,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dropout(0.3),
        keras.layers.Dense(1),
    ])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, FEATURES)).astype("float32")
    y = (x @ rng.normal(size=(FEATURES, 1)) + 0.1 * rng.normal(size=(256, 1))).astype("float32")
    return make_dataset(x, y, batch_size=16, shuffle=True, seed=1)


def build_char_model():
    """The char-level Shakespeare model, tiny, with its default dropout 0.2
    (the case a kill -9 once showed differing after resume)."""
    from rnnzoo.applications.char_shakespeare.model import build as build_char

    return build_char("abcdefgh\n", units=8, num_layers=2, embedding_dim=4, dropout=0.2)


def char_data():
    ids = np.random.default_rng(0).integers(0, 9, size=(96, 11)).astype("int32")
    return make_dataset(ids[:, :-1], ids[:, 1:], batch_size=16, shuffle=True, seed=1)


def run(checkpoint_dir, epochs=4, callbacks=(), verbose=0, model="dense"):
    """The run as a fresh process makes it: the same global seed first."""
    keras.utils.set_random_seed(0)
    config = TrainingConfig(epochs=epochs, steps_per_epoch=STEPS_PER_EPOCH, checkpoint_dir=str(checkpoint_dir),
                            checkpoint_every=EVERY, verbose=verbose, seed=0)
    builder, dataset = (build, data) if model == "dense" else (build_char_model, char_data)
    return train(builder, dataset(), config, callbacks=callbacks)[0]


class Slow(keras.callbacks.Callback):
    """Seconds of sleep per step, so that a killer has moments to hit."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.seconds)


def slow_saves(seconds):
    """Sleep between writing a checkpoint's files and its sha256 record: a
    kill there leaves a checkpoint without a record, the window a real
    kill mid-save opens."""
    from rnnzoo.applications.common import training

    write_record = training._write_record

    def slowly(prefix):
        time.sleep(seconds)
        write_record(prefix)

    training._write_record = slowly


if __name__ == "__main__":
    slowness = float(os.environ.get("RNNZOO_TEST_SLOW", "0"))
    if slowness:
        slow_saves(slowness)
    model = run(sys.argv[1], int(sys.argv[3]) if len(sys.argv) > 3 else 4, callbacks=[Slow(slowness)] if slowness else ())
    np.savez(sys.argv[2], *model.get_weights())
