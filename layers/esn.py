"""Echo state networks: a fixed reservoir and a linear readout, trained in closed form or online."""

import functools

import keras
import numpy as np
from keras import ops
from threadpoolctl import ThreadpoolController

from rnnzoo.layers.base import (
    check_dtype_supported,
    check_fraction,
    check_non_negative,
    check_positive,
    check_positive_int,
    check_sequence_shape,
    float64_supported,
)
from rnnzoo.layers.reservoir import DeepReservoir, NumpyReservoir, Reservoir, _check_seed


_BLAS = []  # one ThreadpoolController, made on first use (making one scans the loaded libraries)


def one_blas_thread(method):
    """Run `method` with the BLAS library on one thread.

    The reservoir loops make thousands of tiny BLAS calls, where a pool of BLAS
    threads costs more than it gains: fit_readout + run of a 500-unit ESN took
    0.152 s with OpenBLAS's default threads and 0.071 s on one, on a 2-core CPU.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        if not _BLAS:
            _BLAS.append(ThreadpoolController())
        with _BLAS[0].limit(limits=1, user_api="blas"):
            return method(*args, **kwargs)

    return wrapper


def check_series(name, value, features=None):
    """`value` as a float64 (batch, time, features) array; a (time, features)
    series is batch 1 and a 1-D series has one feature. NaN and inf are refused:
    they would silently turn every readout weight into NaN."""
    array = np.asarray(value, dtype="float64")
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[1] == 0:
        raise ValueError(
            f"Argument `{name}` must be a non-empty series (time,), (time, features) or "
            f"(batch, time, features). Received: {name} with shape {np.shape(value)}"
        )
    if not np.all(np.isfinite(array)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"Argument `{name}` contains NaN or inf (first at (batch, time, feature) = {where}). "
            "Clean or interpolate the series first."
        )
    if features is not None and array.shape[-1] != features:
        raise ValueError(f"Argument `{name}` must have {features} features. Received: {name} with shape {np.shape(value)}")
    return array


class RidgeReadout:
    """Closed-form ridge regression, accumulated over batches of states.

        W = (XᵀX + ridge · I)⁻¹ XᵀY,   X = [states, 1]

    `accumulate` adds XᵀX and XᵀY of one batch of rows (memory: features²,
    whatever the series length); `solve` returns the weights. The bias column
    is not penalised (the same as centring X and Y first, as reservoirpy's
    `Ridge` does).

    Args:
        ridge: Float >= 0, the L2 penalty (reservoirpy's `ridge`).
        use_bias: Whether to fit a bias.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import RidgeReadout
    >>> x = np.random.default_rng(0).normal(size=(100, 3))
    >>> readout = RidgeReadout(ridge=0.0)
    >>> readout.accumulate(x, x @ [[1.0], [2.0], [3.0]] + 4.0)
    >>> w, b = readout.solve()
    >>> np.round(w.ravel(), 6).tolist(), np.round(b, 6).tolist()
    ([1.0, 2.0, 3.0], [4.0])

    Reference:
        M. Lukoševičius, "A practical guide to applying echo state networks", 2012, §4.1.
    """

    def __init__(self, ridge=1e-6, use_bias=True):
        self.ridge = check_non_negative("ridge", ridge)
        self.use_bias = bool(use_bias)
        self.xtx = self.xty = None
        self.samples = 0

    def accumulate(self, features, targets):
        features = np.asarray(features, "float64")
        if self.use_bias:
            features = np.concatenate([features, np.ones((len(features), 1))], axis=1)
        if self.xtx is None:
            self.xtx = np.zeros((features.shape[1], features.shape[1]))
            self.xty = np.zeros((features.shape[1], np.shape(targets)[1]))
        self.xtx += features.T @ features
        self.xty += features.T @ np.asarray(targets, "float64")
        self.samples += len(features)

    def solve(self):
        from scipy import linalg

        if not self.samples:
            raise ValueError("RidgeReadout.solve needs at least one accumulated sample.")
        penalty = np.full(len(self.xtx), self.ridge)
        if self.use_bias:
            penalty[-1] = 0.0
        try:  # Cholesky: XᵀX + ridge·I is positive definite, and potrf is 10× faster than a symmetric-indefinite solve
            weights = linalg.cho_solve(linalg.cho_factor(self.xtx + np.diag(penalty)), self.xty)
        except linalg.LinAlgError:  # singular (ridge 0 on rank-deficient states): the minimum-norm solution
            weights = linalg.lstsq(self.xtx + np.diag(penalty), self.xty)[0]
        if self.use_bias:
            return weights[:-1], weights[-1]
        return weights, np.zeros(weights.shape[1])


class RLSReadout:
    """Recursive least squares: a linear readout that adapts sample by sample.

    For each sample φ (states, with a 1 appended for the bias) and target d:

        y = Wᵀ φ                         (the prediction before the update)
        k = P φ / (λ + φᵀ P φ)
        W ← W + k (d − y)ᵀ
        P ← (P − k φᵀ P) / λ

    with P₀ = I / ridge. W minimises Σᵢ λⁿ⁻ⁱ ‖dᵢ − Wᵀφᵢ‖² + λⁿ · ridge · ‖W − W₀‖²:
    with λ = 1 and W₀ = 0 it is exactly the ridge solution with that penalty
    (bias included), and λ < 1 forgets old samples with a time constant of
    1 / (1 − λ) samples, for series whose statistics drift (reservoirpy's
    `RLS`; the "OnlineRidge" of the issue).

    Args:
        features: Number of input features (without the bias).
        outputs: Number of outputs.
        forgetting_factor: λ in (0, 1].
        ridge: Float > 0, sets P₀ = I / ridge.
        use_bias: Whether to learn a bias.
        weights, bias: Optional W₀ (features, outputs) and its bias (outputs,).

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import RLSReadout
    >>> x = np.random.default_rng(0).normal(size=(200, 2))
    >>> rls = RLSReadout(2, 1, forgetting_factor=1.0, ridge=1e-8)
    >>> _ = rls.train(x, x @ [[0.5], [-1.0]] + 2.0)
    >>> np.round(rls.weights.ravel(), 4).tolist(), np.round(rls.bias, 4).tolist()
    ([0.5, -1.0], [2.0])

    Reference:
        S. Haykin, "Adaptive Filter Theory", 4th ed., §9; H. Jaeger, H. Haas,
        "Harnessing nonlinearity", Science 304, 2004.
    """

    def __init__(self, features, outputs, forgetting_factor=1.0, ridge=1e-6, use_bias=True, weights=None, bias=None):
        self.features = check_positive_int("features", features)
        self.outputs = check_positive_int("outputs", outputs)
        self.forgetting_factor = check_fraction("forgetting_factor", forgetting_factor)
        self.ridge = check_positive("ridge", ridge)
        self.use_bias = bool(use_bias)
        size = features + int(self.use_bias)
        self.w = np.zeros((size, outputs))
        if weights is not None:
            self.w[:features] = weights
        if bias is not None and self.use_bias:
            self.w[features] = bias
        # P is symmetric: the loop reads and updates its lower triangle only
        # (BLAS dsymv / dsyr), in Fortran order so dsyr updates it in place.
        self.p = np.asfortranarray(np.eye(size) / self.ridge)

    @property
    def weights(self):
        return self.w[: self.features]

    @property
    def bias(self):
        return self.w[self.features] if self.use_bias else np.zeros(self.outputs)

    def train(self, features, targets):
        """Update on each row in turn; returns the predictions made before each update."""
        features = np.asarray(features, "float64")
        targets = np.asarray(targets, "float64")
        if self.use_bias:
            features = np.concatenate([features, np.ones((len(features), 1))], axis=1)
        predictions = np.empty((len(features), self.outputs))
        if len(features):
            self.p = self._update(features, targets, predictions)
        return predictions

    def _update(self, features, targets, predictions):
        # The per-sample loop dominates the streaming cancellers' cost, so it
        # calls BLAS directly: a symmetric mat-vec and a symmetric rank-1
        # update of P in place, with no temporaries (2x numpy's outer products).
        # Updating one triangle keeps P exactly symmetric: with λ < 1 a
        # round-off asymmetry would otherwise grow by 1/λ per step.
        from scipy.linalg.blas import dsymv, dsyr

        lam, inverse_lam, p = self.forgetting_factor, 1.0 / self.forgetting_factor, np.asfortranarray(self.p)
        single = self.outputs == 1
        w = self.w[:, 0] if single else self.w  # a view: updated in place
        for i, phi in enumerate(features):
            y = phi.dot(w)
            p_phi = dsymv(1.0, p, phi, lower=1)
            denominator = lam + phi.dot(p_phi)
            error = (targets[i] - y) / denominator
            if single:
                w += p_phi * error[0]
            else:
                w += np.outer(p_phi, error)
            p = dsyr(-1.0 / denominator, p_phi, a=p, lower=1, overwrite_a=1)
            if lam != 1.0:
                p *= inverse_lam
            predictions[i] = y
        return np.asfortranarray(np.tril(p) + np.tril(p, -1).T)  # the full matrix again, for anyone reading P


@keras.saving.register_keras_serializable(package="rnnzoo")
class EchoStateNetwork(keras.Model):
    """Echo state network: a fixed random reservoir and a trained linear readout.

        x_t = (1 − a) · x_{t-1} + a · tanh(u_t W_in + x_{t-1} W + b)      (`Reservoir`)
        y_t = [x_t, u_t] W_out + b_out                                   (`Dense` readout)

    u_t is included in the readout only with `include_input=True`; `depth > 1`
    (or a list of `units`) stacks reservoirs (`DeepReservoir`). Four ways to
    train the readout:

    * `fit_readout(x, y, ridge, washout)`: closed-form ridge regression on the
      states, streamed through in chunks (memory bounded by `chunk_size`,
      whatever the series length);
    * `fit_online(x, y, forgetting_factor)`: recursive least squares, sample
      by sample, continuing from the current weights and reservoir state;
    * `model.compile(...); model.fit(x, y)`: gradient descent on the readout,
      and on the reservoir too after `model.reservoir.trainable = True`;
    * then `generate(steps)` runs it closed loop, feeding each prediction back
      as the next input.

    `run`, `fit_readout`, `fit_online` and `generate` use a float64 numpy
    forward pass (no gradient, sparse W) and, like reservoirpy, carry the
    reservoir state from one call to the next (`reset=True` or `reset_state()`
    starts from zeros); they take a series (time,), (time, features) or a batch
    (batch, time, features). `model(x)` / `model.predict(x)` is the Keras pass,
    from a zero state, on (batch, time, features); both give the same outputs.

    Args:
        units: Positive integer, or a list of them for a deep reservoir.
        spectral_radius, leak_rate, input_scaling, connectivity,
        input_connectivity, bias_scaling, activation: as in `Reservoir`
            (`spectral_radius` and `leak_rate` may be per-layer lists when deep).
        depth: Number of stacked reservoirs (default 1).
        output_dim: Readout size; None takes it from the first `y` given to
            `fit_readout`/`fit_online` (or the input size if built first).
        include_input: Whether the readout also sees u_t.
        ridge: Default L2 penalty of `fit_readout`.
        seed: Non-negative integer, or None to draw one (kept in the config).
        dtype: None (the default) is "float64", as in reservoirpy (a readout
            fitted with a small ridge has large weights that float32 would
            round), where Keras computes float64: on TensorFlow. On JAX and
            PyTorch Keras's type promotion turns float64 into float32, so there
            None is "float32" (the reservoir and readout weights are stored,
            and `call`, `predict` and `fit` compute, in float32; `run`,
            `fit_readout`, `fit_online` and `generate` still compute the states
            and the solve in float64 numpy), and an explicit "float64" is
            refused with a ValueError.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import EchoStateNetwork
    >>> series = np.sin(np.arange(1200) * 0.1)[:, None]
    >>> esn = EchoStateNetwork(200, spectral_radius=1.0, leak_rate=0.5, seed=0)
    >>> esn = esn.fit_readout(series[:1000], series[1:1001], ridge=1e-6, washout=100)
    >>> forecast = esn.generate(100)            # series[1000:1100], after the last input series[999]
    >>> bool(np.abs(forecast - series[1000:1100]).max() < 1e-3)
    True

    Reference:
        H. Jaeger, "The 'echo state' approach to analysing and training recurrent
        neural networks", GMD Report 148, 2001; H. Jaeger, H. Haas, "Harnessing
        nonlinearity: predicting chaotic systems and saving energy in wireless
        communication", Science 304, 2004.
    """

    def __init__(
        self,
        units=500,
        spectral_radius=0.9,
        leak_rate=1.0,
        input_scaling=1.0,
        connectivity=None,
        input_connectivity=0.1,
        bias_scaling=0.0,
        activation="tanh",
        depth=1,
        output_dim=None,
        include_input=False,
        ridge=1e-6,
        seed=None,
        dtype=None,
        **kwargs,
    ):
        if dtype is None:
            dtype = "float64" if float64_supported() else "float32"
        check_dtype_supported("EchoStateNetwork", dtype)
        super().__init__(dtype=dtype, **kwargs)
        self.depth = check_positive_int("depth", depth)
        self.output_dim = None if output_dim is None else check_positive_int("output_dim", output_dim)
        self.include_input = bool(include_input)
        self.ridge = check_non_negative("ridge", ridge)
        if isinstance(units, (list, tuple)):
            units = [check_positive_int("units", u) for u in units]
        else:
            units = check_positive_int("units", units)
        self.reservoir_config = dict(
            units=units,
            spectral_radius=spectral_radius,
            leak_rate=leak_rate,
            input_scaling=input_scaling,
            connectivity=connectivity,
            input_connectivity=input_connectivity,
            bias_scaling=bias_scaling,
            activation=activation,
            seed=_check_seed(seed),
        )
        deep = self.depth > 1 or isinstance(units, (list, tuple))
        layer = DeepReservoir if deep else Reservoir
        extra = {"depth": self.depth} if deep and not isinstance(units, (list, tuple)) else {}
        self.reservoir = layer(**self.reservoir_config, **extra, return_sequences=True, dtype=dtype, name="reservoir")
        self.readout = None
        self._stream = None  # (reservoir states, last input) carried between numpy calls
        self._online = None  # the RLSReadout of fit_online, kept between calls

    # ---- Keras ---------------------------------------------------------------
    def build(self, input_shape):
        check_sequence_shape("EchoStateNetwork", input_shape)
        self.reservoir.build(input_shape)
        self.input_dim = input_shape[-1]
        if self.output_dim is None:
            self.output_dim = self.input_dim
        features = self.reservoir.cell.output_size + (self.input_dim if self.include_input else 0)
        # Zeros: an untrained network outputs 0 and RLS starts from W₀ = 0.
        self.readout = keras.layers.Dense(self.output_dim, kernel_initializer="zeros", dtype=self.dtype_policy, name="readout")
        self.readout.build((None, None, features))

    def call(self, inputs, training=False):
        states = self.reservoir(inputs, training=training)
        if self.include_input:
            states = ops.concatenate([states, ops.cast(inputs, states.dtype)], axis=-1)
        return self.readout(states)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self.dtype_policy.name,
            **self.reservoir_config,
            "depth": self.depth,
            "output_dim": self.output_dim,
            "include_input": self.include_input,
            "ridge": self.ridge,
        }

    # ---- the numpy pass --------------------------------------------------------
    def _prepare(self, x, name="x", y=None):
        """Check and build: x (and y) as 3-D float64 arrays, x's features fixed once built."""
        x3 = check_series(name, x, features=self.input_dim if self.built else None)
        y3 = None
        if y is not None:
            y3 = check_series("y", y, features=self.output_dim if self.built else None)
            if y3.shape[:2] != x3.shape[:2]:
                raise ValueError(
                    "Arguments `x` and `y` must have the same number of sequences and time steps. "
                    f"Received: x with shape {np.shape(x)}, y with shape {np.shape(y)}"
                )
            if not self.built and self.output_dim is None:
                self.output_dim = y3.shape[-1]
        if not self.built:
            self.build((None, None, x3.shape[-1]))
        return x3, y3

    def _start(self, batch, reset):
        if reset or self._stream is None:
            return None
        states, _ = self._stream
        if states[0].shape[0] != batch:
            raise ValueError(
                f"The carried reservoir state is for {states[0].shape[0]} sequences, not {batch}. "
                "Pass reset=True (or call reset_state()) to start from zeros."
            )
        return states

    def _readout_weights(self):
        kernel, bias = (ops.convert_to_numpy(v).astype("float64") for v in (self.readout.kernel, self.readout.bias))
        return kernel, bias

    def _features(self, states, inputs):
        return np.concatenate([states, inputs], axis=-1) if self.include_input else states

    def _chunks(self, x3, states, chunk_size):
        """(start, features (batch, steps, F)) for each chunk, carrying the state."""
        runner = NumpyReservoir(self.reservoir.cell)
        for start in range(0, x3.shape[1], chunk_size):
            inputs = x3[:, start : start + chunk_size]
            out, states = runner.run(inputs, states)
            self._stream = (states, inputs[:, -1])
            yield start, self._features(out, inputs)

    def reset_state(self):
        """Forget the reservoir state carried between `run`/`fit_*`/`generate` calls."""
        self._stream = None

    @one_blas_thread
    def fit_readout(self, x, y, ridge=None, washout=100, chunk_size=1000, reset=True):
        """Closed-form ridge readout: W_out = (XᵀX + ridge·I)⁻¹ XᵀY on the states X.

        Args:
            x: Input series, (time,), (time, features) or (batch, time, features).
            y: Targets, the same number of time steps (e.g. x shifted by one).
            ridge: L2 penalty; None uses the model's `ridge`.
            washout: Steps at the start of each sequence whose states are run
                but not used (reservoirpy's `warmup`).
            chunk_size: Time steps per chunk of states: memory is
                batch · chunk_size · units, whatever the series length.
            reset: Start from zero states (default) rather than the carried one.

        Returns:
            The model, so `esn.fit_readout(x, y).run(x_test)` reads as in reservoirpy.
        """
        x3, y3 = self._prepare(x, y=y)
        ridge = self.ridge if ridge is None else check_non_negative("ridge", ridge)
        if isinstance(washout, bool) or not isinstance(washout, int) or not 0 <= washout < x3.shape[1]:
            raise ValueError(
                f"Argument `washout` must be an integer in [0, {x3.shape[1]}) (the series length). Received: washout={washout!r}"
            )
        solver = RidgeReadout(ridge)
        chunk_size = check_positive_int("chunk_size", chunk_size)
        for start, features in self._chunks(x3, self._start(len(x3), reset), chunk_size):
            keep = max(washout - start, 0)
            targets = y3[:, start + keep : start + features.shape[1]]
            solver.accumulate(features[:, keep:].reshape(-1, features.shape[-1]), targets.reshape(-1, y3.shape[-1]))
        self.readout.set_weights(list(solver.solve()))
        return self

    @one_blas_thread
    def run(self, x, reset=False, chunk_size=1000):
        """Outputs for `x`, continuing from the carried state unless `reset`.
        The result has x's leading shape and `output_dim` features."""
        x3, _ = self._prepare(x)
        kernel, bias = self._readout_weights()
        outputs = [f @ kernel + bias for _, f in self._chunks(x3, self._start(len(x3), reset), check_positive_int("chunk_size", chunk_size))]
        return _like(np.concatenate(outputs, axis=1), np.ndim(x))

    @one_blas_thread
    def fit_online(self, x, y, forgetting_factor=1.0, ridge=1e-6, reset=False, chunk_size=1000):
        """Recursive-least-squares readout, one update per time step (one sequence).

        The first call starts an `RLSReadout` from the current readout weights
        (zeros when untrained) with P₀ = I / ridge; later calls continue it and
        the reservoir state, so a stream can be fed in pieces.

        Returns:
            The predictions made before each update (the a-priori outputs), shaped like y.
        """
        x3, y3 = self._prepare(x, y=y)
        if len(x3) != 1:
            raise ValueError(f"fit_online adapts along one sequence. Received: x with {len(x3)} sequences")
        if reset or self._online is None or self._online.forgetting_factor != forgetting_factor:
            self._online = RLSReadout(
                x3.shape[-1] * self.include_input + self.reservoir.cell.output_size,
                self.output_dim,
                forgetting_factor=forgetting_factor,
                ridge=ridge,
                weights=self._readout_weights()[0],
                bias=self._readout_weights()[1],
            )
        predictions = [
            self._online.train(features[0], y3[0, start : start + features.shape[1]])
            for start, features in self._chunks(x3, self._start(1, reset), check_positive_int("chunk_size", chunk_size))
        ]
        self.readout.set_weights([self._online.weights, self._online.bias])
        return _like(np.concatenate(predictions)[None], np.ndim(y))

    @one_blas_thread
    def generate(self, steps, warmup=None, reset=True):
        """Closed loop: from the last state, feed each prediction back as the next input.

        Args:
            steps: Number of values to generate.
            warmup: Optional series that drives the reservoir first (teacher
                forcing; from zero states unless `reset=False`); without it the
                run continues from the carried state, e.g. right after the end
                of the series given to `fit_readout`.

        Returns:
            (steps, features), or (batch, steps, features) for batched warmup:
            the predictions of the `steps` values that follow the last input.
        """
        steps = check_positive_int("steps", steps)
        if warmup is not None:
            warmup3, _ = self._prepare(warmup, name="warmup")
            for _ in self._chunks(warmup3, self._start(len(warmup3), reset), 1000):
                pass
        if self._stream is None:
            raise ValueError("generate needs a state: pass `warmup`, or call fit_readout/run first.")
        if self.output_dim != self.input_dim:
            raise ValueError(
                f"generate feeds outputs back as inputs, so output_dim must equal the input size. "
                f"Received: output_dim={self.output_dim}, input size {self.input_dim}"
            )
        kernel, bias = self._readout_weights()
        runner = NumpyReservoir(self.reservoir.cell)
        states, inputs = self._stream
        y = self._features(np.concatenate(states, axis=-1), inputs) @ kernel + bias
        outputs = np.empty((len(y), steps, y.shape[-1]))
        for t in range(steps):
            outputs[:, t] = y
            out, states = runner.run(y[:, None, :], states)
            y = self._features(out[:, 0], y) @ kernel + bias
        self._stream = (states, outputs[:, -1])
        return _like(outputs, 3 if warmup is not None and np.ndim(warmup) == 3 or len(outputs) > 1 else 2)


def _like(array, ndim):
    """A (batch, time, features) result back in the caller's layout."""
    if ndim == 3:
        return array
    return array[0] if ndim == 2 else array[0, :, 0] if array.shape[-1] == 1 else array[0]
