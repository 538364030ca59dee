"""The recurrent layers under test, at equal hidden size, behind one `build`.

Each method is one recurrent layer followed by a Dense read-out of its last
state; all of them are trained by Adam (or SGD with momentum, or RMSProp) with
gradient clipping by global norm.
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
    "skip_quarter": ("tanh RNN + skip connection (delays 1, T/4)", lambda u, s, T: layers.SkipRNN(u, delays=[1, max(2, T // 4)], seed=s)),
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
    "adam": lambda lr, clip: keras.optimizers.Adam(lr, global_clipnorm=clip),
    # Le et al. (2015) trained IRNNs with plain SGD and clipping: its steps scale
    # with the gradient, where Adam's move every weight by about lr per step.
    "sgd": lambda lr, clip: keras.optimizers.SGD(lr, momentum=0.9, global_clipnorm=clip),
    "rmsprop": lambda lr, clip: keras.optimizers.RMSprop(lr, global_clipnorm=clip),
}


def build(method, length, features, outputs, units, learning_rate, seed, clipnorm=1.0, loss="mse", jit_compile=True,
          optimizer="adam"):
    """A compiled model: `method`'s recurrent layer, then Dense(outputs).

    `loss` "mse" gives a linear output (regression); "sparse_categorical_crossentropy"
    a logits output with accuracy as metric.
    """
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((length, features)),
            recurrent_layer(method, units, seed, length),
            keras.layers.Dense(outputs),
        ],
        name=f"{method}_{units}",
    )
    metrics = []
    if loss == "sparse_categorical_crossentropy":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = ["accuracy"]
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}. Known: {', '.join(OPTIMIZERS)}")
    model.compile(optimizer=OPTIMIZERS[optimizer](learning_rate, clipnorm), loss=loss, metrics=metrics, jit_compile=jit_compile)
    return model
