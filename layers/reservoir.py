"""Reservoirs: fixed random recurrent layers, the state machines of echo state networks.

A reservoir's weights are drawn once from a seed and never trained; only a
linear readout on its states is (`rnnzoo.layers.esn.EchoStateNetwork`). Two forward
passes compute the same states:

* the Keras one (`Reservoir`, `DeepReservoir`, thin `keras.layers.RNN`s), for
  use inside any Keras model, with masking, `stateful`, `Bidirectional`,
  gradients when the reservoir is unfrozen (`layer.trainable = True`);
* a numpy one (`NumpyReservoir`), for collecting states when no gradient is
  needed: a plain loop with a scipy sparse mat-vec per step, several times
  faster than the Keras loop at 500 units and ten times at 2000 (measured in
  `benchmarks/esn_vs_reservoirpy.py`).
"""

import keras
import numpy as np
from keras import ops

from rnnzoo.layers.base import (
    RecurrentCell,
    RecurrentLayer,
    check_fraction,
    check_non_negative,
    check_positive,
    check_positive_int,
)
from rnnzoo.layers.initializers import spectral_radius as largest_eigenvalue_modulus

# Each unit receives this many recurrent connections by default (connectivity=None).
CONNECTIONS_PER_UNIT = 10

# Above this density the numpy pass multiplies by a dense matrix instead of a sparse one.
SPARSE_DENSITY_MAX = 0.2

# The activations both forward passes know (name -> numpy function).
NUMPY_ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
    "relu": lambda v: np.maximum(v, 0.0),
    "linear": lambda v: v,
}


def _check_seed(seed):
    if seed is None:
        # Drawn now (numpy's global generator, which keras.utils.set_random_seed
        # seeds), and kept in the config, so a rebuilt layer has the same reservoir.
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Argument `seed` must be a non-negative integer or None. Received: seed={seed!r}")
    return int(seed)


def _check_input_scaling(value):
    if isinstance(value, (list, tuple)):
        return [check_positive("input_scaling", v) for v in value]
    return check_positive("input_scaling", value)


def _check_activation(value):
    if value not in NUMPY_ACTIVATIONS:
        raise ValueError(f"Argument `activation` must be one of {sorted(NUMPY_ACTIVATIONS)}. Received: activation={value!r}")
    return value


def reservoir_matrices(
    units,
    input_dim,
    spectral_radius,
    input_scaling=1.0,
    connectivity=None,
    input_connectivity=0.1,
    bias_scaling=0.0,
    seed=0,
):
    """The fixed weights of one reservoir, in float64, for the row-vector update x W.

    Returns `(w_in, bias, w)`:
        w_in: (input_dim, units); `round(input_connectivity · input_dim · units)`
            (at least 1) entries ±1 at random places, the rest 0, row k times
            `input_scaling` (a float, or one float per input feature).
        bias: (units,); ±`bias_scaling` (0 by default: no bias).
        w: (units, units) `scipy.sparse.csr_matrix`; each unit (column) receives
            `round(connectivity · units)` (at least 1) connections with N(0, 1)
            weights, then all are rescaled so the largest |eigenvalue| equals
            `spectral_radius` (ARPACK, see `rnnzoo.layers.initializers.spectral_radius`).

    Three independent streams of `numpy.random.default_rng` spawned from `seed`
    draw w, w_in and bias: the same seed gives the same matrices on every machine,
    and w does not depend on `input_dim`.
    """
    from scipy import sparse

    connectivity = min(1.0, CONNECTIONS_PER_UNIT / units) if connectivity is None else connectivity
    w_rng, in_rng, bias_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))

    per_unit = max(1, round(connectivity * units))
    rows = np.concatenate([w_rng.choice(units, per_unit, replace=False) for _ in range(units)])
    columns = np.repeat(np.arange(units), per_unit)
    w = sparse.csr_matrix((w_rng.standard_normal(rows.size), (rows, columns)), shape=(units, units))
    radius = largest_eigenvalue_modulus(w)
    if radius < 1e-12:
        raise ValueError(
            f"The random recurrent matrix drawn with seed={seed} is nilpotent (spectral radius 0) "
            f"and cannot be rescaled. Use another `seed` or a larger `connectivity` (received {connectivity!r})."
        )
    w = w * (spectral_radius / radius)

    size = input_dim * units
    places = in_rng.choice(size, max(1, round(input_connectivity * size)), replace=False)
    w_in = np.zeros(size)
    w_in[places] = in_rng.choice([-1.0, 1.0], places.size)
    w_in = w_in.reshape(input_dim, units) * np.reshape(input_scaling, (-1, 1))

    bias = bias_scaling * bias_rng.choice([-1.0, 1.0], units)
    return w_in, bias, w


@keras.saving.register_keras_serializable(package="rnnzoo")
class ReservoirCell(RecurrentCell):
    """One step of a leaky reservoir: fixed random weights, rescaled to a spectral radius.

        x_t = (1 − a) · x_{t-1} + a · f(u_t W_in + x_{t-1} W + b)

    W is sparse random (N(0, 1) weights, `connectivity` of them non-zero, about
    10 per unit by default) rescaled so its largest |eigenvalue| is exactly
    `spectral_radius` (found with ARPACK's Arnoldi method, not a dense
    eigendecomposition: 0.03 s at 2000 units). W_in has ±`input_scaling`
    entries at a fraction `input_connectivity` of places, b is ±`bias_scaling`
    (reservoirpy's choices). a = 1 is the plain update x_t = f(u_t W_in + x_{t-1} W + b).

    The weights are Keras variables (`kernel` = W_in, `bias`, `recurrent_kernel`
    = W, stored dense), built from `seed` with numpy's PCG64 generator, so the
    same seed gives the same reservoir on every run and machine. The cell is
    frozen (`trainable=False`) by default; set `trainable = True` on it or on
    the layer holding it to train its weights by gradient descent.

    Args:
        units: Positive integer, number of reservoir units.
        spectral_radius: Positive float, the largest |eigenvalue| of W.
        leak_rate: Float in (0, 1], a (reservoirpy's `lr`).
        input_scaling: Positive float, or one per input feature.
        connectivity: Float in (0, 1], fraction of non-zero recurrent weights
            per unit; None (default) gives 10 per unit (min(1, 10 / units)).
        input_connectivity: Float in (0, 1], fraction of non-zero input weights.
        bias_scaling: Float >= 0; 0 (default) leaves b = 0.
        activation: f: "tanh" (default), "sigmoid", "relu" or "linear".
        seed: Non-negative integer; None draws one (from numpy's global
            generator) and keeps it in the config.
        **kwargs: `dropout` (on the inputs) and base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import ReservoirCell
    >>> cell = ReservoirCell(100, spectral_radius=0.9, leak_rate=0.3, seed=0)
    >>> tuple(keras.layers.RNN(cell)(np.zeros((2, 5, 1), "float32")).shape)
    (2, 100)

    Reference:
        H. Jaeger, "The 'echo state' approach to analysing and training recurrent
        neural networks", GMD Report 148, 2001; M. Lukoševičius, "A practical guide
        to applying echo state networks", Neural Networks: Tricks of the Trade, 2012.
    """

    def __init__(
        self,
        units,
        spectral_radius=0.9,
        leak_rate=1.0,
        input_scaling=1.0,
        connectivity=None,
        input_connectivity=0.1,
        bias_scaling=0.0,
        activation="tanh",
        seed=None,
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        super().__init__(units, seed=_check_seed(seed), **kwargs)
        self.spectral_radius = check_positive("spectral_radius", spectral_radius)
        self.leak_rate = check_fraction("leak_rate", leak_rate)
        self.input_scaling = _check_input_scaling(input_scaling)
        self.connectivity = None if connectivity is None else check_fraction("connectivity", connectivity)
        self.input_connectivity = check_fraction("input_connectivity", input_connectivity)
        self.bias_scaling = check_non_negative("bias_scaling", bias_scaling)
        self.activation_name = _check_activation(activation)
        self.activation = keras.activations.get(activation)
        self.projection_size = self.state_size = self.output_size = self.units

    def reservoir_matrices(self, input_dim):
        """(w_in, bias, w) in float64 as `reservoir_matrices` draws them for this cell."""
        if isinstance(self.input_scaling, list) and len(self.input_scaling) != input_dim:
            raise ValueError(
                f"Argument `input_scaling` needs one value per input feature ({input_dim}). "
                f"Received: input_scaling={self.input_scaling!r}"
            )
        return reservoir_matrices(
            self.units,
            input_dim,
            self.spectral_radius,
            self.input_scaling,
            self.connectivity,
            self.input_connectivity,
            self.bias_scaling,
            self.seed,
        )

    def build(self, input_shape):
        drawn = {}

        def initializer(key):
            def initialize(shape, dtype=None):
                if not drawn:
                    w_in, bias, w = self.reservoir_matrices(self.input_dim)
                    drawn.update(kernel=w_in, bias=bias, recurrent_kernel=w.toarray())
                return ops.convert_to_tensor(drawn[key], dtype=dtype)

            return initialize

        self.add_input_weights(input_shape, kernel_initializer=initializer("kernel"), bias_initializer=initializer("bias"))
        self.recurrent_kernel = self.add_recurrent_weight(
            (self.units, self.units), initializer=initializer("recurrent_kernel")
        )

    def step(self, z, states, training=False):
        x_prev = states[0] if isinstance(states, (list, tuple)) else states
        x = self.activation(z + ops.matmul(x_prev, self.recurrent_kernel))
        if self.leak_rate != 1.0:
            x = (1.0 - self.leak_rate) * x_prev + self.leak_rate * x
        return x, [x]

    def numpy_layers(self):
        """This reservoir's weights as one `NumpyReservoir` layer spec."""
        bias = ops.convert_to_numpy(self.bias) if self.use_bias else 0.0
        return [(ops.convert_to_numpy(self.kernel), bias, ops.convert_to_numpy(self.recurrent_kernel), self.leak_rate, self.activation_name)]

    def get_config(self):
        config = {
            "spectral_radius": self.spectral_radius,
            "leak_rate": self.leak_rate,
            "input_scaling": self.input_scaling,
            "connectivity": self.connectivity,
            "input_connectivity": self.input_connectivity,
            "bias_scaling": self.bias_scaling,
            "activation": self.activation_name,
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnzoo")
class Reservoir(RecurrentLayer):
    """Reservoir layer (echo state network states): `ReservoirCell` over a sequence.

        x_t = (1 − a) · x_{t-1} + a · f(u_t W_in + x_{t-1} W + b)

    The layer is frozen by default (`trainable=False`): put a `Dense` after it
    and train that, or call `EchoStateNetwork.fit_readout` for the closed-form
    readout. `layer.trainable = True` unfreezes W_in, W and b.

    Args:
        units, spectral_radius, leak_rate, input_scaling, connectivity,
        input_connectivity, bias_scaling, activation, seed, dropout: as in
            `ReservoirCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import Reservoir
    >>> states = Reservoir(200, spectral_radius=1.25, leak_rate=0.3, seed=1, return_sequences=True)
    >>> tuple(states(np.zeros((1, 50, 1), "float32")).shape)
    (1, 50, 200)

    Reference:
        H. Jaeger, "The 'echo state' approach to analysing and training recurrent
        neural networks", GMD Report 148, 2001.
    """

    cell_class = ReservoirCell

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(*args, **kwargs)


def _per_layer(name, value, depth):
    values = list(value) if isinstance(value, (list, tuple)) else [value] * depth
    if len(values) != depth:
        raise ValueError(f"Argument `{name}` needs one value per layer ({depth}). Received: {name}={value!r}")
    return values


@keras.saving.register_keras_serializable(package="rnnzoo")
class DeepReservoirCell(RecurrentCell):
    """One step of a deep reservoir: a stack of `ReservoirCell`s, each fed by the one below.

        x¹_t = (1 − a₁) x¹_{t-1} + a₁ f(u_t W¹_in + x¹_{t-1} W¹ + b¹)
        xˡ_t = (1 − aₗ) xˡ_{t-1} + aₗ f(xˡ⁻¹_t Wˡ_in + xˡ_{t-1} Wˡ + bˡ),  l = 2..L
        output: [x¹_t, …, xᴸ_t] concatenated

    Layer 1 takes the input with `input_scaling`, layers above take the state of
    the layer below with `inter_scaling` (Gallicchio et al.'s DeepESN). Layer 1
    uses `seed` itself (so depth 1 is exactly `ReservoirCell(seed=seed)`), the
    layers above seeds derived from it.

    Args:
        units: Positive integer (units per layer) or a list, one per layer.
        depth: Number of layers when `units` is an integer (default 2).
        spectral_radius, leak_rate: A float, or a list with one per layer.
        input_scaling: Scaling of the input weights of layer 1.
        inter_scaling: Scaling of the weights from each layer to the next.
        connectivity, input_connectivity, bias_scaling, activation, seed: as
            in `ReservoirCell` (the same for all layers).
        **kwargs: `dropout` (on the inputs) and base layer arguments.

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import DeepReservoirCell
    >>> cell = DeepReservoirCell([100, 50], leak_rate=[0.9, 0.3], seed=0)
    >>> tuple(keras.layers.RNN(cell)(np.zeros((2, 5, 1), "float32")).shape)
    (2, 150)

    Reference:
        C. Gallicchio, A. Micheli, L. Pedrelli, "Deep reservoir computing: a
        critical experimental analysis", Neurocomputing 268, 2017.
    """

    def __init__(
        self,
        units,
        depth=None,
        spectral_radius=0.9,
        leak_rate=1.0,
        input_scaling=1.0,
        inter_scaling=1.0,
        connectivity=None,
        input_connectivity=0.1,
        bias_scaling=0.0,
        activation="tanh",
        seed=None,
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        if isinstance(units, (list, tuple)):
            layer_units = [check_positive_int("units", u) for u in units]
            if not layer_units or (depth is not None and depth != len(layer_units)):
                raise ValueError(f"Argument `units` must be a non-empty list matching `depth`. Received: units={units!r}, depth={depth!r}")
        else:
            layer_units = [check_positive_int("units", units)] * check_positive_int("depth", 2 if depth is None else depth)
        super().__init__(sum(layer_units), seed=_check_seed(seed), **kwargs)
        self.units = layer_units if isinstance(units, (list, tuple)) else layer_units[0]
        self.depth = len(layer_units)
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.inter_scaling = check_positive("inter_scaling", inter_scaling)
        self.connectivity = connectivity
        self.input_connectivity = input_connectivity
        self.bias_scaling = bias_scaling
        self.activation_name = activation
        seeds = [self.seed] + [int(np.random.SeedSequence([self.seed, k]).generate_state(1)[0]) for k in range(1, self.depth)]
        self.cells = [
            ReservoirCell(
                n,
                spectral_radius=radius,
                leak_rate=leak,
                input_scaling=input_scaling if k == 0 else self.inter_scaling,
                connectivity=connectivity,
                input_connectivity=input_connectivity,
                bias_scaling=bias_scaling,
                activation=activation,
                seed=layer_seed,
                trainable=self.trainable,
                dtype=kwargs.get("dtype"),
                name=f"reservoir_{k}",
            )
            for k, (n, radius, leak, layer_seed) in enumerate(
                zip(
                    layer_units,
                    _per_layer("spectral_radius", spectral_radius, self.depth),
                    _per_layer("leak_rate", leak_rate, self.depth),
                    seeds,
                )
            )
        ]
        self.projection_size = layer_units[0]
        # One state, all layers' states concatenated: it equals the output, which
        # is where every Keras backend's masked loop looks for the previous output.
        self.layer_units = layer_units
        self.state_size = self.output_size = sum(layer_units)

    def build(self, input_shape):
        self.cells[0].build(input_shape)
        self.input_dim = self.cells[0].input_dim
        for below, cell in zip(self.cells, self.cells[1:]):
            cell.build((None, below.units))

    def project_inputs(self, inputs):
        return self.cells[0].project_inputs(inputs)

    def step(self, z, states, training=False):
        state = states[0] if isinstance(states, (list, tuple)) else states
        cuts = np.cumsum(self.layer_units)[:-1].tolist()
        previous = ops.split(state, cuts, axis=-1) if cuts else [state]
        outputs = []
        for k, cell in enumerate(self.cells):
            if k > 0:
                z = cell.project_inputs(outputs[-1])
            x, _ = cell.step(z, [previous[k]])
            outputs.append(x)
        output = ops.concatenate(outputs, axis=-1)
        return output, [output]

    def numpy_layers(self):
        return [spec for cell in self.cells for spec in cell.numpy_layers()]

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            depth=self.depth,
            spectral_radius=self.spectral_radius,
            leak_rate=self.leak_rate,
            input_scaling=self.input_scaling,
            inter_scaling=self.inter_scaling,
            connectivity=self.connectivity,
            input_connectivity=self.input_connectivity,
            bias_scaling=self.bias_scaling,
            activation=self.activation_name,
        )
        return config


@keras.saving.register_keras_serializable(package="rnnzoo")
class DeepReservoir(RecurrentLayer):
    """Deep reservoir layer (Gallicchio's DeepESN): `DeepReservoirCell` over a sequence.

        xˡ_t = (1 − aₗ) xˡ_{t-1} + aₗ f(xˡ⁻¹_t Wˡ_in + xˡ_{t-1} Wˡ + bˡ),  x⁰_t = u_t
        output: [x¹_t, …, xᴸ_t] concatenated

    Frozen by default, like `Reservoir`. With `return_state` the layer returns
    `[output, state]`, the state being all layers' states concatenated (equal
    to the last output; split it by `units` for the layers').

    Args:
        units, depth, spectral_radius, leak_rate, input_scaling, inter_scaling,
        connectivity, input_connectivity, bias_scaling, activation, seed,
        dropout: as in `DeepReservoirCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import DeepReservoir
    >>> tuple(DeepReservoir(100, depth=3, seed=0)(np.zeros((1, 20, 1), "float32")).shape)
    (1, 300)

    Reference:
        C. Gallicchio, A. Micheli, L. Pedrelli, "Deep reservoir computing: a
        critical experimental analysis", Neurocomputing 268, 2017.
    """

    cell_class = DeepReservoirCell

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(*args, **kwargs)


class NumpyReservoir:
    """The forward pass of a (deep) reservoir in float64 numpy, no gradient.

    Built from a snapshot of a cell's current weights (`cell.numpy_layers()`);
    each layer's input term is computed for the whole chunk in one matmul and
    the time loop does one mat-vec per step with W stored sparse (CSR) when at
    most 20 % of it is non-zero.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import Reservoir
    >>> from rnnzoo.layers.reservoir import NumpyReservoir
    >>> layer = Reservoir(50, seed=0, return_sequences=True)
    >>> u = np.random.default_rng(0).normal(size=(1, 30, 2))
    >>> states, last = NumpyReservoir(layer.cell, input_dim=2).run(u)
    >>> bool(np.allclose(states, layer(u.astype("float32")), atol=1e-5))
    True
    """

    def __init__(self, cell, input_dim=None):
        from scipy import sparse

        if not cell.built:
            cell.build((None, input_dim))
        self.layers = []
        for w_in, bias, w, leak, activation in cell.numpy_layers():
            w = np.asarray(w, "float64")
            w_t = w.T
            if np.count_nonzero(w) <= SPARSE_DENSITY_MAX * w.size:
                w_t = sparse.csr_matrix(w_t)
            self.layers.append((np.asarray(w_in, "float64"), np.asarray(bias, "float64"), w_t, leak, NUMPY_ACTIVATIONS[activation]))
        self.units = [w_in.shape[1] for w_in, *_ in self.layers]

    def zero_states(self, batch):
        return [np.zeros((batch, n)) for n in self.units]

    def run(self, inputs, states=None):
        """States for `inputs` (batch, time, features), starting from `states`
        (one (batch, units) array per layer; zeros if None). Returns the
        concatenated states (batch, time, Σ units) and the last states."""
        inputs = np.asarray(inputs, "float64")
        batch, steps, _ = inputs.shape
        states = self.zero_states(batch) if states is None else states
        outputs, last = [], []
        for (w_in, bias, w_t, leak, f), x in zip(self.layers, states, strict=True):
            z = inputs @ w_in + bias
            out = np.empty(z.shape)
            if batch == 1:  # a 1-D mat-vec is the fastest form of the step
                x, z, out_view = x[0], z[0], out[0]
            else:  # states as columns: W^T x for the whole batch
                x, z, out_view = x.T, np.transpose(z, (1, 2, 0)), np.transpose(out, (1, 2, 0))
            for t in range(steps):
                new = f(z[t] + w_t @ x)
                x = new if leak == 1.0 else (1.0 - leak) * x + leak * new
                out_view[t] = x
            last.append(x.reshape(1, -1) if batch == 1 else x.T.copy())
            outputs.append(out)
            inputs = out
        return (outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=-1)), last
