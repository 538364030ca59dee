"""Neural Turing Machine (Graves, Wayne & Danihelka 2014): an LSTM with an external memory."""

import keras
from keras import ops

from rnnzoo.layers.base import RecurrentCell, RecurrentLayer, _is_integer, check_positive_int
from rnnzoo.layers.peephole_lstm import PeepholeLSTMCell

# Added inside the cosine's square root and to the weighting before it is
# sharpened, so a zero memory and zero previous weightings (Keras's RNN starts
# every state at zero) are safe.
EPSILON = 1e-6


def check_non_negative_int(name, value):
    """A non-negative integer, returned as a Python int."""
    if not _is_integer(value) or value < 0:
        raise ValueError(f"Argument `{name}` must be a non-negative integer. Received: {name}={value!r}")
    return int(value)


# --------------------------------------------------------------------------
# Addressing, one function per stage (batch-first; N = memory slots, M = width).
# --------------------------------------------------------------------------
def content_weighting(memory, key, beta, epsilon=EPSILON):
    """w^c_i = softmax_i(β · cos(k, M_i)).

    memory (batch, N, M), key (batch, M), beta (batch, 1) -> (batch, N). The
    cosine is k·M_i / sqrt((|k|² + ε)(|M_i|² + ε)): finite, with a finite
    gradient, for a zero key or a zero memory row (which then scores 0)."""
    dot = ops.sum(memory * key[:, None, :], axis=-1)
    norms = ops.sqrt((ops.sum(ops.square(key), axis=-1, keepdims=True) + epsilon) * (ops.sum(ops.square(memory), axis=-1) + epsilon))
    return ops.softmax(beta * dot / norms, axis=-1)


def circular_shift(weights, shift):
    """w̃_i = Σ_j w_j s_{i−j (mod N)} for shifts −r..r: `shift` (batch, 2r+1)
    puts shift[:, k] on a move of k − r slots (k − r = +1 moves weight from
    slot i to slot i+1)."""
    r = (shift.shape[-1] - 1) // 2
    if r == 0:
        return weights * shift
    return sum(shift[:, k : k + 1] * ops.roll(weights, k - r, axis=-1) for k in range(2 * r + 1))


def sharpen(weights, gamma, epsilon=EPSILON):
    """w_i = (w̃_i + ε)^γ / Σ_j (w̃_j + ε)^γ.

    ε keeps the power's gradient finite where w̃ = 0 (at the zero initial
    weighting). The powers are taken of w̃ + ε divided by its largest entry,
    which leaves the ratio unchanged but keeps the largest power at 1, so the
    sum neither underflows to 0 for a large γ nor needs an ε of its own."""
    shifted = weights + epsilon
    # The result does not depend on the scale, so its gradient need not pass it.
    powered = ops.power(shifted / ops.stop_gradient(ops.max(shifted, axis=-1, keepdims=True)), gamma)
    return powered / ops.sum(powered, axis=-1, keepdims=True)


def address(memory, previous, key, beta, gate, shift, gamma, epsilon=EPSILON):
    """The whole addressing of one head: content, interpolation, shift, sharpening.

        w^c = softmax(β cos(k, M_i)),  w^g = g w^c + (1 − g) w_{t−1},
        w̃ = w^g ⊛ s,                   w = w̃^γ / Σ w̃^γ
    """
    content = content_weighting(memory, key, beta, epsilon)
    gated = gate * content + (1.0 - gate) * previous
    return sharpen(circular_shift(gated, shift), gamma, epsilon)


@keras.saving.register_keras_serializable(package="rnnzoo")
class NTMCell(RecurrentCell):
    """One step of a Neural Turing Machine with an LSTM controller.

    The controller is an LSTM (gates i, f, c, o, `keras.layers.LSTM`'s layout)
    whose input is [x_t, r_{t−1}], the input and the reads of the previous
    step. From its output h_t a linear layer gives each head its parameters:

        k = head key (M),   β = softplus(·),   g = σ(·),
        s = softmax(·) over the 2·shift_range + 1 shifts,   γ = 1 + softplus(·),
        and for write heads also   e = σ(·) (M),   a = tanh(·) (M).

    Each head addresses the memory M_{t−1} (N slots of width M):

        w^c_i = softmax_i(β · cos(k, M_{t−1,i}))             content
        w^g   = g w^c + (1 − g) w_{t−1}                      interpolation
        w̃_i   = Σ_j w^g_j s_{i−j mod N}                      circular shift
        w_i   = (w̃_i + ε)^γ / Σ_j (w̃_j + ε)^γ                sharpening

    The write heads then update the memory (erase all, then add all):

        M_t = M_{t−1} ⊙ Π_h (1 − w_h e_h^T) + Σ_h w_h a_h^T

    and each read head reads the updated memory, r_t = w^T M_t. The output is
    [h_t, r_t^1, ..., r_t^R], of size units + read_heads·memory_width; put a
    `Dense` after the layer for a task's output.

    Keras's RNN starts every state at zero, so the memory starts empty and the
    previous weightings at zero; an ε (1e-6) in the cosine and in the
    sharpening keeps that finite and differentiable (a zero memory row scores
    0 in the cosine, so the first content weighting is uniform, and a zero
    interpolated weighting sharpens to a uniform one).

    States, all (batch, n): [h_t, r_t] (the previous output, which is where
    Keras's masked loops look for it, so masking works on every backend),
    the LSTM cell c_t (units), the memory flattened row by row (N·M), the read
    weightings (R·N) and the write weightings (W·N).

    Weights: `kernel` (input_dim, 4·units) and `bias` (4·units) of the
    controller's input term; `recurrent_kernel` (units + R·M, 4·units) for
    [h_{t−1}, r_{t−1}]; `head_kernel` (units, P) and `head_bias` (P) with,
    per read head, M + 2·shift_range + 4 parameters laid out
    [k, β, g, s, γ], and per write head 2·M more, [k, β, g, s, γ, e, a];
    read heads come first (with shift_range=0 the one s column is unused).

    Args:
        units: Positive integer, size of the LSTM controller.
        memory_size: Positive integer N, number of memory slots.
        memory_width: Positive integer M, size of each slot.
        read_heads: Positive integer R, number of read heads (1).
        write_heads: Positive integer W, number of write heads (1).
        shift_range: Non-negative integer r: the heads shift by −r..r slots
            (1: shifts −1, 0, +1; 0: no shift).
        unit_forget_bias: Add 1 to the controller's forget-gate bias at
            initialisation (True), as `keras.layers.LSTM` does.
        head_initializer: Initializer of `head_kernel` ("glorot_uniform");
            `head_bias` uses `bias_initializer`.
        **kwargs: `use_bias`, initializers, regularizers and constraints of the
            controller's kernel, recurrent kernel and bias, `dropout` (of the
            input x_t), `seed` (see `rnnzoo.layers.base.RecurrentCell`), and
            base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import NTMCell
    >>> cell = NTMCell(16, memory_size=8, memory_width=4)
    >>> tuple(keras.layers.RNN(cell)(np.zeros((2, 5, 3), "float32")).shape)
    (2, 20)
    >>> cell.state_size
    [20, 16, 32, 8, 8]

    Reference:
        A. Graves, G. Wayne, I. Danihelka, "Neural Turing Machines",
        arXiv:1410.5401, 2014; M. Collier, J. Beel, "Implementing Neural
        Turing Machines", ICANN 2018 (on initialising the memory and heads).
    """

    def __init__(
        self,
        units,
        memory_size,
        memory_width,
        read_heads=1,
        write_heads=1,
        shift_range=1,
        unit_forget_bias=True,
        head_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.memory_size = check_positive_int("memory_size", memory_size)
        self.memory_width = check_positive_int("memory_width", memory_width)
        self.read_heads = check_positive_int("read_heads", read_heads)
        self.write_heads = check_positive_int("write_heads", write_heads)
        self.shift_range = check_non_negative_int("shift_range", shift_range)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.head_initializer = keras.initializers.get(head_initializer)
        n, m = self.memory_size, self.memory_width
        self.read_parameters = m + 2 * self.shift_range + 4
        self.write_parameters = self.read_parameters + 2 * m
        self.head_size = self.read_heads * self.read_parameters + self.write_heads * self.write_parameters
        self.projection_size = 4 * self.units
        self.output_size = self.units + self.read_heads * m
        self.state_size = [self.output_size, self.units, n * m, self.read_heads * n, self.write_heads * n]

    def build(self, input_shape):
        self.add_input_weights(input_shape, bias_initializer=self._bias_initializer())
        self.recurrent_kernel = self.add_recurrent_weight((self.output_size, 4 * self.units))
        self.head_kernel = self.add_weight(
            shape=(self.units, self.head_size),
            name="head_kernel",
            initializer=self.head_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.head_bias = self.add_weight(
            shape=(self.head_size,),
            name="head_bias",
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    # The controller's gates are an LSTM's, in the same order (i, f, c, o).
    _bias_initializer = PeepholeLSTMCell._bias_initializer

    def head_parameters(self, h):
        """The heads' parameters from the controller output: a list of dicts
        (read heads first) with k, β, g, s, γ and, for write heads, e, a."""
        raw = ops.matmul(h, self.head_kernel) + self.head_bias
        m, width = self.memory_width, 2 * self.shift_range + 1
        heads, start = [], 0
        for index in range(self.read_heads + self.write_heads):
            size = self.read_parameters if index < self.read_heads else self.write_parameters
            p = raw[:, start : start + size]
            start += size
            head = {
                "key": p[:, :m],
                "beta": ops.softplus(p[:, m : m + 1]),
                "gate": ops.sigmoid(p[:, m + 1 : m + 2]),
                # No shift (shift_range=0): s = 1, and its parameter is unused.
                "shift": ops.softmax(p[:, m + 2 : m + 2 + width], axis=-1) if width > 1 else ops.ones_like(p[:, m + 2 : m + 3]),
                "gamma": 1.0 + ops.softplus(p[:, m + 2 + width : m + 3 + width]),
            }
            if index >= self.read_heads:
                rest = p[:, m + 3 + width :]
                head["erase"] = ops.sigmoid(rest[:, :m])
                head["add"] = ops.tanh(rest[:, m:])
            heads.append(head)
        return heads

    def step(self, z, states, training=False):
        output_prev, c_prev, memory_flat, read_w_flat, write_w_flat = states
        u, n, m, rh = self.units, self.memory_size, self.memory_width, self.read_heads
        # Controller: LSTM on [x_t, r_{t-1}] (x_t W + b is z).
        z = z + ops.matmul(output_prev, self.recurrent_kernel)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(z_f) * c_prev + ops.sigmoid(z_i) * ops.tanh(z_c)
        h = ops.sigmoid(z_o) * ops.tanh(c)

        memory = ops.reshape(memory_flat, (-1, n, m))
        heads = self.head_parameters(h)
        previous = [read_w_flat[:, i * n : (i + 1) * n] for i in range(rh)]
        previous += [write_w_flat[:, i * n : (i + 1) * n] for i in range(self.write_heads)]
        weights = [
            address(memory, w_prev, hd["key"], hd["beta"], hd["gate"], hd["shift"], hd["gamma"])
            for hd, w_prev in zip(heads, previous)
        ]
        read_w, write_w = weights[:rh], weights[rh:]

        # Write: erase with every head, then add with every head.
        keep = None
        for w, hd in zip(write_w, heads[rh:]):
            factor = 1.0 - w[:, :, None] * hd["erase"][:, None, :]
            keep = factor if keep is None else keep * factor
        memory = memory * keep
        for w, hd in zip(write_w, heads[rh:]):
            memory = memory + w[:, :, None] * hd["add"][:, None, :]

        # Read the updated memory.
        reads = [ops.sum(w[:, :, None] * memory, axis=1) for w in read_w]
        output = ops.concatenate([h, *reads], axis=-1)
        new_states = [
            output,
            c,
            ops.reshape(memory, (-1, n * m)),
            _concat(read_w),
            _concat(write_w),
        ]
        return output, new_states

    def get_config(self):
        config = {
            "memory_size": self.memory_size,
            "memory_width": self.memory_width,
            "read_heads": self.read_heads,
            "write_heads": self.write_heads,
            "shift_range": self.shift_range,
            "unit_forget_bias": self.unit_forget_bias,
            "head_initializer": keras.initializers.serialize(self.head_initializer),
        }
        return {**super().get_config(), **config}


def _concat(tensors):
    return tensors[0] if len(tensors) == 1 else ops.concatenate(tensors, axis=-1)


@keras.saving.register_keras_serializable(package="rnnzoo")
class NTM(RecurrentLayer):
    """Neural Turing Machine layer (Graves et al. 2014): `NTMCell` over a sequence.

        (h_t, c_t) = LSTM([x_t, r_{t−1}], h_{t−1}, c_{t−1})
        w_t = address(M_{t−1}, w_{t−1}, heads(h_t))   per head
        M_t = M_{t−1} ⊙ Π (1 − w e^T) + Σ w a^T,   r_t = w_t^T M_t
        output_t = [h_t, r_t]

    Addressing, weights and states: see `NTMCell`.

    Args:
        units: Positive integer, size of the LSTM controller.
        memory_size, memory_width: Positive integers N and M, the memory's
            slots and their width.
        read_heads, write_heads, shift_range, unit_forget_bias,
        head_initializer, use_bias, kernel/recurrent/bias initializer,
        regularizer and constraint, dropout, seed: as in `NTMCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`. With `return_state`
        the layer returns `[output, [h, r], c, memory, read_weights,
        write_weights]`.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import NTM
    >>> layer = NTM(32, memory_size=16, memory_width=8, read_heads=2, return_sequences=True)
    >>> tuple(layer(np.zeros((4, 10, 3), "float32")).shape)
    (4, 10, 48)

    Reference:
        A. Graves, G. Wayne, I. Danihelka, "Neural Turing Machines", arXiv:1410.5401, 2014.
    """

    cell_class = NTMCell
