"""Replies from a trained chat model, one word per decoder step: greedy,
sampled (temperature, top-k, nucleus), beam search with the GNMT length
penalty, and beam search reranked by maximum mutual information (MMI).

MMI (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
Conversation Models", the MMI-antiLM criterion applied to the beam's N-best
list): a candidate reply r to prompt p scores

    (log p(r | p) − λ · log p(r)) / lp(|r|)

with p(r) from a reply-only language model. The second term takes back the
credit a reply gets for being likely whatever was said ("I don't know"), so
replies that fit this prompt rise. A model with a ranking head (`model.py`,
`ranking`) can add μ · S(context, r), its response-selection score, to each
candidate's (`Ranker`, `ranking_weight`).

The prompt is encoded once by the encoder model; the decoder-step model then
takes one word and the recurrent states and returns the next word's logits,
the attention weights over the prompt and the new states (see
`model.inference_models`), so a reply of n words costs n steps.

TensorFlow: this module needs it whatever the Keras backend (its step functions are traced with tf.function);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import math

import numpy as np
import tensorflow as tf

from rnnzoo.applications.seq2seq_chat.model import inference_models, match_scores, ranking_models
from rnnzoo.applications.seq2seq_chat.text import END_ID, PAD_ID, SEP_ID, START_ID, UNK_ID

# Never generated: padding, the unknown word, and the tokens only inputs hold.
BANNED_IDS = [PAD_ID, UNK_ID, START_ID, SEP_ID]
METHODS = ("greedy", "sample", "beam", "mmi")
MMI_TOP_P = 0.9  # the nucleus of MMI's sampled candidates


def check_decoding(method="greedy", max_len=40, temperature=1.0, top_k=None, beam_width=4, alpha=0.6,
                   top_p=None, mmi_lambda=0.5, ranking_weight=0.0):
    if method not in METHODS:
        raise ValueError(f"Unknown decoding method={method!r}; choose one of {list(METHODS)}")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive integer, got {beam_width!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha >= 0 or not math.isfinite(alpha):
        raise ValueError(f"alpha (the length penalty's exponent) must be a finite number >= 0, got {alpha!r}")
    if not math.isfinite(temperature):
        raise ValueError(f"temperature must be finite, got {temperature!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1):
        raise ValueError(f"top_p (nucleus sampling's probability mass) must be in (0, 1], got {top_p!r}")
    if isinstance(mmi_lambda, bool) or not isinstance(mmi_lambda, (int, float)) or not 0 <= mmi_lambda <= 1:
        raise ValueError(f"mmi_lambda (the weight of log p(reply)) must be in [0, 1], got {mmi_lambda!r}")
    if (isinstance(ranking_weight, bool) or not isinstance(ranking_weight, (int, float))
            or not 0 <= ranking_weight < math.inf):
        raise ValueError(f"ranking_weight (the weight of the ranking head's score) must be a finite number >= 0, "
                         f"got {ranking_weight!r}")


def length_penalty(length, alpha):
    """GNMT's lp(Y) = ((5 + |Y|) / 6)^alpha (Wu et al. 2016): a beam's score is
    log P(Y) / lp(Y), so alpha > 0 stops short replies from always winning."""
    return ((5.0 + length) / 6.0) ** alpha


def log_softmax(logits):
    logits = np.asarray(logits, "float64")
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def sample_word(logits, temperature, top_k, rng, top_p=None):
    """One id drawn from softmax(logits / temperature), among the top_k likeliest
    and within the nucleus: the fewest likeliest words whose probabilities sum
    to at least top_p (Holtzman et al. 2020)."""
    logits = np.asarray(logits, "float64") / temperature
    if top_k is not None and top_k < np.isfinite(logits).sum():
        logits = np.where(logits < np.sort(logits)[-top_k], -np.inf, logits)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    if top_p is not None and top_p < 1:
        order = np.argsort(-probabilities, kind="stable")
        # Keep a word if the mass of the words before it is still short of top_p.
        before = np.cumsum(probabilities[order]) - probabilities[order]
        kept = np.zeros_like(probabilities)
        kept[order[before < top_p]] = 1.0
        probabilities = probabilities * kept / (probabilities * kept).sum()
    return int(rng.choice(len(logits), p=probabilities))


class Decoder:
    """Decodes replies with the encoder and step models of a trained chat model."""

    def __init__(self, model):
        self.encoder, self.step_model = inference_models(model)
        # One graph each, for any batch and prompt length: a step is then one call.
        ids = tf.TensorSpec((None, None), tf.int32)
        units = self.step_model.inputs[1].shape[-1]
        step_inputs = [tf.TensorSpec((None, 1), tf.int32), tf.TensorSpec((None, None, units), tf.float32), ids]
        step_inputs += [tf.TensorSpec((None, units), tf.float32)] * (len(self.step_model.inputs) - 3)
        self._encode = tf.function(lambda ids: self.encoder(ids, training=False), input_signature=[ids])
        self._step = tf.function(lambda inputs: self.step_model(inputs, training=False), input_signature=[step_inputs])

    def _start(self, prompt_ids, copies):
        prompts = tf.constant(np.repeat(np.asarray(prompt_ids, "int32")[None], copies, axis=0))
        memory, *states = self._encode(prompts)
        return prompts, memory, states

    def _next(self, words, prompts, memory, states):
        """(log-probabilities (batch, V) with banned ids at -inf, attention (batch, Tp), states)."""
        logits, weights, *states = self._step([tf.constant(np.asarray(words, "int32")[:, None]), memory, prompts, *states])
        log_probs = log_softmax(logits.numpy()[:, 0])
        log_probs[:, BANNED_IDS] = -np.inf
        return log_probs, weights.numpy()[:, 0], states

    def walk(self, prompt_ids, max_len=40, choose=None):
        """One reply word by word, `choose(log_probs)` picking each (default argmax).

        Returns (ids without [end], attention rows (steps, Tp) including the [end] step)."""
        ids, rows, _ = self._walk(prompt_ids, max_len, choose)
        return ids, rows

    def _walk(self, prompt_ids, max_len, choose):
        """`walk`, and the reply's log P under the model (the untempered,
        untruncated distribution; [end] included when it was chosen)."""
        choose = choose or (lambda log_probs: int(np.argmax(log_probs)))
        prompts, memory, states = self._start(prompt_ids, 1)
        word, ids, rows, total = START_ID, [], [], 0.0
        for _ in range(max_len):
            log_probs, weights, states = self._next([word], prompts, memory, states)
            word = choose(log_probs[0])
            total += float(log_probs[0][word])
            rows.append(weights[0])
            if word == END_ID:
                break
            ids.append(word)
        return ids, np.array(rows), total

    def greedy(self, prompt_ids, max_len=40):
        return self.walk(prompt_ids, max_len)

    def sample(self, prompt_ids, max_len=40, temperature=1.0, top_k=None, seed=None, top_p=None):
        rng = np.random.default_rng(seed)
        return self.walk(prompt_ids, max_len, lambda log_probs: sample_word(log_probs, temperature, top_k, rng, top_p))

    def beam(self, prompt_ids, max_len=40, beam_width=4, alpha=0.6):
        """Beam search: `beam_width` hypotheses extended in one batch per step.
        Of the step's candidates in order of log P, one ending in [end] within
        the first `beam_width` is set aside with score log P / lp(length); the
        best `beam_width` others live on. The search stops once `beam_width`
        are set aside, or after `max_len` steps. Width 1 is greedy decoding.

        Returns (ids, attention rows) of the reply with the best score."""
        _, _, ids, rows = self.candidates(prompt_ids, max_len, beam_width, alpha)[0]
        return ids, rows

    def mmi(self, prompt_ids, reply_lm, max_len=40, beam_width=8, alpha=0.6, mmi_lambda=0.5, samples=0,
            top_p=0.9, seed=None, ranker=None, ranking_weight=0.0):
        """Candidates reranked by MMI (see the module docstring): the beam's
        finished replies, and `samples` nucleus samples (`top_p`), which bring
        the variety a beam's near-identical N-best list lacks. With a `ranker`,
        `ranking_weight` × its score of each candidate is added.

        Returns (ids, attention rows) of the reply with the best MMI score."""
        found = self.candidates(prompt_ids, max_len, beam_width, alpha)
        rng = np.random.default_rng(seed)
        for _ in range(samples):
            ids, rows, log_p = self._walk(prompt_ids, max_len, lambda lp: sample_word(lp, 1.0, None, rng, top_p))
            if all(ids != other for _, _, other, _ in found):
                found.append((None, log_p, ids, rows))
        unconditional = reply_lm.log_probabilities([ids for _, _, ids, _ in found])
        scores = np.array([(log_p - mmi_lambda * log_u) / length_penalty(len(ids) + 1, alpha)
                           for (_, log_p, ids, _), log_u in zip(found, unconditional)])
        if ranker is not None and ranking_weight:
            scores = scores + ranking_weight * ranker.scores(prompt_ids, [ids for _, _, ids, _ in found])
        _, _, ids, rows = found[int(np.argmax(scores))]
        return ids, rows

    def candidates(self, prompt_ids, max_len=40, beam_width=4, alpha=0.6):
        """The beam's finished replies (see `beam`), best first: a list of
        (log P / lp(length), log P(reply [end] | prompt), ids, attention rows)."""
        prompts, memory, states = self._start(prompt_ids, beam_width)
        scores = np.full(beam_width, -np.inf)
        scores[0] = 0.0  # one live hypothesis at first; the copies wait at -inf
        words = np.full(beam_width, START_ID)
        histories, attentions = [[] for _ in range(beam_width)], [[] for _ in range(beam_width)]
        finished = []
        for _ in range(max_len):
            log_probs, weights, states = self._next(words, prompts, memory, states)
            total = scores[:, None] + log_probs
            keep = []
            for rank, flat in enumerate(np.argsort(-total, axis=None, kind="stable")):
                row, word = divmod(int(flat), total.shape[1])
                if len(keep) == beam_width or not np.isfinite(total[row, word]):
                    break
                rows = attentions[row] + [weights[row]]
                if word != END_ID:
                    keep.append((row, word, total[row, word], rows))
                elif rank < beam_width:
                    length = len(histories[row]) + 1
                    finished.append((total[row, word] / length_penalty(length, alpha), total[row, word], histories[row], rows))
            if len(finished) >= beam_width or not keep:
                break
            keep += [(keep[0][0], keep[0][1], -np.inf, keep[0][3])] * (beam_width - len(keep))
            states = [tf.gather(s, np.array([k[0] for k in keep])) for s in states]
            words = np.array([k[1] for k in keep])
            scores = np.array([k[2] for k in keep])
            histories = [histories[k[0]] + [k[1]] for k in keep]
            attentions = [k[3] for k in keep]
        if not finished:  # none ended within max_len: the live ones compete
            finished = [(s / length_penalty(len(h), alpha), s, h, a)
                        for s, h, a in zip(scores, histories, attentions) if np.isfinite(s)]
        return [(score, raw, ids, np.array(rows)) for score, raw, ids, rows in sorted(finished, key=lambda f: -f[0])]

    def decode(self, prompt_ids, method="greedy", max_len=40, temperature=1.0, top_k=None,
               beam_width=4, alpha=0.6, seed=None, top_p=None, reply_lm=None, mmi_lambda=0.5, mmi_samples=0,
               ranker=None, ranking_weight=0.0):
        check_decoding(method, max_len, temperature, top_k, beam_width, alpha, top_p, mmi_lambda, ranking_weight)
        if method == "greedy":
            return self.greedy(prompt_ids, max_len)
        if method == "sample":
            return self.sample(prompt_ids, max_len, temperature, top_k, seed, top_p)
        if method == "mmi":
            if reply_lm is None:
                raise ValueError("method='mmi' needs a reply-only language model (reply_lm)")
            if ranking_weight and ranker is None:
                raise ValueError(f"ranking_weight={ranking_weight!r} needs a model with a ranking head (ranker)")
            return self.mmi(prompt_ids, reply_lm, max_len, beam_width, alpha, mmi_lambda, mmi_samples,
                            top_p if top_p is not None else MMI_TOP_P, seed, ranker, ranking_weight)
        return self.beam(prompt_ids, max_len, beam_width, alpha)


class ReplyLM:
    """log p(reply [end]) by a trained reply-only language model (a chat model
    built with `conditioned=False`), for MMI reranking and ranking metrics.

    Args:
        model: The reply-only LM.
        max_len: Its longest reply, [end] included (its `max_reply_len`).
    """

    def __init__(self, model, max_len=40):
        self.model, self.max_len = model, max_len

    def log_probabilities(self, replies, batch_size=64):
        """log p of each reply (a list of ids, no [end]), [end] included; one
        teacher-forced pass per batch. Replies longer than `max_len - 1` are cut."""
        from rnnzoo.applications.seq2seq_chat.evaluate import word_log_likelihoods
        from rnnzoo.applications.seq2seq_chat.text import decoder_arrays

        if not replies:
            return np.zeros(0)
        inputs, targets = decoder_arrays([np.asarray(r, "int32") for r in replies], self.max_len)
        return word_log_likelihoods(self.model, inputs, targets, batch_size).sum(axis=1)


class Ranker:
    """The response-selection score S(context, reply) = c · r / √d of a chat
    model's ranking head (`model.ranking_models`), for hits@1 and reranking.

    Args:
        model: A chat model built with `ranking` > 0.
        max_len: Its longest reply, [end] included (its `max_reply_len`).
    """

    def __init__(self, model, max_len=40):
        self.context_encoder, self.reply_encoder = ranking_models(model)
        self.max_len = max_len

    def context_vectors(self, encoder_ids, batch_size=256):
        """c of each row of encoder ids (batch, Tp), as the model reads them."""
        encoder_ids = np.atleast_2d(np.asarray(encoder_ids, "int32"))
        return np.concatenate([np.asarray(self.context_encoder(encoder_ids[k : k + batch_size], training=False))
                               for k in range(0, len(encoder_ids), batch_size)])

    def reply_vectors(self, replies, batch_size=256):
        """r of each reply (a list of ids without [start] or [end])."""
        from rnnzoo.applications.seq2seq_chat.text import decoder_arrays

        inputs, _ = decoder_arrays([np.asarray(r, "int32") for r in replies], self.max_len)
        return np.concatenate([np.asarray(self.reply_encoder(inputs[k : k + batch_size], training=False))
                               for k in range(0, len(inputs), batch_size)])

    def scores(self, encoder_ids, replies):
        """S of one context (its encoder ids) against each of `replies`."""
        if not replies:
            return np.zeros(0)
        return np.asarray(match_scores(self.context_vectors(encoder_ids), self.reply_vectors(replies)), "float64")[0]


def sequence_log_probability(decoder, prompt_ids, reply_ids):
    """log P(reply [end] | prompt) by the step model, for tests and scoring."""
    prompts, memory, states = decoder._start(prompt_ids, 1)
    total, word = 0.0, START_ID
    for target in list(reply_ids) + [END_ID]:
        logits, _, *states = decoder._step([tf.constant([[word]]), memory, prompts, *states])
        total += float(log_softmax(logits.numpy()[0, 0])[target])
        word = target
    return total if math.isfinite(total) else -math.inf
