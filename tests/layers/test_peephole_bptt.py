"""PeepholeLSTM's hand-written backward pass against autodiff of the plain cell loop.

Runs on whichever backend the process has (tests/layers/test_backends.py runs
this file under JAX and PyTorch too): eagerly, traced and compiled where the
backend has those modes.
"""

import numpy as np
import pytest

import keras
from rnnzoo import layers
from rnnzoo.layers.peephole_bptt import FUSED_BACKENDS
from tests.layers.backend import modes, value_and_gradients, weighted_sum

UNITS, FEATURES, STEPS = 5, 3, 7
BACKEND = keras.backend.backend()


def reference_rnn(fused, cell_kwargs=None, **kwargs):
    """keras.layers.RNN over PeepholeLSTMCell (autodiff), holding the fused layer's weights."""
    reference = keras.layers.RNN(layers.PeepholeLSTMCell(UNITS, **(cell_kwargs or {})), **kwargs)
    reference.build((None, STEPS, FEATURES))
    reference.set_weights(fused.get_weights())
    return reference


def outputs_and_gradients(layer, x, mask, initial_state, mode):
    """The layer's output, and the gradients of a weighted sum of it with
    respect to x, the initial state and the trainable weights."""

    def loss(x, *state):
        return weighted_sum(layer(x, mask=mask, initial_state=list(state) or None))

    out = layer(x, mask=mask, initial_state=initial_state)
    _, grads = value_and_gradients(loss, layer.trainable_variables, [x, *(initial_state or [])], mode=mode)
    return keras.ops.convert_to_numpy(out), grads


@pytest.mark.skipif(BACKEND not in FUSED_BACKENDS, reason="no fused loop on this backend: PeepholeLSTM runs Keras's loop")
@pytest.mark.parametrize("mode", modes())
@pytest.mark.parametrize(
    "masked,go_backwards,return_sequences,zero_output_for_mask,with_state",
    [
        (False, False, False, False, False),
        (False, False, True, False, True),
        (True, False, True, False, False),
        (True, True, True, False, True),
        (True, False, False, False, True),
        (True, True, True, True, False),
    ],
)
def test_fused_gradients_match_autodiff(mode, masked, go_backwards, return_sequences, zero_output_for_mask, with_state):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, STEPS, FEATURES)).astype("float32")
    options = dict(go_backwards=go_backwards, return_sequences=return_sequences, zero_output_for_mask=zero_output_for_mask)
    fused = layers.PeepholeLSTM(UNITS, fused_loop=True, **options)
    fused.build((None, STEPS, FEATURES))
    assert fused._fused_loop_applies()
    for w in fused.weights:  # non-zero peepholes, so their gradients are exercised
        w.assign(rng.uniform(-0.5, 0.5, size=w.shape).astype("float32"))
    reference = reference_rnn(fused, **options)
    assert not getattr(reference, "_fused_loop_applies", lambda: False)()

    mask = None
    if masked:
        lengths = np.array([STEPS, 5, 2, 1])
        mask = np.arange(STEPS)[None] < lengths[:, None]
    state = [rng.normal(size=(4, UNITS)).astype("float32") for _ in range(2)] if with_state else None

    out, grads = outputs_and_gradients(fused, x, mask, state, mode)
    expected_out, expected_grads = outputs_and_gradients(reference, x, mask, state, "eager")
    np.testing.assert_allclose(out, expected_out, rtol=1e-5, atol=1e-5)
    for got, expected in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(BACKEND not in FUSED_BACKENDS, reason="no fused loop on this backend: PeepholeLSTM runs Keras's loop")
@pytest.mark.parametrize("mode", modes())
def test_fused_gradients_without_bias_match_autodiff(mode):
    rng = np.random.default_rng(4)
    fused = layers.PeepholeLSTM(UNITS, use_bias=False, fused_loop=True, return_sequences=True)
    fused.build((None, STEPS, FEATURES))
    for w in fused.weights:
        w.assign(rng.uniform(-0.5, 0.5, size=w.shape).astype("float32"))
    reference = reference_rnn(fused, cell_kwargs={"use_bias": False}, return_sequences=True)
    x = rng.normal(size=(3, STEPS, FEATURES)).astype("float32")
    out, grads = outputs_and_gradients(fused, x, None, None, mode)
    expected_out, expected_grads = outputs_and_gradients(reference, x, None, None, "eager")
    np.testing.assert_allclose(out, expected_out, rtol=1e-5, atol=1e-5)
    for got, expected in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_custom_activation_falls_back_to_the_cell_loop():
    layer = layers.PeepholeLSTM(UNITS, activation="relu")
    assert not layer._fused_loop_applies()
    x = np.random.default_rng(0).normal(size=(2, STEPS, FEATURES)).astype("float32")
    out = layer(x)
    expected = reference_rnn(layer, cell_kwargs={"activation": "relu"})(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's tracing with an unknown time dimension")
@pytest.mark.parametrize("masked", [False, True])
def test_fused_gradients_when_the_length_is_unknown_at_trace_time(masked):
    # Batches of varying length share one trace (reduce_retracing): time is None in the graph.
    import tensorflow as tf

    rng = np.random.default_rng(5)
    fused = layers.PeepholeLSTM(UNITS, return_sequences=True)
    fused.build((None, STEPS, FEATURES))
    reference = reference_rnn(fused, return_sequences=True)
    mask = np.ones((4, STEPS), bool)
    mask[0, 4:] = False
    mask = tf.constant(mask) if masked else None

    @tf.function(input_signature=[tf.TensorSpec([None, None, FEATURES])])
    def gradients(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = weighted_sum(fused(x, mask=mask))
        return tape.gradient(loss, [x, *fused.trainable_variables])

    x = rng.normal(size=(4, STEPS, FEATURES)).astype("float32")
    expected = outputs_and_gradients(reference, x, mask, None, "eager")[1]
    for got, want in zip(gradients(x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fused_loop", ["auto", True, False])
def test_fused_loop_argument_chooses_the_loop(fused_loop):
    layer = layers.PeepholeLSTM(UNITS, fused_loop=fused_loop)
    # "auto": the fused loop where it measured faster than Keras's (README, layers speed).
    expected = {"auto": BACKEND in ("tensorflow", "jax"), True: BACKEND in FUSED_BACKENDS, False: False}[fused_loop]
    assert layer._fused_loop_applies() is expected
    assert layers.PeepholeLSTM.from_config(layer.get_config()).fused_loop == fused_loop


@pytest.mark.parametrize("bad", ["yes", 1.0, None])
def test_bad_fused_loop_is_refused(bad):
    with pytest.raises(ValueError, match="fused_loop"):
        layers.PeepholeLSTM(UNITS, fused_loop=bad)
