"""Leaky-integrator RNN: units that forget at their own rate, many time scales in one layer."""

import math

import keras
from keras import ops

from rnnzoo.layers.base import RecurrentCell, RecurrentLayer, check_fraction

# A trainable leak rate is kept in [MIN_LEAK_RATE, 1]: a time scale of at most
# 1000 steps, and never 0, where a unit would stop listening to its input.
MIN_LEAK_RATE = 1e-3


def leak_rates(units, leak_rate=1.0, leak_rate_range=None):
    """The per-unit leak rates α as a list of `units` floats.

    `leak_rate` is one rate for all units or one per unit; `leak_rate_range =
    (low, high)` instead spreads the rates log-uniformly from high (first unit,
    fast) to low (last unit, slow), i.e. time scales 1/α from 1/high to 1/low.
    """
    if leak_rate_range is not None:
        if leak_rate != 1.0:
            raise ValueError(
                "Pass either `leak_rate` or `leak_rate_range`, not both. "
                f"Received: leak_rate={leak_rate!r}, leak_rate_range={leak_rate_range!r}"
            )
        if not isinstance(leak_rate_range, (list, tuple)) or len(leak_rate_range) != 2:
            raise ValueError(
                f"Argument `leak_rate_range` must be a pair (low, high). Received: leak_rate_range={leak_rate_range!r}"
            )
        low, high = (check_fraction("leak_rate_range", v) for v in leak_rate_range)
        if low > high:
            raise ValueError(f"Argument `leak_rate_range` must have low <= high. Received: leak_rate_range={leak_rate_range!r}")
        if units == 1:
            return [high]
        step = (math.log(low) - math.log(high)) / (units - 1)
        return [math.exp(math.log(high) + k * step) for k in range(units)]
    if isinstance(leak_rate, (list, tuple)):
        if len(leak_rate) != units:
            raise ValueError(
                f"Argument `leak_rate` needs one rate per unit ({units}). Received: {len(leak_rate)} rates"
            )
        return [check_fraction("leak_rate", v) for v in leak_rate]
    return [check_fraction("leak_rate", leak_rate)] * units


class _ClipLeakRate(keras.constraints.Constraint):
    def __call__(self, w):
        return ops.clip(w, MIN_LEAK_RATE, 1.0)


@keras.saving.register_keras_serializable(package="rnnzoo")
class LeakyRNNCell(RecurrentCell):
    """One step of a leaky-integrator RNN: each unit averages its past with its new value.

        h_t = (1 − α) ⊙ h_{t-1} + α ⊙ f(x_t W + h_{t-1} U + b)

    α holds one rate in (0, 1] per unit; unit k integrates over about 1/α_k
    steps. α = 1 is exactly `keras.layers.SimpleRNNCell`. With a spread of
    rates (`leak_rate_range`) one layer holds fast and slow units, the
    "multiple time scales" remedy for long-term dependencies.

    Args:
        units: Positive integer, dimensionality of the state.
        leak_rate: Float in (0, 1], or a list of `units` such floats.
        leak_rate_range: Optional pair (low, high) in (0, 1]: rates spread
            log-uniformly from high (first unit) to low (last unit).
        trainable_leak_rate: If True, α is learned (kept in [0.001, 1]).
        activation: f, tanh by default.
        **kwargs: `use_bias`, initializers, regularizers and constraints of the
            kernel, recurrent kernel and bias, `dropout`, `seed` (see
            `rnnzoo.layers.base.RecurrentCell`), and base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import LeakyRNNCell
    >>> cell = LeakyRNNCell(8, leak_rate_range=(0.01, 1.0))
    >>> tuple(keras.layers.RNN(cell)(np.zeros((2, 5, 3), "float32")).shape)
    (2, 8)

    Reference:
        H. Jaeger, M. Lukoševičius, D. Popovici, U. Siewert, "Optimization and
        applications of echo state networks with leaky-integrator neurons",
        Neural Networks 20(3), 2007; Y. Bengio, N. Boulanger-Lewandowski,
        R. Pascanu, "Advances in optimizing recurrent networks", ICASSP 2013.
    """

    def __init__(
        self,
        units,
        leak_rate=1.0,
        leak_rate_range=None,
        trainable_leak_rate=False,
        activation="tanh",
        **kwargs,
    ):
        super().__init__(units, **kwargs)
        self.leak_rate = list(leak_rate) if isinstance(leak_rate, (list, tuple)) else leak_rate
        self.leak_rate_range = tuple(leak_rate_range) if leak_rate_range is not None else None
        self._initial_rates = leak_rates(self.units, leak_rate, leak_rate_range)
        self.trainable_leak_rate = bool(trainable_leak_rate)
        self.activation = keras.activations.get(activation)
        self.projection_size = self.state_size = self.output_size = self.units

    def build(self, input_shape):
        self.add_input_weights(input_shape)
        self.recurrent_kernel = self.add_recurrent_weight((self.units, self.units))
        self.alpha = self.add_weight(
            shape=(self.units,),
            name="leak_rate",
            initializer=lambda shape, dtype=None: ops.convert_to_tensor(self._initial_rates, dtype=dtype),
            trainable=self.trainable_leak_rate,
            constraint=_ClipLeakRate() if self.trainable_leak_rate else None,
        )

    def step(self, z, states, training=False):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        candidate = self.activation(z + ops.matmul(h_prev, self.recurrent_kernel))
        h = (1.0 - self.alpha) * h_prev + self.alpha * candidate
        return h, [h]

    def get_config(self):
        config = {
            "leak_rate": self.leak_rate,
            "leak_rate_range": self.leak_rate_range,
            "trainable_leak_rate": self.trainable_leak_rate,
            "activation": keras.activations.serialize(self.activation),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnzoo")
class LeakyRNN(RecurrentLayer):
    """Leaky-integrator RNN layer: `LeakyRNNCell` over a sequence.

        h_t = (1 − α) ⊙ h_{t-1} + α ⊙ f(x_t W + h_{t-1} U + b)

    Args:
        units: Positive integer, dimensionality of the output space.
        leak_rate, leak_rate_range, trainable_leak_rate, activation, use_bias,
        kernel/recurrent/bias initializer, regularizer and constraint,
        dropout, seed: as in `LeakyRNNCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import LeakyRNN
    >>> layer = LeakyRNN(16, leak_rate_range=(0.01, 1.0), trainable_leak_rate=True)
    >>> tuple(layer(np.zeros((4, 10, 3), "float32")).shape)
    (4, 16)

    Reference:
        H. Jaeger et al., "Optimization and applications of echo state networks
        with leaky-integrator neurons", Neural Networks 20(3), 2007.
    """

    cell_class = LeakyRNNCell
