"""Saliency of the input characters for a char-level language model.

For a window of text c_1..c_L, the saliency of character k is
‖∂ log p(c_L | c_1..c_{L−1}) / ∂ e_k‖, e_k being the embedding of c_k: how
much the prediction of the last character moves with each earlier one (Karpathy
et al. 2015; the notes' "RNN vs LSTM saliency heat-map"). `reach` summarises a
model over many windows: the share of the saliency that lies more than
`distance` characters back.

`char_model` builds the small tanh RNN and LSTM the benchmark trains with the
same budget; the zoo's 2 × 384 peephole LSTM (`rnnzoo.zoo.load("shakespeare-char")`)
is measured too, with its own, much longer training.
"""

import keras
import numpy as np
import tensorflow as tf

CELLS = {"tanh": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}


def char_model(cell, vocabulary_size, units, learning_rate, seed, embedding_dim=32):
    """Embedding -> one recurrent layer (tanh RNN or LSTM) -> next-character logits."""
    if cell not in CELLS:
        raise ValueError(f"Unknown cell {cell!r}; choose one of {sorted(CELLS)}")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding"),
            CELLS[cell](units, return_sequences=True, seed=seed),
            keras.layers.Dense(vocabulary_size),
        ],
        name=f"char_{cell}",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=True,
    )
    return model


def saliency(model, ids):
    """(windows, L) saliency of each input character for predicting the character
    after the window's last one; `ids` (windows, L + 1) holds the target last."""
    ids = np.asarray(ids, "int32")
    inputs, target = ids[:, :-1], ids[:, -1]
    embedding = model.get_layer("embedding")
    later = model.layers[model.layers.index(embedding) + 1 :]
    with tf.GradientTape() as tape:
        vectors = embedding(inputs)
        tape.watch(vectors)
        x = vectors
        for layer in later:
            x = layer(x, training=False)
        log_p = tf.nn.log_softmax(x[:, -1, :])
        picked = tf.reduce_sum(tf.gather(log_p, target, axis=1, batch_dims=1))
    gradient = tape.gradient(picked, vectors)
    return np.linalg.norm(gradient.numpy(), axis=-1)


def reach(saliencies, distance):
    """Mean over windows of the share of saliency more than `distance` characters back."""
    s = np.asarray(saliencies)
    far = s[:, : s.shape[1] - distance].sum(axis=1)
    return float(np.mean(far / s.sum(axis=1)))
