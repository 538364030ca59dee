"""The peephole LSTM recurrence with a hand-written backward pass (BPTT).

Autodiff of a time loop records every op of every step and replays them
backwards, one small op at a time. Here the forward loop saves the gate
activations, and the backward pass does per step what the recurrence forces
it to (the carry of dh and dc, one matmul dz_t Uᵀ) and the weight gradients,
where each backend runs them fastest (the two layouts below).

Forward, for z_t = (x_t W + b) + h_{t-1} U split into z_i, z_f, z_g, z_o:
    i = σ(z_i + p_i c_{t-1}), f = σ(z_f + p_f c_{t-1}), g = tanh(z_g)
    c_t = f c_{t-1} + i g,    o = σ(z_o + p_o c_t),     h_t = o tanh(c_t)
Backward, with dh, dc the gradients reaching h_t and c_t:
    dz_o = dh · A,            A  = tanh(c_t) o (1 − o)
    dc  += dh · Bp,           Bp = o (1 − tanh² c_t) + A p_o
    dz_i = dc · g i (1 − i),  dz_f = dc · c_{t-1} f (1 − f),  dz_g = dc · i (1 − g²)
    dc_{t-1} = dc · F,        F  = f + p_i g i (1 − i) + p_f c_{t-1} f (1 − f)
    dh_{t-1} = dz_t Uᵀ
A masked step (m = 0) carries h and c through unchanged; folding m into
A..F makes its dz zero and passes dh and dc straight to the step before.

Two loops compute this, one per backend, because XLA's CPU loops and
TensorFlow's reward opposite layouts (benchmarks/layers_speed.py):

* `peephole_recurrence` (TensorFlow): the input term z = x W + b stays
  outside, so autodiff handles W, b and x; the backward loop stacks dz_t and
  U's gradient is one large matmul after it.
* `peephole_recurrence_accumulating` (JAX): x W + b is computed in the loop
  (one matmul of [x_t, h_{t-1}] by [W; U]), and the backward loop adds each
  step's share of the weight gradients into its carry, so the only sequence
  it writes is dx. Stacking a (batch, 4·units) tensor per step costs XLA's
  CPU loop more than the small per-step matmuls do: this layout trains
  PeepholeLSTM in 0.87x the time of autodiff through Keras's LSTM loop
  (pure-JAX timing, batch 64 x 100 steps, 256 units), the TensorFlow layout
  in 1.07x. TensorFlow can't run it: Keras's `ops.scan` there needs the
  per-step outputs shaped like the carry.
"""

import functools

from keras import ops

# Where `keras.ops.custom_gradient` can carry these functions (three outputs, one
# upstream gradient each). On PyTorch, Keras's custom_gradient hands backward a
# single output's gradient, so there PeepholeLSTM runs Keras's loop over its cell.
FUSED_BACKENDS = ("tensorflow", "jax")
# Where the fused loop is also the faster one, and so PeepholeLSTM's default
# (benchmarks/layers_speed.py, batch 64 x 100 steps, 256 units: see the README).
FUSED_BY_DEFAULT = ("tensorflow", "jax")

# Steps the TensorFlow loops may run ahead (parallel_iterations); measured best
# on CPU. XLA's CPU loops gained nothing from unrolling the accumulating loop.
LOOP_UNROLL = 4


def _forward(z, c, p_i, p_f, p_o):
    """One step's gates and new state from z = x_t W + h_{t-1} U + b (unmasked)."""
    z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
    i = ops.sigmoid(z_i + p_i * c)
    f = ops.sigmoid(z_f + p_f * c)
    g = ops.tanh(z_g)
    c_new = f * c + i * g
    o = ops.sigmoid(z_o + p_o * c_new)
    return ops.concatenate([i, f, g, o], axis=-1), o * ops.tanh(c_new), c_new


def _local_derivatives(gates, c_prev, p_o):
    """The per-step factors of the backward pass (module docstring), any leading shape:
    (c_t, f, A, Bp, C, D, E) with dz_i = dc C, dz_f = dc D, dz_g = dc E."""
    i, f, g, o = ops.split(gates, 4, axis=-1)
    c_new = f * c_prev + i * g  # before masking: what o and h were computed from
    tanh_c = ops.tanh(c_new)
    A = tanh_c * o * (1.0 - o)
    Bp = o * (1.0 - tanh_c * tanh_c) + A * p_o
    return c_new, f, A, Bp, g * i * (1.0 - i), c_prev * f * (1.0 - f), i * (1.0 - g * g)


def _scan(step, carry, xs, reverse=False):
    # keras.ops.scan (on TF) needs the per-step outputs to mirror the carry.
    # It also fails on several `xs` whose length is unknown when traced (Keras
    # 3.15 calls `assert_is_compatible_with` on a None dimension): that happens
    # for batches of varying length under `reduce_retracing`. Then the `xs`
    # travel as one tensor, split again inside the step.
    if len(xs) > 1 and xs[0].shape[0] is None:
        sizes = [x.shape[-1] for x in xs]
        cuts = [sum(sizes[: k + 1]) for k in range(len(sizes) - 1)]

        def packed_step(carry, packed):
            return step(carry, ops.split(packed, cuts, axis=-1))

        packed = ops.concatenate(list(xs), axis=-1)
        return ops.scan(packed_step, carry, xs=packed, reverse=reverse, unroll=LOOP_UNROLL)
    return ops.scan(step, carry, xs=xs, reverse=reverse, unroll=LOOP_UNROLL)


@functools.cache
def peephole_recurrence(masked):
    """The recurrence as a function of tensors, with its own gradient.

    recurrence(xp, U, p_i, p_f, p_o, h0, c0, mask) -> (hs, h_T, c_T), where
    xp (T, B, 4u) is the time-major input term, mask (T, B, 1) is 1 for the
    steps to take (ignored unless `masked`), hs (T, B, u) the outputs.
    """

    @ops.custom_gradient
    def recurrence(xp, U, p_i, p_f, p_o, h0, c0, mask):
        def forward_step(carry, inputs):
            _, h, c = carry
            gates, h_new, c_new = _forward(inputs[0] + ops.matmul(h, U), c, p_i, p_f, p_o)
            if masked:
                take = inputs[1] > 0.5
                h_new, c_new = ops.where(take, h_new, h), ops.where(take, c_new, c)
            return (gates, h_new, c_new), (gates, h_new, c_new)

        xs = (xp, mask) if masked else (xp,)
        (_, h_last, c_last), (gates, hs, cs) = _scan(forward_step, (ops.zeros_like(xp[0]), h0, c0), xs)

        def grad(*upstream, variables=None):
            # TensorFlow passes one upstream gradient per output; JAX one tuple of them.
            d_hs, d_h_last, d_c_last = upstream[0] if len(upstream) == 1 else upstream
            h_prev = ops.concatenate([h0[None], hs[:-1]], axis=0)
            c_prev = ops.concatenate([c0[None], cs[:-1]], axis=0)
            c_new, f, A, Bp, C, D, E = _local_derivatives(gates, c_prev, p_o)
            K = ops.concatenate([C, D, E, A], axis=-1)
            F = f + C * p_i + D * p_f
            if masked:
                K, Bp, F = K * mask, Bp * mask, F * mask + (1.0 - mask)
            U_t = ops.transpose(U)

            def backward_step(carry, inputs):
                _, dh_next, dc_next = carry
                dh = inputs[0] + dh_next
                dc = dc_next + dh * inputs[1]
                dz = ops.concatenate([dc, dc, dc, dh], axis=-1) * inputs[2]
                dh_prev = ops.matmul(dz, U_t)
                if masked:
                    dh_prev = dh_prev + dh * (1.0 - inputs[4])
                carry = (dz, dh_prev, dc * inputs[3])
                return carry, carry

            xs = (d_hs, Bp, K, F, mask) if masked else (d_hs, Bp, K, F)
            (_, d_h0, d_c0), (dz, _, _) = _scan(backward_step, (ops.zeros_like(xp[0]), d_h_last, d_c_last), xs, reverse=True)

            units = ops.shape(U)[0]
            d_U = ops.matmul(ops.transpose(ops.reshape(h_prev, (-1, units))), ops.reshape(dz, (-1, 4 * units)))
            dz_i, dz_f, _, dz_o = ops.split(dz, 4, axis=-1)
            d_p_i = ops.sum(dz_i * c_prev, axis=(0, 1))
            d_p_f = ops.sum(dz_f * c_prev, axis=(0, 1))
            d_p_o = ops.sum(dz_o * c_new, axis=(0, 1))
            return dz, d_U, d_p_i, d_p_f, d_p_o, d_h0, d_c0, ops.zeros_like(mask)

        return (hs, h_last, c_last), grad

    return recurrence


@functools.cache
def peephole_recurrence_accumulating(masked):
    """The same recurrence laid out for XLA's CPU loops (JAX), with its own gradient.

    recurrence(x, WU, b, p_i, p_f, p_o, h0, c0, mask) -> (hs, h_T, c_T), where
    x (T, B, F) is the time-major input, WU (F + u, 4u) the kernel stacked on
    the recurrent kernel, b (4u,) the bias, mask (T, B, 1) as in
    `peephole_recurrence`. The backward loop carries the weight gradients and
    writes only dx (module docstring).
    """

    @ops.custom_gradient
    def recurrence(x, WU, b, p_i, p_f, p_o, h0, c0, mask):
        features = ops.shape(x)[-1]

        def forward_step(carry, inputs):
            h, c = carry
            xh = ops.concatenate([inputs[0], h], axis=-1)
            gates, h_new, c_new = _forward(ops.matmul(xh, WU) + b, c, p_i, p_f, p_o)
            if masked:
                take = inputs[1] > 0.5
                h_new, c_new = ops.where(take, h_new, h), ops.where(take, c_new, c)
            return (h_new, c_new), (h_new, xh, c, gates)

        xs = (x, mask) if masked else (x,)
        (h_last, c_last), (hs, xhs, c_prevs, gates) = ops.scan(forward_step, (h0, c0), xs)

        def grad(*upstream, variables=None):
            d_hs, d_h_last, d_c_last = upstream[0] if len(upstream) == 1 else upstream
            WU_t = ops.transpose(WU)

            def backward_step(carry, inputs):
                dh_next, dc_next, d_WU, d_b, d_p_i, d_p_f, d_p_o = carry
                d_h_out, xh, c_prev, step_gates = inputs[:4]
                c_new, f, A, Bp, C, D, E = _local_derivatives(step_gates, c_prev, p_o)
                dh = d_h_out + dh_next
                m = inputs[4] if masked else 1.0
                dc = dc_next + dh * Bp * m
                dz_i, dz_f, dz_g, dz_o = dc * C * m, dc * D * m, dc * E * m, dh * A * m
                dz = ops.concatenate([dz_i, dz_f, dz_g, dz_o], axis=-1)
                d_xh = ops.matmul(dz, WU_t)
                dh_prev = d_xh[:, features:]
                if masked:  # a masked step passes dh and dc on untouched
                    dh_prev, f = dh_prev + dh * (1.0 - m), f * m + (1.0 - m)
                dc_prev = dc * f + dz_i * p_i + dz_f * p_f
                carry = (
                    dh_prev,
                    dc_prev,
                    d_WU + ops.matmul(ops.transpose(xh), dz),
                    d_b + ops.sum(dz, axis=0),
                    d_p_i + ops.sum(dz_i * c_prev, axis=0),
                    d_p_f + ops.sum(dz_f * c_prev, axis=0),
                    d_p_o + ops.sum(dz_o * c_new, axis=0),
                )
                return carry, d_xh[:, :features]

            zeros = [ops.zeros_like(w) for w in (WU, b, p_i, p_f, p_o)]
            xs = (d_hs, xhs, c_prevs, gates, mask) if masked else (d_hs, xhs, c_prevs, gates)
            (d_h0, d_c0, *d_weights), dx = ops.scan(backward_step, (d_h_last, d_c_last, *zeros), xs, reverse=True)
            return dx, *d_weights, d_h0, d_c0, ops.zeros_like(mask)

        return (hs, h_last, c_last), grad

    return recurrence
