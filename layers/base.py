"""What every rnnzoo cell and sequence layer shares.

Each rnnzoo cell splits its update into two parts:

    z_t = x_t W + b                                 the input term: no dependence on the state
    (output_t, state_t) = step(z_t, state_{t-1})    the recurrence

`RecurrentCell.call` does both for one time step, so a cell works anywhere
Keras expects a cell (`keras.layers.RNN(cell)`, `StackedRNNCells`). The
sequence layers (`RecurrentLayer`) run the cell inside Keras's own loop
(`keras.layers.RNN`), so masking, `go_backwards`, `stateful`, `unroll` and
initial states behave exactly as they do for `keras.layers.LSTM`.

Where the input term goes is a measured choice. Computing it for the whole
sequence in one matmul before the loop sounds cheaper, but inside Keras's
TensorFlow loop the large projected tensor is transposed and split per step
on the way in and again in the gradient: on a 2-core CPU (batch 64, 100 steps,
64 features, 256 units) that made LeakyRNN's training step 1.23x SimpleRNN's
against 1.09x for the step-by-step projection, and the two tied under XLA
(benchmarks/layers_speed.py). So the generic loop projects step by step, and a
layer with a loop of its own (PeepholeLSTM's fused loop) computes the term for
the whole sequence, already time-major, where it pays.
"""

import contextlib
import inspect
import math
import numbers
import re

import keras
import numpy as np
from keras import ops


# --------------------------------------------------------------------------
# Argument checks shared by all layers: each names the argument and the value.
# --------------------------------------------------------------------------
def check_positive_int(name, value):
    """A positive integer: Python's or numpy's (`np.int64(8)`), never a bool,
    a float or a string. Returned as a Python int, so configs serialise."""
    if not _is_integer(value) or value <= 0:
        raise ValueError(
            f"Argument `{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_rate(name, value):
    """A dropout rate: a float in [0, 1)."""
    if not _is_number(value) or not 0.0 <= value < 1.0:
        raise ValueError(
            f"Argument `{name}` must be a float in [0, 1). Received: {name}={value!r}"
        )
    return float(value)


def _is_number(value):
    # Python and numpy numbers alike; bools are refused (True is not a rate).
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_positive(name, value):
    """A finite number > 0."""
    if not _is_number(value) or not value > 0.0 or not math.isfinite(value):
        raise ValueError(f"Argument `{name}` must be a finite positive number. Received: {name}={value!r}")
    return float(value)


def check_non_negative(name, value):
    """A finite number >= 0."""
    if not _is_number(value) or not value >= 0.0 or not math.isfinite(value):
        raise ValueError(f"Argument `{name}` must be a finite number >= 0. Received: {name}={value!r}")
    return float(value)


def check_fraction(name, value):
    """A rate or density in (0, 1]."""
    if not _is_number(value) or not 0.0 < value <= 1.0:
        raise ValueError(f"Argument `{name}` must be in (0, 1]. Received: {name}={value!r}")
    return float(value)


def check_sequence_shape(layer_name, shape, input_dim=None):
    """Refuse inputs that are not (batch, timesteps, features) or whose
    feature size differs from the one the layer was built with."""
    if len(shape) != 3:
        raise ValueError(
            f"{layer_name} expects a 3-D input (batch, timesteps, features). "
            f"Received: input with shape {tuple(shape)}"
        )
    if input_dim is not None and shape[-1] is not None and shape[-1] != input_dim:
        raise ValueError(
            f"{layer_name} was built for inputs with {input_dim} features. "
            f"Received: input with shape {tuple(shape)}"
        )


def float64_supported():
    """Whether Keras computes float64 layers in float64 on this backend.

    Only on TensorFlow: Keras 3's type promotion maps float64 to float32 on the
    other backends (`keras.backend.result_type("float64", float)` is float32
    there, as in JAX without x64), so `ops.tanh` of a float64 tensor is float32
    on JAX and PyTorch even with `jax_enable_x64`.
    """
    return keras.backend.result_type("float64", float) == "float64"


def check_dtype_supported(layer_name, dtype):
    """Refuse a float64 layer where Keras would silently compute it in float32."""
    name = keras.dtype_policies.get(dtype).compute_dtype if dtype is not None else None
    if name == "float64" and not float64_supported():
        raise ValueError(
            f"{layer_name}: Keras computes float64 layers in float32 on the {keras.backend.backend()} "
            "backend (its type promotion maps float64 to float32 outside TensorFlow), so this layer would "
            f"silently lose precision. Use dtype='float32', or the TensorFlow backend. Received: dtype={dtype!r}"
        )


# --------------------------------------------------------------------------
# The cell.
# --------------------------------------------------------------------------
class RecurrentCell(keras.layers.Layer):
    """Base class of rnnzoo cells: one time step, input term separated.

    Subclasses create their weights in `build` (using `add_input_weights` for
    the input kernel and bias) and implement `step(z, states, training)`, where
    `z` is the input term x_t W + b computed by `project_inputs`.

    Args:
        units: Positive integer, dimensionality of the hidden state.
        use_bias: Boolean, whether the input term has a bias vector.
        kernel_initializer, recurrent_initializer, bias_initializer:
            Initializers for the input kernel, the recurrent kernel(s) and the bias.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Optional regularizers of the same weights.
        kernel_constraint, recurrent_constraint, bias_constraint:
            Optional constraints of the same weights.
        dropout: Float in [0, 1). Fraction of the input features to drop. Inside
            an rnnzoo sequence layer one mask is drawn per sequence and reused
            at every step (Gal & Ghahramani 2016, as `keras.layers.LSTM` does);
            a bare cell inside `keras.layers.RNN` draws a mask per step.
        seed: Random seed for dropout.
    """

    # Size of the input term z = x W + b; subclasses set it in __init__.
    projection_size = None

    def __init__(
        self,
        units,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_supported(type(self).__name__, kwargs.get("dtype"))
        self.units = check_positive_int("units", units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.recurrent_constraint = keras.constraints.get(recurrent_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.dropout = check_rate("dropout", dropout)
        self.seed = seed
        # Below 2**31: on PyTorch a SeedGenerator keeps its seed in an int32 (no
        # uint32 there), and the reservoirs' derived seeds reach 2**32.
        self.seed_generator = keras.random.SeedGenerator(seed=None if seed is None else int(seed) % 2**31)
        self.input_dim = None
        # True while a sequence layer runs this cell: it has applied dropout
        # already, with one mask per sequence.
        self._inside_sequence_layer = False

    # ---- weights ---------------------------------------------------------
    def add_input_weights(self, input_shape, kernel_initializer=None, bias_initializer=None):
        """Create `kernel` (input_dim, projection_size) and `bias`."""
        self.input_dim = input_shape[-1]
        if self.input_dim is None:
            raise ValueError(
                f"{type(self).__name__} needs a known feature size. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            shape=(self.input_dim, self.projection_size),
            name="kernel",
            initializer=kernel_initializer or self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.projection_size,),
                name="bias",
                initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def add_recurrent_weight(self, shape, name="recurrent_kernel", initializer=None):
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=initializer or self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )

    # ---- the two halves of a step ------------------------------------------
    def project_inputs(self, inputs):
        """The input term x W + b, for one step or a whole sequence."""
        z = ops.matmul(inputs, self.kernel)
        if self.use_bias:
            z = z + self.bias
        return z

    def drop_inputs(self, inputs, training, mask_shape_like=None):
        """Input dropout; the mask has the shape of `mask_shape_like`
        (broadcast over the rest), so a (batch, 1, features) tensor gives one
        mask per sequence."""
        if not training or self.dropout == 0.0:
            return inputs
        like = inputs if mask_shape_like is None else mask_shape_like
        mask = keras.random.dropout(ops.ones_like(like), rate=self.dropout, seed=self.seed_generator)
        return inputs * mask

    def step(self, z, states, training=False):
        raise NotImplementedError

    def call(self, inputs, states, training=False):
        if not self._inside_sequence_layer:
            inputs = self.drop_inputs(inputs, training)
        return self.step(self.project_inputs(inputs), states, training=training)

    @contextlib.contextmanager
    def inside_sequence_layer(self):
        """Within this block `call` leaves dropout to the sequence layer."""
        self._inside_sequence_layer = True
        try:
            yield
        finally:
            self._inside_sequence_layer = False

    def get_config(self):
        config = {
            "units": self.units,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": keras.regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": keras.constraints.serialize(self.recurrent_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}


# Keys of a Layer's own config: they belong to the sequence layer, not its cell.
_LAYER_KEYS = ("name", "trainable", "dtype")


# --------------------------------------------------------------------------
# The sequence layer.
# --------------------------------------------------------------------------
class RecurrentLayer(keras.layers.RNN):
    """Base class of rnnzoo sequence layers: a thin `keras.layers.RNN`.

    A subclass names its cell class in `cell_class`; the constructor takes the
    cell's arguments and the usual RNN ones (`return_sequences`,
    `return_state`, `go_backwards`, `stateful`, `unroll`,
    `zero_output_for_mask`) and its config holds both, flat, as Keras's
    `LSTM` does.
    """

    cell_class = None

    def __init__(
        self,
        *args,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        cell_arguments = _init_arguments(self.cell_class)
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in cell_arguments}
        cell = self.cell_class(
            *args,
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
            name=f"{_snake_case(self.cell_class.__name__)}",
            **cell_kwargs,
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )

    def build(self, sequences_shape, initial_state_shape=None):
        check_sequence_shape(type(self).__name__, sequences_shape)
        super().build(sequences_shape, initial_state_shape)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        check_sequence_shape(type(self).__name__, sequences.shape, self.cell.input_dim)
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        # One dropout mask per sequence, shared by every step.
        sequences = self.cell.drop_inputs(sequences, training, mask_shape_like=sequences[:, :1, :])
        return self.loop_over_time(sequences, initial_state, mask, training)

    def loop_over_time(self, sequences, initial_state, mask, training):
        """Run the cell over the sequence; returns (last_output, outputs, states)
        as `keras.layers.RNN.inner_loop` does. Here: Keras's own loop over the
        cell. A layer with a faster loop of its own overrides this."""
        with self.cell.inside_sequence_layer():
            return super().inner_loop(sequences, initial_state, mask, training=training)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in _LAYER_KEYS:
            cell_config.pop(key, None)
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _init_arguments(cls):
    """Names of the keyword arguments a class's __init__ (and its bases') take."""
    names = set()
    for klass in cls.__mro__:
        if klass is keras.layers.Layer:
            break
        if "__init__" in vars(klass):
            names.update(
                p.name
                for p in inspect.signature(klass.__init__).parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
            )
    return names


def _snake_case(name):
    """PeepholeLSTMCell -> peephole_lstm_cell."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
