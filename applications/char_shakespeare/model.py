"""The char-level language model: embedding -> stacked recurrent layers -> logits."""

import math

import keras

from rnnzoo import layers

# The recurrent layers a user can pick, by name; each factory takes (units, **rnn_kwargs).
RECURRENT_LAYERS = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "peephole": layers.PeepholeLSTM,
    "irnn": layers.IRNN,
    # Fast and slow units in one layer: time scales from 1 to 100 characters.
    "leaky": lambda units, **kw: layers.LeakyRNN(units, leak_rate_range=(0.01, 1.0), **kw),
    # A second connection 4 characters back: about one short word.
    "skip": lambda units, **kw: layers.SkipRNN(units, delays=(1, 4), **kw),
}


def recurrent_layer(rnn, units, **kwargs):
    if rnn not in RECURRENT_LAYERS:
        raise ValueError(f"Unknown recurrent layer rnn={rnn!r}; choose one of {sorted(RECURRENT_LAYERS)}")
    return RECURRENT_LAYERS[rnn](units, **kwargs)


def build(
    vocabulary,
    rnn="peephole",
    units=512,
    num_layers=2,
    embedding_dim=64,
    dropout=0.2,
    learning_rate=2e-3,
    clipnorm=1.0,
    stateful=False,
    batch_size=None,
    jit_compile="auto",
):
    """A compiled char-level LM over `vocabulary` (a string of its characters).

    Args:
        vocabulary: The model's characters, in id order.
        rnn: Recurrent layer name, one of `RECURRENT_LAYERS`.
        units, num_layers: Size and depth of the recurrent stack.
        embedding_dim: Size of the character embedding.
        dropout: Dropout between layers (Zaremba et al. 2014: not on the recurrence).
        learning_rate, clipnorm: Adam's step size and the gradient-norm clip
            (the lecture notes' remedy for exploding gradients).
        stateful, batch_size: For generation: a stateful model with a fixed
            batch size carries its state from one call to the next.
        jit_compile: "auto" (the default) is Keras's choice per backend: XLA
            on TensorFlow (our fused PeepholeLSTM step measured 1.3x faster
            with it on a 2-core CPU; see benchmarks/char_lm_speed.py) and JAX,
            no `torch.compile` on PyTorch (61 s for one predict there).

    Returns:
        A `keras.Model` from character ids (batch, time) to next-character
        logits (batch, time, len(vocabulary)), compiled with sparse
        cross-entropy (nats per character) and ready for `fit`.
    """
    inputs = keras.Input(shape=(None,), batch_size=batch_size, dtype="int32", name="characters")
    x = keras.layers.Embedding(len(vocabulary), embedding_dim, name="embedding")(inputs)
    for k in range(num_layers):
        x = recurrent_layer(rnn, units, return_sequences=True, stateful=stateful, name=f"rnn_{k}")(x)
        x = keras.layers.Dropout(dropout, name=f"dropout_{k}")(x)
    logits = keras.layers.Dense(len(vocabulary), name="logits")(x)
    model = keras.Model(inputs, logits, name=f"char_{rnn}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=clipnorm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    return model


def bits_per_char(nats):
    return nats / math.log(2.0)
