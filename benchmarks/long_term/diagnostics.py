"""Diagnostics of the product of Jacobians: recurrent spectra and gradient norms.

- `initial_spectra`: eigenvalues of the recurrent matrix at initialisation for
  the orthogonal (keras SimpleRNN's default), IRNN, np-RNN and Gaussian
  N(0, 1/N) initialisers. The notes' argument: the norm of ∂h_T/∂h_k behaves
  like λ^(T−k) for the recurrent matrix's eigenvalues λ, so eigenvalues at or
  near 1 (orthogonal, IRNN, np-RNN) keep the gradient alive at the start,
  and a spread of moduli (Gaussian) lets most directions vanish.
- `state_gradient_norms`: ‖∂h_T/∂s_k‖ against T − k for any Keras RNN layer,
  s_k being the layer's whole state after step k (h, or (h, c) for LSTMs, or
  the delay line of a skip RNN), measured by autodiff through the cell run
  step by step.
"""

import keras
import numpy as np
import tensorflow as tf

from rnnzoo.layers import initializers

INITIALIZERS = {
    "orthogonal": lambda seed: keras.initializers.Orthogonal(seed=seed),
    "IRNN (identity)": lambda seed: initializers.IRNN(),
    "np-RNN": lambda seed: initializers.NPRNN(seed=seed),
    "Gaussian N(0, 1/N)": lambda seed: None,  # drawn below: keras has no N(0, 1/N) with fixed N
}


def initial_spectra(units, seed):
    """{initialiser name: complex eigenvalues of its units × units recurrent matrix}."""
    spectra = {}
    for name, make in INITIALIZERS.items():
        initializer = make(seed)
        if initializer is None:
            matrix = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(units), size=(units, units))
        else:
            matrix = np.asarray(initializer((units, units), dtype="float32"), "float64")
        spectra[name] = np.linalg.eigvals(matrix)
    return spectra


def _zeros(size, batch):
    """Zero states shaped like a cell's `state_size`: an int, or a (nested) list of them."""
    if isinstance(size, (list, tuple)):
        return [_zeros(part, batch) for part in size]
    return tf.zeros((batch, int(size)))


def _state_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


def state_gradient_norms(rnn_layer, x, seed=0):
    """Mean over the batch of ‖vᵀ ∂h_T/∂s_k‖ for k = T−1 .. 0, as a numpy array
    indexed by distance T − k − 1 = 0 .. T−1 (index 0: the last step's input state).

    v is a random unit vector per sequence, so the figure is the Frobenius norm
    of the Jacobian divided by √units in expectation, without forming it.
    """
    cell = rnn_layer.cell
    x = tf.convert_to_tensor(np.asarray(x, "float32"))
    batch, steps = int(x.shape[0]), int(x.shape[1])
    states = _state_list(_zeros(cell.state_size, batch))  # nested for stacked cells: one list per layer
    history = []
    with tf.GradientTape() as tape:
        for t in range(steps):
            tape.watch(states)
            history.append(states)
            output, states = cell(x[:, t], states)
            states = _state_list(states)
        v = np.random.default_rng(seed).normal(size=output.shape)
        v = tf.constant(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=output.dtype)
        projection = tf.reduce_sum(output * v)
    gradients = tape.gradient(projection, history)
    norms = []
    for parts in gradients:
        squared = sum(tf.reduce_sum(tf.square(g), axis=1) for g in tf.nest.flatten(parts) if g is not None)
        norms.append(float(tf.reduce_mean(tf.sqrt(squared))))
    # history[t] is the state entering step t: distance from the last step is steps − 1 − t.
    return np.asarray(norms[::-1])
