"""Peephole LSTM (Gers & Schmidhuber 2000): gates that look at the cell state."""

import keras
from keras import ops

from rnnzoo.layers.base import RecurrentCell, RecurrentLayer
from rnnzoo.layers.peephole_bptt import (
    FUSED_BACKENDS,
    FUSED_BY_DEFAULT,
    peephole_recurrence,
    peephole_recurrence_accumulating,
)


@keras.saving.register_keras_serializable(package="rnnzoo")
class PeepholeLSTMCell(RecurrentCell):
    """One step of an LSTM whose gates also see the cell state.

    Update (⊙ elementwise; W, U, b split by gate in the order i, f, c, o):

        i_t = σ(x_t W_i + h_{t-1} U_i + p_i ⊙ c_{t-1} + b_i)
        f_t = σ(x_t W_f + h_{t-1} U_f + p_f ⊙ c_{t-1} + b_f)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ tanh(x_t W_c + h_{t-1} U_c + b_c)
        o_t = σ(x_t W_o + h_{t-1} U_o + p_o ⊙ c_t + b_o)
        h_t = o_t ⊙ tanh(c_t)

    The output gate peeks at the new cell state c_t, the input and forget
    gates at the previous one. The weight layout is `keras.layers.LSTM`'s:
    `kernel` (input_dim, 4·units), `recurrent_kernel` (units, 4·units),
    `bias` (4·units), plus three peephole vectors of shape (units,):
    `input_peephole`, `forget_peephole`, `output_peephole`.

    Args:
        units: Positive integer, dimensionality of h and c.
        activation: Activation of the candidate and of the output (tanh).
        recurrent_activation: Activation of the gates (sigmoid).
        unit_forget_bias: If True (default), add 1 to the forget-gate bias at
            initialisation, so the cell remembers by default (Jozefowicz et al. 2015).
        peephole_initializer: Initializer of the peephole vectors. Zeros by
            default: the cell starts as a standard LSTM and learns the
            peepholes it needs.
        **kwargs: `use_bias`, initializers, regularizers and constraints of
            the kernel, recurrent kernel and bias, `dropout`, `seed` (see
            `rnnzoo.layers.base.RecurrentCell`), and base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import PeepholeLSTMCell
    >>> rnn = keras.layers.RNN(PeepholeLSTMCell(8))
    >>> tuple(rnn(np.zeros((2, 5, 3), "float32")).shape)
    (2, 8)

    Reference:
        F. A. Gers, J. Schmidhuber, "Recurrent nets that time and count", IJCNN 2000.
    """

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        unit_forget_bias=True,
        peephole_initializer="zeros",
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.peephole_initializer = keras.initializers.get(peephole_initializer)
        self.projection_size = 4 * self.units
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self.add_input_weights(input_shape, bias_initializer=self._bias_initializer())
        self.recurrent_kernel = self.add_recurrent_weight((self.units, 4 * self.units))
        self.input_peephole, self.forget_peephole, self.output_peephole = (
            self.add_weight(shape=(self.units,), name=name, initializer=self.peephole_initializer)
            for name in ("input_peephole", "forget_peephole", "output_peephole")
        )

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return None
        base, units = self.bias_initializer, self.units

        def initializer(shape, dtype=None):
            return ops.concatenate(
                [
                    base((units,), dtype=dtype),
                    ops.ones((units,), dtype=dtype),
                    base((2 * units,), dtype=dtype),
                ]
            )

        return initializer

    def step(self, z, states, training=False):
        h_prev, c_prev = states
        z = z + ops.matmul(h_prev, self.recurrent_kernel)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i + self.input_peephole * c_prev)
        f = self.recurrent_activation(z_f + self.forget_peephole * c_prev)
        c = f * c_prev + i * self.activation(z_c)
        o = self.recurrent_activation(z_o + self.output_peephole * c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = {
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
            "peephole_initializer": keras.initializers.serialize(self.peephole_initializer),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnzoo")
class PeepholeLSTM(RecurrentLayer):
    """Peephole LSTM layer (Gers & Schmidhuber 2000): `PeepholeLSTMCell` over a sequence.

    Update and weights: see `PeepholeLSTMCell`. With `fused_loop` on (the
    default on TensorFlow and JAX), the default activations in float32 and
    `unroll=False`, the layer runs a fused loop with a hand-written backward
    pass (`rnnzoo.layers.peephole_bptt`), laid out for each backend: on
    TensorFlow the input term x_t W + b for the whole sequence in one matmul
    before the loop, on JAX the weight gradients summed inside the backward
    loop. Otherwise Keras's own loop runs `PeepholeLSTMCell` step by step.
    Both compute the same function and gradients.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation, recurrent_activation, unit_forget_bias, peephole_initializer,
        use_bias, kernel/recurrent/bias initializer, regularizer and constraint,
        dropout, seed: as in `PeepholeLSTMCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`. With `return_state`
        the layer returns `[output, h, c]`.
        fused_loop: "auto" (the default): the fused loop where it measured
            faster than Keras's (TensorFlow, JAX); True: wherever it runs
            (TensorFlow, JAX), else Keras's loop; False: always Keras's loop,
            as `keras.layers.LSTM(use_cudnn=...)` chooses its kernel.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import PeepholeLSTM
    >>> tuple(PeepholeLSTM(16, return_sequences=True)(np.zeros((4, 10, 3), "float32")).shape)
    (4, 10, 16)

    Reference:
        F. A. Gers, J. Schmidhuber, "Recurrent nets that time and count", IJCNN 2000;
        F. A. Gers, N. N. Schraudolph, J. Schmidhuber, "Learning precise timing
        with LSTM recurrent networks", JMLR 3, 2002.
    """

    cell_class = PeepholeLSTMCell

    def __init__(self, *args, fused_loop="auto", **kwargs):
        if fused_loop != "auto" and not isinstance(fused_loop, bool):  # 1.0 == True, so not `in`
            raise ValueError(f'Argument `fused_loop` must be "auto", True or False. Received: fused_loop={fused_loop!r}')
        self.fused_loop = fused_loop
        super().__init__(*args, **kwargs)

    def get_config(self):
        return {**super().get_config(), "fused_loop": self.fused_loop}

    def loop_over_time(self, sequences, initial_state, mask, training):
        if not self._fused_loop_applies():
            return super().loop_over_time(sequences, initial_state, mask, training)
        cell = self.cell
        # Time-major before the projection, so only the small input is transposed.
        x = ops.transpose(sequences, (1, 0, 2))
        take = None if mask is None else ops.cast(ops.transpose(mask, (1, 0)), x.dtype)[..., None]
        if self.go_backwards:
            x = ops.flip(x, axis=0)
            take = None if take is None else ops.flip(take, axis=0)
        # Tensors, not variables: a variable read inside the recurrence would
        # bypass its hand-written gradient. The copy passes gradients on.
        peepholes = [ops.copy(w) for w in (cell.input_peephole, cell.forget_peephole, cell.output_peephole)]
        take_or_not = ops.zeros((1,), x.dtype) if take is None else take
        if keras.backend.backend() == "jax":  # each backend's faster layout (peephole_bptt's docstring)
            bias = ops.copy(cell.bias) if cell.use_bias else ops.zeros((4 * cell.units,), x.dtype)
            kernels = ops.concatenate([cell.kernel, cell.recurrent_kernel], axis=0)
            recurrence = peephole_recurrence_accumulating(masked=take is not None)
            hs, h, c = recurrence(x, kernels, bias, *peepholes, *initial_state, take_or_not)
        else:
            recurrence = peephole_recurrence(masked=take is not None)
            hs, h, c = recurrence(cell.project_inputs(x), ops.copy(cell.recurrent_kernel), *peepholes, *initial_state, take_or_not)
        if take is not None and self.zero_output_for_mask:
            hs = hs * take
        elif take is not None and keras.backend.backend() == "tensorflow":
            # Keras's outputs at masked steps are the last real output. Before the
            # first real step TensorFlow's loop gives zeros, whatever the initial
            # state; JAX's gives the initial h, which `hs` already holds there.
            started = ops.cast(ops.cumsum(take, axis=0) > 0, hs.dtype)
            hs = hs * started
        # Unmasked, h_T is hs[-1]: taking it sends no gradient through hs (6 % of a JAX step here).
        last_output = h if take is None else hs[-1]
        outputs = ops.transpose(hs, (1, 0, 2)) if self.return_sequences else last_output[:, None]
        return last_output, outputs, [h, c]

    def _fused_loop_applies(self):
        cell = self.cell
        return (
            keras.backend.backend() in (FUSED_BY_DEFAULT if self.fused_loop == "auto" else FUSED_BACKENDS)
            and self.fused_loop is not False
            and not self.unroll
            and self.compute_dtype == "float32"
            and cell.activation is keras.activations.tanh
            and cell.recurrent_activation is keras.activations.sigmoid
        )
