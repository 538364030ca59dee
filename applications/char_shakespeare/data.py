"""Text in, character windows out: the tiny-shakespeare corpus for a char-level LM.

TensorFlow: this module needs it whatever the Keras backend (tf.data windows of the corpus);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

from pathlib import Path

import numpy as np
import tensorflow as tf

from rnnzoo.applications.common.data import data_path

# The standard split (nanoGPT's shakespeare_char): first 90 % train, last 10 % validation.
TRAIN_FRACTION = 0.9


def read_text(path=None):
    """The corpus as one string: a local text file, or the shared tiny-shakespeare copy."""
    path = Path(path) if path is not None else data_path("tinyshakespeare", "input.txt")
    if not path.is_file():
        raise FileNotFoundError(f"Text file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if not text:
        raise ValueError(f"Text file is empty: {path}")
    return text


def read_tfds_text():
    """tiny_shakespeare through tensorflow_datasets (needs internet the first time).

    tfds splits it 1,003,854 / 55,770 / 55,770 characters; we join the three
    in order, so the 90/10 split below is the same as for the text file.
    """
    import tensorflow_datasets as tfds

    splits = tfds.load("tiny_shakespeare", split=["train", "validation", "test"])
    return "".join(next(iter(split))["text"].numpy().decode("utf-8") for split in splits)


class Vocabulary:
    """Characters <-> integer ids, in sorted character order."""

    def __init__(self, characters):
        self.characters = "".join(characters)
        if len(set(self.characters)) != len(self.characters) or not self.characters:
            raise ValueError(f"A vocabulary needs distinct characters. Received: {self.characters!r}")
        self.ids = {c: i for i, c in enumerate(self.characters)}

    @classmethod
    def from_text(cls, text):
        return cls(sorted(set(text)))

    def __len__(self):
        return len(self.characters)

    def encode(self, text):
        unknown = sorted(set(text) - self.ids.keys())
        if unknown:
            raise ValueError(f"Characters outside the vocabulary: {''.join(unknown)!r}")
        return np.array([self.ids[c] for c in text], dtype="int32")

    def decode(self, ids):
        return "".join(self.characters[int(i)] for i in ids)


def split(ids):
    """(train, validation) ids: first 90 %, last 10 %."""
    cut = int(len(ids) * TRAIN_FRACTION)
    return ids[:cut], ids[cut:]


def windows(ids, seq_len):
    """Non-overlapping (input, target) windows: target is input shifted by one character.

    Training on independent windows of `seq_len` characters is truncated BPTT
    with a truncation length of `seq_len`.
    """
    count = (len(ids) - 1) // seq_len
    if count == 0:
        raise ValueError(f"Text of {len(ids)} characters is shorter than one window of seq_len={seq_len}")
    x = ids[: count * seq_len].reshape(count, seq_len)
    y = ids[1 : count * seq_len + 1].reshape(count, seq_len)
    return x, y


def window_dataset(ids, seq_len, batch_size, shuffle, seed=0, offset=0):
    """Batches of (input, target) windows; `offset` shifts the window grid
    so successive epochs can cut the text at different places."""
    x, y = windows(ids[offset:], seq_len)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=shuffle).prefetch(tf.data.AUTOTUNE)
