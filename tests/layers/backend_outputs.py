"""Outputs and gradients of every layer from fixed weights, on this process's backend.

    KERAS_BACKEND=jax python -m tests.layers.backend_outputs out.npz

tests/layers/test_backends.py runs it once per backend and compares the files.
The weights come from numpy (the same on every backend); the reservoirs keep
their own, which they draw from numpy under their seed.
"""

import sys

import numpy as np

import keras
from tests.layers.backend import value_and_gradients, weighted_sum
from rnnzoo import layers
from tests.layers.test_layer_contract import CASES, FEATURES, STEPS

# The layers of the contract, and PeepholeLSTM's fused loop wherever it runs (on
# JAX the default is Keras's loop): each backend's against TensorFlow's.
CASES = {**CASES, "peephole_lstm_fused": lambda **kw: layers.PeepholeLSTM(5, fused_loop=True, **kw)}

LENGTHS = np.array([STEPS, 5, 2, 1])


def fixed_weights(layer, seed):
    rng = np.random.default_rng(seed)
    for weight in layer.trainable_weights:
        weight.assign(rng.uniform(-0.5, 0.5, size=weight.shape).astype(weight.dtype))


def results(name, factory, seed):
    x = np.random.default_rng(seed).normal(size=(len(LENGTHS), STEPS, FEATURES)).astype("float32")
    mask = np.arange(STEPS)[None] < LENGTHS[:, None]
    out = {}
    for variant, options, variant_mask in (
        ("sequences", dict(return_sequences=True), None),
        ("masked-backwards", dict(return_sequences=True, go_backwards=True), mask),
    ):
        layer = factory(**options)
        layer.build((None, STEPS, FEATURES))
        fixed_weights(layer, seed)
        # Compared at the real steps only: at masked steps before the first real one Keras's
        # TensorFlow loop outputs zeros and its JAX loop the initial state (the README's Backends).
        keep = 1.0 if variant_mask is None else variant_mask[:, ::-1, None].astype("float32")

        def call(x):
            return layer(x, mask=variant_mask) * keep

        out[f"{name}/{variant}/output"] = keras.ops.convert_to_numpy(call(x))
        variables = layer.trainable_variables
        _, grads = value_and_gradients(lambda x: weighted_sum(call(x)), variables, [x])
        out[f"{name}/{variant}/grad/inputs"] = grads[0]
        # Keyed by position and short name: auto-generated layer names may differ between processes.
        for k, (variable, grad) in enumerate(zip(variables, grads[1:], strict=True)):
            out[f"{name}/{variant}/grad/{k}:{variable.name}"] = grad
        for k, weight in enumerate(layer.non_trainable_weights):  # the reservoirs: the same matrices from the same seed
            out[f"{name}/{variant}/weight/{k}:{weight.name}"] = keras.ops.convert_to_numpy(weight)
    return out


def main(path):
    keras.utils.set_random_seed(0)
    arrays = {}
    for seed, (name, factory) in enumerate(sorted(CASES.items())):
        arrays.update(results(name, factory, seed))
    np.savez(path, **{k: np.asarray(v, "float64") for k, v in arrays.items()})
    print(f"{keras.backend.backend()}: {len(arrays)} arrays -> {path}")


if __name__ == "__main__":
    main(sys.argv[1])
