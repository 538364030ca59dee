"""Jordan network: the recurrence runs through the output, not the hidden state."""

import keras
from keras import ops

from rnnzoo.layers.base import RecurrentCell, RecurrentLayer, check_positive_int


@keras.saving.register_keras_serializable(package="rnnzoo")
class JordanRNNCell(RecurrentCell):
    """One step of a Jordan network: the previous output is fed back.

        h_t = f(x_t W + y_{t-1} U + b)
        y_t = g(h_t V + c)

    Unlike an Elman network (`keras.layers.SimpleRNN`), whose state is h,
    the state here is the output y, so the output layer V lives inside the
    cell: `output_kernel` (units, output_units) and `output_bias`
    (output_units). `recurrent_kernel` U has shape (output_units, units).

    Args:
        units: Positive integer, number of hidden units h.
        output_units: Positive integer, size of the output y (and the state).
        activation: f, tanh by default.
        output_activation: g, tanh by default: a bounded output keeps the
            fed-back signal in range. Use "linear" for regression outputs and
            "sigmoid" as in Jordan (1986).
        output_initializer: Initializer of `output_kernel`.
        **kwargs: `use_bias` (for both b and c), initializers, regularizers and
            constraints of the kernel, recurrent kernel and bias, `dropout`,
            `seed` (see `rnnzoo.layers.base.RecurrentCell`), and base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import JordanRNNCell
    >>> tuple(keras.layers.RNN(JordanRNNCell(16, output_units=4))(np.zeros((2, 5, 3), "float32")).shape)
    (2, 4)

    Reference:
        M. I. Jordan, "Serial order: a parallel distributed processing
        approach", ICS Report 8604, UC San Diego, 1986; Goodfellow et al.,
        Deep Learning, §10.2, figure 10.4.
    """

    def __init__(
        self,
        units,
        output_units,
        activation="tanh",
        output_activation="tanh",
        output_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.output_units = check_positive_int("output_units", output_units)
        self.activation = keras.activations.get(activation)
        self.output_activation = keras.activations.get(output_activation)
        self.output_initializer = keras.initializers.get(output_initializer)
        self.projection_size = self.units
        self.state_size = self.output_size = self.output_units

    def build(self, input_shape):
        self.add_input_weights(input_shape)
        self.recurrent_kernel = self.add_recurrent_weight((self.output_units, self.units))
        self.output_kernel = self.add_weight(
            shape=(self.units, self.output_units),
            name="output_kernel",
            initializer=self.output_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.output_bias = None
        if self.use_bias:
            self.output_bias = self.add_weight(
                shape=(self.output_units,),
                name="output_bias",
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def step(self, z, states, training=False):
        y_prev = states[0] if isinstance(states, (list, tuple)) else states
        h = self.activation(z + ops.matmul(y_prev, self.recurrent_kernel))
        y = ops.matmul(h, self.output_kernel)
        if self.use_bias:
            y = y + self.output_bias
        y = self.output_activation(y)
        return y, [y]

    def get_config(self):
        config = {
            "output_units": self.output_units,
            "activation": keras.activations.serialize(self.activation),
            "output_activation": keras.activations.serialize(self.output_activation),
            "output_initializer": keras.initializers.serialize(self.output_initializer),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnzoo")
class JordanRNN(RecurrentLayer):
    """Jordan network layer: `JordanRNNCell` over a sequence.

        h_t = f(x_t W + y_{t-1} U + b),   y_t = g(h_t V + c)

    Args:
        units: Positive integer, number of hidden units.
        output_units: Positive integer, size of the output (and of the state).
        activation, output_activation, output_initializer, use_bias,
        kernel/recurrent/bias initializer, regularizer and constraint,
        dropout, seed: as in `JordanRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import JordanRNN
    >>> tuple(JordanRNN(32, output_units=3, return_sequences=True)(np.zeros((4, 10, 5), "float32")).shape)
    (4, 10, 3)

    Reference:
        M. I. Jordan, "Serial order: a parallel distributed processing approach", 1986.
    """

    cell_class = JordanRNNCell
