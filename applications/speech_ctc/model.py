"""The acoustic model: log-mel frames -> conv front end -> bidirectional recurrent layers -> per-frame characters + CTC blank."""

import keras
from keras import ops

from rnnzoo import layers
from rnnzoo.applications.speech_ctc.audio import NUM_MELS, SAMPLE_RATE
from rnnzoo.applications.speech_ctc.text import ALPHABET
from rnnzoo.layers.base import check_fraction, check_positive_int

TIME_STRIDE = 2  # the front end halves the frame rate: 20 ms per output frame


@keras.saving.register_keras_serializable(package="rnnzoo")
def clipped_relu(x):
    """Deep Speech's activation: min(max(x, 0), 20)."""
    return ops.minimum(ops.relu(x), 20.0)


# The recurrent layers a user can pick, by name; each factory takes (units, **rnn_kwargs).
RECURRENT_LAYERS = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "peephole": layers.PeepholeLSTM,
    # Deep Speech's recurrence: clipped-ReLU units, here on an identity-initialised matrix.
    "irnn": lambda units, **kw: layers.IRNN(units, activation=clipped_relu, **kw),
    # Fast and slow units in one layer: time constants from 1 to 20 frames (20-400 ms).
    "leaky": lambda units, **kw: layers.LeakyRNN(units, leak_rate_range=(0.05, 1.0), **kw),
}


@keras.saving.register_keras_serializable(package="rnnzoo")
class SpecAugment(keras.layers.Layer):
    """SpecAugment-style masking (Park et al. 2019), only while training.

    Each example gets `freq_masks` bands of up to `freq_width` mel bins and
    `time_masks` spans of up to `time_fraction` of its frames set to 0 (the
    per-utterance mean after normalisation). At inference it is the identity.
    """

    def __init__(self, freq_masks=2, freq_width=8, time_masks=2, time_fraction=0.05, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.freq_masks, self.freq_width = freq_masks, freq_width
        self.time_masks, self.time_fraction = time_masks, time_fraction
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, features, training=False):
        if not training:
            return features
        batch, frames, bins = ops.shape(features)[0], ops.shape(features)[1], ops.shape(features)[2]
        keep = ops.ones_like(features)
        for _ in range(self.freq_masks):
            keep = keep * self._band_mask(batch, bins, float(self.freq_width), axis=2)
        max_span = ops.maximum(ops.cast(frames, "float32") * self.time_fraction, 1.0)
        for _ in range(self.time_masks):
            keep = keep * self._band_mask(batch, frames, max_span, axis=1)
        return features * keep

    def _band_mask(self, batch, length, max_width, axis):
        """(batch, length, 1) or (batch, 1, length): 0 on one random band per example, 1 elsewhere."""
        width = ops.floor(keras.random.uniform((batch, 1), 0.0, 1.0, seed=self.seed_generator) * (max_width + 1.0))
        start = keras.random.uniform((batch, 1), 0.0, 1.0, seed=self.seed_generator) * ops.maximum(
            ops.cast(length, "float32") - width, 0.0
        )
        positions = ops.cast(ops.arange(length), "float32")[None, :]
        inside = ops.logical_and(positions >= ops.floor(start), positions < ops.floor(start) + width)
        mask = 1.0 - ops.cast(inside, "float32")
        return mask[:, :, None] if axis == 1 else mask[:, None, :]

    def get_config(self):
        return {
            **super().get_config(),
            "freq_masks": self.freq_masks,
            "freq_width": self.freq_width,
            "time_masks": self.time_masks,
            "time_fraction": self.time_fraction,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="rnnzoo")
def ctc_loss(labels, logits):
    """CTC loss per utterance. `labels` are padded with 0 (the blank id, never a real label),
    so each one's length is its count of non-zero ids; every output frame counts (padding is silence)."""
    labels = ops.cast(labels, "int32")
    label_length = ops.sum(ops.cast(labels > 0, "int32"), axis=1)
    logit_length = ops.full((ops.shape(logits)[0],), ops.shape(logits)[1], dtype="int32")
    return ops.ctc_loss(labels, logits, label_length, logit_length, mask_index=0)


def output_frames(feature_frames):
    """Model output frames for `feature_frames` input frames ('same' padding, stride TIME_STRIDE)."""
    return -(-feature_frames // TIME_STRIDE)


def build(
    alphabet=ALPHABET,
    rnn="gru",
    units=128,
    num_layers=2,
    conv_filters=128,
    conv_kernel=11,
    num_mels=NUM_MELS,
    sample_rate=SAMPLE_RATE,
    dropout=0.1,
    spec_augment=True,
    learning_rate=1e-3,
    jit_compile=False,
):
    """A compiled CTC acoustic model over `alphabet` (+ the blank, id 0).

    Args:
        alphabet: The output characters, in id order from 1.
        rnn: Recurrent layer name, one of `RECURRENT_LAYERS`, used in every
            `keras.layers.Bidirectional` layer.
        units, num_layers: Units per direction and number of bidirectional layers.
        conv_filters, conv_kernel: The 1-D convolution over time (stride 2)
            that sees `conv_kernel` frames of context and halves the frame rate.
        num_mels: Mel bins of the input features.
        sample_rate: Hz of the audio the features are computed from. The
            network does not depend on it; it is part of the config so that
            `transcribe` knows what rate to resample recordings to.
        dropout: Dropout after each recurrent layer.
        spec_augment: Mask random frequency bands and time spans while training.
        learning_rate: Adam's step size.
        jit_compile: XLA; off by default: utterance lengths vary from batch to
            batch, and XLA compiles the step again for every new shape.

    Returns:
        A `keras.Model` from normalised log-mel features (batch, frames,
        num_mels) to logits (batch, ceil(frames / 2), len(alphabet) + 1),
        compiled with the CTC loss.
    """
    if rnn not in RECURRENT_LAYERS:
        raise ValueError(f"Unknown recurrent layer rnn={rnn!r}; choose one of {sorted(RECURRENT_LAYERS)}")
    check_positive_int("units", units)
    check_positive_int("num_layers", num_layers)
    check_positive_int("sample_rate", sample_rate)
    check_fraction("dropout", dropout)
    features = keras.Input(shape=(None, num_mels), name="log_mel")
    x = SpecAugment(name="spec_augment")(features) if spec_augment else features
    x = keras.layers.Conv1D(conv_filters, conv_kernel, strides=TIME_STRIDE, padding="same", use_bias=False, name="conv")(x)
    x = keras.layers.BatchNormalization(name="conv_norm")(x)
    x = keras.layers.Activation(clipped_relu, name="conv_relu")(x)
    for k in range(num_layers):
        cell = RECURRENT_LAYERS[rnn](units, return_sequences=True)
        x = keras.layers.Bidirectional(cell, name=f"birnn_{k}")(x)
        x = keras.layers.Dropout(dropout, name=f"dropout_{k}")(x)
    logits = keras.layers.Dense(len(alphabet) + 1, name="logits")(x)
    model = keras.Model(features, logits, name=f"ctc_{rnn}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=ctc_loss, jit_compile=jit_compile)
    return model
