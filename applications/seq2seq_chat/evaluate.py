"""How good a chat model is: per-word perplexity (and on which words the
prompt helps, and how far it could), BLEU of decoded replies, and the
nearest-neighbour retrieval baseline that BLEU is read against."""

import math
from collections import Counter

import numpy as np
import scipy.sparse

from rnnzoo.applications.common.metrics import corpus_bleu
from rnnzoo.applications.seq2seq_chat.model import match_scores
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


class Tfidf:
    """TF-IDF word vectors (smooth idf, log((1 + N) / (1 + df)) + 1, as
    scikit-learn's default), fitted on a list of word lists."""

    def __init__(self, texts):
        if not texts:
            raise ValueError("Need at least one text to fit TF-IDF on")
        self.words = {w: i for i, w in enumerate(sorted({w for t in texts for w in t}))}
        df = np.bincount(self._counts(texts).indices, minlength=len(self.words))
        self.idf = np.log((1 + len(texts)) / (1 + df)) + 1

    def _counts(self, texts):
        """Word counts, a sparse (len(texts), vocabulary) matrix (a large corpus
        would not fit dense)."""
        rows, columns, values = [], [], []
        for row, words in enumerate(texts):
            for word, n in Counter(words).items():
                if word in self.words:
                    rows.append(row)
                    columns.append(self.words[word])
                    values.append(n)
        return scipy.sparse.csr_matrix((values, (rows, columns)), shape=(len(texts), len(self.words)), dtype=float)

    def vectors(self, texts):
        """Unit-length TF-IDF rows of word lists (all-zero for no known word)."""
        weighted = self._counts(texts).multiply(self.idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
        return (scipy.sparse.diags(1.0 / np.where(norms == 0, 1, norms)) @ weighted).tocsr()


class RetrievalBaseline:
    """Nearest neighbour: the reply of the training prompt most similar to the
    input, by cosine similarity of TF-IDF word vectors (`Tfidf`).

    Args:
        prompts, replies: Training pairs, as word lists (prompts) and strings.
    """

    def __init__(self, prompts, replies):
        if not prompts or len(prompts) != len(replies):
            raise ValueError(f"Need as many replies as prompts (> 0), got {len(prompts)} and {len(replies)}")
        self.tfidf = Tfidf(prompts)
        self.matrix = self.tfidf.vectors(prompts)
        self.replies = list(replies)

    def reply(self, prompts, batch_size=256):
        """For each prompt (a word list), the reply of its nearest training prompt
        (the first one on ties; the first training pair if no word is shared)."""
        best = []
        for start in range(0, len(prompts), batch_size):
            scores = (self.tfidf.vectors(prompts[start : start + batch_size]) @ self.matrix.T).toarray()
            best.extend(scores.argmax(axis=1).tolist())
        return [self.replies[i] for i in best]


def bleu_table(hypotheses_by_name, references):
    """{name: corpus BLEU-4} for several systems over the same references."""
    return {name: corpus_bleu(h, references, max_order=4) for name, h in hypotheses_by_name.items()}


# --------------------------------------------------------------------------
# The test-set evaluation of a zoo chat model (chitchat-seq2seq):
#     python -m rnnzoo.applications.seq2seq_chat.evaluate
# --------------------------------------------------------------------------
HITS_CANDIDATES = 20  # ConvAI2's hits@1/20: the true reply among 19 others
HITS_PAIRS = 1000  # test pairs ranked (a seeded choice)
GENERATION_PROMPTS = 200  # test prompts replied to by each decoding method
SAMPLING = dict(temperature=1.0, top_p=0.9)  # nucleus sampling's settings here


def distinct_n(replies, n):
    """Distinct n-grams over all n-grams of `replies` (word lists; Li et al. 2016)."""
    grams = [tuple(words[i : i + n]) for words in replies for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def most_common_share(replies):
    """The share of `replies` (strings) that are the most frequent one."""
    return Counter(replies).most_common(1)[0][1] / len(replies) if replies else 0.0


def hits_at_1(scores):
    """Fraction of rows (prompts) whose first column (the true reply) scores
    strictly above every other candidate: ties count as misses."""
    scores = np.asarray(scores, "float64")
    return float(np.mean(scores[:, 0] > scores[:, 1:].max(axis=1)))


def distractors(conversation_of, count, seed=0):
    """For each pair, `count` indices of pairs from other conversations (seeded),
    whose replies it is ranked against."""
    conversation_of = np.asarray(conversation_of)
    if len(np.unique(conversation_of)) < 2:
        raise ValueError("Need pairs from at least 2 conversations to draw distractors from other ones")
    rng = np.random.default_rng(seed)
    result = []
    for own in conversation_of:
        others = np.flatnonzero(conversation_of != own)
        result.append(rng.choice(others, size=count, replace=len(others) < count))
    return np.array(result)


def reply_log_likelihoods(model, encoder_ids, decoder_in, targets, batch_size=64):
    """Sum of log p over each reply's words ([end] included); `encoder_ids`
    None for a reply-only model."""
    inputs = decoder_in if encoder_ids is None else (encoder_ids, decoder_in)
    return word_log_likelihoods(model, inputs, targets, batch_size).sum(axis=1)


def ranking_figures(model, lm, x, y, conversation_of, tfidf, context_words, reply_words, pairs, seed=0, mmi_lambda=0.5,
                    ranker=None):
    """hits@1/20 on `pairs` (indices into the test arrays) for the seq2seq
    model's log p(r | p) (in all, and per word), its MMI score
    log p(r | p) − λ log p(r) (λ = 1, pointwise mutual information, and the
    decoding λ), the reply-only LM's log p(r), and TF-IDF cosine between the
    context (previous turns and prompt) and the candidate reply.

    With a `ranker` (the model's ranking head, `decoding.Ranker`) its score
    S(context, r) ranks too, alone and plus the pointwise mutual information;
    `hits_at_1_seq2seq` is then the head's figure (the score the model was
    trained to rank by) and `hits_at_1_seq2seq_log_p` the likelihood's."""
    others = distractors(conversation_of, HITS_CANDIDATES - 1, seed)[pairs]
    candidates = np.concatenate([np.asarray(pairs)[:, None], others], axis=1)  # (n, 20), true reply first
    flat = candidates.ravel()
    prompts = np.repeat(x[0][pairs], HITS_CANDIDATES, axis=0)
    conditional = reply_log_likelihoods(model, prompts, x[1][flat], y[flat]).reshape(candidates.shape)
    unconditional = reply_log_likelihoods(lm, None, x[1], y)[candidates]
    queries = tfidf.vectors([context_words[i] for i in pairs])
    replies = tfidf.vectors(reply_words)
    cosine = np.stack([(replies[row] @ queries[k].T).toarray().ravel() for k, row in enumerate(candidates)])
    words = (y[flat] != PAD_ID).sum(axis=1).reshape(candidates.shape)  # [end] included
    figures = {}
    if ranker is not None:
        # Every reply encoded once (the decoder input without [start]), then indexed.
        replies = ranker.reply_vectors([row[row != PAD_ID][1:] for row in x[1]])
        head = np.stack([np.asarray(match_scores(c[None], replies[row]))[0]
                         for c, row in zip(ranker.context_vectors(x[0][pairs]), candidates)])
        pointwise = conditional - unconditional
        figures = {"hits_at_1_seq2seq": hits_at_1(head), "hits_at_1_seq2seq_ranking_plus_pmi": hits_at_1(head + pointwise)}
    return {
        "hits_at_1_seq2seq" + ("_log_p" if ranker is not None else ""): hits_at_1(conditional),
        **figures,
        "hits_at_1_seq2seq_per_word": hits_at_1(conditional / words),
        "hits_at_1_seq2seq_mmi_lambda_1": hits_at_1(conditional - unconditional),
        f"hits_at_1_seq2seq_mmi_lambda_{mmi_lambda:g}": hits_at_1(conditional - mmi_lambda * unconditional),
        "hits_at_1_reply_only_lm": hits_at_1(unconditional),
        "hits_at_1_tfidf": hits_at_1(cosine),
        "hits_pairs": len(pairs),
    }


def generation_figures(bot, x, y, prompts, beam_width, alpha, mmi_lambda, mmi_samples=0, seed=0, ranking_weight=0.0):
    """distinct-1/2, BLEU against the true reply and the most common reply's
    share, for each decoding method on the test `prompts` (indices); with a
    `ranking_weight`, also for MMI plus the ranking head's score (`beam_mmi_ranking`)."""
    tokenizer, decoder, max_len = bot.tokenizer, bot.decoder, bot.max_reply_len
    references = [[" ".join(tokenizer.decode(y[i]))] for i in prompts]
    methods = {
        "greedy": lambda ids: decoder.greedy(ids, max_len),
        "beam": lambda ids: decoder.beam(ids, max_len, beam_width, alpha),
        "beam_mmi": lambda ids: decoder.mmi(ids, bot.reply_lm, max_len, beam_width, alpha, mmi_lambda,
                                            mmi_samples, seed=seed + int(ids.sum())),
        "sampling": lambda ids: decoder.sample(ids, max_len, seed=seed + int(ids.sum()), **SAMPLING),
    }
    if ranking_weight:
        methods["beam_mmi_ranking"] = lambda ids: decoder.mmi(
            ids, bot.reply_lm, max_len, beam_width, alpha, mmi_lambda, mmi_samples, seed=seed + int(ids.sum()),
            ranker=bot.ranker, ranking_weight=ranking_weight)
    figures, examples = {}, {}
    for name, decode in methods.items():
        replies = [tokenizer.decode(decode(row[row != PAD_ID])[0]) for row in x[0][prompts]]
        strings = [" ".join(words) for words in replies]
        figures.update({f"distinct_1_{name}": distinct_n(replies, 1), f"distinct_2_{name}": distinct_n(replies, 2),
                        f"bleu_{name}": corpus_bleu(strings, references, max_order=4),
                        f"most_common_share_{name}": most_common_share(strings)})
        examples[name] = strings
    figures["generation_prompts"] = len(prompts)
    return figures, examples


SPLITS = ("test", "validation")


def test_pairs(config, corpus, path=None, split="test"):
    """The test (or validation) conversations' pairs as training made them,
    and the index of each pair's conversation."""
    from rnnzoo.applications.seq2seq_chat import data

    if split not in SPLITS:
        raise ValueError(f"Unknown split={split!r}; choose one of {list(SPLITS)}")
    _, validation, test = data.split_three(data.read_chitchat(path), seed=corpus.get("split_seed", data.SPLIT_SEED))
    test = test if split == "test" else validation
    history = max(1, int(config.get("context", 0)))
    pairs, conversation_of = [], []
    for index, conversation in enumerate(test):
        found = data.pairs([conversation], history, corpus.get("max_words"))
        pairs += found
        conversation_of += [index] * len(found)
    return pairs, conversation_of


def evaluate_zoo_model(name="chitchat-seq2seq", weights=True, lm_weights=True, data_path=None,
                       hits_pairs=HITS_PAIRS, prompts=GENERATION_PROMPTS, seed=0, split="test", decoding=None):
    """Every test figure of a zoo chat model and its reply-only LM (see the
    module's CLI); `decoding` overrides entries of the zoo entry's decoding
    settings (to choose them on the validation split)."""
    from rnnzoo.applications.seq2seq_chat import data
    from rnnzoo.applications.seq2seq_chat.chat import ChatBot
    from rnnzoo.applications.seq2seq_chat.text import Tokenizer, pair_arrays
    from rnnzoo.zoo.loading import entry, load

    model_entry = entry(name)
    config, corpus = model_entry["config"], model_entry.get("corpus", {})
    decoding = {**model_entry.get("decoding", {}), **(decoding or {})}
    if "reply_lm" not in model_entry:
        raise ValueError(f"{name!r} names no reply-only LM (its entry's `reply_lm`); the figures need one")
    model, lm = load(name, weights=weights), load(model_entry["reply_lm"], weights=lm_weights)
    tokenizer = Tokenizer(config["vocabulary"])
    pairs, conversation_of = test_pairs(config, corpus, data_path, split)
    x, y = pair_arrays(tokenizer, pairs, config)

    # Perplexity per word, the reply given its context against the reply alone.
    figures = {"perplexity": perplexity(model, x, y), "reply_only_perplexity": perplexity(lm, x[1], y)}
    figures["ratio"] = figures["perplexity"] / figures["reply_only_perplexity"]
    figures.update(test_pairs=len(pairs), test_conversations=len(set(conversation_of)))

    # Ranking: hits@1/20, with TF-IDF's idf from the training conversations.
    train_conversations = data.split_three(data.read_chitchat(data_path), seed=corpus.get("split_seed", data.SPLIT_SEED))[0]
    tfidf = Tfidf(tokenizer.words_batch([turn for c in train_conversations for turn in c if turn]))
    contexts = [" ".join((p if isinstance(p, tuple) else [p or ""]) + (q,)) for p, q, _ in pairs]
    context_words, reply_words = tokenizer.words_batch(contexts), tokenizer.words_batch([r for _, _, r in pairs])
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(pairs), size=min(hits_pairs, len(pairs)), replace=False))
    mmi_lambda = decoding.get("mmi_lambda", 0.5)
    bot = ChatBot(model, config, reply_lm=lm)
    figures.update(ranking_figures(model, lm, x, y, conversation_of, tfidf, context_words, reply_words, chosen,
                                   seed, mmi_lambda, bot.ranker))

    # Generation on the first `prompts` of another seeded order.
    shown = np.sort(rng.permutation(len(pairs))[: min(prompts, len(pairs))])
    generated, examples = generation_figures(bot, x, y, shown, decoding.get("beam_width", 8),
                                             decoding.get("alpha", 0.6), mmi_lambda, decoding.get("mmi_samples", 0), seed,
                                             decoding.get("ranking_weight", 0.0) if bot.ranker is not None else 0.0)
    figures.update(generated)
    return figures, examples, [pairs[i] for i in shown]


def main(argv=None):
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description="Test-set figures of a zoo chat model: perplexity against its "
                                                 "reply-only LM, hits@1/20, distinct-n and BLEU per decoding method.")
    parser.add_argument("--model", default="chitchat-seq2seq")
    parser.add_argument("--weights", help="a local .weights.h5 instead of the zoo's")
    parser.add_argument("--lm-weights", help="a local .weights.h5 of the reply-only LM instead of the zoo's")
    parser.add_argument("--data", help="the chitchat dataset.json (default: the installed package's)")
    parser.add_argument("--hits-pairs", type=int, default=HITS_PAIRS, help="test pairs ranked for hits@1/20")
    parser.add_argument("--prompts", type=int, default=GENERATION_PROMPTS, help="test prompts replied to per method")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=SPLITS, default="test",
                        help="the test conversations, or the validation ones (to choose decoding settings on)")
    parser.add_argument("--mmi-lambda", type=float, help="MMI's lambda instead of the entry's")
    parser.add_argument("--ranking-weight", type=float, help="the ranking head's weight in reranking instead of the entry's")
    parser.add_argument("--report", help="write the figures (and the replies) here as JSON")
    args = parser.parse_args(argv)
    for flag in ("hits_pairs", "prompts"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be a positive integer, got {getattr(args, flag)}")
    try:
        overrides = {k: v for k, v in [("mmi_lambda", args.mmi_lambda), ("ranking_weight", args.ranking_weight)]
                     if v is not None}
        figures, examples, shown = evaluate_zoo_model(args.model, args.weights or True, args.lm_weights or True,
                                                      args.data, args.hits_pairs, args.prompts, args.seed,
                                                      args.split, overrides)
    except (ValueError, FileNotFoundError) as error:
        sys.exit(f"evaluate: error: {error}")
    print(json.dumps(figures, indent=2))
    if args.report:
        from pathlib import Path

        record = {"figures": figures, "replies": [{"prompt": q, "previous": p, "true_reply": r,
                                                    **{m: examples[m][k] for m in examples}}
                                                   for k, (p, q, r) in enumerate(shown)]}
        Path(args.report).write_text(json.dumps(record, indent=2))
    return figures


if __name__ == "__main__":
    main()
