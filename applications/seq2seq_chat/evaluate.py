"""How good a chat model is: per-word perplexity, BLEU of decoded replies, and
the nearest-neighbour retrieval baseline that BLEU is read against."""

import math
from collections import Counter

import numpy as np

from applications.common.metrics import corpus_bleu
from applications.seq2seq_chat.text import PAD_ID


def perplexity(model, inputs, targets, batch_size=64, skip_ids=()):
    """exp(mean negative log-likelihood per target word), padding excluded,
    [end] included: the model's logits, log-softmaxed here in float64.
    Targets in `skip_ids` are not scored either (e.g. [UNK], whose probability
    says more about the vocabulary cut than about the model)."""
    total, count = 0.0, 0
    size = len(targets)
    for start in range(0, size, batch_size):
        batch = _take(inputs, slice(start, start + batch_size))
        logits = np.asarray(model(batch, training=False), "float64")
        y = targets[start : start + batch_size]
        log_probs = logits - logits.max(-1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(-1, keepdims=True))
        picked = np.take_along_axis(log_probs, y[..., None], axis=-1)[..., 0]
        real = (y != PAD_ID) & ~np.isin(y, skip_ids)
        total -= picked[real].sum()
        count += int(real.sum())
    if count == 0:
        raise ValueError(f"No target words to score: every target is padding or one of skip_ids={list(skip_ids)}")
    return math.exp(total / count)


def seen_in_training(train_pairs, held_out_pairs):
    """Boolean mask: which held-out (previous, prompt, reply) triples have their
    prompt and reply, case aside, also as a training pair. Small corpora repeat
    pairs across files and conversations; a model can score these by memory, so
    perplexity is reported on both parts."""
    seen = {(prompt.lower(), reply.lower()) for _, prompt, reply in train_pairs}
    return np.array([(prompt.lower(), reply.lower()) in seen for _, prompt, reply in held_out_pairs], bool)


def perplexity_by_part(model, inputs, targets, mask):
    """{"seen": perplexity where `mask`, "novel": where not}; a part with no
    pairs is left out."""
    parts = {}
    for name, rows in (("seen", np.flatnonzero(mask)), ("novel", np.flatnonzero(~mask))):
        if len(rows):
            parts[name] = perplexity(model, _take(inputs, rows), targets[rows])
    return parts


def _take(inputs, rows):
    """The `rows` (an index array or a slice) of an array or of each array in a tuple."""
    if isinstance(inputs, (tuple, list)):
        return tuple(x[rows] for x in inputs)
    return inputs[rows]


def grouped_references(prompts, replies):
    """Distinct prompts in first-seen order, each with all its replies: the
    held-out set as multi-reference BLEU items (the corpus answers one
    question several ways)."""
    groups = {}
    for prompt, reply in zip(prompts, replies):
        groups.setdefault(prompt, []).append(reply)
    return list(groups), list(groups.values())


class RetrievalBaseline:
    """Nearest neighbour: the reply of the training prompt most similar to the
    input, by cosine similarity of TF-IDF word vectors (smooth idf,
    log((1 + N) / (1 + df)) + 1, as scikit-learn's default).

    Args:
        prompts, replies: Training pairs, as word lists (prompts) and strings.
    """

    def __init__(self, prompts, replies):
        if not prompts or len(prompts) != len(replies):
            raise ValueError(f"Need as many replies as prompts (> 0), got {len(prompts)} and {len(replies)}")
        self.words = {w: i for i, w in enumerate(sorted({w for p in prompts for w in p}))}
        counts = self._counts(prompts)
        df = (counts > 0).sum(axis=0)
        self.idf = np.log((1 + len(prompts)) / (1 + df)) + 1
        self.matrix = self._normalise(counts * self.idf)
        self.replies = list(replies)

    def _counts(self, prompts):
        counts = np.zeros((len(prompts), len(self.words)))
        for row, prompt in enumerate(prompts):
            for word, n in Counter(prompt).items():
                if word in self.words:
                    counts[row, self.words[word]] = n
        return counts

    @staticmethod
    def _normalise(matrix):
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)

    def reply(self, prompts):
        """For each prompt (a word list), the reply of its nearest training prompt
        (the first one on ties; the first training pair if no word is shared)."""
        scores = self._normalise(self._counts(prompts) * self.idf) @ self.matrix.T
        return [self.replies[i] for i in scores.argmax(axis=1)]


def bleu_table(hypotheses_by_name, references):
    """{name: corpus BLEU-4} for several systems over the same references."""
    return {name: corpus_bleu(h, references, max_order=4) for name, h in hypotheses_by_name.items()}
