"""Words <-> ids with `keras.layers.TextVectorization`, and the special tokens.

The vocabulary is a plain list of strings, in id order:

    ["", "[UNK]", "[start]", "[end]", "[sep]", word, word, ...]

id 0 pads, id 1 is every out-of-vocabulary word, "[start]" opens a reply for
the decoder, "[end]" closes it, "[sep]" joins the previous turn to the prompt
in multi-turn mode. The zoo stores this list in the model's config, so a
loaded model tokenises without the training data. The brackets are split off
as punctuation by `standardize`, so typed text can never produce a special id.

TensorFlow: this module needs it whatever the Keras backend (its standardisation and splitting are tf.strings ops);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import re

import numpy as np
import tensorflow as tf

import keras

PAD, UNK, START, END, SEP = "", "[UNK]", "[start]", "[end]", "[sep]"
SPECIAL_TOKENS = [PAD, UNK, START, END, SEP]
PAD_ID, UNK_ID, START_ID, END_ID, SEP_ID = range(5)


def standardize(text):
    """Lower case, punctuation split off as words ("don't" stays one word),
    as the TensorFlow NMT tutorial's `tf_lower_and_split_punct`."""
    text = tf.strings.lower(text)
    return tf.strings.regex_replace(text, r"([^\w\s'])", r" \1 ")


def detokenize(words):
    """Words back to a sentence: punctuation re-attached, first letter capitalised."""
    text = " ".join(words)
    text = re.sub(r" ([.,!?;:%)\]])", r"\1", text)
    text = re.sub(r"([(\[$]) ", r"\1", text)
    text = re.sub(r"\bi\b", "I", text)
    return text[:1].upper() + text[1:]


def _vectorizer(vocabulary=None, max_tokens=None):
    return keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=standardize, split="whitespace", vocabulary=vocabulary
    )


def build_vocabulary(texts, min_count=2):
    """The vocabulary of `texts`: the special tokens, then every word seen at
    least `min_count` times, most frequent first (TextVectorization's order)."""
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
    texts = list(texts)
    if not texts:
        raise ValueError("Cannot build a vocabulary from no texts")
    layer = _vectorizer()
    layer.adapt(tf.constant(texts))
    words = layer.get_vocabulary()[2:]
    counts = np.bincount(layer(tf.constant(texts)).numpy().ravel(), minlength=len(words) + 2)[2:]
    kept = [str(w) for w, n in zip(words, counts) if n >= min_count and w not in SPECIAL_TOKENS]
    return SPECIAL_TOKENS + kept


class Tokenizer:
    """Texts <-> id arrays over a fixed vocabulary (see the module docstring)."""

    def __init__(self, vocabulary):
        vocabulary = [str(w) for w in vocabulary]
        if vocabulary[: len(SPECIAL_TOKENS)] != SPECIAL_TOKENS:
            raise ValueError(f"A chat vocabulary must start with {SPECIAL_TOKENS}, got {vocabulary[:5]}")
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError("A chat vocabulary must not repeat a word")
        self.vocabulary = vocabulary
        self.layer = _vectorizer(vocabulary[2:])

    def __len__(self):
        return len(self.vocabulary)

    def words(self, text):
        """The standardized words of `text`, before any lookup."""
        return [w.decode("utf-8") for w in tf.strings.split(standardize(tf.constant(text))).numpy()]

    def encode(self, text):
        """ids of `text`'s words (int32), unknown words as UNK_ID, no padding."""
        return self.layer(tf.constant([text])).numpy()[0].astype("int32")[: len(self.words(text))]

    def encode_batch(self, texts):
        """A list of id arrays, one per text."""
        if not texts:
            return []
        ragged = self.layer(tf.constant(list(texts))).numpy()
        return [row[row != PAD_ID].astype("int32") for row in ragged]

    def decode(self, ids):
        """The words of `ids`, stopping at the first END_ID, padding dropped."""
        words = []
        for i in ids:
            i = int(i)
            if i == END_ID:
                break
            if i != PAD_ID:
                words.append(self.vocabulary[i])
        return words


def pad(sequences, length):
    """Right-pad (or cut) id arrays to a (len(sequences), length) int32 matrix."""
    out = np.zeros((len(sequences), length), "int32")
    for row, ids in enumerate(sequences):
        ids = np.asarray(ids)[:length]
        out[row, : len(ids)] = ids
    return out


def encoder_input(prompt_ids, previous_ids=None, max_len=None):
    """What the encoder reads: `previous [sep] prompt`, or the prompt alone,
    cut to its LAST `max_len` ids (the end of what was said matters most)."""
    ids = np.asarray(prompt_ids, "int32")
    if previous_ids is not None and len(previous_ids):
        ids = np.concatenate([np.asarray(previous_ids, "int32"), [SEP_ID], ids]).astype("int32")
    return ids if max_len is None else ids[-max_len:]


def decoder_arrays(reply_ids, max_len):
    """Teacher forcing: decoder input `[start] w1 .. wn`, target `w1 .. wn [end]`,
    the reply cut to `max_len - 1` words so both fit in `max_len`."""
    inputs = [np.concatenate([[START_ID], ids[: max_len - 1]]) for ids in reply_ids]
    targets = [np.concatenate([ids[: max_len - 1], [END_ID]]) for ids in reply_ids]
    return pad(inputs, max_len), pad(targets, max_len)
