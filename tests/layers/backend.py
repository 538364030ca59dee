"""What the layer tests need from whichever Keras backend the process runs:
arrays back as numpy, and gradients. The one place they touch a backend's own
autodiff (the layers never do)."""

import keras
import numpy as np


# Ways to run the computation on each backend: eagerly, traced, compiled. JAX
# compiled only: that is how its users differentiate (jax.jit, Keras's fit), and
# op-by-op JAX takes seconds per case here.
MODES = {"tensorflow": ("eager", "graph", "xla"), "jax": ("jit",), "torch": ("eager",)}


def modes():
    return MODES.get(keras.backend.backend(), ("eager",))


def value_and_gradients(loss_fn, variables, inputs=(), mode="eager"):
    """`loss_fn(*inputs)` and its gradients with respect to `inputs` (numpy
    arrays) and then `variables` (Keras variables), as numpy arrays; `mode`
    one of `modes()`."""
    backend = keras.backend.backend()
    inputs = [np.asarray(x) for x in inputs]
    if backend == "tensorflow":
        import tensorflow as tf

        def compute(*tensors):
            with tf.GradientTape() as tape:
                tape.watch(tensors)
                loss = loss_fn(*tensors)
            return loss, tape.gradient(loss, [*tensors, *variables])

        if mode != "eager":
            compute = tf.function(compute, jit_compile=(mode == "xla"))
        loss, grads = compute(*(tf.constant(x) for x in inputs))
    elif backend == "jax":
        import jax

        def pure(input_values, variable_values):
            with keras.StatelessScope(state_mapping=list(zip(variables, variable_values))):
                return loss_fn(*input_values)

        compute = jax.value_and_grad(pure, argnums=(0, 1))
        if mode == "jit":
            compute = jax.jit(compute)
        loss, (input_grads, variable_grads) = compute([jax.numpy.asarray(x) for x in inputs], [v.value for v in variables])
        grads = [*input_grads, *variable_grads]
    elif backend == "torch":
        import torch

        tensors = [torch.tensor(x, requires_grad=True) for x in inputs]
        loss = loss_fn(*tensors)
        grads = torch.autograd.grad(loss, [*tensors, *(v.value for v in variables)], allow_unused=True)
    else:
        raise NotImplementedError(f"No gradient helper for the {backend!r} backend")
    return float(keras.ops.convert_to_numpy(loss)), [keras.ops.convert_to_numpy(g) for g in grads]


def upstream_weights(out):
    """A fixed weight per output element, so each gets its own upstream gradient."""
    ramp = keras.ops.cast(keras.ops.arange(keras.ops.size(out)), out.dtype)  # size may be unknown when traced
    return keras.ops.reshape(keras.ops.sin(ramp * 0.37), keras.ops.shape(out))


def weighted_sum(out):
    return keras.ops.sum(out * upstream_weights(out))


def to_numpy(x, dtype=None):
    """A tensor, variable or array as a numpy array (torch tensors that need a
    gradient and JAX arrays included)."""
    array = x if isinstance(x, np.ndarray) else keras.ops.convert_to_numpy(x)
    return np.asarray(array, dtype)
