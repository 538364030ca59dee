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
from collections import Counter

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


def build_vocabulary(texts, min_count=2, max_size=None):
    """The vocabulary of `texts`: the special tokens, then every word seen at
    least `min_count` times, most frequent first (TextVectorization's order),
    at most `max_size` entries in all (None: no cap)."""
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
    if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int)
                                 or max_size <= len(SPECIAL_TOKENS)):
        raise ValueError(f"max_size must be an integer > {len(SPECIAL_TOKENS)}, got {max_size!r}")
    texts = list(texts)
    if not texts:
        raise ValueError("Cannot build a vocabulary from no texts")
    layer = _vectorizer()
    layer.adapt(tf.constant(texts))
    words = layer.get_vocabulary()[2:]
    # Counted on the flat word list: a padded id matrix of a large corpus
    # would be (texts x longest text) integers.
    counts = Counter(tf.strings.split(standardize(tf.constant(texts))).flat_values.numpy().tolist())
    kept = [str(w) for w in words if counts[w.encode("utf-8")] >= min_count and w not in SPECIAL_TOKENS]
    return (SPECIAL_TOKENS + kept)[:max_size]


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

    def words_batch(self, texts, batch_size=4096):
        """`words` of many texts, standardized and split in batches (one call
        per text costs a TensorFlow dispatch each)."""
        texts, result = list(texts), []
        for start in range(0, len(texts), batch_size):
            split = tf.strings.split(standardize(tf.constant(texts[start : start + batch_size])))
            result += [[w.decode("utf-8") for w in row] for row in split.to_list()]
        return result

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
    cut to its LAST `max_len` ids (the end of what was said matters most).

    `previous_ids` is one turn's ids, or a list of turns' ids (oldest first),
    each followed by [sep]: `turn [sep] turn [sep] prompt`."""
    ids = np.asarray(prompt_ids, "int32")
    # One turn's ids (an array, or a list of ints), or a list of turns.
    one_turn = not isinstance(previous_ids, (list, tuple)) or (len(previous_ids) and np.ndim(previous_ids[0]) == 0)
    turns = [] if previous_ids is None else [previous_ids] if one_turn else previous_ids
    pieces = []
    for turn in turns:
        if turn is not None and len(turn):
            pieces += [np.asarray(turn, "int32"), np.array([SEP_ID], "int32")]
    if pieces:
        ids = np.concatenate(pieces + [ids]).astype("int32")
    return ids if max_len is None else ids[-max_len:]


def decoder_arrays(reply_ids, max_len):
    """Teacher forcing: decoder input `[start] w1 .. wn`, target `w1 .. wn [end]`,
    the reply cut to `max_len - 1` words so both fit in `max_len`."""
    inputs = [np.concatenate([[START_ID], ids[: max_len - 1]]) for ids in reply_ids]
    targets = [np.concatenate([ids[: max_len - 1], [END_ID]]) for ids in reply_ids]
    return pad(inputs, max_len), pad(targets, max_len)


def pair_arrays(tokenizer, pairs, config):
    """((encoder ids, decoder input ids), decoder targets) of (previous, prompt,
    reply) triples, as `config` (`context`, `max_prompt_len`, `max_reply_len`) says."""
    previous, prompts, replies = zip(*pairs)
    prompt_ids = tokenizer.encode_batch(prompts)
    previous_ids = _previous_turn_ids(tokenizer, previous, int(config.get("context", 0)))
    encoder = [encoder_input(p, q, config["max_prompt_len"]) for p, q in zip(prompt_ids, previous_ids)]
    decoder_in, targets = decoder_arrays(tokenizer.encode_batch(replies), config["max_reply_len"])
    return (pad(encoder, config["max_prompt_len"]), decoder_in), targets


def _previous_turn_ids(tokenizer, previous, context):
    """For each pair, what its encoder reads before the prompt: None, one turn's
    ids (context 1, `previous` a string or None) or a list of turns' ids
    (context > 1, `previous` a tuple of strings, oldest first)."""
    if not context:
        return [None] * len(previous)
    if context == 1:
        return tokenizer.encode_batch([p or "" for p in previous])
    flat = tokenizer.encode_batch([turn for turns in previous for turn in turns[-context:]])
    result, start = [], 0
    for turns in previous:
        count = len(turns[-context:])
        result.append(flat[start : start + count])
        start += count
    return result
