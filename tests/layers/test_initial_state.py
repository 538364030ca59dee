"""InitialState: zeros, learned and adaptive-noise initial states for any Keras RNN.

Golden values: the wrapper with its vectors set to known values gives what the
wrapped layer gives when called with those states explicitly, and the gradient
reaching each vector is the batch sum of the gradient with respect to an
explicit initial state. The noise: absent at inference, present in training,
with the standard deviation the tracked scale says, and the scale following
the residual through the callback as its moving average.
"""

import keras
import numpy as np
import pytest
from keras import ops

from rnnzoo.layers import InitialState, LeakyRNN, PeepholeLSTM, TrackResidualNoise
from tests.layers.backend import to_numpy, value_and_gradients, weighted_sum

BATCH, STEPS, FEATURES, UNITS = 3, 6, 2, 4

INNER = {
    "lstm": lambda: keras.layers.LSTM(UNITS),
    "peephole": lambda: PeepholeLSTM(UNITS, return_sequences=True),
    "leaky": lambda: LeakyRNN(UNITS, leak_rate=0.5),
    "gru_state": lambda: keras.layers.GRU(UNITS, return_state=True),
}


def inputs(seed=0, batch=BATCH):
    return np.random.default_rng(seed).normal(size=(batch, STEPS, FEATURES)).astype("float32")


def set_known_vectors(wrapper):
    values = []
    for k, v in enumerate(wrapper.initial_vectors):
        value = (0.3 * np.sin(np.arange(v.shape[0]) + 1.7 * k)).astype("float32")
        v.assign(value)
        values.append(value)
    return values


def explicit(values, batch=BATCH):
    return [np.broadcast_to(v, (batch, v.shape[0])).copy() for v in values]


def flat(output):
    return [to_numpy(t) for t in keras.tree.flatten(output)]


@pytest.mark.parametrize("kind", sorted(INNER))
def test_learned_equals_the_layer_called_with_that_state(kind):
    wrapper = InitialState(INNER[kind](), initial_state="learned")
    x = inputs()
    wrapper(x)
    values = set_known_vectors(wrapper)
    expected = flat(wrapper.layer(x, initial_state=explicit(values)))
    for got, want in zip(flat(wrapper(x)), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    # and it is not the zero state's output
    assert not np.allclose(flat(wrapper.layer(x))[0], expected[0])


def test_state_sizes_follow_the_layer():
    sizes = {
        "lstm": [(UNITS,), (UNITS,)],
        "peephole": [(UNITS,), (UNITS,)],
        "leaky": [(UNITS,)],
        "gru_state": [(UNITS,)],
    }
    for kind, expected in sizes.items():
        wrapper = InitialState(INNER[kind](), initial_state="learned")
        wrapper(inputs())
        assert [tuple(v.shape) for v in wrapper.initial_vectors] == expected, kind
        assert all(v.trainable for v in wrapper.initial_vectors)


@pytest.mark.parametrize("kind", ["lstm", "peephole", "leaky"])
def test_gradients_reach_the_learned_vectors(kind):
    wrapper = InitialState(INNER[kind](), initial_state="learned")
    x = inputs(1)
    wrapper(x)
    values = set_known_vectors(wrapper)

    def through_wrapper(xs):
        return weighted_sum(keras.tree.flatten(wrapper(xs))[0])

    _, grads = value_and_gradients(through_wrapper, wrapper.initial_vectors, [x])
    vector_grads = grads[1:]

    def explicit_state(xs, *states):
        return weighted_sum(keras.tree.flatten(wrapper.layer(xs, initial_state=list(states)))[0])

    _, grads = value_and_gradients(explicit_state, [], [x, *explicit(values)])
    for got, per_sequence in zip(vector_grads, grads[1:], strict=True):
        assert np.abs(got).max() > 1e-4
        np.testing.assert_allclose(got, per_sequence.sum(axis=0), rtol=1e-4, atol=1e-6)


def test_zeros_passes_through():
    inner = keras.layers.LSTM(UNITS)
    wrapper = InitialState(inner, initial_state="zeros")
    x = inputs()
    np.testing.assert_allclose(to_numpy(wrapper(x)), to_numpy(inner(x)), rtol=1e-6, atol=1e-7)
    assert wrapper.initial_vectors == [] and wrapper.noise_scale is None and wrapper.weights == inner.weights


def test_an_explicit_initial_state_overrides_the_wrapper():
    wrapper = InitialState(keras.layers.SimpleRNN(UNITS), initial_state="noisy", initial_noise_scale=1.0)
    x = inputs()
    wrapper(x)
    state = [np.full((BATCH, UNITS), 0.25, "float32")]
    np.testing.assert_allclose(
        to_numpy(wrapper(x, initial_state=state, training=True)), to_numpy(wrapper.layer(x, initial_state=state)),
        rtol=1e-6, atol=1e-6,
    )


# --------------------------------------------------------------------------
# The noise
# --------------------------------------------------------------------------
def noisy_lstm(scale=0.2, **kwargs):
    wrapper = InitialState(keras.layers.LSTM(UNITS), initial_state="noisy", initial_noise_scale=scale, seed=3, **kwargs)
    wrapper(inputs())
    return wrapper


def test_noisy_at_inference_is_deterministic_and_the_learned_state():
    wrapper = noisy_lstm()
    values = set_known_vectors(wrapper)
    x = inputs(2)
    first, second = to_numpy(wrapper(x, training=False)), to_numpy(wrapper(x))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, to_numpy(wrapper.layer(x, initial_state=explicit(values))), rtol=1e-6, atol=1e-6)


def test_noisy_in_training_differs():
    wrapper = noisy_lstm()
    x = inputs(2)
    clean = to_numpy(wrapper(x, training=False))
    a, b = to_numpy(wrapper(x, training=True)), to_numpy(wrapper(x, training=True))
    assert not np.allclose(a, clean, atol=1e-4)
    assert not np.allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("scale", [0.05, 0.4])
def test_the_noise_has_the_tracked_scale(scale):
    wrapper = noisy_lstm(scale=1.0)
    values = set_known_vectors(wrapper)
    wrapper.noise_scale.assign(scale)
    n = 20000
    for state, mean in zip(wrapper.initial_states(n, training=True), values, strict=True):
        state = to_numpy(state)
        assert state.shape == (n, UNITS)
        noise = state - mean
        # std of a sample of 80 000 normals: within 2 % (about 6 standard errors)
        assert abs(noise.std() / scale - 1.0) < 0.02, noise.std()
        assert abs(noise.mean()) < 5 * scale / np.sqrt(noise.size)
        assert abs(np.corrcoef(noise[:, 0], noise[:, 1])[0, 1]) < 0.05  # independent components
    for state, mean in zip(wrapper.initial_states(5, training=False), values, strict=True):
        np.testing.assert_array_equal(to_numpy(state), np.broadcast_to(mean, (5, UNITS)))


def test_noise_around_zero_without_a_learned_mean():
    wrapper = noisy_lstm(scale=0.3, learn_mean=False)
    assert wrapper.initial_vectors == [] and not wrapper.noise_scale.trainable
    for state in wrapper.initial_states(4, training=False):
        np.testing.assert_array_equal(to_numpy(state), 0.0)
    x = inputs()
    np.testing.assert_allclose(to_numpy(wrapper(x)), to_numpy(wrapper.layer(x)), rtol=1e-6, atol=1e-7)


def test_update_noise_scale_is_a_moving_average_of_the_rms():
    wrapper = noisy_lstm(scale=0.5, noise_momentum=0.75)
    residual = np.array([[3.0], [-4.0]])  # RMS √12.5
    wrapper.update_noise_scale(residual)
    expected = 0.75 * 0.5 + 0.25 * np.sqrt(12.5)
    assert float(to_numpy(wrapper.noise_scale)) == pytest.approx(expected, rel=1e-6)
    wrapper.update_noise_scale(np.nan)  # a diverged batch leaves it alone
    assert float(to_numpy(wrapper.noise_scale)) == pytest.approx(expected, rel=1e-6)


def _fit_model(initial_noise_scale, momentum):
    # Zero recurrent weights: the output does not depend on h_0, so the
    # training loss is the same with or without noise and can be recomputed.
    keras.utils.set_random_seed(0)
    rnn = keras.layers.SimpleRNN(UNITS, recurrent_initializer="zeros")
    model = keras.Sequential([
        keras.Input((STEPS, FEATURES)),
        InitialState(rnn, initial_state="noisy", initial_noise_scale=initial_noise_scale, noise_momentum=momentum),
        keras.layers.Dense(1),
    ])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    return model


def test_the_callback_tracks_the_training_residual_through_the_loss():
    m, s0 = 0.5, 0.1
    model = _fit_model(s0, m)
    x, y = inputs(4, batch=8), np.random.default_rng(5).normal(size=(8, 1)).astype("float32")
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=[TrackResidualNoise()])
    residual = y - to_numpy(model.predict(x, verbose=0))
    batch_rms = [np.sqrt(np.mean(residual[i : i + 2] ** 2)) for i in range(0, 8, 2)] * 2
    expected = s0
    for rms in batch_rms:
        expected = m * expected + (1 - m) * rms
    assert float(to_numpy(model.layers[0].noise_scale)) == pytest.approx(expected, rel=1e-4)


def test_the_callback_tracks_the_residual_on_given_data():
    model = _fit_model(0.1, 0.0)
    x, y = inputs(4, batch=8), np.random.default_rng(5).normal(size=(8, 1)).astype("float32")
    probe = (x[:3], y[:3])
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[TrackResidualNoise(data=probe)])
    rms = np.sqrt(np.mean((probe[1] - to_numpy(model.predict(probe[0], verbose=0))) ** 2))
    assert float(to_numpy(model.layers[0].noise_scale)) == pytest.approx(rms, rel=1e-4)


def test_a_model_trains_with_noisy_initial_states():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((STEPS, FEATURES)),
        InitialState(PeepholeLSTM(UNITS), initial_state="noisy"),
        keras.layers.Dense(1),
    ])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    x, y = inputs(6, batch=16), np.ones((16, 1), "float32")
    before = [to_numpy(v) for v in model.layers[0].initial_vectors]
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[TrackResidualNoise()])
    assert np.all(np.isfinite(history.history["loss"]))
    after = [to_numpy(v) for v in model.layers[0].initial_vectors]
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert float(to_numpy(model.layers[0].noise_scale)) != pytest.approx(0.1)


# --------------------------------------------------------------------------
# Bidirectional, config, saving
# --------------------------------------------------------------------------
def test_inside_bidirectional_each_direction_has_its_vectors():
    layer = keras.layers.Bidirectional(InitialState(keras.layers.LSTM(UNITS), initial_state="learned"))
    x = inputs()
    out = to_numpy(layer(x))
    assert out.shape == (BATCH, 2 * UNITS)
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    forward = set_known_vectors(layer.forward_layer)
    backward = [-v for v in set_known_vectors(layer.backward_layer)]
    for v, value in zip(layer.backward_layer.initial_vectors, backward):
        v.assign(value)
    reference = keras.layers.Bidirectional(keras.layers.LSTM(UNITS))
    reference(x)
    for target, source in ((reference.forward_layer, layer.forward_layer.layer),
                           (reference.backward_layer, layer.backward_layer.layer)):
        target.set_weights(source.get_weights())
    want = to_numpy(reference(x, initial_state=explicit(forward) + explicit(backward)))
    np.testing.assert_allclose(to_numpy(layer(x)), want, rtol=1e-6, atol=1e-6)


def test_around_bidirectional_the_vectors_are_forward_then_backward():
    wrapper = InitialState(keras.layers.Bidirectional(keras.layers.GRU(UNITS)), initial_state="learned")
    x = inputs()
    wrapper(x)
    values = set_known_vectors(wrapper)
    assert len(values) == 2
    np.testing.assert_allclose(
        to_numpy(wrapper(x)), to_numpy(wrapper.layer(x, initial_state=explicit(values))), rtol=1e-6, atol=1e-6
    )


def test_config_round_trip():
    wrapper = InitialState(LeakyRNN(UNITS, return_sequences=True), initial_state="noisy", learn_mean=False,
                           initial_noise_scale=0.3, noise_momentum=0.5, seed=7, name="starts")
    config = wrapper.get_config()
    clone = InitialState.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.layer, LeakyRNN) and clone.layer.return_sequences
    assert (clone.initial_state, clone.learn_mean, clone.noise_momentum, clone.seed) == ("noisy", False, 0.5, 7)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_keras_file_round_trip(tmp_path, bidirectional):
    keras.utils.set_random_seed(2)
    layer = InitialState(PeepholeLSTM(UNITS), initial_state="noisy", initial_noise_scale=0.2)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), layer, keras.layers.Dense(1)])
    wrappers = [layer.forward_layer, layer.backward_layer] if bidirectional else [layer]
    for w in wrappers:
        set_known_vectors(w)
        w.noise_scale.assign(0.37)
    x = inputs(3)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(to_numpy(loaded.predict(x, verbose=0)), to_numpy(model.predict(x, verbose=0)),
                               rtol=1e-6, atol=1e-6)
    loaded_layer = loaded.layers[0]
    loaded_wrappers = [loaded_layer.forward_layer, loaded_layer.backward_layer] if bidirectional else [loaded_layer]
    for got, want in zip(loaded_wrappers, wrappers, strict=True):
        assert isinstance(got, InitialState) and got.go_backwards == want.go_backwards
        assert float(to_numpy(got.noise_scale)) == pytest.approx(0.37)
        for a, b in zip(got.initial_vectors, want.initial_vectors, strict=True):
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


# --------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["random", "Learned", None, 0])
def test_unknown_initial_state_is_refused(value):
    with pytest.raises(ValueError, match=r"initial_state.*Received: initial_state=" + repr(value).replace("'", ".")):
        InitialState(keras.layers.LSTM(UNITS), initial_state=value)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: layer="):
        InitialState(keras.layers.Dense(3))
    with pytest.raises(ValueError, match="stateful"):
        InitialState(keras.layers.GRU(UNITS, stateful=True), initial_state="learned")
    InitialState(keras.layers.GRU(UNITS, stateful=True), initial_state="zeros")
    with pytest.raises(ValueError, match="noise_momentum=1.0"):
        InitialState(keras.layers.LSTM(UNITS), initial_state="noisy", noise_momentum=1.0)
    with pytest.raises(ValueError, match="initial_noise_scale=-0.1"):
        InitialState(keras.layers.LSTM(UNITS), initial_state="noisy", initial_noise_scale=-0.1)
    with pytest.raises(ValueError, match="every=0"):
        TrackResidualNoise(every=0)
    with pytest.raises(ValueError, match="data="):
        TrackResidualNoise(data=np.zeros(3))


def test_masked_sequences_pass_the_mask_on():
    wrapper = InitialState(keras.layers.GRU(UNITS), initial_state="learned")
    x = inputs()
    x[:, -2:] = 0.0
    mask = np.ones((BATCH, STEPS), bool)
    mask[:, -2:] = False
    wrapper(x)
    values = set_known_vectors(wrapper)
    np.testing.assert_allclose(
        to_numpy(wrapper(x, mask=mask)), to_numpy(wrapper.layer(x, mask=mask, initial_state=explicit(values))),
        rtol=1e-6, atol=1e-6,
    )
    assert not np.allclose(to_numpy(wrapper(x, mask=mask)), to_numpy(wrapper(x)))
