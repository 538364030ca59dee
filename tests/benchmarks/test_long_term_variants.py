"""The long-term benchmark's method variants: each changes what it says it changes."""

import keras
import numpy as np
import pytest

from benchmarks.long_term import models, suite


def built(method, units=8, length=40, seed=0):
    keras.utils.set_random_seed(seed)  # as models.build does: the same seed draws the same weights
    layer = models.recurrent_layer(method, units, seed, length)
    layer.build((None, length, 2))
    return layer


def test_chrono_bias_spreads_forget_gates_up_to_the_length_and_closes_input_gates():
    units, length = 64, 100
    bias = keras.ops.convert_to_numpy(built("lstm_chrono", units, length).cell.bias)
    b_i, b_f, b_c, b_o = np.split(bias, 4)
    assert np.all(b_f >= 0.0) and np.all(b_f <= np.log(length - 1) + 1e-6)
    assert np.exp(b_f).max() > (length - 1) * 0.8  # the longest time scale reaches the length
    np.testing.assert_allclose(b_i, -b_f)
    assert not b_c.any() and not b_o.any()


def test_forget_bias_zero_and_one():
    assert not np.split(keras.ops.convert_to_numpy(built("lstm_bias0").cell.bias), 4)[1].any()
    np.testing.assert_array_equal(np.split(keras.ops.convert_to_numpy(built("lstm").cell.bias), 4)[1], 1.0)


def test_peephole_variant_differs_from_the_lstm_only_in_its_peepholes():
    plain, varied = built("peephole"), built("peephole_init")
    assert len(plain.weights) == len(varied.weights)
    names = [w.name for w in varied.weights]
    for name, a, b in zip(names, plain.weights, varied.weights):
        a, b = keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        if "peephole" in name:
            assert not a.any() and np.abs(b).max() <= 0.1 and np.abs(b).min() < np.abs(b).max()
        else:
            np.testing.assert_array_equal(a, b)


def test_relu_gauss_has_gaussian_recurrent_weights_of_variance_one_over_units():
    units = 200
    layer = built("relu_gauss", units)
    w = keras.ops.convert_to_numpy(layer.cell.recurrent_kernel)
    assert w.std() == pytest.approx(units**-0.5, rel=0.05) and abs(w.mean()) < 0.01
    assert layer.cell.activation is keras.activations.relu


def test_trained_leak_rates_are_trainable_and_skip_delays_follow_the_length():
    assert len(built("leaky_trained").trainable_weights) > len(built("leaky").trainable_weights)
    assert list(built("skip_quarter", length=100).cell.delays) == [1, 25]
    assert list(built("skip_pow4", length=100).cell.delays) == [1, 4, 16, 64]
    assert list(built("skip_half", length=100).cell.delays) == [1, 50]
    assert list(built("skip_pow2", length=100).cell.delays) == [1, 2, 4, 8, 16, 32, 64]


@pytest.mark.parametrize("method, low, high", [("leaky", 1 / 100, 1.0), ("leaky_short", 0.1, 1.0), ("leaky_slow", 1 / 100, 0.1)])
def test_leak_rate_ranges(method, low, high):
    layer = built(method, units=50, length=100)
    rates = keras.ops.convert_to_numpy(layer.cell.alpha)  # the built weight "leak_rate"
    assert rates.shape == (50,) and rates.min() == pytest.approx(low, rel=1e-3) and rates.max() == pytest.approx(high, rel=1e-3)


def test_variants_stay_out_of_the_suite():
    assert set(models.VARIANTS).isdisjoint(suite.ALL_METHODS)
    assert set(suite.ALL_METHODS) | set(models.VARIANTS) == set(models.METHODS)


def test_deep_variants_stack_two_layers_of_half_the_units():
    for method, cell_class in (("lstm_deep", keras.layers.LSTMCell), ("tanh_deep", keras.layers.SimpleRNNCell)):
        cells = built(method, units=16).cell.cells
        assert [type(c) for c in cells] == [cell_class, cell_class] and [c.units for c in cells] == [8, 8]


def test_jordan_feeds_back_its_output_and_gru_is_keras_gru():
    layer = built("jordan", units=6)
    assert layer.cell.state_size in (6, [6]) and isinstance(built("gru"), keras.layers.GRU)
    # The Jordan state is the output y_t = g(h_t V + c): the layer's last output is its state.
    x = np.random.default_rng(0).normal(size=(2, 40, 2)).astype("float32")
    layer.return_state = True
    output, state = layer(x)[:2]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(output), keras.ops.convert_to_numpy(state), atol=1e-6)
