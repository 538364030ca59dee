"""Each cell against a plain-numpy implementation of its update equation.

The weights are set to known random values; every time step and the final
states must agree to 1e-5 in float32.
"""

import numpy as np
import pytest

from rnnzoo import layers
from tests.layers.backend import to_numpy

BATCH, STEPS, FEATURES, UNITS = 3, 6, 4, 5
TOL = 1e-5


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def relu(v):
    return np.maximum(v, 0.0)


# ---- numpy references: one loop over time each, straight from the equations ----
def peephole_lstm_reference(x, w):
    W, U, b = w["kernel"], w["recurrent_kernel"], w["bias"]
    u = U.shape[0]
    h = np.zeros((x.shape[0], u))
    c = np.zeros((x.shape[0], u))
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ W + h @ U + b
        z_i, z_f, z_c, z_o = z[:, :u], z[:, u : 2 * u], z[:, 2 * u : 3 * u], z[:, 3 * u :]
        i = sigmoid(z_i + w["input_peephole"] * c)
        f = sigmoid(z_f + w["forget_peephole"] * c)
        c = f * c + i * np.tanh(z_c)
        o = sigmoid(z_o + w["output_peephole"] * c)
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1), [h, c]


def leaky_reference(x, w):
    alpha = w["leak_rate"]
    h = np.zeros((x.shape[0], w["recurrent_kernel"].shape[0]))
    outputs = []
    for t in range(x.shape[1]):
        h = (1 - alpha) * h + alpha * np.tanh(x[:, t] @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"])
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def skip_reference(x, w, delays):
    u = w["recurrent_kernel"].shape[1]
    U_d = {d: w["recurrent_kernel"][k * u : (k + 1) * u] for k, d in enumerate(delays)}
    past = [np.zeros((x.shape[0], u))] * max(delays)  # past[-d] is h_{t-d}
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w["kernel"] + sum(past[-d] @ U_d[d] for d in delays) + w["bias"])
        past.append(h)
    outputs = np.stack(past[max(delays) :], 1)
    newest_first = past[::-1][: max(delays)]
    # The layer's states: h_t, then (with max delay D > 1) [h_{t-1}, ..., h_{t-D+1}] in one vector.
    return outputs, [newest_first[0]] + ([np.concatenate(newest_first[1:], axis=1)] if max(delays) > 1 else [])


def jordan_reference(x, w):
    y = np.zeros((x.shape[0], w["output_kernel"].shape[1]))
    outputs = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w["kernel"] + y @ w["recurrent_kernel"] + w["bias"])
        y = np.tanh(h @ w["output_kernel"] + w["output_bias"])
        outputs.append(y)
    return np.stack(outputs, 1), [y]


def relu_rnn_reference(x, w):
    h = np.zeros((x.shape[0], w["recurrent_kernel"].shape[0]))
    outputs = []
    for t in range(x.shape[1]):
        h = relu(x[:, t] @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"])
        outputs.append(h)
    return np.stack(outputs, 1), [h]


def gru_block(a, h, U):
    """One GRU block (Keras's reset_after=False): gates z, r, then the candidate."""
    u = h.shape[1]
    z = sigmoid(a[..., :u] + h @ U[:, :u])
    r = sigmoid(a[..., u : 2 * u] + h @ U[:, u : 2 * u])
    candidate = np.tanh(a[..., 2 * u :] + (r * h) @ U[:, 2 * u :])
    return z * h + (1 - z) * candidate


def deep_transition_reference(x, w, skip=False):
    h = np.zeros((x.shape[0], w["recurrent_kernel"].shape[0]))
    outputs = []
    for t in range(x.shape[1]):
        h = gru_block(x[:, t] @ w["kernel"] + w["bias"], h, w["recurrent_kernel"])
        for k in range(w["transition_kernel"].shape[0]):  # blocks 2..L: no input, their own weights
            new = gru_block(w["transition_bias"][k], h, w["transition_kernel"][k])
            h = new + h if skip else new
        outputs.append(h)
    return np.stack(outputs, 1), [h]


CASES = {
    "peephole_lstm": (lambda: layers.PeepholeLSTM(UNITS, return_sequences=True, return_state=True), peephole_lstm_reference),
    "leaky": (
        lambda: layers.LeakyRNN(UNITS, leak_rate_range=(0.1, 0.9), return_sequences=True, return_state=True),
        leaky_reference,
    ),
    "skip_1_3": (
        lambda: layers.SkipRNN(UNITS, delays=(3, 1), return_sequences=True, return_state=True),
        lambda x, w: skip_reference(x, w, (1, 3)),
    ),
    "skip_2": (
        lambda: layers.SkipRNN(UNITS, delays=(2,), return_sequences=True, return_state=True),
        lambda x, w: skip_reference(x, w, (2,)),
    ),
    "jordan": (lambda: layers.JordanRNN(UNITS, output_units=3, return_sequences=True, return_state=True), jordan_reference),
    "irnn": (lambda: layers.IRNN(UNITS, return_sequences=True, return_state=True), relu_rnn_reference),
    "deep_transition_3": (
        lambda: layers.DeepTransitionGRU(UNITS, depth=3, return_sequences=True, return_state=True),
        deep_transition_reference,
    ),
    "deep_transition_skip": (
        lambda: layers.DeepTransitionGRU(UNITS, depth=2, transition_skip=True, return_sequences=True, return_state=True),
        lambda x, w: deep_transition_reference(x, w, skip=True),
    ),
    "nprnn": (lambda: layers.NPRNN(UNITS, seed=0, return_sequences=True, return_state=True), relu_rnn_reference),
}


def randomize(layer, rng):
    """Give every weight a known random value (leak rates stay in (0, 1])."""
    weights = {}
    for variable in layer.weights:
        name = variable.path.split("/")[-1]
        low = 0.05 if name == "leak_rate" else -0.6
        value = rng.uniform(low, 0.9 if name == "leak_rate" else 0.6, size=variable.shape).astype("float32")
        variable.assign(value)
        weights[name] = value.astype("float64")
    return weights


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_numpy_reference(name):
    make, reference = CASES[name]
    rng = np.random.default_rng(42)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    layer = make()
    layer(x)
    weights = randomize(layer, rng)
    outputs, *states = layer(x)
    expected_outputs, expected_states = reference(x.astype("float64"), weights)
    np.testing.assert_allclose(to_numpy(outputs), expected_outputs, rtol=TOL, atol=TOL)
    for got, expected in zip(states, expected_states, strict=True):
        np.testing.assert_allclose(to_numpy(got), expected, rtol=TOL, atol=TOL)


def test_peephole_cell_alone_matches_reference():
    """The bare cell inside keras.layers.RNN (no hoisting) computes the same."""
    import keras

    rng = np.random.default_rng(7)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    rnn = keras.layers.RNN(layers.PeepholeLSTMCell(UNITS), return_sequences=True)
    rnn(x)
    weights = randomize(rnn, rng)
    expected, _ = peephole_lstm_reference(x.astype("float64"), weights)
    np.testing.assert_allclose(to_numpy(rnn(x)), expected, rtol=TOL, atol=TOL)


def test_deep_transition_of_depth_1_is_keras_gru():
    import keras

    rng = np.random.default_rng(1)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    ours = layers.DeepTransitionGRU(UNITS, depth=1, return_sequences=True)
    gru = keras.layers.GRU(UNITS, reset_after=False, return_sequences=True)
    ours(x), gru(x)
    weights = {v.path.split("/")[-1]: v for v in ours.weights}
    # The same kernel, recurrent kernel and bias, gates z, r, h in both.
    gru.set_weights([to_numpy(weights[name]) for name in ("kernel", "recurrent_kernel", "bias")])
    np.testing.assert_allclose(to_numpy(ours(x)), to_numpy(gru(x)), rtol=TOL, atol=TOL)
