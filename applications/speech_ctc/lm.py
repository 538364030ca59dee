"""A character n-gram language model and CTC prefix beam search that listens to it.

A CTC network spells what it hears letter by letter and knows nothing of
English spelling. A character n-gram model of the training text does, and
beam search can weigh both (Hannun et al. 2014, "First-pass large vocabulary
continuous speech recognition using bi-directional recurrent DNNs"):

    score(prefix) = log p_ctc(prefix | audio) + alpha * log p_lm(prefix) + beta * len(prefix)

alpha is the language model's weight, beta a bonus per character that offsets
the language model's preference for short prefixes.

The model is interpolated Kneser-Ney (Chen & Goodman 1998) over characters,
with one absolute discount per order from its counts of counts. It is built
from plain text in a few seconds, so what the zoo keeps is the text itself.
Why not KenLM (pyctcdecode's language model): building its ARPA files needs
`lmplz`, which is neither on PyPI nor in Debian; NLTK's `nltk.lm` scores one
character at a time in pure Python, too slow inside a beam search.

    lm = CharNgramLM.from_lines(["seven of clubs", "four queen of clubs"], order=4)
    text = prefix_beam_search(log_probs, alphabet, lm, alpha=0.5, beta=1.0)   # log_probs: (frames, 1 + len(alphabet))
"""

import collections
import dataclasses
import functools
import gzip
import heapq
import math
from pathlib import Path

import numpy as np

BOS = "^"  # pads the start of every line: contexts at a sentence's start are contexts too
EOS = "$"  # the end of a line, a symbol the model predicts


class CharNgramLM:
    """Interpolated Kneser-Ney character model of order `order` over `alphabet` + end of line.

    Args:
        counts: {n: Counter of n-character strings} for n = 1..order, from `count_ngrams`.
        alphabet: the characters it predicts (with EOS); others in queries are an error.
        order: the longest n-gram (context of order - 1 characters).
    """

    def __init__(self, counts, alphabet, order):
        if order < 1:
            raise ValueError(f"order must be >= 1. Received: {order}")
        self.alphabet, self.order = alphabet, order
        self.symbols = alphabet + EOS
        self.index = {c: i for i, c in enumerate(self.symbols)}
        self.tables, self.discounts = {}, {}
        for n in range(1, order + 1):
            # The highest order counts n-grams; lower ones count the distinct characters that precede them
            # (continuation counts): a character that follows many contexts is a likely novel continuation.
            grams = counts[n] if n == order else collections.Counter(gram[1:] for gram in counts[n + 1])
            self.tables[n] = _by_context(grams, self.index)
            self.discounts[n] = _discount(grams)

    @classmethod
    def from_lines(cls, lines, alphabet=" 'abcdefghijklmnopqrstuvwxyz", order=6):
        """The model of `lines` (one sentence each, already in `alphabet`)."""
        lines = list(lines)
        for number, line in enumerate(lines, start=1):
            bad = set(line) - set(alphabet)
            if bad:
                raise ValueError(f"Line {number} of the language model's text has character {sorted(bad)[0]!r} "
                                 f"outside the alphabet {alphabet!r}: {line!r}")
        return cls(count_ngrams(lines, order), alphabet, order)

    @classmethod
    def from_file(cls, path, alphabet=" 'abcdefghijklmnopqrstuvwxyz", order=6):
        """The model of a text file, one sentence per line (gzip if the name ends in .gz)."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"Language model text {path} does not exist")
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as file:
            lines = [line.strip() for line in file if line.strip()]
        if not lines:
            raise ValueError(f"Language model text {path} has no lines")
        return cls.from_lines(lines, alphabet, order)

    def distribution(self, context):
        """p(next symbol | context) over `symbols` (the alphabet, then EOS), summing to 1.

        `context` is the text so far; only its last order - 1 characters matter,
        and a line's start counts as BOS characters."""
        return self._distribution(self._state(context))

    def log_distribution(self, context):
        """log p(next symbol | context), as `distribution`: what a search adds up."""
        return self._log_distribution(self._state(context))

    def _state(self, context):
        """The last order - 1 characters of the context (BOS-padded): all the model sees of it."""
        return (BOS * (self.order - 1) + context[-(self.order - 1) :])[-(self.order - 1) :] if self.order > 1 else ""

    # Caches keyed by the state, not the whole text, so prefixes sharing their last characters share a row.
    @functools.lru_cache(maxsize=200_000)
    def _distribution(self, state):
        return self._interpolated(state, self.order)

    @functools.lru_cache(maxsize=200_000)
    def _log_distribution(self, state):
        return np.log(self._distribution(state)).tolist()  # a list: indexing it is cheaper than numpy's

    def _interpolated(self, context, n):
        if n == 0:
            return np.full(len(self.symbols), 1.0 / len(self.symbols))  # below unigrams: uniform
        lower = self._interpolated(context[1:], n - 1)
        row = self.tables[n].get(context)
        if row is None:  # an unseen context hands everything to the shorter one
            return lower
        total, discount = row.sum(), self.discounts[n]
        kept = np.maximum(row - discount, 0.0) / total
        return kept + (discount * np.count_nonzero(row) / total) * lower

    def log_prob(self, text, end=True):
        """Natural log-probability of `text` as a whole line (with its end when `end`)."""
        score = sum(np.log(self.distribution(text[:i])[self.index[c]]) for i, c in enumerate(text))
        return float(score + (np.log(self.distribution(text)[self.index[EOS]]) if end else 0.0))

    def perplexity(self, lines):
        """Per-symbol perplexity over `lines`, each line's end counted as a symbol."""
        lines = list(lines)
        return float(np.exp(-sum(self.log_prob(line) for line in lines) / sum(len(line) + 1 for line in lines)))


def count_ngrams(lines, order):
    """{n: Counter of n-grams} of the lines, each padded with BOS before and EOS after."""
    counts = {n: collections.Counter() for n in range(1, order + 1)}
    for line in lines:
        padded = BOS * (order - 1) + line + EOS
        for n in range(1, order + 1):
            # n-grams ending in a real symbol (at order - 1 or later); leading BOS only pad the context.
            counts[n].update(padded[i : i + n] for i in range(order - n, len(padded) - n + 1))
    return counts


def _by_context(grams, index):
    """{context: count vector over the symbols} of one order's n-gram counts."""
    rows = {}
    for gram, count in grams.items():
        row = rows.setdefault(gram[:-1], np.zeros(len(index)))
        row[index[gram[-1]]] += count
    return rows


def _discount(grams):
    """Ney's absolute discount D = n1 / (n1 + 2 n2) from the counts of counts, kept inside (0, 1)."""
    of = collections.Counter(grams.values())
    n1, n2 = of.get(1, 0), of.get(2, 0)
    return min(max(n1 / (n1 + 2 * n2), 0.1), 0.9) if n1 + n2 else 0.5


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class LanguageModelSearch:
    """Prefix beam search with a language model, as one object the decoders take in place of a beam width."""

    lm: CharNgramLM
    alpha: float
    beta: float
    beam: int = 16

    @classmethod
    def from_zoo(cls, name):
        """The search a zoo model's entry describes under `language_model`, its text checked against its sha256."""
        from rnnzoo.zoo.loading import bundled_file, entry

        model_entry = entry(name)
        spec = model_entry.get("language_model")
        if spec is None:
            raise ValueError(f"Model {name!r} has no language model; --lm needs one (english-ctc has)")
        path = bundled_file(spec["file"], spec["sha256"])
        lm = _cached_lm(str(path), model_entry["config"]["alphabet"], spec["order"])
        return cls(lm, spec["alpha"], spec["beta"], spec["beam"])

    def __call__(self, log_probs, alphabet):
        return prefix_beam_search(log_probs, alphabet, self.lm, self.alpha, self.beta, self.beam)


@functools.lru_cache(maxsize=4)
def _cached_lm(path, alphabet, order):
    return CharNgramLM.from_file(path, alphabet, order)


def prefix_beam_search(log_probs, alphabet, lm=None, alpha=0.5, beta=0.0, beam=16, prune=-8.0):
    """The best transcript of one utterance's CTC log-probabilities.

    Args:
        log_probs: (frames, 1 + len(alphabet)) log-softmax outputs; class 0 is the blank.
        alphabet: the characters of classes 1..len(alphabet).
        lm: a CharNgramLM over the same alphabet, or None for plain CTC prefix beam search.
        alpha: the language model's weight.
        beta: the bonus per character.
        beam: prefixes kept after each frame.
        prune: characters below this log-probability in a frame are not tried (the blank always is).

    Each prefix carries two CTC log-probabilities, of the paths ending in a
    blank and of those ending in its last character, so that "aa" needs a
    blank between the two a's and "a" does not; the language model's score
    of the prefix rides beside them and is added at ranking.
    """
    log_probs = np.asarray(log_probs, dtype="float64")
    if log_probs.ndim != 2 or log_probs.shape[1] != len(alphabet) + 1:
        raise ValueError(f"log_probs must be (frames, {len(alphabet) + 1}). Received shape: {log_probs.shape}")
    if lm is not None and lm.alphabet != alphabet:
        raise ValueError(f"The language model's alphabet {lm.alphabet!r} is not the decoder's {alphabet!r}")
    use_lm = lm is not None and alpha != 0
    class_of = {c: k + 1 for k, c in enumerate(alphabet)}
    lm_index = lm.index if use_lm else None
    # prefix -> [log p(paths ending in blank), log p(paths ending in its last character), alpha * log p_lm]
    beams = {"": [0.0, NEG_INF, 0.0]}
    for frame_array in log_probs:
        frame = frame_array.tolist()  # Python floats: scalar arithmetic on them is several times numpy's speed
        candidates = [(int(c), alphabet[c - 1]) for c in np.flatnonzero(frame_array[1:] > prune) + 1]
        following = {}
        for prefix, (blank, nonblank, lm_score) in beams.items():
            total = _logaddexp(blank, nonblank)
            entry = following.setdefault(prefix, [NEG_INF, NEG_INF, lm_score])  # a blank, or the last character again
            entry[0] = _logaddexp(entry[0], total + frame[0])
            entry[2] = lm_score
            if prefix:
                entry[1] = _logaddexp(entry[1], nonblank + frame[class_of[prefix[-1]]])
            if not candidates:
                continue
            lm_row = lm.log_distribution(prefix) if use_lm else None
            for c, character in candidates:
                extended = prefix + character
                # After the same character, only the paths that ended in a blank start a new one.
                source = blank if prefix and character == prefix[-1] else total
                new = following.setdefault(extended, [NEG_INF, NEG_INF, 0.0])
                new[1] = _logaddexp(new[1], source + frame[c])
                new[2] = lm_score + (alpha * lm_row[lm_index[character]] if use_lm else 0.0)
        beams = dict(heapq.nlargest(beam, following.items(), key=lambda item: _ranking(item, beta)))
    if use_lm:  # the end of the line is a symbol the language model scores too
        eos = lm.index[EOS]
        beams = {p: [b, n, s + alpha * lm.log_distribution(p)[eos]] for p, (b, n, s) in beams.items()}
    best = max(beams.items(), key=lambda item: _ranking(item, beta))[0]
    return " ".join(best.split())


NEG_INF = float("-inf")


def _logaddexp(a, b):
    """log(exp(a) + exp(b)) of two Python floats, either of which may be -inf."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


def _ranking(item, beta):
    prefix, (blank, nonblank, lm_score) = item
    return _logaddexp(blank, nonblank) + lm_score + beta * len(prefix)
