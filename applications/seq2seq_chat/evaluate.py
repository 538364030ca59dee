"""How good a chat model is: per-word perplexity (and on which words the
prompt helps, and how far it could), BLEU of decoded replies, and the
nearest-neighbour retrieval baseline that BLEU is read against."""

import math
from collections import Counter

import numpy as np

from rnnzoo.applications.common.metrics import corpus_bleu
from rnnzoo.applications.seq2seq_chat.text import PAD_ID, SEP_ID


def word_log_likelihoods(model, inputs, targets, batch_size=64):
    """log p(target word) at every position of `targets` (batch, Tr), in
    float64, from the model's logits (log-softmaxed here); 0 at padding.
    One forward pass; every perplexity figure is read off this array."""
    rows = []
    for start in range(0, len(targets), batch_size):
        logits = np.asarray(model(_take(inputs, slice(start, start + batch_size)), training=False), "float64")
        log_probs = logits - logits.max(-1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(-1, keepdims=True))
        y = targets[start : start + batch_size]
        rows.append(np.where(y != PAD_ID, np.take_along_axis(log_probs, y[..., None], axis=-1)[..., 0], 0.0))
    return np.concatenate(rows)


def scored_words(targets, skip_ids=()):
    """Boolean mask of the target words perplexity counts: not padding, not in `skip_ids`."""
    return (targets != PAD_ID) & ~np.isin(targets, skip_ids)


def perplexity_of(log_likelihoods, words):
    """exp(mean negative log-likelihood) over the positions where `words` is True."""
    if not words.any():
        raise ValueError("No target words to score: the mask selects none (all padding, skipped or left out)")
    return math.exp(-log_likelihoods[words].mean())


def perplexity(model, inputs, targets, batch_size=64, skip_ids=()):
    """exp(mean negative log-likelihood per target word), padding excluded,
    [end] included. Targets in `skip_ids` are not scored either (e.g. [UNK],
    whose probability says more about the vocabulary cut than about the model)."""
    words = scored_words(targets, skip_ids)
    if not words.any():
        raise ValueError(f"No target words to score: every target is padding or one of skip_ids={list(skip_ids)}")
    return perplexity_of(word_log_likelihoods(model, inputs, targets, batch_size), words)


def seen_in_training(train_pairs, held_out_pairs):
    """Boolean mask: which held-out (previous, prompt, reply) triples have their
    prompt and reply, case aside, also as a training pair. Small corpora repeat
    pairs across files and conversations; a model can score these by memory, so
    perplexity is reported on both parts."""
    seen = {(prompt.lower(), reply.lower()) for _, prompt, reply in train_pairs}
    return np.array([(prompt.lower(), reply.lower()) in seen for _, prompt, reply in held_out_pairs], bool)


def word_parts(targets, seen, prompts=None):
    """Boolean masks (batch, Tr) of the scored target words, by where they sit:

        seen, novel        words of held-out pairs that also are (are not) training pairs
        novel_first_word   a novel reply's first word, which only the prompt can tell
        novel_from_prompt  a novel reply's other words that occur in its prompt (copyable)
        novel_other        the rest of the novel words, [end] included

    The last three need `prompts` (batch, Tp) and split the novel words."""
    if len(seen) != len(targets) or (prompts is not None and len(prompts) != len(targets)):
        raise ValueError(f"Need one seen flag and one prompt per reply: got {len(targets)} replies, {len(seen)} seen "
                         f"flags and {'no' if prompts is None else len(prompts)} prompts")
    words = scored_words(targets)
    seen_rows = np.asarray(seen, bool)[:, None]
    parts = {"seen": words & seen_rows, "novel": words & ~seen_rows}
    if prompts is not None:
        first = np.zeros_like(words)
        first[:, 0] = True
        in_prompt = (targets[:, :, None] == prompts[:, None, :]).any(-1) & (targets > SEP_ID)
        parts["novel_first_word"] = parts["novel"] & first
        parts["novel_from_prompt"] = parts["novel"] & ~first & in_prompt
        parts["novel_other"] = parts["novel"] & ~first & ~in_prompt
    return parts


def prompt_headroom(log_likelihoods, reply_only_log_likelihoods, seen_words, novel_words, lambdas=np.linspace(0, 1, 21)):
    """How low the ratio of perplexities could go on this held-out set: two
    bounds read off the two models' word log-likelihoods, each against the
    reply-only LM's perplexity on the same words.

        perfect_seen_ratio    a model that gives every seen word probability 1
                              and matches the reply-only LM on the novel words
        oracle_mixture_ratio  λ p_seq2seq + (1 − λ) p_LM, λ picked from `lambdas`
                              apart for the seen and the novel words on these
                              very words: an oracle that knows which part a
                              pair is in and may lean on a second network
    """
    if not seen_words.any() or not novel_words.any():
        raise ValueError(f"Need words in both parts, got {int(seen_words.sum())} seen_words and {int(novel_words.sum())} novel_words")
    words = seen_words | novel_words
    reply_only = -reply_only_log_likelihoods[words].mean()
    perfect_seen = -reply_only_log_likelihoods[novel_words].sum() / words.sum()
    best_mixture = sum(_best_mixture(log_likelihoods[part], reply_only_log_likelihoods[part], lambdas)
                       for part in (seen_words, novel_words)) / words.sum()
    return {"perfect_seen_ratio": math.exp(perfect_seen - reply_only),
            "oracle_mixture_ratio": math.exp(best_mixture - reply_only)}


def _best_mixture(first, second, lambdas):
    """The lowest total negative log-likelihood of λ p₁ + (1 − λ) p₂ over `lambdas`."""
    with np.errstate(divide="ignore"):  # log 0 at λ = 0 or 1 is -inf, which logaddexp takes
        return min(-np.logaddexp(np.log(lam) + first, np.log(1 - lam) + second).sum() for lam in lambdas)


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
