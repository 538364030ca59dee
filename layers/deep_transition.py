"""Deep-transition GRU: several GRU blocks between one time step and the next."""

import keras
from keras import ops

from rnnzoo.layers.base import RecurrentCell, RecurrentLayer, check_positive_int


@keras.saving.register_keras_serializable(package="rnnzoo")
class DeepTransitionGRUCell(RecurrentCell):
    """One step of a deep-transition GRU: the state passes through `depth`
    GRU blocks with parameters of their own before the next input arrives.

        h_{t,1} = GRU_1(x_t, h_{t-1,L})
        h_{t,k} = GRU_k(0, h_{t,k-1})          for 1 < k <= L  (+ h_{t,k-1} with `transition_skip`)
        output_t = h_{t,L}

    Each block is a GRU (Cho et al. 2014, the convention of `keras.layers.GRU`
    with `reset_after=False`), for input term a and state h:

        z = σ(a_z + h U_z),  r = σ(a_r + h U_r),  h̃ = tanh(a_h + (r ⊙ h) U_h)
        GRU(a, h) = z ⊙ h + (1 − z) ⊙ h̃

    with a = x_t W + b in the first block and a = b_k (its bias alone, the
    input being 0) in the others. The transition from h_{t−1} to h_t is then
    a deep network, which a plain GRU's one nonlinearity is not (Pascanu et
    al. 2014, "DT-RNN"); Nematus's encoder and decoder are built this way.

    Weights: `kernel` (input_dim, 3·units) and `bias` (3·units) of the first
    block's input term, `recurrent_kernel` (units, 3·units) of the first
    block, and for blocks 2..L `transition_kernel` (depth − 1, units, 3·units)
    and `transition_bias` (depth − 1, 3·units). Gates are ordered z, r, h.

    Args:
        units: Positive integer, dimensionality of the state.
        depth: Positive integer L, GRU blocks per time step (1 is a GRU).
        transition_skip: Whether blocks 2..L add their input state to their
            output (a residual connection inside the transition), so a deep
            transition starts close to the identity and gradients pass it.
        activation: Of the candidate h̃, tanh by default.
        recurrent_activation: Of the gates z and r, sigmoid by default.
        **kwargs: `use_bias`, initializers, regularizers and constraints of the
            kernel, recurrent kernels (the transition kernels included) and
            biases, `dropout`, `seed` (see `rnnzoo.layers.base.RecurrentCell`).

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import DeepTransitionGRUCell
    >>> tuple(keras.layers.RNN(DeepTransitionGRUCell(8, depth=3))(np.zeros((2, 5, 4), "float32")).shape)
    (2, 8)

    References:
        R. Pascanu, C. Gulcehre, K. Cho, Y. Bengio, "How to construct deep
        recurrent neural networks", ICLR 2014; R. Sennrich et al., "Nematus: a
        toolkit for neural machine translation", EACL 2017 (deep transition
        encoder and decoder); A. Barone et al., "Deep architectures for neural
        machine translation", WMT 2017.
    """

    def __init__(self, units, depth=2, transition_skip=False, activation="tanh",
                 recurrent_activation="sigmoid", **kwargs):
        super().__init__(units, **kwargs)
        self.depth = check_positive_int("depth", depth)
        self.transition_skip = bool(transition_skip)
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.projection_size = 3 * self.units
        self.state_size = self.output_size = self.units

    def build(self, input_shape):
        self.add_input_weights(input_shape)
        self.recurrent_kernel = self.add_recurrent_weight((self.units, 3 * self.units))
        self.transition_kernel = self.transition_bias = None
        if self.depth > 1:
            # One stacked weight for blocks 2..L: (depth - 1, units, 3 units).
            self.transition_kernel = self.add_weight(
                shape=(self.depth - 1, self.units, 3 * self.units),
                name="transition_kernel",
                initializer=_Stacked(self.recurrent_initializer),
                regularizer=self.recurrent_regularizer,
                constraint=self.recurrent_constraint,
            )
            if self.use_bias:
                self.transition_bias = self.add_weight(
                    shape=(self.depth - 1, 3 * self.units),
                    name="transition_bias",
                    initializer=self.bias_initializer,
                    regularizer=self.bias_regularizer,
                    constraint=self.bias_constraint,
                )

    def block(self, a, h, kernel):
        """GRU(a, h) for input term `a` (batch or broadcastable, 3·units)."""
        u = self.units
        hz_hr = ops.matmul(h, kernel[:, : 2 * u])
        z = self.recurrent_activation(a[..., :u] + hz_hr[:, :u])
        r = self.recurrent_activation(a[..., u : 2 * u] + hz_hr[:, u:])
        candidate = self.activation(a[..., 2 * u :] + ops.matmul(r * h, kernel[:, 2 * u :]))
        return z * h + (1.0 - z) * candidate

    def step(self, z, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        h = self.block(z, h, self.recurrent_kernel)
        for k in range(self.depth - 1):
            bias = self.transition_bias[k] if self.use_bias else ops.zeros((3 * self.units,), h.dtype)
            new = self.block(bias, h, self.transition_kernel[k])
            h = new + h if self.transition_skip else new
        return h, [h]

    def get_config(self):
        config = {
            "depth": self.depth,
            "transition_skip": self.transition_skip,
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnzoo")
class _Stacked(keras.initializers.Initializer):
    """Applies a 2-D initializer (e.g. orthogonal) to each matrix of a stack."""

    def __init__(self, initializer):
        self.initializer = keras.initializers.get(initializer)

    def __call__(self, shape, dtype=None):
        return ops.stack([self.initializer(shape[1:], dtype=dtype) for _ in range(shape[0])])

    def get_config(self):
        return {"initializer": keras.initializers.serialize(self.initializer)}


@keras.saving.register_keras_serializable(package="rnnzoo")
class DeepTransitionGRU(RecurrentLayer):
    """Deep-transition GRU layer: `DeepTransitionGRUCell` over a sequence.

        h_{t,1} = GRU_1(x_t, h_{t-1,L}),   h_{t,k} = GRU_k(0, h_{t,k-1}) for 1 < k <= L

    Args:
        units: Positive integer, dimensionality of the state and output.
        depth: Positive integer, GRU blocks per time step.
        transition_skip, activation, recurrent_activation, use_bias,
        kernel/recurrent/bias initializer, regularizer and constraint,
        dropout, seed: as in `DeepTransitionGRUCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import DeepTransitionGRU
    >>> tuple(DeepTransitionGRU(16, depth=4, return_sequences=True)(np.zeros((2, 7, 3), "float32")).shape)
    (2, 7, 16)

    Reference:
        R. Pascanu et al., "How to construct deep recurrent neural networks", ICLR 2014.
    """

    cell_class = DeepTransitionGRUCell
