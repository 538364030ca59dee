"""Special cases that must reduce to known layers or known matrices."""

import numpy as np
import pytest

import keras
from rnnzoo import layers
from rnnzoo.layers.initializers import IRNN, NPRNN
from tests.layers.backend import to_numpy


def simple_rnn_twin(layer, x):
    """keras.layers.SimpleRNN holding the same kernel, recurrent kernel and bias."""
    reference = keras.layers.SimpleRNN(layer.cell.units, return_sequences=True)
    reference(x)
    cell = layer.cell
    reference.set_weights([to_numpy(cell.kernel), to_numpy(cell.recurrent_kernel), to_numpy(cell.bias)])
    return reference


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.LeakyRNN(6, leak_rate=1.0, return_sequences=True),
        lambda: layers.LeakyRNN(6, leak_rate=1.0, trainable_leak_rate=True, return_sequences=True),
        lambda: layers.SkipRNN(6, delays=(1,), return_sequences=True),
    ],
    ids=["leaky_alpha_1", "leaky_trainable_alpha_1", "skip_delay_1"],
)
def test_reduces_to_simple_rnn(make):
    x = np.random.default_rng(0).normal(size=(3, 9, 4)).astype("float32")
    layer = make()
    layer(x)
    np.testing.assert_allclose(to_numpy(layer(x)), to_numpy(simple_rnn_twin(layer, x)(x)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [2, 16, 128])
def test_nprnn_is_positive_definite_with_top_eigenvalue_one(n):
    w = to_numpy(NPRNN(seed=n)((n, n)), dtype="float64")
    np.testing.assert_allclose(w, w.T, atol=1e-7)
    eigenvalues = np.linalg.eigvalsh(w)
    assert eigenvalues.min() > 0
    assert abs(eigenvalues.max() - 1.0) <= 1e-5


def test_nprnn_same_seed_same_matrix_and_layer_uses_it():
    np.testing.assert_array_equal(NPRNN(seed=5)((8, 8)), NPRNN(seed=5)((8, 8)))
    assert not np.allclose(NPRNN(seed=5)((8, 8)), NPRNN(seed=6)((8, 8)))
    layer = layers.NPRNN(8, seed=5)
    layer(np.zeros((1, 2, 3), "float32"))
    np.testing.assert_allclose(to_numpy(layer.cell.recurrent_kernel), NPRNN(seed=5)((8, 8)), atol=1e-7)


def test_nprnn_needs_a_square_matrix():
    with pytest.raises(ValueError, match=r"square.*shape=\(4, 3\)"):
        NPRNN()((4, 3))


@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_irnn_recurrent_kernel_is_scaled_identity(gain):
    layer = layers.IRNN(7, gain=gain)
    layer(np.zeros((1, 2, 3), "float32"))
    np.testing.assert_array_equal(to_numpy(layer.cell.recurrent_kernel), gain * np.eye(7))
    assert layer.cell.activation is keras.activations.relu
    np.testing.assert_array_equal(to_numpy(layer.cell.bias), 0.0)
    assert np.abs(to_numpy(layer.cell.kernel)).max() < 0.01  # N(0, 0.001²) input kernel
    np.testing.assert_array_equal(to_numpy(IRNN(gain)((3, 3))), gain * np.eye(3))


def test_irnn_carries_its_state_unchanged_without_input():
    # Identity recurrence, ReLU, zero bias: a positive state persists exactly.
    layer = layers.IRNN(4, return_sequences=True)
    layer(np.zeros((1, 1, 2), "float32"))
    layer.cell.kernel.assign(np.ones((2, 4), "float32"))
    x = np.zeros((1, 50, 2), "float32")
    x[0, 0] = 1.0
    out = to_numpy(layer(x))
    np.testing.assert_allclose(out[0, -1], out[0, 0])
    np.testing.assert_allclose(out[0, 0], 2.0)


def test_leak_rate_range_is_log_spaced_fast_to_slow():
    cell = layers.LeakyRNNCell(5, leak_rate_range=(0.01, 1.0))
    cell.build((None, 2))
    np.testing.assert_allclose(to_numpy(cell.alpha), [1.0, 10**-0.5, 0.1, 10**-1.5, 0.01], rtol=1e-6)


def test_trainable_leak_rate_learns_and_stays_in_range():
    model = keras.Sequential([keras.Input((5, 2)), layers.LeakyRNN(3, leak_rate=0.5, trainable_leak_rate=True), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e4), "mse")  # a huge step pushes α against its bounds
    x = np.random.default_rng(0).normal(size=(16, 5, 2)).astype("float32")
    model.fit(x, np.full((16, 1), 3.0, "float32"), epochs=2, verbose=0)
    alpha = to_numpy(model.layers[0].cell.alpha)
    assert not np.allclose(alpha, 0.5)
    assert alpha.min() >= 1e-3 and alpha.max() <= 1.0


def test_fixed_leak_rate_is_not_trained():
    layer = layers.LeakyRNN(3, leak_rate=0.5)
    layer(np.zeros((1, 2, 2), "float32"))
    assert not layer.cell.alpha.trainable
    assert all(w is not layer.cell.alpha for w in layer.trainable_weights)
