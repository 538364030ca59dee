"""What a Keras user expects of every recurrent layer, checked once for all of ours."""

import numpy as np
import pytest

import keras
from rnnzoo import layers
from tests.layers.backend import to_numpy
from tests.layers.contract import (
    check_config_round_trip,
    check_keras_file_round_trip,
    check_learns_with_finite_gradients,
    close,
)

FEATURES = 3
STEPS = 7

# One factory per layer; each takes the keras.layers.RNN arguments as keywords.
CASES = {
    "peephole_lstm": lambda **kw: layers.PeepholeLSTM(5, **kw),
    "leaky": lambda **kw: layers.LeakyRNN(5, leak_rate_range=(0.05, 1.0), trainable_leak_rate=True, **kw),
    "skip": lambda **kw: layers.SkipRNN(5, delays=(1, 3), **kw),
    "jordan": lambda **kw: layers.JordanRNN(6, output_units=4, **kw),
    "deep_transition": lambda **kw: layers.DeepTransitionGRU(5, depth=3, transition_skip=True, **kw),
    "irnn": lambda **kw: layers.IRNN(5, **kw),
    "ntm": lambda **kw: layers.NTM(5, memory_size=6, memory_width=4, **kw),
    "nprnn": lambda **kw: layers.NPRNN(5, seed=3, **kw),
    # Reservoirs have no trainable weights: the learning test trains the Dense after them.
    "reservoir": lambda **kw: layers.Reservoir(32, leak_rate=0.5, input_connectivity=1.0, input_scaling=0.5, seed=3, **kw),
    "deep_reservoir": lambda **kw: layers.DeepReservoir(
        [24, 16], leak_rate=[0.5, 0.3], input_connectivity=1.0, input_scaling=0.5, seed=3, **kw
    ),
    # The wrapper around a layer, with learned initial states far from zero, so
    # that every check below also checks that the states reach the loop.
    "initial_state": lambda **kw: layers.InitialState(
        layers.PeepholeLSTM(5, **kw), initial_state="learned",
        mean_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=2),
    ),
}
names = pytest.mark.parametrize("name", sorted(CASES))
# A learned initial state would reset a stateful layer on every call: the wrapper
# refuses `stateful=True` (checked below) instead of streaming.
NOT_STATEFUL = {"initial_state"}


def random_sequences(batch=4, steps=STEPS, features=FEATURES, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, steps, features)).astype("float32")


def twin(name, layer, x, **kwargs):
    """A second layer of case `name` with the same weights as `layer` (built on x)."""
    other = CASES[name](**kwargs)
    other(x)
    other.set_weights(layer.get_weights())
    return other


def recurrent(layer):
    """The keras.layers.RNN inside: the layer itself, or the one InitialState wraps."""
    return layer.layer if isinstance(layer, layers.InitialState) else layer


@names
def test_output_and_state_shapes(name):
    layer = CASES[name](return_sequences=True, return_state=True)
    x = random_sequences()
    output, *states = layer(x)
    units = recurrent(layer).cell.output_size
    assert output.shape == (4, STEPS, units)
    assert [s.shape for s in states] == [(4, n) for n in recurrent(layer).state_size]
    assert np.all(np.isfinite(to_numpy(output)))


@names
def test_config_round_trip(name):
    x = random_sequences()
    check_config_round_trip(CASES[name](return_sequences=True, go_backwards=True), lambda layer: layer(x))


@names
def test_keras_file_round_trip(name, tmp_path):
    model = keras.Sequential([keras.Input((None, FEATURES)), CASES[name](return_sequences=True), keras.layers.Dense(2)])
    check_keras_file_round_trip(model, random_sequences(), type(model.layers[0]), tmp_path / "model.keras")


@names
@pytest.mark.parametrize("return_sequences", [False, True])
def test_masked_padding_matches_each_sequence_alone(name, return_sequences):
    inputs = keras.Input((None, FEATURES))
    outputs = CASES[name](return_sequences=return_sequences)(keras.layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, outputs)
    lengths = [STEPS, 4, 2]
    x = random_sequences(batch=len(lengths))
    padded = x.copy()
    for row, length in enumerate(lengths):
        padded[row, length:] = 0.0
    batch_out = model(padded)
    for row, length in enumerate(lengths):
        alone = model(x[row : row + 1, :length])[0]
        got = batch_out[row, :length] if return_sequences else batch_out[row]
        close(got, alone)


@names
def test_bidirectional_backward_half_reads_time_reversed(name):
    x = random_sequences()
    bidirectional = keras.layers.Bidirectional(CASES[name]())
    both = to_numpy(bidirectional(x))
    units = recurrent(bidirectional.forward_layer).cell.output_size
    close(both[:, :units], bidirectional.forward_layer(x))
    forward_twin = twin(name, bidirectional.backward_layer, x)
    close(both[:, units:], forward_twin(x[:, ::-1]))


@pytest.mark.parametrize("name", sorted(set(CASES) - NOT_STATEFUL))
def test_stateful_chunks_equal_one_pass(name):
    x = random_sequences()
    whole = CASES[name](return_sequences=True)
    expected = whole(x)
    streaming = twin(name, whole, x, return_sequences=True, stateful=True)
    streaming.reset_state()
    chunks = [streaming(x[:, :3]), streaming(x[:, 3:])]
    close(np.concatenate([to_numpy(c) for c in chunks], axis=1), expected)
    streaming.reset_state()
    close(streaming(x[:, :3]), expected[:, :3])


@pytest.mark.parametrize("name", sorted(NOT_STATEFUL))
def test_stateful_is_refused_where_the_layer_supplies_its_state(name):
    with pytest.raises(ValueError, match="stateful"):
        CASES[name](stateful=True)


@names
def test_unrolled_loop_computes_the_same(name):
    x = random_sequences()
    layer = CASES[name](return_sequences=True)
    expected = layer(x)
    close(twin(name, layer, x, return_sequences=True, unroll=True)(x), expected)


@names
def test_dropout_acts_only_in_training(name):
    layer = CASES[name](dropout=0.5, return_sequences=True)
    x = random_sequences()
    inference = layer(x, training=False)
    close(layer(x, training=False), inference)
    assert not np.allclose(to_numpy(layer(x, training=True)), to_numpy(inference))


@pytest.mark.parametrize("name", ["leaky", "skip", "jordan", "irnn", "nprnn"])
def test_dropout_mask_is_drawn_once_per_sequence(name):
    # Without recurrent weights and with a constant input, every step sees the
    # same dropped input, so all outputs agree, if one mask serves the sequence
    # and dropout is applied once (the Gal & Ghahramani scheme Keras uses).
    layer = CASES[name](dropout=0.5, return_sequences=True)
    x = np.ones((8, 5, FEATURES), "float32")
    layer(x)
    layer.cell.recurrent_kernel.assign(np.zeros(layer.cell.recurrent_kernel.shape, "float32"))
    if name == "leaky":
        layer.cell.alpha.assign(np.ones(layer.cell.units, "float32"))
    out = to_numpy(layer(x, training=True))
    close(out, np.repeat(out[:, :1], 5, axis=1))
    assert not np.allclose(out, to_numpy(layer(x, training=False)))


# Tracing NTM's train step alone takes about 5 s on 2 cores: its case runs with `-m slow`
# (tests/layers/test_ntm.py checks its gradients in the default suite).
SLOW_TO_TRAIN = {"ntm"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TO_TRAIN else n for n in sorted(CASES)])
def test_learns_with_finite_gradients(name):
    # Target: the running mean of the first feature, which needs memory of all steps.
    x = random_sequences(batch=256, steps=8, seed=1)
    y = x[:, :, 0].mean(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((8, FEATURES)), CASES[name](), keras.layers.Dense(1)])
    check_learns_with_finite_gradients(model, x, y)


@names
def test_two_dimensional_input_is_refused(name):
    # Ours say "3-D input"; IRNN/NPRNN keep keras.layers.SimpleRNN's own message.
    with pytest.raises(ValueError, match="3-D input|expected ndim=3"):
        CASES[name]()(np.zeros((4, FEATURES), "float32"))


@names
def test_wrong_feature_size_after_build_is_refused(name):
    layer = CASES[name]()
    layer(random_sequences())
    with pytest.raises(ValueError, match=f"built for inputs with {FEATURES} features"):
        layer(random_sequences(features=FEATURES + 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda units: layers.PeepholeLSTM(units),
        lambda units: layers.LeakyRNN(units),
        lambda units: layers.SkipRNN(units),
        lambda units: layers.JordanRNN(units, output_units=2),
        lambda units: layers.IRNN(units),
        lambda units: layers.NPRNN(units),
        lambda units: layers.Reservoir(units),
        lambda units: layers.DeepReservoir(units),
        lambda units: layers.DeepTransitionGRU(units),
        lambda units: layers.NTM(units, memory_size=4, memory_width=3),
        lambda units: layers.InitialState(layers.PeepholeLSTM(units)),
    ],
)
@pytest.mark.parametrize("units", [0, -3])
def test_non_positive_units_are_refused(make, units):
    with pytest.raises(ValueError, match="units"):
        make(units)
