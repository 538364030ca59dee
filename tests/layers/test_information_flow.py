"""The information-flow regulariser Ω against numpy, on a tiny tanh RNN with known weights.

h_t = tanh(x_t W + h_{t−1} U + b), L = Σ_t a_t·h_t + ½ (c·h_T − y)² (a loss
read at every step and at the last one, so the total gradient δ_t = ∇_{h_t} L
has both a direct and a recurrent part). The test computes δ_t by finite
differences on a numpy forward pass (a perturbation added to h_t), Ω by its
formula with the Jacobians ∂h_t/∂h_{t−1} written out, and Ω's gradient with
respect to U by finite differences with δ_t and h_t held fixed (the paper's
eq. 10).
"""

import keras
import numpy as np
import pytest

from rnnzoo.layers.information_flow import (
    information_flow_penalty,
    information_flow_ratios,
    tanh_rnn_state_gradients,
)
from tests.layers.backend import to_numpy, value_and_gradients

BATCH, STEPS, FEATURES, UNITS = 2, 5, 2, 3
RNG = np.random.default_rng(0)
W = RNG.normal(0, 0.8, (FEATURES, UNITS))
U = RNG.normal(0, 0.9, (UNITS, UNITS))
B = RNG.normal(0, 0.2, UNITS)
X = RNG.normal(size=(BATCH, STEPS, FEATURES))
A = 0.3 * np.sin(np.arange(BATCH * STEPS * UNITS).reshape(BATCH, STEPS, UNITS))
C = np.array([0.7, -1.1, 0.4])
Y = np.array([0.5, -0.2])


def forward(u=U, perturb=None):
    """States h_1..h_T (batch, T, units); `perturb` (batch, T, units) is added to each h_t as it is made."""
    h = np.zeros((BATCH, UNITS))
    states = []
    for t in range(STEPS):
        h = np.tanh(X[:, t] @ W + h @ u + B)
        if perturb is not None:
            h = h + perturb[:, t]
        states.append(h)
    return np.stack(states, axis=1)


def loss(hidden):
    """Summed over the batch, so δ_t of one sequence is that sequence's gradient."""
    return float(np.sum(A * hidden) + 0.5 * np.sum((hidden[:, -1] @ C - Y) ** 2))


def direct_gradients(hidden):
    g = A.copy()
    g[:, -1] += (hidden[:, -1] @ C - Y)[:, None] * C
    return g


def numerical_state_gradients(eps=1e-6):
    delta = np.zeros((BATCH, STEPS, UNITS))
    for index in np.ndindex(delta.shape):
        bump = np.zeros(delta.shape)
        bump[index] = eps
        delta[index] = (loss(forward(perturb=bump)) - loss(forward(perturb=-bump))) / (2 * eps)
    return delta


def omega_numpy(hidden, delta, u, reduction="mean"):
    terms = np.zeros((BATCH, STEPS))
    for b in range(BATCH):
        for t in range(STEPS):
            # J_ij = ∂h_{t,i}/∂h_{t−1,j} = (1 − h_{t,i}²) U_ji
            jacobian = np.diag(1.0 - hidden[b, t] ** 2) @ u.T
            back = delta[b, t] @ jacobian
            terms[b, t] = (np.linalg.norm(back) / np.linalg.norm(delta[b, t]) - 1.0) ** 2
    return terms.mean() if reduction == "mean" else terms.sum(axis=1).mean()


HIDDEN = forward()
DELTA = numerical_state_gradients()


def f32(x):
    return np.asarray(x, "float32")


def test_the_state_gradients_are_bptts():
    got = to_numpy(tanh_rnn_state_gradients(f32(HIDDEN), f32(direct_gradients(HIDDEN)), f32(U)))
    assert got.shape == (BATCH, STEPS, UNITS)
    np.testing.assert_allclose(got, DELTA, rtol=1e-4, atol=1e-5)
    # the recurrent part is there: δ_t differs from the direct gradient before T
    assert np.abs(DELTA[:, :-1] - direct_gradients(HIDDEN)[:, :-1]).max() > 0.05


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_omega_is_the_formula(reduction):
    got = float(to_numpy(information_flow_penalty(f32(HIDDEN), f32(DELTA), f32(U), reduction=reduction)))
    want = omega_numpy(HIDDEN, DELTA, U, reduction)
    assert want > 0.01
    assert got == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_gradient_of_omega_holds_the_state_gradients_fixed(reduction):
    kernel = keras.Variable(f32(U), name="recurrent_kernel")
    _, (grad,) = value_and_gradients(
        lambda: information_flow_penalty(f32(HIDDEN), f32(DELTA), kernel, reduction=reduction), [kernel]
    )
    eps = 1e-6
    numerical = np.zeros_like(U)
    for index in np.ndindex(U.shape):
        bump = np.zeros_like(U)
        bump[index] = eps
        numerical[index] = (omega_numpy(HIDDEN, DELTA, U + bump, reduction)
                            - omega_numpy(HIDDEN, DELTA, U - bump, reduction)) / (2 * eps)
    np.testing.assert_allclose(grad, numerical, rtol=1e-3, atol=1e-5)


def test_states_are_constants_unless_asked():
    kernel = keras.Variable(f32(U))
    for through_states, moves in ((False, False), (True, True)):
        _, (grad_h, _) = value_and_gradients(
            lambda h: information_flow_penalty(h, f32(DELTA), kernel, through_states=through_states),
            [kernel], [f32(HIDDEN)],
        )
        none = grad_h is None or np.asarray(grad_h).dtype == object  # TensorFlow: None where nothing flows
        size = 0.0 if none else np.abs(grad_h).max()
        assert (size > 1e-4) == moves


def test_keras_simple_rnn_has_the_same_convention():
    layer = keras.layers.SimpleRNN(UNITS, return_sequences=True)
    layer.build((None, STEPS, FEATURES))
    layer.cell.kernel.assign(f32(W))
    layer.cell.recurrent_kernel.assign(f32(U))
    layer.cell.bias.assign(f32(B))
    np.testing.assert_allclose(to_numpy(layer(f32(X))), HIDDEN, rtol=1e-5, atol=1e-6)

    def keras_loss(h0):
        h = layer(f32(X), initial_state=[h0])
        last = keras.ops.sum(h[:, -1] * f32(C), axis=-1)
        return keras.ops.sum(f32(A) * h) + 0.5 * keras.ops.sum(keras.ops.square(last - f32(Y)))

    _, (grad_h0,) = value_and_gradients(keras_loss, [], [np.zeros((BATCH, UNITS), "float32")])
    delta = to_numpy(tanh_rnn_state_gradients(f32(HIDDEN), f32(direct_gradients(HIDDEN)), f32(U)))
    # ∂L/∂h_0 = (δ_1 ⊙ (1 − h_1²)) Uᵀ: the step the recursion would take next
    np.testing.assert_allclose(grad_h0, (delta[:, 0] * (1 - HIDDEN[:, 0] ** 2)) @ U.T, rtol=1e-4, atol=1e-5)


def test_vanished_gradients_keep_their_direction_and_zeros_are_left_out():
    ratios, valid = information_flow_ratios(f32(HIDDEN), f32(DELTA), f32(U))
    tiny_ratios, _ = information_flow_ratios(f32(HIDDEN), f32(DELTA * 1e-35), f32(U))
    np.testing.assert_allclose(to_numpy(tiny_ratios), to_numpy(ratios), rtol=1e-5)
    assert np.all(to_numpy(valid) == 1)
    delta = DELTA.copy()
    delta[:, :2] = 0.0
    got = float(to_numpy(information_flow_penalty(f32(HIDDEN), f32(delta), f32(U))))
    want = np.mean(
        [(np.linalg.norm(DELTA[b, t] @ (np.diag(1 - HIDDEN[b, t] ** 2) @ U.T)) / np.linalg.norm(DELTA[b, t]) - 1) ** 2
         for b in range(BATCH) for t in range(2, STEPS)])
    assert got == pytest.approx(want, rel=1e-5)


def test_the_authors_code_variant_squared_ratio_and_bound():
    got = float(to_numpy(information_flow_penalty(f32(HIDDEN), f32(DELTA), f32(U), squared_ratio=True)))
    back = np.einsum("btj,ij->bti", DELTA * (1 - HIDDEN**2), U)  # (δ ⊙ (1 − h²)) Uᵀ
    ratio2 = (back**2).sum(-1) / (DELTA**2).sum(-1)
    assert got == pytest.approx(np.mean((ratio2 - 1) ** 2), rel=1e-5)
    # a bound above some ‖δ_t‖ leaves those terms out
    norms = np.linalg.norm(DELTA, axis=-1)
    bound = float(np.median(norms))
    keep = norms >= bound
    ratio = np.sqrt(ratio2)
    got = float(to_numpy(information_flow_penalty(f32(HIDDEN), f32(DELTA), f32(U), min_gradient_norm=bound)))
    assert got == pytest.approx(np.mean((ratio[keep] - 1) ** 2), rel=1e-4)


def test_relu_and_linear_derivatives():
    h = np.abs(f32(HIDDEN))
    h[:, :, 0] = 0.0
    delta = f32(DELTA)
    for activation, derivative in (("relu", (h > 0).astype("float32")), ("linear", np.ones_like(h))):
        ratios, _ = information_flow_ratios(h, delta, f32(U), activation=activation)
        want = np.linalg.norm((delta * derivative) @ U.T, axis=-1) / np.linalg.norm(delta, axis=-1)
        np.testing.assert_allclose(to_numpy(ratios), want, rtol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="reduction='max'"):
        information_flow_penalty(f32(HIDDEN), f32(DELTA), f32(U), reduction="max")
    with pytest.raises(ValueError, match="min_gradient_norm=-1"):
        information_flow_penalty(f32(HIDDEN), f32(DELTA), f32(U), min_gradient_norm=-1)
    with pytest.raises(ValueError, match="activation='sigmoid'"):
        information_flow_penalty(f32(HIDDEN), f32(DELTA), f32(U), activation="sigmoid")
