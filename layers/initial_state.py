"""Initial states of a recurrent layer: zeros, learned, or learned with adaptive noise.

A recurrent layer starts every sequence from some h_0. Keras starts it from
zeros; notes 004 ("Initialization of the hidden state") give two better
choices, and `InitialState` wraps any `keras.layers.RNN` (rnnzoo's layers,
`keras.layers.LSTM`, `GRU`, `SimpleRNN`, `keras.layers.RNN(cell)`, or a
`keras.layers.Bidirectional` of one) to supply them:

    "zeros"     h_0 = 0                                   Keras's default: the wrapper passes through
    "learned"   h_0 = v                                   v trainable, one vector per state tensor
    "noisy"     h_0 = v + σ ε,  ε ~ N(0, I)  in training  (Zimmermann, Tietz & Grothmann 2012)
                h_0 = v                      at inference

Zimmermann et al.'s point: the true initial state of a forecast window is
unknown, so training should not let the network rely on one exact h_0. They
disturb h_0 with noise that follows the distribution of the residual error:
large while the network still fits badly, shrinking as it learns. Here the
noise is Gaussian with a scale σ kept in a non-trainable variable
(`noise_scale`) and tracked as an exponential moving average of the RMS of
the residual error r = y − ŷ:

    σ ← m σ + (1 − m) √(mean(r²))        m = `noise_momentum`

The residual reaches the wrapper through `update_noise_scale(residual)`, which
`TrackResidualNoise`, a Keras callback, calls after every training batch of
`model.fit`: from the batch's loss (√loss is the residual RMS when the loss is
the mean squared error, Keras's "mse") or, for any other loss, from the
residual on data you give it. Without the callback σ stays at
`initial_noise_scale`: a fixed noise level.
"""

import math

import keras
import numpy as np
from keras import ops

from rnnzoo.layers.base import check_non_negative

INITIAL_STATES = ("zeros", "learned", "noisy")


@keras.saving.register_keras_serializable(package="rnnzoo")
class InitialState(keras.layers.Layer):
    """Wraps a recurrent layer and supplies its initial states: zeros, learned, or noisy.

        "zeros":    h_0 = 0
        "learned":  h_0 = v_k for each state tensor k (h, and c for an LSTM), v_k trainable
        "noisy":    h_0 = v_k + σ ε_k, ε_k ~ N(0, I) per sequence, in training only;
                    h_0 = v_k at inference (training=False): deterministic

    Each v_k is one vector of the state's size, broadcast over the batch, so the
    layer learns where sequences start; with "noisy" and `learn_mean=False`
    the mean is 0 and only the noise remains. σ (`noise_scale`, not trainable)
    follows the residual error of the network as an exponential moving average,

        σ ← m σ + (1 − m) RMS(y − ŷ),

    updated by `update_noise_scale`, which the `TrackResidualNoise` callback
    calls after each batch of `model.fit` (Zimmermann et al.: noise from the
    distribution of the residual error, large early in training, small late).

    An initial state passed explicitly (`wrapper(x, initial_state=[...])`)
    overrides the wrapper's. The wrapped layer's outputs are returned as they
    are (`return_sequences`, `return_state` as it was built with).

    Inside `keras.layers.Bidirectional(InitialState(layer))` each direction
    gets a wrapper of its own, with its own vectors;
    `InitialState(keras.layers.Bidirectional(layer))` works too (vectors for
    the forward states, then the backward ones). A `stateful` layer carries
    its state from batch to batch, so only "zeros" accepts one.

    Args:
        layer: A `keras.layers.RNN` instance (or subclass: LSTM, GRU,
            SimpleRNN, every rnnzoo sequence layer) or a
            `keras.layers.Bidirectional` of one.
        initial_state: "zeros", "learned" or "noisy".
        learn_mean: With "noisy": whether the mean v is learned (True) or 0.
        initial_noise_scale: Non-negative float, σ before any residual
            arrives (and for good if none does).
        noise_momentum: Float in [0, 1), m of the moving average of σ (0: σ
            is the last residual RMS).
        mean_initializer: Initializer of the vectors v (zeros by default:
            training starts from Keras's zero state).
        seed: Random seed of the noise.
        **kwargs: Layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np, keras
    >>> from rnnzoo.layers import InitialState, PeepholeLSTM
    >>> layer = InitialState(PeepholeLSTM(8), initial_state="learned")
    >>> tuple(layer(np.zeros((2, 5, 3), "float32")).shape)
    (2, 8)
    >>> [tuple(v.shape) for v in layer.initial_vectors]   # h and c
    [(8,), (8,)]
    >>> noisy = InitialState(keras.layers.GRU(4), initial_state="noisy", initial_noise_scale=0.5)
    >>> x = np.ones((3, 6, 2), "float32")
    >>> bool(np.allclose(noisy(x, training=False), noisy(x, training=False)))   # no noise at inference
    True
    >>> bool(np.allclose(noisy(x, training=True), noisy(x, training=False)))
    False

    With `model.fit`, let the residual drive σ:

        model.fit(x, y, callbacks=[TrackResidualNoise()])            # loss "mse"
        model.fit(x, y, callbacks=[TrackResidualNoise(data=(xv, yv))])  # any loss

    References:
        H.-G. Zimmermann, C. Tietz, R. Grothmann, "Forecasting with recurrent
        neural networks: 12 tricks", in Neural Networks: Tricks of the Trade,
        2nd ed., LNCS 7700, Springer 2012, pp. 687–707 (the initial-state
        problem and its adaptive noise); notes 004, "Initialization of the
        hidden state".
    """

    def __init__(
        self,
        layer,
        initial_state="learned",
        learn_mean=True,
        initial_noise_scale=0.1,
        noise_momentum=0.9,
        mean_initializer="zeros",
        seed=None,
        **kwargs,
    ):
        if initial_state not in INITIAL_STATES:
            raise ValueError(
                f"Argument `initial_state` must be one of {', '.join(repr(s) for s in INITIAL_STATES)}. "
                f"Received: initial_state={initial_state!r}"
            )
        if not _is_recurrent(layer):
            raise ValueError(
                "InitialState wraps a `keras.layers.RNN` (LSTM, GRU, SimpleRNN, an rnnzoo sequence layer) "
                f"or a `keras.layers.Bidirectional` of one. Received: layer={layer!r}"
            )
        if getattr(layer, "stateful", False) and initial_state != "zeros":
            raise ValueError(
                "A stateful layer carries its state from batch to batch: an initial state supplied on every call "
                f"would reset it. Use initial_state='zeros' or a layer with stateful=False. "
                f"Received: initial_state={initial_state!r} with a stateful {type(layer).__name__}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.initial_state = initial_state
        self.learn_mean = bool(learn_mean)
        self.initial_noise_scale = check_non_negative("initial_noise_scale", initial_noise_scale)
        momentum = noise_momentum
        if isinstance(momentum, (bool, np.bool_)) or not isinstance(momentum, (int, float, np.floating, np.integer)) \
                or not 0.0 <= momentum < 1.0:
            raise ValueError(
                f"Argument `noise_momentum` must be a float in [0, 1). Received: noise_momentum={noise_momentum!r}"
            )
        self.noise_momentum = float(momentum)
        self.mean_initializer = keras.initializers.get(mean_initializer)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed=None if seed is None else int(seed) % 2**31)
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self.initial_vectors = []
        self.noise_scale = None
        self._state_structure = None

    # ---- what Keras's RNN wrappers (Bidirectional) read off the layer -------
    return_sequences = property(lambda self: self.layer.return_sequences)
    return_state = property(lambda self: self.layer.return_state)
    stateful = property(lambda self: getattr(self.layer, "stateful", False))
    go_backwards = property(lambda self: getattr(self.layer, "go_backwards", False))

    @property
    def zero_output_for_mask(self):
        return getattr(self.layer, "zero_output_for_mask", None)

    @zero_output_for_mask.setter
    def zero_output_for_mask(self, value):
        if hasattr(self.layer, "zero_output_for_mask"):
            self.layer.zero_output_for_mask = value

    # ---- weights -----------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        if not self.layer.built:
            self.layer.build(sequences_shape)
        zeros = _zero_states(self.layer)
        self._state_structure = zeros
        self.initial_vectors = []
        if self.initial_state == "learned" or (self.initial_state == "noisy" and self.learn_mean):
            for k, state in enumerate(keras.tree.flatten(zeros)):
                self.initial_vectors.append(
                    self.add_weight(shape=tuple(state.shape[1:]), name=f"initial_state_{k}",
                                    initializer=self.mean_initializer)
                )
        if self.initial_state == "noisy":
            self.noise_scale = self.add_weight(
                shape=(), name="noise_scale", trainable=False,
                initializer=keras.initializers.Constant(self.initial_noise_scale),
            )

    # ---- the states ----------------------------------------------------------
    def initial_states(self, batch_size, training=False):
        """The initial states this wrapper gives a batch: a list (nested as the
        wrapped layer expects it) of (batch_size, state size) tensors; None for "zeros"."""
        if self.initial_state == "zeros":
            return None
        leaves = keras.tree.flatten(self._state_structure)
        states = []
        for k, zero in enumerate(leaves):
            shape = (batch_size, *zero.shape[1:])
            dtype = self.layer.compute_dtype
            if self.initial_vectors:
                mean = ops.cast(self.initial_vectors[k], dtype)
                state = ops.broadcast_to(ops.expand_dims(mean, 0), shape)
            else:
                state = ops.zeros(shape, dtype)
            if self.initial_state == "noisy" and training:
                noise = keras.random.normal(shape, dtype=dtype, seed=self.seed_generator)
                state = state + ops.cast(self.noise_scale, dtype) * noise
            states.append(state)
        return keras.tree.pack_sequence_as(self._state_structure, states)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if initial_state is None:
            initial_state = self.initial_states(ops.shape(sequences)[0], training=bool(training))
        kwargs = {} if mask is None else {"mask": mask}
        return self.layer(sequences, initial_state=initial_state, training=training, **kwargs)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        return self.layer.compute_output_shape(sequences_shape)

    def compute_mask(self, sequences, mask=None):
        return self.layer.compute_mask(sequences, mask)

    # ---- the noise scale ------------------------------------------------------
    def update_noise_scale(self, residual):
        """σ ← m σ + (1 − m) √(mean(residual²)), for `residual` any array of
        residual errors y − ŷ (a scalar RMS works too). Eager, between
        training steps; a no-op unless `initial_state="noisy"`."""
        if self.initial_state != "noisy" or self.noise_scale is None:
            return
        rms = float(np.sqrt(np.mean(np.square(np.asarray(residual, "float64")))))
        if not math.isfinite(rms):
            return  # a diverged batch says nothing about the residual's scale
        old = float(ops.convert_to_numpy(self.noise_scale))
        self.noise_scale.assign(self.noise_momentum * old + (1.0 - self.noise_momentum) * rms)

    # ---- config ----------------------------------------------------------------
    def get_config(self):
        config = {
            "layer": keras.saving.serialize_keras_object(self.layer),
            "initial_state": self.initial_state,
            "learn_mean": self.learn_mean,
            "initial_noise_scale": self.initial_noise_scale,
            "noise_momentum": self.noise_momentum,
            "mean_initializer": keras.initializers.serialize(self.mean_initializer),
            "seed": self.seed,
        }
        if hasattr(self.layer, "go_backwards"):
            # Bidirectional flips this key of its layer's config to make the backward copy.
            config["go_backwards"] = self.layer.go_backwards
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer_config = config.pop("layer")
        go_backwards = config.pop("go_backwards", None)
        if go_backwards is not None:
            layer_config = {**layer_config, "config": {**layer_config["config"], "go_backwards": go_backwards}}
        layer = keras.saving.deserialize_keras_object(layer_config, custom_objects=custom_objects)
        return cls(layer, **config)


def _is_recurrent(layer):
    if isinstance(layer, keras.layers.Bidirectional):
        return True
    return isinstance(layer, keras.layers.RNN)


def _zero_states(layer):
    """The wrapped layer's zero initial states for a batch of 1, nested as it expects them."""
    if isinstance(layer, keras.layers.Bidirectional):
        return [*_zero_states(layer.forward_layer), *_zero_states(layer.backward_layer)]
    if isinstance(layer, InitialState):
        return _zero_states(layer.layer)
    return list(layer.get_initial_state(1))


def _initial_state_layers(model):
    """Every `InitialState` inside `model`, nested models and wrappers included."""
    found, seen = [], set()

    def visit(layer):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        if isinstance(layer, InitialState):
            found.append(layer)
        for child in getattr(layer, "layers", None) or []:
            visit(child)
        for name in ("layer", "forward_layer", "backward_layer"):
            child = getattr(layer, name, None)
            if isinstance(child, keras.layers.Layer):
                visit(child)

    visit(model)
    return found


class TrackResidualNoise(keras.callbacks.Callback):
    """Feeds the residual error to every "noisy" `InitialState` of the model,
    after each training batch of `model.fit` (or every `every` batches).

    The residual RMS comes from one of two places:

    - `data=None` (the default): the batch's training loss, read from the
      logs Keras hands callbacks, as √loss. That is the RMS of y − ŷ over the
      batch when the loss is the mean squared error ("mse"); with another loss
      it is only a scale, so give `data` instead. Keras logs the running mean
      of the epoch so far; the batch's own loss is recovered from two
      consecutive means.
    - `data=(x, y)`: the RMS of y − model(x, training=False) on these arrays
      (a fixed probe batch): any loss, at the price of one forward pass.

    Each wrapper then moves its σ by its own `noise_momentum`.

    Args:
        data: None, or a tuple (x, y) of arrays.
        every: Positive integer, batches between updates.
        loss_key: The log entry read when `data` is None.
        layers: The wrappers to update; default: every `InitialState` in the model.
    """

    def __init__(self, data=None, every=1, loss_key="loss", layers=None):
        super().__init__()
        if data is not None and (not isinstance(data, (tuple, list)) or len(data) != 2):
            raise ValueError(f"Argument `data` must be None or a tuple (x, y). Received: data={data!r}")
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every <= 0:
            raise ValueError(f"Argument `every` must be a positive integer. Received: every={every!r}")
        self.data = data
        self.every = int(every)
        self.loss_key = loss_key
        self._layers = layers
        self._previous = None  # (batch index, running mean) of the last batch this epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._previous = None

    def on_train_batch_end(self, batch, logs=None):
        rms = None
        if self.data is None:
            mean = (logs or {}).get(self.loss_key)
            if mean is None:
                return
            mean = float(mean)
            if self._previous is None:
                batch_loss = mean
            else:
                last, last_mean = self._previous
                batch_loss = ((batch + 1) * mean - (last + 1) * last_mean) / max(batch - last, 1)
            self._previous = (batch, mean)
            rms = math.sqrt(max(batch_loss, 0.0))
        if (batch + 1) % self.every:
            return
        model = self.model  # on JAX this syncs the training state into the variables
        if self.data is not None:
            x, y = self.data
            prediction = ops.convert_to_numpy(model(x, training=False))
            rms = float(np.sqrt(np.mean((np.asarray(y, "float64") - prediction) ** 2)))
        for layer in self._layers if self._layers is not None else _initial_state_layers(model):
            layer.update_noise_scale(rms)
