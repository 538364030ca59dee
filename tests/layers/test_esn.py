"""EchoStateNetwork and its readouts against lstsq, closed forms and its own two forward passes."""

import numpy as np
import pytest

import keras
from rnnzoo import layers
from rnnzoo.applications.common.timeseries import mackey_glass
from rnnzoo.layers import EchoStateNetwork, RidgeReadout, RLSReadout
from rnnzoo.layers.base import float64_supported
from rnnzoo.layers.reservoir import NumpyReservoir

# These tests hold the ESN to float64 precision, its default dtype where Keras
# computes float64 (TensorFlow); test_reservoir.py checks the ESN on the other
# backends, in float32.
pytestmark = pytest.mark.skipif(not float64_supported(), reason="Keras computes float64 in float32 on this backend")


@pytest.fixture(scope="module")
def series():
    return mackey_glass(1500)


def small_esn(**kwargs):
    return EchoStateNetwork(**{"units": 60, "spectral_radius": 1.1, "leak_rate": 0.3, "input_connectivity": 1.0, "seed": 0, **kwargs})


def states_of(esn, x):
    """All states of a fitted/built ESN for a (time, features) series, from zero."""
    return NumpyReservoir(esn.reservoir.cell).run(x[None])[0][0]


@pytest.mark.parametrize("ridge", [1e-7, 1e-3])
@pytest.mark.parametrize("include_input", [False, True])
@pytest.mark.parametrize("washout", [0, 100])
def test_ridge_readout_matches_lstsq(series, ridge, include_input, washout):
    x, y = series[:-1], series[1:]
    esn = small_esn(include_input=include_input).fit_readout(x, y, ridge=ridge, washout=washout, chunk_size=256)
    features = states_of(esn, x)
    if include_input:
        features = np.concatenate([features, x], axis=1)
    design = np.concatenate([features, np.ones((len(x), 1))], axis=1)[washout:]
    targets = y[washout:]
    # Ridge as least squares on an augmented system; the bias column is not penalised.
    penalty = np.sqrt(ridge) * np.eye(design.shape[1])[:-1]
    solution = np.linalg.lstsq(np.vstack([design, penalty]), np.vstack([targets, np.zeros((len(penalty), 1))]), rcond=None)[0]
    weights = np.vstack(esn.readout.get_weights())
    # The normal equations square the condition number: compare the fits, and the
    # weights themselves where the problem is well conditioned.
    np.testing.assert_allclose(design @ weights, design @ solution, atol=1e-6)
    if ridge >= 1e-3:
        np.testing.assert_allclose(weights, solution, rtol=1e-6, atol=1e-8)


def test_ridge_accumulated_in_batches_equals_one_batch():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(500, 8)), rng.normal(size=(500, 2))
    once, streamed = RidgeReadout(1e-3), RidgeReadout(1e-3)
    once.accumulate(x, y)
    for part_x, part_y in zip(np.array_split(x, 7), np.array_split(y, 7), strict=True):
        streamed.accumulate(part_x, part_y)
    for a, b in zip(once.solve(), streamed.solve(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 77, 5000])
def test_fit_readout_does_not_depend_on_chunk_size(series, chunk_size):
    x, y = series[:600], series[1:601]
    reference = small_esn().fit_readout(x, y, ridge=1e-3, washout=50, chunk_size=600).readout.get_weights()
    got = small_esn().fit_readout(x, y, ridge=1e-3, washout=50, chunk_size=chunk_size).readout.get_weights()
    for a, b in zip(got, reference, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)  # round-off of the sums only


def test_batch_of_sequences_each_washed_out(series):
    x = np.stack([series[:400], series[500:900]])
    y = np.stack([series[1:401], series[501:901]])
    esn = small_esn().fit_readout(x, y, ridge=1e-6, washout=30)
    features = np.concatenate([states_of(esn, seq)[30:] for seq in x])
    solver = RidgeReadout(1e-6)
    solver.accumulate(features, np.concatenate([t[30:] for t in y]))
    for a, b in zip(esn.readout.get_weights(), solver.solve(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_keras_pass_equals_numpy_pass(series):
    esn = small_esn(depth=2, units=30, include_input=True).fit_readout(series[:-1], series[1:], washout=10)
    batch = np.stack([series[:200], series[300:500]])
    np.testing.assert_allclose(esn.run(batch, reset=True), esn.predict(batch, verbose=0), atol=1e-6)


def test_run_in_pieces_equals_run_at_once(series):
    esn = small_esn().fit_readout(series[:-1], series[1:], washout=10)
    whole = esn.run(series[:300], reset=True)
    pieces = [esn.run(series[:120], reset=True), esn.run(series[120:121]), esn.run(series[121:300])]
    np.testing.assert_allclose(np.concatenate(pieces), whole, atol=1e-12)


def test_rls_with_no_forgetting_is_the_penalised_closed_form():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(300, 5)), rng.normal(size=(300, 2))
    rls = RLSReadout(5, 2, forgetting_factor=1.0, ridge=0.5)
    rls.train(x, y)
    design = np.concatenate([x, np.ones((300, 1))], axis=1)
    expected = np.linalg.solve(design.T @ design + 0.5 * np.eye(6), design.T @ y)
    np.testing.assert_allclose(np.vstack([rls.weights, rls.bias]), expected, atol=1e-9)


@pytest.mark.parametrize("outputs", [1, 2])
def test_rls_follows_its_equations_sample_by_sample(outputs):
    # The textbook recursion in plain numpy, with the forgetting factor and a bias.
    rng = np.random.default_rng(4)
    x, d = rng.normal(size=(400, 4)), rng.normal(size=(400, outputs))
    lam, ridge = 0.97, 0.1
    w, p, expected = np.zeros((5, outputs)), np.eye(5) / ridge, []
    for phi, target in zip(np.concatenate([x, np.ones((400, 1))], axis=1), d):
        expected.append(phi @ w)
        k = p @ phi / (lam + phi @ p @ phi)
        w = w + np.outer(k, target - phi @ w)
        p = (p - np.outer(k, phi @ p)) / lam
    rls = RLSReadout(4, outputs, forgetting_factor=lam, ridge=ridge)
    predictions = np.concatenate([rls.train(x[:150], d[:150]), rls.train(x[150:], d[150:])])
    np.testing.assert_allclose(predictions, expected, atol=1e-9)
    np.testing.assert_allclose(np.vstack([rls.weights, rls.bias]), w, atol=1e-9)
    np.testing.assert_allclose(rls.p, p, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(rls.p, rls.p.T)


def test_rls_readout_converges_to_the_ridge_solution(series):
    x, y = series[:-1], series[1:]
    offline = small_esn().fit_readout(x, y, ridge=1e-6, washout=100)
    online = small_esn()
    online.run(x[:100])  # the washout: the states settle; fit_online carries them on
    online.fit_online(x[100:], y[100:], forgetting_factor=1.0, ridge=1e-6)
    test = mackey_glass(400, seed=3)
    a, b = offline.run(test, reset=True)[100:], online.run(test, reset=True)[100:]
    assert np.sqrt(np.mean((a - b) ** 2)) < 1e-3 * test.std()


def test_rls_a_priori_predictions_and_forgetting_track_drift():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2000, 3))
    w1, w2 = np.array([[1.0], [0.0], [-1.0]]), np.array([[-2.0], [1.0], [0.5]])
    y = np.concatenate([x[:1000] @ w1, x[1000:] @ w2])
    forgetful, rigid = RLSReadout(3, 1, forgetting_factor=0.95, ridge=1.0), RLSReadout(3, 1, ridge=1.0)
    predictions = forgetful.train(x, y)
    rigid.train(x, y)
    assert predictions[0, 0] == 0.0  # made before the first update, from W₀ = 0
    np.testing.assert_allclose(forgetful.weights, w2, atol=1e-6)
    assert np.abs(rigid.weights - w2).max() > 0.5


def test_generate_feeds_each_prediction_back(series):
    esn = small_esn(include_input=True).fit_readout(series[:1000], series[1:1001], ridge=1e-7, washout=100)
    generated = esn.generate(30, warmup=series[:1000])
    # The same closed loop by hand: one teacher-forced run, then one step at a time.
    expected, last = [], esn.run(series[:1000], reset=True)[-1:]
    for _ in range(30):
        expected.append(last[0])
        last = esn.run(last)
    np.testing.assert_allclose(generated, expected, atol=1e-12)
    assert generated.shape == (30, 1)
    np.testing.assert_allclose(generated[:10], series[1000:1010], atol=0.02)


def test_generate_continues_after_fit_readout(series):
    esn = small_esn().fit_readout(series[:1000], series[1:1001], washout=100)
    np.testing.assert_allclose(esn.generate(20), esn.generate(20, warmup=series[:1000]), atol=1e-12)


def test_model_fit_trains_the_readout_and_unfreezes_the_reservoir_on_request(series):
    x = np.stack([series[k : k + 100] for k in range(0, 1000, 50)])
    y = np.stack([series[k + 1 : k + 101] for k in range(0, 1000, 50)])
    esn = small_esn(units=40)
    esn.compile(keras.optimizers.Adam(0.01), "mse")
    esn(x)
    reservoir_before = [w.copy() for w in esn.reservoir.get_weights()]
    before = esn.evaluate(x, y, verbose=0)
    esn.fit(x, y, epochs=20, verbose=0)
    assert esn.evaluate(x, y, verbose=0) < 0.3 * before
    for a, b in zip(esn.reservoir.get_weights(), reservoir_before, strict=True):
        np.testing.assert_array_equal(a, b)

    esn.reservoir.trainable = True
    esn.compile(keras.optimizers.Adam(1e-3), "mse")
    esn.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(esn.reservoir.get_weights()[-1], reservoir_before[-1])


@pytest.mark.parametrize("depth", [1, 2])
def test_keras_file_round_trip(series, tmp_path, depth):
    esn = small_esn(units=30, depth=depth).fit_readout(series[:-1], series[1:], washout=10)
    path = tmp_path / "esn.keras"
    esn.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is EchoStateNetwork and loaded.get_config() == esn.get_config()
    batch = series[None, :200]
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), esn.predict(batch, verbose=0), atol=1e-12)
    np.testing.assert_allclose(loaded.run(series[:200], reset=True), esn.run(series[:200], reset=True), atol=1e-12)


def test_exports():
    assert {"EchoStateNetwork", "RidgeReadout", "RLSReadout", "Reservoir", "DeepReservoir"} <= set(layers.__all__)


NAN = np.array([[0.1], [np.nan], [0.3], [0.4]])
BAD = [
    (lambda e, s: e.fit_readout(s[:100], s[1:100]), r"`x` and `y`.*same number.*\(100, 1\).*\(99, 1\)"),
    (lambda e, s: e.fit_readout(NAN, NAN, washout=0), r"`x` contains NaN or inf.*\(0, 1, 0\)"),
    (lambda e, s: e.fit_readout(s[:4], np.array([[0.0], [np.inf], [0.0], [0.0]]), washout=0), r"`y` contains NaN or inf"),
    (lambda e, s: e.run(NAN), r"`x` contains NaN"),
    (lambda e, s: e.generate(5, warmup=NAN), r"`warmup` contains NaN"),
    (lambda e, s: e.fit_online(NAN, NAN), r"`x` contains NaN"),
    (lambda e, s: e.fit_readout(s[:100], s[1:101], washout=100), r"washout.*\[0, 100\).*100"),
    (lambda e, s: e.fit_readout(s[:100], s[1:101], washout=-1), r"washout.*-1"),
    (lambda e, s: e.fit_readout(s[:100], s[1:101], ridge=-1.0), r"ridge.*-1\.0"),
    (lambda e, s: e.fit_online(s[:100], s[1:101], forgetting_factor=1.5), r"forgetting_factor.*1\.5"),
    (lambda e, s: e.generate(0, warmup=s[:10]), r"steps.*0"),
    (lambda e, s: e.generate(5), r"generate needs a state"),
    (lambda e, s: e.fit_readout(np.zeros((3, 4, 5, 1)), np.zeros((3, 4, 5, 1))), r"`x` must be a non-empty series"),
    (lambda e, s: EchoStateNetwork(10, ridge=-1e-3), r"ridge.*-0\.001"),
    (lambda e, s: EchoStateNetwork(10, spectral_radius=0), r"spectral_radius.*0"),
    (lambda e, s: EchoStateNetwork(10, leak_rate=2), r"leak_rate.*2"),
    (lambda e, s: EchoStateNetwork(10, connectivity=0), r"connectivity.*0"),
]


@pytest.mark.parametrize("call,message", BAD, ids=[m for _, m in BAD])
def test_bad_input_is_refused_with_a_named_message(series, call, message):
    with pytest.raises(ValueError, match=message):
        call(small_esn(units=10), series)


def test_wrong_feature_count_after_build_and_generate_without_matching_dims(series):
    esn = small_esn(units=10).fit_readout(series[:100], series[1:101], washout=0)
    with pytest.raises(ValueError, match=r"`x` must have 1 features"):
        esn.run(np.zeros((10, 2)))
    two_outputs = small_esn(units=10).fit_readout(series[:100], np.hstack([series[1:101]] * 2), washout=0)
    with pytest.raises(ValueError, match=r"output_dim must equal the input size.*output_dim=2"):
        two_outputs.generate(5, warmup=series[:10])
