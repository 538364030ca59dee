"""IRNN and np-RNN: simple ReLU RNNs whose recurrent weights start near the identity."""

import keras

from rnnzoo.layers.base import check_positive_int, check_sequence_shape
from rnnzoo.layers.initializers import IRNN as IRNNInitializer
from rnnzoo.layers.initializers import NPRNN as NPRNNInitializer

# Le et al. (2015) draw the input weights from N(0, 0.001²): small enough that
# the identity recurrence, not the input, dominates the state at the start.
INPUT_STDDEV = 0.001


class _ReLURNN(keras.layers.SimpleRNN):
    """A `keras.layers.SimpleRNN` with ReLU and a small Gaussian input kernel."""

    def __init__(self, units, activation="relu", kernel_initializer=None, **kwargs):
        # SimpleRNN takes True and "8" and fails on np.int64: checked as every rnnzoo layer checks it.
        units = check_positive_int("units", units)
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(stddev=INPUT_STDDEV, seed=kwargs.get("seed"))
        super().__init__(units, activation=activation, kernel_initializer=kernel_initializer, **kwargs)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_sequence_shape(type(self).__name__, sequences.shape, self.cell.kernel.shape[0])
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)


@keras.saving.register_keras_serializable(package="rnnzoo")
class IRNN(_ReLURNN):
    """Simple RNN with ReLU units and an identity recurrent matrix (IRNN).

        h_t = relu(x_t W + h_{t-1} U + b),   U initialised to gain · I, b to 0

    Args:
        units: Positive integer, dimensionality of the output space.
        gain: Scale of the initial identity (1.0 as in Le et al.).
        **kwargs: any `keras.layers.SimpleRNN` argument (`return_sequences`,
            `dropout`, `recurrent_dropout`, `stateful`, ...). The input kernel
            defaults to N(0, 0.001²).

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import IRNN
    >>> tuple(IRNN(32)(np.zeros((2, 100, 2), "float32")).shape)
    (2, 32)

    Reference:
        Q. V. Le, N. Jaitly, G. E. Hinton, "A simple way to initialize recurrent
        networks of rectified linear units", arXiv:1504.00941, 2015.
    """

    def __init__(self, units, gain=1.0, recurrent_initializer=None, **kwargs):
        self.gain = gain
        if recurrent_initializer is None:
            recurrent_initializer = IRNNInitializer(gain=gain)
        super().__init__(units, recurrent_initializer=recurrent_initializer, **kwargs)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


@keras.saving.register_keras_serializable(package="rnnzoo")
class NPRNN(_ReLURNN):
    """Simple RNN with ReLU units and a positive-definite recurrent matrix (np-RNN).

        h_t = relu(x_t W + h_{t-1} U + b),   U = (RᵀR/N + I) / λ_max, b = 0

    U is positive definite with its largest eigenvalue exactly 1 (see
    `rnnzoo.layers.initializers.NPRNN`).

    Args:
        units: Positive integer, dimensionality of the output space.
        **kwargs: any `keras.layers.SimpleRNN` argument; `seed` also seeds the
            recurrent and input initializers.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import NPRNN
    >>> tuple(NPRNN(32, seed=1)(np.zeros((2, 100, 2), "float32")).shape)
    (2, 32)

    Reference:
        S. S. Talathi, A. Vartak, "Improving performance of recurrent neural
        network with ReLU nonlinearity", arXiv:1511.03771, 2016.
    """

    def __init__(self, units, recurrent_initializer=None, **kwargs):
        if recurrent_initializer is None:
            recurrent_initializer = NPRNNInitializer(seed=kwargs.get("seed"))
        super().__init__(units, recurrent_initializer=recurrent_initializer, **kwargs)
