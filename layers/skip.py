"""Skip-connection RNN: recurrent connections that jump several steps back in time."""

import keras
from keras import ops

from rnnzoo.layers.base import RecurrentCell, RecurrentLayer, _is_integer


def check_delays(delays):
    """Delays as a sorted tuple of distinct positive integers."""
    if not isinstance(delays, (list, tuple)) or len(delays) == 0:
        raise ValueError(f"Argument `delays` must be a non-empty list of positive integers. Received: delays={delays!r}")
    for d in delays:
        if not _is_integer(d) or d <= 0:
            raise ValueError(f"Argument `delays` must hold positive integers. Received: delays={delays!r}")
    if len(set(delays)) != len(delays):
        raise ValueError(f"Argument `delays` must not repeat a delay. Received: delays={delays!r}")
    return tuple(sorted(delays))


@keras.saving.register_keras_serializable(package="rnnzoo")
class SkipRNNCell(RecurrentCell):
    """One step of an RNN with recurrent connections through time with delays.

        h_t = f(x_t W + Σ_{d ∈ delays} h_{t-d} U_d + b)

    `delays=(1,)` is a simple RNN. `delays=(1, d)` adds a skip connection of
    length d: a gradient then crosses T steps in about T/d Jacobian products
    instead of T. `delays=(d,)` drops the short connections, leaving d
    interleaved chains that each run at a slow time scale.

    The state holds the last D = max(delays) hidden states, newest first, as
    two tensors: h_{t-1} (the previous output, which is where every Keras
    backend's masked loop looks for it) and, when D > 1, the older ones
    [h_{t-2}, ..., h_{t-D}] in one vector of (D − 1)·units. `recurrent_kernel`
    stacks the U_d in the order of the sorted delays: shape
    (len(delays)·units, units).

    Args:
        units: Positive integer, dimensionality of h.
        delays: Non-empty list of distinct positive integers.
        activation: f, tanh by default.
        **kwargs: `use_bias`, initializers, regularizers and constraints of the
            kernel, recurrent kernel and bias, `dropout`, `seed` (see
            `rnnzoo.layers.base.RecurrentCell`), and base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import SkipRNNCell
    >>> cell = SkipRNNCell(8, delays=(1, 4))
    >>> tuple(keras.layers.RNN(cell)(np.zeros((2, 12, 3), "float32")).shape)
    (2, 8)

    Reference:
        T. Lin, B. G. Horne, P. Tiňo, C. L. Giles, "Learning long-term
        dependencies in NARX recurrent neural networks", IEEE TNN 7(6), 1996;
        S. El Hihi, Y. Bengio, "Hierarchical recurrent neural networks for
        long-term dependencies", NIPS 1995; Goodfellow et al., Deep Learning, §10.9.
    """

    def __init__(self, units, delays=(1,), activation="tanh", **kwargs):
        super().__init__(units, **kwargs)
        self.delays = check_delays(delays)
        self.activation = keras.activations.get(activation)
        self.max_delay = self.delays[-1]
        self.projection_size = self.output_size = self.units
        self.state_size = [self.units] if self.max_delay == 1 else [self.units, (self.max_delay - 1) * self.units]

    def build(self, input_shape):
        self.add_input_weights(input_shape)
        self.recurrent_kernel = self.add_recurrent_weight((len(self.delays) * self.units, self.units))

    def step(self, z, states, training=False):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        history = states[0] if len(states) == 1 else ops.concatenate(states, axis=-1)  # [h_{t-1}, ..., h_{t-D}]
        u = self.units
        delayed = [history[:, (d - 1) * u : d * u] for d in self.delays]
        delayed = delayed[0] if len(delayed) == 1 else ops.concatenate(delayed, axis=-1)
        h = self.activation(z + ops.matmul(delayed, self.recurrent_kernel))
        # Shift the history: h_t becomes the newest entry, h_{t-D} falls off.
        if self.max_delay == 1:
            return h, [h]
        return h, [h, history[:, : (self.max_delay - 1) * u]]

    def get_config(self):
        config = {"delays": list(self.delays), "activation": keras.activations.serialize(self.activation)}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnzoo")
class SkipRNN(RecurrentLayer):
    """Skip-connection RNN layer: `SkipRNNCell` over a sequence.

        h_t = f(x_t W + Σ_{d ∈ delays} h_{t-d} U_d + b)

    Args:
        units: Positive integer, dimensionality of the output space.
        delays, activation, use_bias, kernel/recurrent/bias initializer,
        regularizer and constraint, dropout, seed: as in `SkipRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`. With `return_state`
        the layer returns `[output, h_t]`, and with max(delays) = D > 1
        `[output, h_t, [h_{t-1}, ..., h_{t-D+1}]]`, the second state of shape
        (batch, (D − 1)·units).

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import SkipRNN
    >>> tuple(SkipRNN(16, delays=(1, 8))(np.zeros((4, 32, 3), "float32")).shape)
    (4, 16)

    Reference:
        T. Lin et al., "Learning long-term dependencies in NARX recurrent
        neural networks", IEEE TNN 7(6), 1996.
    """

    cell_class = SkipRNNCell
