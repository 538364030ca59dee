"""The information-flow regulariser Ω of Pascanu, Mikolov & Bengio (2013).

Gradient clipping tames exploding gradients; against vanishing ones Pascanu et
al. ask each step's Jacobian to keep the norm of the gradient it passes back
(notes 002, "Regularizing to encourage information flow"):

    Ω = Σ_t ( ‖(∇_{h_t} L) ∂h_t/∂h_{t−1}‖ / ‖∇_{h_t} L‖ − 1 )²

with ∇_{h_t} L the total gradient of the loss with respect to the state h_t
(every path, through the outputs and through the later states: what BPTT
carries back), a constant when Ω is differentiated. For a simple RNN in
Keras's row-vector convention,

    h_t = f(x_t W + h_{t−1} U + b),     ∂h_t/∂h_{t−1} = diag(f'_t) Uᵀ  (as a Jacobian J_{ij} = ∂h_{t,i}/∂h_{t−1,j})

so the back-propagated vector is (∇_{h_t} L ⊙ f'_t) Uᵀ, with f'_t = 1 − h_t²
for tanh. Two functions, `keras.ops` only (any backend):

- `tanh_rnn_state_gradients`: the total gradients δ_t = ∇_{h_t} L from the
  direct ones (the gradient of L with respect to the layer's output sequence,
  which autodiff gives for `return_sequences=True`), by the BPTT recursion
      δ_T = g_T,   δ_{t−1} = g_{t−1} + (δ_t ⊙ f'_t) Uᵀ;
- `information_flow_penalty`: Ω from h, δ and U, differentiable in U.

A train step then adds λ Ω to the loss (`benchmarks/omega_adding.py` has one
for TensorFlow, with clipping by global norm as the paper used).
"""

from keras import ops

ACTIVATIONS = ("tanh", "relu", "linear")
REDUCTIONS = ("mean", "sum")


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"Argument `activation` must be one of {', '.join(map(repr, ACTIVATIONS))}. Received: activation={activation!r}"
        )


def activation_derivative(hidden, activation="tanh"):
    """f'(a_t) from h_t = f(a_t): 1 − h_t² for tanh, [h_t > 0] for ReLU, 1 for linear."""
    _check_activation(activation)
    if activation == "tanh":
        return 1.0 - ops.square(hidden)
    if activation == "relu":
        return ops.cast(hidden > 0, hidden.dtype)
    return ops.ones_like(hidden)


def tanh_rnn_state_gradients(hidden, output_gradients, recurrent_kernel, activation="tanh"):
    """Total gradients ∇_{h_t} L of a simple RNN from the gradients through its outputs.

        δ_T = g_T,   δ_{t−1} = g_{t−1} + (δ_t ⊙ f'(h_t)) Uᵀ

    Args:
        hidden: (batch, T, units), the states h_1..h_T (the layer's output
            with `return_sequences=True`).
        output_gradients: (batch, T, units), g_t = ∂L/∂h_t through the outputs
            only (zero but at t = T when only the last output is read).
        recurrent_kernel: (units, units) U, as `keras.layers.SimpleRNN` holds it.
        activation: "tanh" (default), "relu" (IRNN, np-RNN) or "linear".

    Returns:
        (batch, T, units) δ_t, under `stop_gradient`: constants, as Ω needs them.
    """
    hidden = ops.stop_gradient(ops.convert_to_tensor(hidden))
    output_gradients = ops.stop_gradient(ops.convert_to_tensor(output_gradients, hidden.dtype))
    kernel_t = ops.stop_gradient(ops.transpose(ops.convert_to_tensor(recurrent_kernel, hidden.dtype)))
    derivative = activation_derivative(hidden, activation)

    def back_one_step(carry, inputs):
        g, d = inputs
        delta = g + carry
        return ops.matmul(delta * d, kernel_t), delta

    _, deltas = ops.scan(
        back_one_step,
        ops.zeros_like(output_gradients[:, 0]),
        (ops.transpose(output_gradients, (1, 0, 2)), ops.transpose(derivative, (1, 0, 2))),
        reverse=True,
    )
    return ops.stop_gradient(ops.transpose(deltas, (1, 0, 2)))


def information_flow_ratios(hidden, state_gradients, recurrent_kernel, activation="tanh", through_states=False):
    """(batch, T) ratios ‖(δ_t ⊙ f'(h_t)) Uᵀ‖ / ‖δ_t‖, and a (batch, T) mask,
    0 where δ_t is exactly 0 (a gradient that underflowed has no direction).

    The ratio does not depend on the size of δ_t, so δ_t is scaled to a unit
    vector first (by its largest entry, then its norm): a gradient that has
    all but vanished, 1e-30 after a few hundred steps, keeps its direction
    in float32 where its square would underflow.
    """
    hidden = ops.convert_to_tensor(hidden)
    if not through_states:
        hidden = ops.stop_gradient(hidden)
    delta = ops.stop_gradient(ops.convert_to_tensor(state_gradients, hidden.dtype))
    kernel = ops.convert_to_tensor(recurrent_kernel, hidden.dtype)
    largest = ops.max(ops.abs(delta), axis=-1, keepdims=True)
    valid = ops.cast(largest[..., 0] > 0, hidden.dtype)
    scaled = delta / ops.where(largest > 0, largest, ops.ones_like(largest))
    unit = scaled / ops.maximum(ops.sqrt(ops.sum(ops.square(scaled), axis=-1, keepdims=True)), 1.0)
    back = ops.matmul(unit * activation_derivative(hidden, activation), ops.transpose(kernel))
    # The norm's gradient at 0 is NaN: keep the argument of the square root off 0.
    return ops.sqrt(ops.sum(ops.square(back), axis=-1) + 1e-20), valid


def information_flow_penalty(hidden, state_gradients, recurrent_kernel, activation="tanh", reduction="mean",
                             through_states=False, squared_ratio=False, min_gradient_norm=0.0):
    """Pascanu et al.'s regulariser Ω for a simple RNN h_t = f(x_t W + h_{t−1} U + b).

        Ω = Σ_t ( ‖(δ_t ⊙ f'(h_t)) Uᵀ‖ / ‖δ_t‖ − 1 )²,     δ_t = ∇_{h_t} L  (held constant)

    The gradient of Ω is the paper's eq. (10): δ_t is a constant, and so is h_t
    unless `through_states=True` (the paper's ∂⁺, the immediate derivative
    with respect to the recurrent weights); only U then receives it.

    Args:
        hidden: (batch, T, units) states h_1..h_T.
        state_gradients: (batch, T, units) δ_t, e.g. from `tanh_rnn_state_gradients`.
        recurrent_kernel: (units, units) U (a Keras variable: Ω is differentiable in it).
        activation: "tanh", "relu" or "linear", the RNN's f.
        reduction: "mean": the average of the T terms (and over the batch),
            so λ does not scale with the sequence length, as the authors' code
            normalises it (the sum over t of the batch means divided by the
            number of terms kept); "sum": the sum over t of eq. (9), averaged
            over the batch. Terms whose δ_t is 0 (underflowed) are left out.
        through_states: Whether Ω's gradient also flows through h_t into the
            weights that made it (False: as in the paper).
        squared_ratio: Use the ratio of the squared norms, (‖·‖² / ‖δ_t‖² − 1)²,
            as the authors' code does (github.com/pascanur/trainingRNNs,
            RNN.py), instead of eq. (9)'s ratio of norms. Both vanish at the
            same place, ratio 1; the squared one pulls harder away from it.
        min_gradient_norm: Terms with ‖δ_t‖ below this are left out (the
            authors' code leaves out ‖δ_t‖² < 1e-20, i.e. 1e-10 here, for
            float32's sake; this function keeps the direction of any δ_t ≠ 0,
            so 0 by default: a vanished gradient is the thing Ω should see).

    Returns:
        A scalar tensor Ω.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers.information_flow import information_flow_penalty
    >>> h = np.zeros((1, 3, 2), "float32")           # f'(h) = 1 for tanh at h = 0
    >>> delta = np.ones((1, 3, 2), "float32")
    >>> round(float(information_flow_penalty(h, delta, 2.0 * np.eye(2, dtype="float32"))), 4)  # ratio 2 per step
    1.0
    >>> round(float(information_flow_penalty(h, delta, np.eye(2, dtype="float32"))), 4)        # norm kept
    0.0

    Reference:
        R. Pascanu, T. Mikolov, Y. Bengio, "On the difficulty of training
        recurrent neural networks", ICML 2013, section 3.3, eqs. (9)–(10).
    """
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Argument `reduction` must be one of {', '.join(map(repr, REDUCTIONS))}. Received: reduction={reduction!r}"
        )
    if not min_gradient_norm >= 0.0:
        raise ValueError(f"Argument `min_gradient_norm` must be >= 0. Received: min_gradient_norm={min_gradient_norm!r}")
    ratios, valid = information_flow_ratios(hidden, state_gradients, recurrent_kernel, activation, through_states)
    if min_gradient_norm > 0.0:
        delta = ops.convert_to_tensor(state_gradients, ratios.dtype)
        norms = ops.sqrt(ops.sum(ops.square(ops.cast(delta, "float32")), axis=-1))
        valid = valid * ops.cast(norms >= min_gradient_norm, ratios.dtype)
    if squared_ratio:
        ratios = ops.square(ratios)
    terms = ops.square(ratios - 1.0) * valid
    if reduction == "mean":
        return ops.sum(terms) / ops.maximum(ops.sum(valid), 1.0)
    batch = ops.cast(ops.shape(terms)[0], terms.dtype)
    return ops.sum(terms) / batch


__all__ = [
    "activation_derivative",
    "information_flow_penalty",
    "information_flow_ratios",
    "tanh_rnn_state_gradients",
]
