"""The recurrent layers under test, at equal hidden size, behind one `build`.

Each method is one recurrent layer followed by a Dense read-out of its last
state (or of every step's state, for tasks that answer at every step); all of
them are trained by Adam (or SGD with momentum, or RMSProp) with gradient
clipping by global norm (or elementwise, or none: `CLIPPING`).
"""

import keras
import numpy as np

from rnnzoo import layers

# method -> (short description for the tables, layer factory(units, seed, length)).
# The leaky and skip variants get their time scales from the sequence length:
# rates spread log-uniformly from 1 (fast) down to 1/length (a unit that
# integrates over the whole sequence), and a skip of about length/10 steps, so a
# gradient crosses the sequence in ~10 + 10 Jacobians instead of `length`.
METHODS = {
    "tanh": ("tanh RNN (keras SimpleRNN, orthogonal init)", lambda u, s, T: keras.layers.SimpleRNN(u, seed=s)),
    "irnn": ("IRNN (ReLU, W = I)", lambda u, s, T: layers.IRNN(u, seed=s)),
    "nprnn": ("np-RNN (ReLU, W pos. def., λmax = 1)", lambda u, s, T: layers.NPRNN(u, seed=s)),
    "lstm": ("LSTM (keras, forget bias 1)", lambda u, s, T: keras.layers.LSTM(u, seed=s)),
    "peephole": ("peephole LSTM (rnnzoo)", lambda u, s, T: layers.PeepholeLSTM(u, seed=s)),
    "leaky": (
        "leaky tanh RNN, rates 1 → 1/T",
        lambda u, s, T: layers.LeakyRNN(u, leak_rate_range=(1.0 / max(T, 1), 1.0), seed=s),
    ),
    "skip": (
        "tanh RNN + skip connection (delays 1, T/10)",
        lambda u, s, T: layers.SkipRNN(u, delays=skip_delays(T), seed=s),
    ),
}


# Variants that make the comparisons above real ones (issue "long-term benchmarks, second pass"):
# each changes one thing of a method above. They are run on request (`--methods`), not by the suite.
VARIANTS = {
    # Gers et al. (2002) start every weight, the peepholes included, in [-0.1, 0.1]; ours start at 0,
    # where the peephole LSTM is the LSTM. Same seed as "peephole": only the peepholes differ.
    "peephole_init": (
        "peephole LSTM, peepholes U(−0.1, 0.1)",
        lambda u, s, T: layers.PeepholeLSTM(u, seed=s, peephole_initializer=keras.initializers.RandomUniform(-0.1, 0.1, seed=s)),
    ),
    "lstm_bias0": ("LSTM, forget bias 0", lambda u, s, T: keras.layers.LSTM(u, seed=s, unit_forget_bias=False)),
    "lstm_chrono": (
        "LSTM, chrono init (Tallec & Ollivier 2018)",
        lambda u, s, T: keras.layers.LSTM(u, seed=s, unit_forget_bias=False, bias_initializer=chrono_bias(T, s)),
    ),
    # Le et al. (2015) set the IRNN against ReLU RNNs with random Gaussian recurrent weights.
    "relu_gauss": (
        "ReLU RNN, W ~ N(0, 1/units)",
        lambda u, s, T: keras.layers.SimpleRNN(
            u, activation="relu", recurrent_initializer=keras.initializers.RandomNormal(0.0, u**-0.5, seed=s), seed=s),
    ),
    "leaky_trained": (
        "leaky tanh RNN, rates 1 → 1/T, trained",
        lambda u, s, T: layers.LeakyRNN(u, leak_rate_range=(1.0 / max(T, 1), 1.0), trainable_leak_rate=True, seed=s),
    ),
    "leaky_short": (
        "leaky tanh RNN, rates 1 → 1/10 (no slow units)",
        lambda u, s, T: layers.LeakyRNN(u, leak_rate_range=(0.1, 1.0), seed=s),
    ),
    "leaky_slow": (
        "leaky tanh RNN, rates 1/10 → 1/T (all units slow)",
        lambda u, s, T: layers.LeakyRNN(u, leak_rate_range=(1.0 / max(T, 10), 0.1), seed=s),
    ),
    "skip_half": ("tanh RNN + skip connection (delays 1, T/2)", lambda u, s, T: layers.SkipRNN(u, delays=[1, max(2, T // 2)], seed=s)),
    # Clockwork-style time scales (Koutník et al. 2014) as skip delays: 1, 2, 4, 8, ... below T.
    "skip_pow2": (
        "tanh RNN + skip connections (delays 1, 2, 4, 8, … < T)",
        lambda u, s, T: layers.SkipRNN(u, delays=[2**k for k in range(16) if 2**k < max(T, 2)], seed=s),
    ),
    "skip_quarter": ("tanh RNN + skip connection (delays 1, T/4)", lambda u, s, T: layers.SkipRNN(u, delays=[1, max(2, T // 4)], seed=s)),
    # Ablations the notes imply: gates of another kind, output feedback instead of state feedback, and depth.
    "gru": ("GRU (keras)", lambda u, s, T: keras.layers.GRU(u, seed=s)),
    "jordan": (
        "Jordan RNN (tanh, the output fed back)",
        lambda u, s, T: layers.JordanRNN(u, output_units=u, seed=s),
    ),
    "lstm_deep": ("2 stacked LSTM layers of units/2 (equal units)", lambda u, s, T: stacked(keras.layers.LSTMCell, u, s)),
    "tanh_deep": ("2 stacked tanh RNN layers of units/2 (equal units)", lambda u, s, T: stacked(keras.layers.SimpleRNNCell, u, s)),
    "skip_pow4": (
        "tanh RNN + skip connections (delays 1, 4, 16, 64, … < T)",
        lambda u, s, T: layers.SkipRNN(u, delays=[4**k for k in range(8) if 4**k < max(T, 2)], seed=s),
    ),
}
METHODS = {**METHODS, **VARIANTS}
BASE_METHODS = tuple(m for m in METHODS if m not in VARIANTS)


def chrono_bias(length, seed):
    """Tallec & Ollivier's chrono initialisation of a Keras LSTM bias (gates i, f, c, o):
    b_f ~ log U(1, T − 1), b_i = −b_f, so the forget gates' time scales spread up to the task's length."""

    def initializer(shape, dtype=None):
        units = shape[0] // 4
        forget = np.log(np.random.default_rng(seed).uniform(1.0, max(length - 1, 2), units))
        return keras.ops.convert_to_tensor(np.concatenate([-forget, forget, np.zeros(2 * units)]), dtype=dtype)

    return initializer


def stacked(cell, units, seed):
    """Two layers of `cell`, units/2 each, as one recurrent layer (the second reads the first's output)."""
    half = max(1, units // 2)
    return keras.layers.RNN(keras.layers.StackedRNNCells([cell(half, seed=seed), cell(half, seed=seed + 1)]))


def skip_delays(length):
    long_delay = max(2, length // 10)
    return [1, long_delay]


def check_method(method):
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}. Known: {', '.join(METHODS)}")
    return method


def recurrent_layer(method, units, seed, length):
    """A fresh recurrent layer of `method` returning its last state."""
    return METHODS[check_method(method)][1](units, seed, length)


OPTIMIZERS = {
    "adam": lambda lr, **clipping: keras.optimizers.Adam(lr, **clipping),
    # Le et al. (2015) trained IRNNs with plain SGD and clipping: its steps scale
    # with the gradient, where Adam's move every weight by about lr per step.
    "sgd": lambda lr, **clipping: keras.optimizers.SGD(lr, momentum=0.9, **clipping),
    "rmsprop": lambda lr, **clipping: keras.optimizers.RMSprop(lr, **clipping),
}

# Gradient clipping (notes 000, exploding gradients): rescale the whole gradient when its norm exceeds the
# threshold (Pascanu et al. 2013), clip each element to ±threshold (Mikolov's), or not at all.
CLIPPING = {
    "norm": lambda threshold: {"global_clipnorm": threshold},
    "value": lambda threshold: {"clipvalue": threshold},
    "none": lambda threshold: {},
}


class GradientNormModel(keras.Sequential):
    """A Sequential model whose training step also reports the gradient's global
    norm before clipping (`grad_norm` in the batch logs), to see exploding-gradient
    spikes. TensorFlow backend (the benchmarks' own)."""

    def train_step(self, data):
        import tensorflow as tf

        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            predictions = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=predictions, sample_weight=sample_weight, training=True)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)  # clipping happens in here
        logs = self.compute_metrics(x, y, predictions, sample_weight=sample_weight)  # the loss and compiled metrics, as fit's own step
        return {**logs, "grad_norm": tf.linalg.global_norm(gradients)}


def build(method, length, features, outputs, units, learning_rate, seed, clipnorm=1.0, loss="mse", jit_compile=True,
          optimizer="adam", sequence_output=False, clip="norm", log_gradients=False):
    """A compiled model: `method`'s recurrent layer, then Dense(outputs).

    `loss` "mse" gives a linear output (regression); "sparse_categorical_crossentropy"
    a logits output with accuracy as metric; "binary_crossentropy" logits of
    independent yes/no outputs (a set of legal next symbols). With
    `sequence_output` the read-out sees every step's state and the model
    answers at every step (next-symbol, copy and continual timing tasks).
    `clip` is one of `CLIPPING` at threshold `clipnorm`; `log_gradients` builds a
    `GradientNormModel`.
    """
    keras.utils.set_random_seed(seed)
    layer = recurrent_layer(method, units, seed, length)
    layer.return_sequences = sequence_output  # set before the layer is built: the RNN reads it in call()
    model = (GradientNormModel if log_gradients else keras.Sequential)(
        [keras.Input((length, features)), layer, keras.layers.Dense(outputs)],
        name=f"{method}_{units}",
    )
    metrics = []
    if loss == "sparse_categorical_crossentropy":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = [] if sequence_output else ["accuracy"]
    elif loss == "binary_crossentropy":
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}. Known: {', '.join(OPTIMIZERS)}")
    if clip not in CLIPPING:
        raise ValueError(f"Unknown clipping {clip!r}. Known: {', '.join(CLIPPING)}")
    model.compile(optimizer=OPTIMIZERS[optimizer](learning_rate, **CLIPPING[clip](clipnorm)), loss=loss, metrics=metrics,
                  jit_compile=jit_compile)
    return model
