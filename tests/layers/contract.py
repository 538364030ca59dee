"""The Keras contract every rnnzoo layer keeps, as checks that take the layer.

`test_layer_contract.py` runs them (and the sequence-only checks: masking,
Bidirectional, stateful streaming, unroll, dropout) over every sequence layer;
`test_recursive.py` runs them over TreeRNN, whose inputs are trees, not
sequences. `call` turns a layer and the test's inputs into its output, so one
check serves layers of any signature.
"""

import keras
import numpy as np

from tests.layers.backend import to_numpy, value_and_gradients


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


def check_config_round_trip(layer, call):
    """from_config(get_config()) rebuilds the layer: same config, and with the
    same weights the same output. `layer` is built (called) already."""
    expected = call(layer)
    clone = type(layer).from_config(layer.get_config())
    call(clone)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == layer.get_config()
    close(call(clone), expected)


def check_keras_file_round_trip(model, inputs, layer_type, path):
    """A model holding the layer saves to `.keras` and loads back as the same
    layer type, giving the same predictions."""
    model.save(path)
    loaded = keras.models.load_model(path)
    assert any(isinstance(layer, layer_type) for layer in loaded._flatten_layers()), [type(l) for l in loaded.layers]
    close(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0))


def check_learns_with_finite_gradients(model, x, y, epochs=15, batch_size=64, learning_rate=0.02, eager=False):
    """Every trainable weight gets a finite gradient, and `fit` brings the MSE
    below 30 % of where it started (the task is the caller's: one the layer can
    only solve with the structure it claims, memory or tree). `eager`: measure
    the MSE with a plain call rather than `evaluate`, where tracing costs more."""
    model.compile(keras.optimizers.Adam(learning_rate), "mse")
    _, gradients = value_and_gradients(
        lambda: keras.ops.mean(keras.losses.mean_squared_error(y, model(x))), model.trainable_variables
    )
    assert all(np.all(np.isfinite(g)) for g in gradients)

    def mse():
        if not eager:
            return model.evaluate(x, y, verbose=0)
        return float(np.mean((to_numpy(model(x)) - y) ** 2))

    before = mse()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    after = mse()
    assert after < 0.3 * before, (before, after)
