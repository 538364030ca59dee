"""Replies from a trained chat model, one word per decoder step: greedy,
sampled (temperature, top-k) and beam search with the GNMT length penalty.

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

from rnnzoo.applications.seq2seq_chat.model import inference_models
from rnnzoo.applications.seq2seq_chat.text import END_ID, PAD_ID, SEP_ID, START_ID, UNK_ID

# Never generated: padding, the unknown word, and the tokens only inputs hold.
BANNED_IDS = [PAD_ID, UNK_ID, START_ID, SEP_ID]
METHODS = ("greedy", "sample", "beam")


def check_decoding(method="greedy", max_len=40, temperature=1.0, top_k=None, beam_width=4, alpha=0.6):
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
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha >= 0:
        raise ValueError(f"alpha (the length penalty's exponent) must be >= 0, got {alpha!r}")


def length_penalty(length, alpha):
    """GNMT's lp(Y) = ((5 + |Y|) / 6)^alpha (Wu et al. 2016): a beam's score is
    log P(Y) / lp(Y), so alpha > 0 stops short replies from always winning."""
    return ((5.0 + length) / 6.0) ** alpha


def log_softmax(logits):
    logits = np.asarray(logits, "float64")
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def sample_word(logits, temperature, top_k, rng):
    """One id drawn from softmax(logits / temperature), among the top_k likeliest."""
    logits = np.asarray(logits, "float64") / temperature
    if top_k is not None and top_k < np.isfinite(logits).sum():
        logits = np.where(logits < np.sort(logits)[-top_k], -np.inf, logits)
    probabilities = np.exp(logits - logits.max())
    return int(rng.choice(len(logits), p=probabilities / probabilities.sum()))


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
        choose = choose or (lambda log_probs: int(np.argmax(log_probs)))
        prompts, memory, states = self._start(prompt_ids, 1)
        word, ids, rows = START_ID, [], []
        for _ in range(max_len):
            log_probs, weights, states = self._next([word], prompts, memory, states)
            word = choose(log_probs[0])
            rows.append(weights[0])
            if word == END_ID:
                break
            ids.append(word)
        return ids, np.array(rows)

    def greedy(self, prompt_ids, max_len=40):
        return self.walk(prompt_ids, max_len)

    def sample(self, prompt_ids, max_len=40, temperature=1.0, top_k=None, seed=None):
        rng = np.random.default_rng(seed)
        return self.walk(prompt_ids, max_len, lambda log_probs: sample_word(log_probs, temperature, top_k, rng))

    def beam(self, prompt_ids, max_len=40, beam_width=4, alpha=0.6):
        """Beam search: `beam_width` hypotheses extended in one batch per step.
        Of the step's candidates in order of log P, one ending in [end] within
        the first `beam_width` is set aside with score log P / lp(length); the
        best `beam_width` others live on. The search stops once `beam_width`
        are set aside, or after `max_len` steps. Width 1 is greedy decoding.

        Returns (ids, attention rows) of the reply with the best score."""
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
                    finished.append((total[row, word] / length_penalty(length, alpha), histories[row], rows))
            if len(finished) >= beam_width or not keep:
                break
            keep += [(keep[0][0], keep[0][1], -np.inf, keep[0][3])] * (beam_width - len(keep))
            states = [tf.gather(s, np.array([k[0] for k in keep])) for s in states]
            words = np.array([k[1] for k in keep])
            scores = np.array([k[2] for k in keep])
            histories = [histories[k[0]] + [k[1]] for k in keep]
            attentions = [k[3] for k in keep]
        if not finished:  # none ended within max_len: the live ones compete
            finished = [(s / length_penalty(len(h), alpha), h, a)
                        for s, h, a in zip(scores, histories, attentions) if np.isfinite(s)]
        _, ids, rows = max(finished, key=lambda f: f[0])
        return ids, np.array(rows)

    def decode(self, prompt_ids, method="greedy", max_len=40, temperature=1.0, top_k=None,
               beam_width=4, alpha=0.6, seed=None):
        check_decoding(method, max_len, temperature, top_k, beam_width, alpha)
        if method == "greedy":
            return self.greedy(prompt_ids, max_len)
        if method == "sample":
            return self.sample(prompt_ids, max_len, temperature, top_k, seed)
        return self.beam(prompt_ids, max_len, beam_width, alpha)


def sequence_log_probability(decoder, prompt_ids, reply_ids):
    """log P(reply [end] | prompt) by the step model, for tests and scoring."""
    prompts, memory, states = decoder._start(prompt_ids, 1)
    total, word = 0.0, START_ID
    for target in list(reply_ids) + [END_ID]:
        logits, _, *states = decoder._step([tf.constant([[word]]), memory, prompts, *states])
        total += float(log_softmax(logits.numpy()[0, 0])[target])
        word = target
    return total if math.isfinite(total) else -math.inf
