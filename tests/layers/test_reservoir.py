"""Reservoirs against the update equation in numpy, their spectral radius, seeds and streaming."""

import numpy as np
import pytest

from rnnzoo import layers
from rnnzoo.layers.base import float64_supported
from rnnzoo.layers.initializers import spectral_radius
from rnnzoo.layers.reservoir import NumpyReservoir, reservoir_matrices
from tests.layers.backend import to_numpy


def sequences(batch=2, steps=40, features=3, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, features))


def weights(cell):
    """(w_in, bias, w) of a built ReservoirCell, as float64 numpy."""
    return tuple(to_numpy(v, "float64") for v in (cell.kernel, cell.bias, cell.recurrent_kernel))


def reservoir_reference(u, w_in, bias, w, leak):
    """x_t = (1 − a) x_{t-1} + a tanh(u_t W_in + x_{t-1} W + b), straight from the equation."""
    x = np.zeros((u.shape[0], w.shape[0]))
    states = []
    for t in range(u.shape[1]):
        x = (1 - leak) * x + leak * np.tanh(u[:, t] @ w_in + x @ w + bias)
        states.append(x)
    return np.stack(states, 1)


@pytest.mark.parametrize("units,radius", [(40, 0.5), (300, 1.25), (300, 0.9)])
def test_spectral_radius_is_the_requested_one(units, radius):
    # 40 units take numpy's dense path, 300 ARPACK's; the check is a dense eigendecomposition.
    cell = layers.ReservoirCell(units, spectral_radius=radius, seed=5)
    cell.build((None, 2))
    eigenvalues = np.linalg.eigvals(to_numpy(cell.recurrent_kernel, "float64"))
    assert abs(np.abs(eigenvalues).max() - radius) < 1e-3


def test_spectral_radius_helper_matches_dense_eigenvalues():
    from scipy import sparse

    matrix = sparse.random(400, 400, density=0.03, random_state=np.random.default_rng(1), format="csr")
    assert spectral_radius(matrix) == pytest.approx(np.abs(np.linalg.eigvals(matrix.toarray())).max(), abs=1e-8)


@pytest.mark.parametrize("connectivity,per_unit", [(None, 10), (0.05, 10), (1.0, 200)])
def test_connectivity_counts_recurrent_weights_per_unit(connectivity, per_unit):
    _, _, w = reservoir_matrices(200, 1, 0.9, connectivity=connectivity, seed=0)
    assert np.all(np.diff(w.tocsc().indptr) == per_unit)


def test_input_connectivity_and_scalings():
    w_in, bias, _ = reservoir_matrices(100, 2, 0.9, input_scaling=[0.5, 2.0], input_connectivity=0.25, bias_scaling=0.3, seed=0)
    assert np.count_nonzero(w_in) == 50
    assert set(np.abs(w_in[0][w_in[0] != 0])) == {0.5} and set(np.abs(w_in[1][w_in[1] != 0])) == {2.0}
    assert set(np.abs(bias)) == {0.3}


def test_same_seed_same_reservoir_other_seed_another():
    a, b, c = (reservoir_matrices(300, 2, 1.1, seed=seed) for seed in (7, 7, 8))
    for x, y in zip(a[:2], b[:2], strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[2].toarray(), b[2].toarray())
    assert not np.allclose(a[2].toarray(), c[2].toarray())


def test_seed_gives_the_same_reservoir_on_every_machine():
    # numpy's PCG64 streams are platform independent; these values pin them.
    w_in, _, w = reservoir_matrices(300, 1, 1.0, input_connectivity=0.1, seed=0)
    assert np.count_nonzero(w_in) == 30 and w.nnz == 3000
    nonzero = w.tocsr()
    assert float(np.abs(nonzero.data).sum()) == pytest.approx(747.9523430395437, rel=1e-9)
    assert [int(i) for i in np.flatnonzero(w_in)[:5]] == [6, 15, 21, 44, 54]


def test_seed_none_is_drawn_once_and_kept_in_config():
    layer = layers.Reservoir(20)
    seed = layer.get_config()["seed"]
    assert isinstance(seed, int)
    clone = layers.Reservoir.from_config(layer.get_config())
    x = sequences().astype("float32")
    np.testing.assert_array_equal(clone(x), layer(x))


@pytest.mark.parametrize("leak", [1.0, 0.3])
def test_layer_matches_the_equation(leak):
    u = sequences()
    layer = layers.Reservoir(30, spectral_radius=1.1, leak_rate=leak, bias_scaling=0.2, input_connectivity=0.5, seed=2, return_sequences=True)
    got = layer(u.astype("float32"))
    expected = reservoir_reference(u, *weights(layer.cell), leak)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(NumpyReservoir(layer.cell).run(u)[0], expected, atol=1e-12)

# float64 layers: Keras computes them in float64 on TensorFlow only (see layers.base.float64_supported).
float64_only = pytest.mark.skipif(not float64_supported(), reason="Keras computes float64 in float32 on this backend")


@float64_only
def test_leak_rate_one_is_the_plain_update():
    u = sequences(batch=1)
    layer = layers.Reservoir(25, leak_rate=1.0, seed=4, return_sequences=True, dtype="float64")
    out = to_numpy(layer(u))
    w_in, bias, w = weights(layer.cell)
    x, plain = np.zeros(25), []
    for t in range(u.shape[1]):
        x = np.tanh(u[0, t] @ w_in + x @ w + bias)
        plain.append(x)
    np.testing.assert_allclose(out[0], plain, atol=1e-12)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("splits", [(7,), (1, 13, 25)])
def test_numpy_states_in_chunks_equal_states_at_once(batch, splits):
    u = sequences(batch=batch)
    cell = layers.ReservoirCell(50, leak_rate=0.4, seed=0)
    runner = NumpyReservoir(cell, input_dim=3)
    whole, last = runner.run(u)
    pieces, states = [], None
    for part in np.split(u, splits, axis=1):
        out, states = runner.run(part, states)
        pieces.append(out)
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole, atol=1e-13)
    np.testing.assert_allclose(states[0], last[0], atol=1e-13)


@float64_only
@pytest.mark.parametrize("connectivity", [None, 1.0])
def test_dense_and_sparse_numpy_paths_agree_with_keras(connectivity):
    # connectivity 1.0 takes the dense mat-vec, the default the sparse one.
    u = sequences()
    layer = layers.Reservoir(40, connectivity=connectivity, seed=1, return_sequences=True, dtype="float64")
    np.testing.assert_allclose(NumpyReservoir(layer.cell, input_dim=3).run(u)[0], layer(u), atol=1e-12)


def test_deep_reservoir_is_the_stack_of_equations():
    u = sequences()
    layer = layers.DeepReservoir([30, 20], leak_rate=[0.9, 0.4], spectral_radius=[0.8, 1.2], seed=3, return_sequences=True)
    got = to_numpy(layer(u.astype("float32")))
    below = u
    expected = []
    for cell, leak in zip(layer.cell.cells, (0.9, 0.4), strict=True):
        below = reservoir_reference(below, *weights(cell), leak)
        expected.append(below)
    expected = np.concatenate(expected, axis=-1)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(NumpyReservoir(layer.cell).run(u)[0], expected, atol=1e-12)


def test_deep_reservoir_of_depth_one_is_a_reservoir():
    u = sequences().astype("float32")
    deep = layers.DeepReservoir(30, depth=1, seed=9, leak_rate=0.5)
    np.testing.assert_array_equal(deep(u), layers.Reservoir(30, seed=9, leak_rate=0.5)(u))


def test_deep_layers_get_different_reservoirs():
    layer = layers.DeepReservoir(30, depth=3, seed=0)
    layer(sequences().astype("float32"))
    recurrent = [to_numpy(cell.recurrent_kernel) for cell in layer.cell.cells]
    assert not np.allclose(recurrent[1], recurrent[2])


@pytest.mark.parametrize("make", [lambda: layers.Reservoir(10, seed=0), lambda: layers.DeepReservoir(10, seed=0)])
def test_frozen_by_default_and_unfreezable(make):
    layer = make()
    layer(sequences().astype("float32"))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) >= 3
    layer.trainable = True
    assert len(layer.trainable_weights) == len(layer.weights)


BAD = [
    (lambda: layers.Reservoir(10, spectral_radius=0.0), r"spectral_radius.*0\.0"),
    (lambda: layers.Reservoir(10, spectral_radius=-1.0), r"spectral_radius.*-1\.0"),
    (lambda: layers.Reservoir(10, leak_rate=0.0), r"leak_rate.*\(0, 1\].*0\.0"),
    (lambda: layers.Reservoir(10, leak_rate=1.5), r"leak_rate.*1\.5"),
    (lambda: layers.Reservoir(10, connectivity=0.0), r"connectivity.*0\.0"),
    (lambda: layers.Reservoir(10, connectivity=1.2), r"connectivity.*1\.2"),
    (lambda: layers.Reservoir(10, input_connectivity=0.0), r"input_connectivity.*0\.0"),
    (lambda: layers.Reservoir(10, input_scaling=-1.0), r"input_scaling.*-1\.0"),
    (lambda: layers.Reservoir(10, bias_scaling=-0.1), r"bias_scaling.*-0\.1"),
    (lambda: layers.Reservoir(10, activation="softmax"), r"activation.*'softmax'"),
    (lambda: layers.Reservoir(10, seed=-1), r"seed.*-1"),
    (lambda: layers.Reservoir(0), r"units.*0"),
    (lambda: layers.DeepReservoir(10, depth=0), r"depth.*0"),
    (lambda: layers.DeepReservoir(10, depth=2, leak_rate=[0.5]), r"leak_rate.*one value per layer \(2\)"),
    (lambda: layers.DeepReservoir([10, 0]), r"units.*0"),
    (lambda: layers.Reservoir(10, input_scaling=[1.0, 2.0])(np.zeros((1, 4, 3), "float32")), r"input_scaling.*one value per input feature \(3\)"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_bad_argument_is_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.skipif(float64_supported(), reason="this backend computes in float64")
def test_float64_is_refused_where_the_backend_would_run_it_in_float32():
    for make in (
        lambda: layers.Reservoir(8, dtype="float64"),
        lambda: layers.DeepReservoir(8, dtype="float64"),
        lambda: layers.EchoStateNetwork(8, dtype="float64"),
        lambda: layers.LeakyRNN(8, dtype="float64"),
    ):
        with pytest.raises(ValueError, match=r"float32.*Received: dtype='float64'"):
            make()
    esn = layers.EchoStateNetwork(8, seed=0)  # the default: float32 here, said in its docstring
    assert esn.dtype_policy.name == "float32" and esn.reservoir.dtype_policy.name == "float32"


@pytest.mark.skipif(not float64_supported(), reason="Keras computes float64 in float32 on this backend")
def test_the_echo_state_network_defaults_to_float64_where_the_backend_has_it():
    esn = layers.EchoStateNetwork(8, seed=0)
    esn.build((None, None, 1))
    assert esn.dtype_policy.name == "float64"
    assert all(w.dtype == "float64" for w in esn.reservoir.weights)


@pytest.mark.parametrize("depth", [1, 2])
def test_echo_state_network_works_on_this_backend_at_its_precision(depth):
    # Every backend: the Keras pass (predict) equals the float64 numpy pass (run)
    # to the layer's precision, and the closed-loop forecast tracks the series.
    series = np.sin(np.arange(1200) * 0.1)[:, None]
    esn = layers.EchoStateNetwork(100, depth=depth, spectral_radius=1.0, leak_rate=0.5, seed=0)
    esn.fit_readout(series[:1000], series[1:1001], ridge=1e-4, washout=100)
    tolerance = 1e-7 if esn.dtype_policy.name == "float64" else 2e-4
    batch = series[None, :300]
    np.testing.assert_allclose(to_numpy(esn.predict(batch, verbose=0)), esn.run(batch, reset=True), atol=tolerance)
    esn.run(series[None, :1000], reset=True)
    assert np.abs(esn.generate(50) - series[1000:1050]).max() < 0.05


def test_deep_reservoirs_build_for_any_seed():
    # Derived seeds reach 2**32; on PyTorch a SeedGenerator holds its seed in an int32.
    for seed in range(8):
        layer = layers.DeepReservoir(10, depth=3, seed=seed)
        assert to_numpy(layer(np.zeros((1, 3, 2), "float32"))).shape == (1, 30)
