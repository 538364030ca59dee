"""The encoder-decoder with attention, its reply-only language-model twin, and
the per-step inference models that share their layers.

Training model (teacher forcing), the layout of the TensorFlow NMT tutorial:

    prompt ids ─ embedding ─ Bidirectional(rnn) ─┬─ outputs ─ memory (Dense) ────────┐
                                                 └─ last states ─ bridge (Dense, tanh)│
    [start] w1..wn ─ embedding ─ rnn(initial state = bridge) ─ outputs ─ attention ─ context
                                                 concat(outputs, context) ─ combine (Dense, tanh) ─ logits

The attention score is additive (Bahdanau et al. 2015: vᵀ tanh(W₁q + W₂k),
`keras.layers.AdditiveAttention`) or multiplicative (Luong et al. 2015,
"general": qᵀ W k, `keras.layers.Attention`); as in Luong et al. and the TF
tutorial, the decoder's own output is the query and `combine` makes the
attentional hidden state.

`copy=True` adds the pointer-generator copy mechanism (See et al. 2017):
the next word is drawn from p = g · softmax(logits) + (1 − g) · Σ attention
over the prompt positions holding that word, with a learnt switch
g = σ(w · [hidden, context, input embedding]); the model then outputs log p.
Replies often repeat the prompt's words ("What is a X?" - "A X is ..."),
including words outside the vocabulary, which it copies as [UNK].

`ranking=w > 0` adds a response-selection head trained beside the words
(multi-task, as TransferTransfo's next-utterance classifier; the dual
encoder of Lowe et al. 2015 with in-batch negatives, Henderson et al. 2017):
the encoder, shared, reads the context and, separately, the reply; two Dense
projections of their final states give c and r, and a batch's score matrix
S = c rᵀ / √units is trained by softmax cross-entropy towards its diagonal
(each context's own reply against the batch's others), weighted by w and added
to the word loss (`InBatchRanking`, an endpoint layer). S ranks candidate
replies in one matrix product (hits@1/20) and reranks decoded ones.

`conditioned=False` builds the reply-only language model: the same embedding,
decoder, `combine` and logits, with the encoder and attention removed (the
decoder starts from zeros). It is the baseline of the "does the model use the
prompt" test.
"""

import keras
from keras import ops

from rnnzoo import layers
from rnnzoo.layers.base import check_positive_int, check_rate
from rnnzoo.applications.seq2seq_chat.text import PAD_ID

# The recurrent layers a user can pick, by name; each takes (units, **kwargs).
RECURRENT_LAYERS = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "peephole": layers.PeepholeLSTM,
    # Fast and slow units in one layer: time scales from 1 to 100 words.
    "leaky": lambda units, **kw: layers.LeakyRNN(units, leak_rate_range=(0.01, 1.0), **kw),
}
# How many state tensors each layer carries (h, or h and c).
STATE_COUNT = {"lstm": 2, "gru": 1, "peephole": 2, "leaky": 1}
ATTENTIONS = ("bahdanau", "luong")


def check_config(rnn, attention, units, embedding_dim, dropout, max_prompt_len, max_reply_len):
    if rnn not in RECURRENT_LAYERS:
        raise ValueError(f"Unknown recurrent layer rnn={rnn!r}; choose one of {sorted(RECURRENT_LAYERS)}")
    if attention not in ATTENTIONS:
        raise ValueError(f"Unknown attention={attention!r}; choose one of {list(ATTENTIONS)}")
    for name, value in [("units", units), ("embedding_dim", embedding_dim),
                        ("max_prompt_len", max_prompt_len), ("max_reply_len", max_reply_len)]:
        check_positive_int(name, value)
    check_rate("dropout", dropout)


def build(
    vocabulary,
    rnn="lstm",
    attention="luong",
    units=256,
    embedding_dim=128,
    dropout=0.2,
    learning_rate=1e-3,
    clipnorm=1.0,
    conditioned=True,
    max_prompt_len=24,
    max_reply_len=40,
    context=False,
    copy=False,
    label_smoothing=0.0,
    ranking=0.0,
):
    """A compiled chat model over `vocabulary` (see `text.py` for its layout).

    Args:
        vocabulary: List of words in id order, special tokens first.
        rnn: Recurrent layer name, one of `RECURRENT_LAYERS` (encoder and decoder).
        attention: "bahdanau" (additive) or "luong" (multiplicative).
        units: Size of the decoder; each encoder direction has as many.
        embedding_dim: Size of the word embedding, shared by encoder and decoder.
        dropout: Dropout on the embeddings and before `combine`.
        learning_rate, clipnorm: Adam's step size and its global-norm clip.
        conditioned: False for the reply-only language model (no encoder).
        max_prompt_len, max_reply_len: Ids the encoder reads (the last ones of
            a longer input) and the longest reply, [end] included. Stored with
            the model so the chat bot cuts inputs as training did.
        context: How many turns before the prompt the encoder reads, as
            `turn [sep] turn [sep] prompt` (False or 0: the prompt alone;
            True means 1). Stored for the chat bot, which keeps that many.
        copy: Whether the decoder can copy prompt words (pointer-generator);
            the outputs are then log-probabilities, which are their own logits.
        label_smoothing: ε of the training loss (Szegedy et al. 2016): the
            target is 1 − ε on the next word plus ε spread evenly over the
            vocabulary, so no word is ever pushed to probability zero.
        ranking: Weight of the in-batch response-selection loss (0: no
            ranking head; see the module docstring). Conditioned models only.

    Returns:
        A `keras.Model` from (prompt ids (batch, Tp), decoder input ids
        (batch, Tr)) -- or decoder input ids alone when not `conditioned` --
        to next-word logits (batch, Tr, len(vocabulary)), compiled with sparse
        cross-entropy that ignores padding (nats per word) and ready for `fit`.
    """
    check_config(rnn, attention, units, embedding_dim, dropout, max_prompt_len, max_reply_len)
    check_rate("label_smoothing", label_smoothing)
    context_turns(context)
    check_ranking(ranking, conditioned)
    parts = _layers(len(vocabulary), rnn, attention, units, embedding_dim, dropout, conditioned, copy, ranking)
    replies = keras.Input(shape=(None,), dtype="int32", name="reply_in")
    if conditioned:
        prompts = keras.Input(shape=(None,), dtype="int32", name="prompt")
        memory, states, summary = encode(parts, prompts)
        logits, _, _ = decode(parts, replies, states, memory, prompts)
        if ranking:
            # The reply as the decoder reads it, [start] first: every word of it.
            contexts = parts["context_projection"](summary)
            candidates = parts["reply_projection"](encode(parts, replies)[2])
            logits = parts["ranking"]([logits, contexts, candidates])
        inputs = (prompts, replies)
    else:
        logits, _, _ = decode(parts, replies, None)
        inputs = replies
    model = keras.Model(inputs, logits, name=f"chat_{rnn}_{attention}" if conditioned else f"reply_lm_{rnn}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
        loss=SmoothedSparseCrossentropy(label_smoothing) if label_smoothing
        else keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_ID),
    )
    return model


@keras.saving.register_keras_serializable(package="rnnzoo")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy from logits against label-smoothed word ids, padding excluded.

    Per word: (1 − ε) · (−log p[target]) + ε · mean over the vocabulary of
    (−log p[w]); the batch's loss is the mean over its non-padding words, as
    for `SparseCategoricalCrossentropy(ignore_class=PAD_ID)`, which it equals
    at ε = 0. Keras's sparse cross-entropy has no `label_smoothing`; the dense
    one would need (batch, T, V) one-hot targets.
    """

    def __init__(self, label_smoothing=0.1, name="smoothed_sparse_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        check_rate("label_smoothing", label_smoothing)
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        log_p = ops.log_softmax(y_pred, axis=-1)
        target = -ops.squeeze(ops.take_along_axis(log_p, y_true[..., None], axis=-1), axis=-1)
        uniform = -ops.mean(log_p, axis=-1)
        per_word = (1.0 - self.label_smoothing) * target + self.label_smoothing * uniform
        real = ops.cast(ops.not_equal(y_true, PAD_ID), per_word.dtype)
        # One number for the batch: the mean over its real words.
        return ops.sum(per_word * real) / ops.maximum(ops.sum(real), 1.0)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def check_ranking(ranking, conditioned=True):
    if isinstance(ranking, bool) or not isinstance(ranking, (int, float)) or not 0 <= ranking < float("inf"):
        raise ValueError(f"ranking (the weight of the response-selection loss) must be a finite number >= 0, got {ranking!r}")
    if ranking and not conditioned:
        raise ValueError(f"ranking={ranking!r} needs a conditioned model: the reply-only LM has no context to rank against")


@keras.saving.register_keras_serializable(package="rnnzoo")
class InBatchRanking(keras.layers.Layer):
    """Endpoint layer (keras-io's "endpoint layer pattern"): returns the word
    logits unchanged and, in training, adds `weight` × the in-batch
    response-selection loss of context vectors c and reply vectors r:

        S = c rᵀ / √d,   loss = mean over rows i of −log softmax(S[i])[i]

    Each context's own reply is the positive and the batch's other replies are
    its negatives (Henderson et al. 2017), so a batch of B pairs gives B − 1
    negatives each at the cost of one matrix product.

    Args:
        weight: The loss's weight beside the word loss (> 0).
    """

    def __init__(self, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        check_ranking(weight)
        self.weight = weight

    def call(self, inputs, training=False):
        logits, contexts, replies = inputs
        if training:
            scores = match_scores(contexts, replies)
            labels = ops.arange(ops.shape(scores)[0])
            losses = keras.losses.sparse_categorical_crossentropy(labels, scores, from_logits=True)
            self.add_loss(self.weight * ops.mean(losses))
        return logits

    def compute_output_spec(self, inputs, training=False):
        return keras.KerasTensor(inputs[0].shape, inputs[0].dtype)

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


def match_scores(contexts, replies):
    """S[i, j] = c_i · r_j / √d: how well reply j answers context i."""
    return ops.matmul(contexts, ops.transpose(replies)) / ops.sqrt(ops.cast(ops.shape(contexts)[-1], contexts.dtype))


def context_turns(context):
    """The number of previous turns a `context` setting means (bool or int >= 0)."""
    if isinstance(context, bool):
        return int(context)
    if isinstance(context, int) and context >= 0:
        return context
    raise ValueError(f"context must be a bool or a non-negative integer (turns before the prompt), got {context!r}")


def _layers(vocabulary_size, rnn, attention, units, embedding_dim, dropout, conditioned, copy=False, ranking=0.0):
    """Every layer of the model, by role, named so inference models can find them."""
    make = RECURRENT_LAYERS[rnn]
    parts = {
        "rnn": rnn,
        "embedding": keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding"),
        "embedding_dropout": keras.layers.Dropout(dropout, name="embedding_dropout"),
        "decoder": make(units, return_sequences=True, return_state=True, name="decoder"),
        "combine_dropout": keras.layers.Dropout(dropout, name="combine_dropout"),
        "combine": keras.layers.Dense(units, activation="tanh", name="combine"),
        "logits": keras.layers.Dense(vocabulary_size, name="logits"),
    }
    if conditioned:
        parts["encoder"] = keras.layers.Bidirectional(
            make(units, return_sequences=True, return_state=True), name="encoder"
        )
        parts["bridge"] = [
            keras.layers.Dense(units, activation="tanh", name=f"bridge_{k}") for k in range(STATE_COUNT[rnn])
        ]
        parts["memory"] = keras.layers.Dense(units, use_bias=False, name="memory")
        if attention == "bahdanau":
            parts["query"] = keras.layers.Dense(units, use_bias=False, name="query")
            parts["attention"] = keras.layers.AdditiveAttention(name="attention")
        else:
            parts["attention"] = keras.layers.Attention(name="attention")
        if copy:
            parts["copy_switch"] = keras.layers.Dense(1, activation="sigmoid", name="copy_switch")
        if ranking:
            parts["context_projection"] = keras.layers.Dense(units, name="context_projection")
            parts["reply_projection"] = keras.layers.Dense(units, name="reply_projection")
            parts["ranking"] = InBatchRanking(ranking, name="ranking")
    return parts


def _mask(ids):
    return ops.not_equal(ids, PAD_ID)


def encode(parts, prompts):
    """(memory (batch, Tp, units), decoder's initial states, summary) of prompt
    ids; the summary is the two directions' last outputs (batch, 2 units)."""
    x = parts["embedding_dropout"](parts["embedding"](prompts))
    outputs, *states = parts["encoder"](x, mask=_mask(prompts))
    count = STATE_COUNT[parts["rnn"]]
    forward, backward = states[:count], states[count:]
    initial = [bridge(ops.concatenate([f, b], axis=-1)) for bridge, f, b in zip(parts["bridge"], forward, backward)]
    return parts["memory"](outputs), initial, ops.concatenate([forward[0], backward[0]], axis=-1)


def decode(parts, replies, states, memory=None, prompts=None):
    """(logits, attention weights (batch, Tr, Tp) or None, final states) of
    decoder input ids, from `states` (None: zeros) over the encoder `memory`."""
    x = parts["embedding_dropout"](parts["embedding"](replies))
    outputs, *final_states = parts["decoder"](x, initial_state=states, mask=_mask(replies))
    weights = context = None
    if memory is not None:
        query = parts["query"](outputs) if "query" in parts else outputs
        context, weights = parts["attention"](
            [query, memory], mask=[None, _mask(prompts)], return_attention_scores=True
        )
        outputs = ops.concatenate([outputs, context], axis=-1)
    hidden = parts["combine"](parts["combine_dropout"](outputs))
    logits = parts["logits"](hidden)
    if "copy_switch" in parts:
        logits = copy_log_probabilities(parts, logits, weights, prompts, [hidden, context, x])
    return logits, weights, final_states


def copy_log_probabilities(parts, logits, weights, prompts, switch_inputs):
    """log(g · softmax(logits) + (1 − g) · attention scattered onto the prompt's word ids)."""
    generate = parts["copy_switch"](ops.concatenate(switch_inputs, axis=-1))
    on_words = ops.one_hot(prompts, parts["logits"].units)  # (batch, Tp, V); padding has no weight
    copied = ops.einsum("btp,bpv->btv", weights, on_words)
    probabilities = generate * ops.softmax(logits, axis=-1) + (1.0 - generate) * copied
    return ops.log(probabilities + 1e-9)


def parts_of(model):
    """The layers of a built chat model, by role (the inverse of `_layers`)."""
    names = {layer.name: layer for layer in model.layers}
    parts = {role: names[role] for role in
             ("embedding", "embedding_dropout", "decoder", "combine_dropout", "combine", "logits",
              "encoder", "memory", "query", "attention", "copy_switch", "context_projection", "reply_projection")
             if role in names}
    parts["bridge"] = sorted((layer for name, layer in names.items() if name.startswith("bridge_")),
                             key=lambda layer: layer.name)
    parts["rnn"] = next(rnn for rnn, count in STATE_COUNT.items() if count == len(parts["bridge"])
                        and isinstance(parts["decoder"], _layer_class(rnn)))
    return parts


def _layer_class(rnn):
    return {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU,
            "peephole": layers.PeepholeLSTM, "leaky": layers.LeakyRNN}[rnn]


def inference_models(model):
    """(encoder, decoder step) Keras models sharing `model`'s trained layers,
    as in the keras-io seq2seq and TF NMT examples: the prompt is encoded
    once, then each new word costs one decoder step.

    encoder: prompt ids (batch, Tp) -> [memory (batch, Tp, units), *states]
    step:    [word ids (batch, 1), memory, prompt ids, *states]
             -> [logits (batch, 1, V), attention (batch, 1, Tp), *new states]
    """
    parts = parts_of(model)
    units = parts["decoder"].cell.units
    prompts = keras.Input(shape=(None,), dtype="int32", name="prompt")
    memory, states, _ = encode(parts, prompts)
    encoder = keras.Model(prompts, [memory, *states], name="chat_encoder")

    word = keras.Input(shape=(1,), dtype="int32", name="word")
    memory_in = keras.Input(shape=(None, units), name="memory")
    prompt_in = keras.Input(shape=(None,), dtype="int32", name="prompt_ids")
    state_in = [keras.Input(shape=(units,), name=f"state_{k}") for k in range(len(states))]
    logits, weights, new_states = decode(parts, word, state_in, memory_in, prompt_in)
    step = keras.Model([word, memory_in, prompt_in, *state_in], [logits, weights, *new_states], name="chat_step")
    return encoder, step


def ranking_models(model):
    """(context encoder, reply encoder) Keras models sharing the trained
    ranking head of `model` (built with `ranking` > 0):

    context encoder: encoder ids (batch, Tp) -> c (batch, units)
    reply encoder:   [start] + reply ids (batch, Tr) -> r (batch, units)

    `match_scores(c, r)` then scores every context against every reply."""
    parts = parts_of(model)
    if "reply_projection" not in parts:
        raise ValueError(f"Model {model.name!r} has no ranking head: build it with ranking > 0")
    contexts = keras.Input(shape=(None,), dtype="int32", name="context")
    replies = keras.Input(shape=(None,), dtype="int32", name="reply_in")
    context_vectors = parts["context_projection"](encode(parts, contexts)[2])
    reply_vectors = parts["reply_projection"](encode(parts, replies)[2])
    return (keras.Model(contexts, context_vectors, name="context_encoder"),
            keras.Model(replies, reply_vectors, name="reply_encoder"))
