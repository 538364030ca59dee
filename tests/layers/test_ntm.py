"""NTM: the cell against a numpy transcription of Graves et al.'s equations,
the addressing stages one by one, and its arguments."""

import numpy as np
import pytest

from rnnzoo import layers
from rnnzoo.layers import ntm
from tests.layers.backend import to_numpy, value_and_gradients

EPS = ntm.EPSILON


# --------------------------------------------------------------------------
# The equations in numpy (float64), written from the paper, one loop per head.
# --------------------------------------------------------------------------
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_address(memory, w_prev, k, beta, g, s, gamma):
    """memory (B, N, M); the rest per batch row."""
    batch, n, _ = memory.shape
    r = (s.shape[-1] - 1) // 2
    w = np.zeros((batch, n))
    for b in range(batch):
        cos = np.array(
            [memory[b, i] @ k[b] / np.sqrt((k[b] @ k[b] + EPS) * (memory[b, i] @ memory[b, i] + EPS)) for i in range(n)]
        )
        wc = softmax(beta[b] * cos)
        wg = g[b] * wc + (1 - g[b]) * w_prev[b]
        # w̃_i = Σ_j w^g_j s(i − j mod N), s nonzero for shifts −r..r only.
        shifted = np.zeros(n)
        for i in range(n):
            for j in range(n):
                for shift in range(-r, r + 1):
                    if (i - j - shift) % n == 0:
                        shifted[i] += wg[j] * s[b, shift + r]
        powered = (shifted + EPS) ** gamma[b]
        w[b] = powered / powered.sum()
    return w


def np_ntm(x, weights, units, n, m, reads, writes, shift_range):
    kernel, bias, recurrent, head_kernel, head_bias = [w.astype("float64") for w in weights]
    batch, steps, _ = x.shape
    width = 2 * shift_range + 1
    read_p, write_p = m + width + 3, m + width + 3 + 2 * m
    h, c = np.zeros((batch, units)), np.zeros((batch, units))
    r_prev = np.zeros((batch, reads * m))
    memory = np.zeros((batch, n, m))
    w_prev = [np.zeros((batch, n)) for _ in range(reads + writes)]
    outputs = []
    for t in range(steps):
        zz = x[:, t] @ kernel + bias + np.concatenate([h, r_prev], -1) @ recurrent
        zi, zf, zc, zo = np.split(zz, 4, axis=-1)
        c = sigmoid(zf) * c + sigmoid(zi) * np.tanh(zc)
        h = sigmoid(zo) * np.tanh(c)
        raw = h @ head_kernel + head_bias
        start, new_w, erase_add = 0, [], []
        for head in range(reads + writes):
            size = read_p if head < reads else write_p
            p = raw[:, start : start + size]
            start += size
            k, beta, g = p[:, :m], softplus(p[:, m]), sigmoid(p[:, m + 1])
            s = softmax(p[:, m + 2 : m + 2 + width])
            gamma = 1 + softplus(p[:, m + 2 + width])
            new_w.append(np_address(memory, w_prev[head], k, beta, g, s, gamma))
            if head >= reads:
                erase_add.append((sigmoid(p[:, m + 3 + width : 2 * m + 3 + width]), np.tanh(p[:, 2 * m + 3 + width :])))
        for (e, _), w in zip(erase_add, new_w[reads:]):
            memory = memory * (1 - np.einsum("bn,bm->bnm", w, e))
        for (_, a), w in zip(erase_add, new_w[reads:]):
            memory = memory + np.einsum("bn,bm->bnm", w, a)
        r_prev = np.concatenate([np.einsum("bn,bnm->bm", w, memory) for w in new_w[:reads]], -1)
        w_prev = new_w
        outputs.append(np.concatenate([h, r_prev], -1))
    states = [
        outputs[-1],
        c,
        memory.reshape(batch, n * m),
        np.concatenate(w_prev[:reads], -1),
        np.concatenate(w_prev[reads:], -1),
    ]
    return np.stack(outputs, 1), states


@pytest.mark.parametrize("reads,writes,shift_range", [(1, 1, 1), (2, 2, 2)])
def test_every_step_and_final_state_match_numpy(reads, writes, shift_range):
    units, n, m, features = 4, 5, 3, 2
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 6, features)).astype("float32")
    layer = layers.NTM(
        units, memory_size=n, memory_width=m, read_heads=reads, write_heads=writes,
        shift_range=shift_range, return_sequences=True, return_state=True,
    )
    layer(x)
    weights = [rng.normal(scale=0.8, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    output, *states = layer(x)
    expected, expected_states = np_ntm(x, weights, units, n, m, reads, writes, shift_range)
    np.testing.assert_allclose(to_numpy(output), expected, rtol=1e-5, atol=1e-5)
    for got, want in zip(states, expected_states):
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-5, atol=1e-5)
    # The weightings are distributions, and the memory is no longer empty.
    np.testing.assert_allclose(to_numpy(states[3]).reshape(3, reads, n).sum(-1), 1.0, atol=1e-4)
    assert np.abs(to_numpy(states[2])).max() > 0.1


# --------------------------------------------------------------------------
# Addressing stage by stage.
# --------------------------------------------------------------------------
def test_shift_by_one_rotates_the_previous_weighting():
    previous = np.array([[0.1, 0.6, 0.3, 0.0, 0.0]], "float32")
    memory = np.random.default_rng(0).normal(size=(1, 5, 3)).astype("float32")
    key = np.ones((1, 3), "float32")
    one = np.ones((1, 1), "float32")
    shift = np.array([[0.0, 0.0, 1.0]], "float32")  # shifts -1, 0, +1: all on +1
    w = ntm.address(memory, previous, key, one, 0.0 * one, shift, one)  # g = 0, γ = 1
    np.testing.assert_allclose(to_numpy(w), np.roll(previous, 1, axis=-1), atol=1e-5)
    back = ntm.address(memory, previous, key, one, 0.0 * one, shift[:, ::-1].copy(), one)
    np.testing.assert_allclose(to_numpy(back), np.roll(previous, -1, axis=-1), atol=1e-5)


def test_huge_key_strength_picks_the_matching_row():
    memory = np.random.default_rng(1).normal(size=(2, 6, 4)).astype("float32")
    key = 3.0 * memory[np.arange(2), [4, 1]]  # a scaled copy of row 4 (batch 0) and row 1 (batch 1)
    w = to_numpy(ntm.content_weighting(memory, key, np.full((2, 1), 1000.0, "float32")))
    np.testing.assert_allclose(w, np.eye(6)[[4, 1]], atol=1e-4)


def test_sharpening_concentrates_and_zero_memory_is_uniform():
    w = np.array([[0.1, 0.2, 0.7]], "float32")
    sharp = to_numpy(ntm.sharpen(w, np.full((1, 1), 20.0, "float32")))
    want = (w[0] + EPS) ** 20 / ((w[0] + EPS) ** 20).sum()
    np.testing.assert_allclose(sharp[0], want, rtol=1e-4, atol=1e-6)
    assert sharp[0, 2] > 0.998
    # An empty memory (the initial state): uniform content weights, no NaN.
    flat = to_numpy(ntm.content_weighting(np.zeros((1, 4, 3), "float32"), np.ones((1, 3), "float32"), np.ones((1, 1), "float32")))
    np.testing.assert_allclose(flat, 0.25, atol=1e-6)


def test_write_then_read_returns_the_added_vector():
    # Weights routed so the write head writes a = tanh(big) ≈ ±1 and the read head reads the same slot.
    layer = layers.NTM(2, memory_size=4, memory_width=3, return_state=True)
    x = np.zeros((1, 1, 1), "float32")
    layer(x)
    cell = layer.cell
    bias = np.zeros(cell.head_size, "float32")
    m, width = 3, 3
    for start in (0, cell.read_parameters):  # both heads: g = 1 (content), uniform over an empty memory
        bias[start + m + 1] = 30.0
    write_start = cell.read_parameters
    bias[write_start + m + 3 + width : write_start + 2 * m + 3 + width] = 30.0  # e = 1
    bias[write_start + 2 * m + 3 + width :] = [30.0, -30.0, 30.0]  # a = (1, -1, 1)
    cell.head_kernel.assign(np.zeros(cell.head_kernel.shape, "float32"))
    cell.head_bias.assign(bias)
    _, _, _, memory, read_w, write_w = layer(x)
    # With a uniform weighting each slot gets a / 4 and the read is their mean.
    np.testing.assert_allclose(to_numpy(memory).reshape(4, 3), np.tile([0.25, -0.25, 0.25], (4, 1)), atol=1e-4)
    np.testing.assert_allclose(to_numpy(read_w), 0.25, atol=1e-4)
    out = to_numpy(layer(x)[0])
    np.testing.assert_allclose(out[0, 2:], [0.25, -0.25, 0.25], atol=1e-4)


# --------------------------------------------------------------------------
# Arguments.
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"memory_size": 0}, r"memory_size.*0"),
        ({"memory_size": -2}, r"memory_size.*-2"),
        ({"memory_width": 0}, r"memory_width.*0"),
        ({"memory_width": 2.5}, r"memory_width.*2\.5"),
        ({"read_heads": 0}, r"read_heads.*0"),
        ({"write_heads": -1}, r"write_heads.*-1"),
        ({"shift_range": -1}, r"shift_range.*-1"),
        ({"shift_range": 1.0}, r"shift_range.*1\.0"),
        ({"units": 0}, r"units.*0"),
        ({"dropout": 1.0}, r"dropout.*1\.0"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    arguments = {"units": 4, "memory_size": 6, "memory_width": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        layers.NTM(**arguments)
    with pytest.raises(ValueError, match=message):
        layers.NTMCell(**arguments)


def test_no_shift_and_config():
    layer = layers.NTM(3, memory_size=4, memory_width=2, read_heads=2, write_heads=1, shift_range=0)
    out = layer(np.ones((2, 5, 3), "float32"))
    assert out.shape == (2, 3 + 2 * 2)
    config = layer.get_config()
    assert {k: config[k] for k in ("memory_size", "memory_width", "read_heads", "write_heads", "shift_range")} == {
        "memory_size": 4, "memory_width": 2, "read_heads": 2, "write_heads": 1, "shift_range": 0,
    }


def test_every_weight_gets_a_finite_gradient():
    # The contract's training test (tests/layers/test_layer_contract.py) runs NTM
    # only with `-m slow`: tracing its train step takes seconds. This is its quick part.
    import keras

    x = np.random.default_rng(1).normal(size=(16, 8, 3)).astype("float32")
    y = x[:, :, :1].mean(axis=1)
    model = keras.Sequential([keras.Input((8, 3)), layers.NTM(5, memory_size=6, memory_width=4), keras.layers.Dense(1)])
    _, gradients = value_and_gradients(
        lambda: keras.ops.mean(keras.losses.mean_squared_error(y, model(x))), model.trainable_variables
    )
    assert len(gradients) == len(model.trainable_variables)
    for variable, gradient in zip(model.trainable_variables, gradients):
        gradient = to_numpy(gradient)
        assert np.all(np.isfinite(gradient)) and np.any(gradient != 0), variable.path
