"""Diagnostics of the long-term benchmark against closed-form answers."""

import keras
import numpy as np
import pytest

from benchmarks.long_term import diagnostics, memory_capacity


@pytest.mark.parametrize("gain", [0.5, 0.9])
def test_gradient_norms_of_a_linear_rnn_are_powers_of_its_gain(gain):
    # h_t = h_{t-1} (gain·I) + x_t W: ∂h_T/∂h_k = gain^(T−k) I, so ‖vᵀJ‖ = gain^(distance+1) for a unit v.
    layer = keras.layers.SimpleRNN(4, activation="linear", recurrent_initializer=keras.initializers.Identity(gain))
    layer.build((None, 12, 3))
    norms = diagnostics.state_gradient_norms(layer, np.random.default_rng(0).normal(size=(5, 12, 3)))
    np.testing.assert_allclose(norms, gain ** np.arange(1, 13), rtol=1e-5)


def test_gradient_norms_cover_the_whole_lstm_state():
    layer = keras.layers.LSTM(3)
    layer.build((None, 6, 2))
    norms = diagnostics.state_gradient_norms(layer, np.ones((2, 6, 2)))
    assert norms.shape == (6,) and np.all(norms > 0)


def test_gradient_norms_of_stacked_cells_follow_the_top_layer():
    # Two linear cells, the top one reading nothing (kernel 0): h2_T = gain^(T−k) h2_k, and h1 does not reach it.
    top = keras.layers.SimpleRNNCell(4, activation="linear", kernel_initializer="zeros",
                                     recurrent_initializer=keras.initializers.Identity(0.8))
    layer = keras.layers.RNN(keras.layers.StackedRNNCells([keras.layers.SimpleRNNCell(3), top]))
    layer.build((None, 10, 2))
    norms = diagnostics.state_gradient_norms(layer, np.ones((2, 10, 2)))
    np.testing.assert_allclose(norms, 0.8 ** np.arange(1, 11), rtol=1e-5)


def test_gradient_norms_take_nested_states_of_stacked_lstms():
    layer = keras.layers.RNN(keras.layers.StackedRNNCells([keras.layers.LSTMCell(3), keras.layers.LSTMCell(3)]))
    layer.build((None, 6, 2))
    norms = diagnostics.state_gradient_norms(layer, np.ones((2, 6, 2)))  # ([h1, c1], [h2, c2]) per step
    assert norms.shape == (6,) and np.all(np.isfinite(norms)) and np.all(norms > 0)


def test_initial_spectra_match_each_initialisers_definition():
    spectra = diagnostics.initial_spectra(24, seed=0)
    np.testing.assert_allclose(np.abs(spectra["orthogonal"]), 1.0, atol=1e-5)
    np.testing.assert_allclose(spectra["IRNN (identity)"], 1.0)
    nprnn = spectra["np-RNN"]
    assert np.allclose(nprnn.imag, 0.0) and nprnn.real.min() > 0 and nprnn.real.max() == pytest.approx(1.0, abs=1e-5)
    # Circular law: N(0, 1/N) entries give eigenvalues filling the unit disc.
    assert 0.7 < np.abs(spectra["Gaussian N(0, 1/N)"]).max() < 1.4


def test_squared_correlations_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    b[:, 0] += 2 * a[:, 0]
    expected = [np.corrcoef(a[:, k], b[:, k])[0, 1] ** 2 for k in range(3)]
    np.testing.assert_allclose(memory_capacity.squared_correlations(a, b), expected)


def test_memory_capacity_is_bounded_by_units_and_remembers_the_last_step():
    capacities = memory_capacity.delay_capacities(20, spectral_radius=0.9, leak_rate=1.0, seed=0, max_delay=40)
    assert capacities[0] > 0.95  # u(t−1) is a near-linear function of the state
    assert 1.0 < capacities.sum() <= 20.0
    assert capacities[-1] < 0.05  # 40 steps back is forgotten by 20 units


def test_gradient_decay_fit_recovers_a_known_geometric_rate(tmp_path):
    import json

    from benchmarks.long_term import report

    rows = []
    for method, rate in (("fast", 0.8), ("flat", 1.0)):
        for seed in (0, 1):
            norms = [2.0 * rate**d for d in range(200)]
            norms[150:] = [0.0] * 50 if method == "fast" else norms[150:]  # underflowed norms are left out of the fit
            rows.append({"task": "gradients", "method": method, "setting": 200, "seed": seed, "quick": False,
                         "config": {"length": 200, "units": 4}, "grad_norms_init": norms})
    (tmp_path / "gradients.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert report.gradient_decay(tmp_path).endswith("fast 0.800, flat 1.000.")


def test_deep_reservoir_memory_capacity_at_depth_one_is_the_shallow_one_and_stays_below_the_units():
    from benchmarks.long_term.memory_capacity import delay_capacities

    shallow = delay_capacities(30, 0.9, 1.0, seed=3, train_steps=1500, test_steps=800)
    np.testing.assert_allclose(delay_capacities(30, 0.9, 1.0, seed=3, train_steps=1500, test_steps=800, depth=1), shallow)
    deep = delay_capacities(30, 0.9, 1.0, seed=3, train_steps=1500, test_steps=800, depth=3, inter_scaling=0.5)
    assert len(deep) == 60 and 0.0 < deep.sum() <= 30 and not np.allclose(deep, shallow)
