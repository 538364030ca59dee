"""The peephole LSTM recurrence with a hand-written backward pass (BPTT).

Autodiff of a time loop records every op of every step and replays them
backwards, one small op at a time. Here the forward loop saves the gate
activations, and the backward pass does per step only what the recurrence
forces it to: the carry of dh and dc and one matmul dz_t Uᵀ. Every gradient
that is not on that path (U, the peepholes) is one large matmul or sum after
the loop. The input term z = x W + b stays outside, so autodiff handles
W, b and x.

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
"""

import functools

from keras import ops

# Where `keras.ops.custom_gradient` can carry this function (three outputs, one
# upstream gradient each). On PyTorch, Keras's custom_gradient hands backward a
# single output's gradient, so there PeepholeLSTM runs Keras's loop over its cell.
FUSED_BACKENDS = ("tensorflow", "jax")
# Where it is also the faster loop, and so PeepholeLSTM's default
# (benchmarks/layers_speed.py, 2-core AVX2 CPU, batch 64 x 100 steps, 256 units:
# on TensorFlow 0.98x keras.layers.LSTM against 1.0x for the cell in Keras's
# loop; on JAX XLA already fuses Keras's scan and its autodiff, and this loop
# measured 5-11 % slower than it).
FUSED_BY_DEFAULT = ("tensorflow",)

# Steps the loops may run ahead (TF: parallel_iterations); measured best on CPU.
LOOP_UNROLL = 4


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
            z = inputs[0] + ops.matmul(h, U)
            z_i, z_f, z_g, z_o = ops.split(z, 4, axis=-1)
            i = ops.sigmoid(z_i + p_i * c)
            f = ops.sigmoid(z_f + p_f * c)
            g = ops.tanh(z_g)
            c_new = f * c + i * g
            o = ops.sigmoid(z_o + p_o * c_new)
            h_new = o * ops.tanh(c_new)
            if masked:
                take = inputs[1] > 0.5
                h_new, c_new = ops.where(take, h_new, h), ops.where(take, c_new, c)
            gates = ops.concatenate([i, f, g, o], axis=-1)
            return (gates, h_new, c_new), (gates, h_new, c_new)

        xs = (xp, mask) if masked else (xp,)
        (_, h_last, c_last), (gates, hs, cs) = _scan(forward_step, (ops.zeros_like(xp[0]), h0, c0), xs)

        def grad(*upstream, variables=None):
            # TensorFlow passes one upstream gradient per output; JAX one tuple of them.
            d_hs, d_h_last, d_c_last = upstream[0] if len(upstream) == 1 else upstream
            h_prev = ops.concatenate([h0[None], hs[:-1]], axis=0)
            c_prev = ops.concatenate([c0[None], cs[:-1]], axis=0)
            i, f, g, o = ops.split(gates, 4, axis=-1)
            c_new = f * c_prev + i * g  # before masking: what o and h were computed from
            tanh_c = ops.tanh(c_new)
            A = tanh_c * o * (1.0 - o)
            Bp = o * (1.0 - tanh_c * tanh_c) + A * p_o
            C = g * i * (1.0 - i)
            D = c_prev * f * (1.0 - f)
            K = ops.concatenate([C, D, i * (1.0 - g * g), A], axis=-1)
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
