"""The captioning model: a convolutional encoder and a recurrent decoder, with or without soft attention.

    image -> CNN -> feature map (L locations x D) --+--> mean -> initial state of the RNN
                                                    |
    <start> w1 w2 ... -> embedding -> RNN cell -> logits of w1 w2 ... <end>
                                        ^
                         soft attention over the L locations, queried by
                         the previous state (Show, Attend and Tell), or none:
                         the image only sets the initial state (Show and Tell)

Training feeds the true previous word (teacher forcing). Inference
(`caption.Captioner`) calls the same layers one word at a time:
`encoder(images)`, then `decoder.step(...)` per word.
"""

import keras
from keras import ops

from rnnzoo import layers
from rnnzoo.layers.base import check_rate

DECODERS = ("attention", "init-state")
BACKBONES = ("small-cnn", "mobilenetv3", "efficientnet")
# The recurrent cells a user can pick, by name; each factory takes the number of units.
RECURRENT_CELLS = {
    "lstm": keras.layers.LSTMCell,
    "peephole": layers.PeepholeLSTMCell,
    # Fast and slow units: time scales from 1 to 10 words.
    "leaky": lambda units: layers.LeakyRNNCell(units, leak_rate_range=(0.1, 1.0)),
}


class PretrainedWeightsUnavailable(OSError):
    """ImageNet weights could not be downloaded (no internet)."""


# ---------------------------------------------------------------------------
# Encoder.
# ---------------------------------------------------------------------------
def small_cnn(image_size):
    """Four conv layers from pixels (0-255) to an (image_size/8)^2 grid of 128 features; trains from scratch."""
    def block(filters, kernel, strides=1):
        return [
            keras.layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
        ]

    return keras.Sequential(
        [
            keras.Input((image_size, image_size, 3)),
            keras.layers.Rescaling(1 / 255),
            *block(32, 5, strides=2),
            keras.layers.MaxPooling2D(),
            *block(64, 3),
            keras.layers.MaxPooling2D(),
            *block(128, 3),
            *block(128, 3),
        ],
        name="small_cnn",
    )


def keras_application(backbone, image_size, imagenet_weights):
    """MobileNetV3Small or EfficientNetB0 without its classifier (both take pixels in 0-255)."""
    constructor = {"mobilenetv3": keras.applications.MobileNetV3Small, "efficientnet": keras.applications.EfficientNetB0}[backbone]
    weights = "imagenet" if imagenet_weights else None
    try:
        return constructor(input_shape=(image_size, image_size, 3), include_top=False, weights=weights)
    except Exception as error:  # keras raises a bare Exception("URL fetch failure ...") offline
        if not imagenet_weights:
            raise
        raise PretrainedWeightsUnavailable(
            f"ImageNet weights for backbone={backbone!r} could not be downloaded ({str(error).splitlines()[0][:120]}); "
            "pretrained weights are unavailable offline: use imagenet_weights=False (weights=None, trained "
            "from scratch) or backbone='small-cnn'"
        ) from error


@keras.saving.register_keras_serializable(package="rnnzoo")
class SpatialFeatures(keras.layers.Layer):
    """(batch, rows, cols, channels) -> (batch, rows * cols, channels + 2): every location
    gets its (x, y) in [-1, 1], so attended features say where they are ("to the left of")."""

    def call(self, feature_map):
        rows, cols = feature_map.shape[1], feature_map.shape[2]
        ys, xs = ops.meshgrid(ops.linspace(-1.0, 1.0, rows), ops.linspace(-1.0, 1.0, cols), indexing="ij")
        coordinates = ops.stack([xs, ys], axis=-1)[None]
        batch = ops.shape(feature_map)[0]
        coordinates = ops.cast(ops.broadcast_to(coordinates, (batch, rows, cols, 2)), feature_map.dtype)
        located = ops.concatenate([feature_map, coordinates], axis=-1)
        return ops.reshape(located, (batch, rows * cols, feature_map.shape[3] + 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] * input_shape[2], input_shape[3] + 2)


def build_encoder(backbone, image_size, feature_dim, imagenet_weights=False, train_backbone=True):
    """Pixels (0-255) -> (batch, locations, feature_dim)."""
    if backbone not in BACKBONES:
        raise ValueError(f"Unknown backbone={backbone!r}; choose one of {list(BACKBONES)}")
    if backbone == "small-cnn":
        if imagenet_weights:
            raise ValueError("backbone='small-cnn' has no ImageNet weights: it trains from scratch (imagenet_weights=False)")
        network = small_cnn(image_size)
    else:
        network = keras_application(backbone, image_size, imagenet_weights)
    network.trainable = bool(train_backbone)
    image = keras.Input((image_size, image_size, 3), name="image")
    located = SpatialFeatures(name="spatial_features")(network(image))
    features = keras.layers.Dense(feature_dim, activation="relu", name="feature_projection")(located)
    return keras.Model(image, features, name="encoder")


# ---------------------------------------------------------------------------
# Decoder.
# ---------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="rnnzoo")
class SoftAttention(keras.layers.Layer):
    """Additive soft attention (Bahdanau et al. 2015; Xu et al. 2015):

        e_l = v . tanh(W_k f_l + W_q h),   alpha = softmax(e),   context = sum_l alpha_l f_l
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.key_layer = keras.layers.Dense(units, use_bias=False, name="keys")
        self.query_layer = keras.layers.Dense(units, name="query")
        self.score_layer = keras.layers.Dense(1, use_bias=False, name="score")

    def build(self, features_shape, query_shape):
        self.key_layer.build(features_shape)
        self.query_layer.build(query_shape)
        self.score_layer.build((None, None, self.units))

    def keys(self, features):
        """W_k f for every location: computed once per image, reused at every word."""
        return self.key_layer(features)

    def call(self, features, query, keys=None):
        keys = self.keys(features) if keys is None else keys
        scores = self.score_layer(ops.tanh(keys + self.query_layer(query)[:, None, :]))[..., 0]
        alpha = ops.softmax(scores, axis=-1)
        return ops.sum(alpha[..., None] * features, axis=1), alpha

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def recurrent_cell(rnn, units):
    if rnn not in RECURRENT_CELLS:
        raise ValueError(f"Unknown recurrent cell rnn={rnn!r}; choose one of {sorted(RECURRENT_CELLS)}")
    return RECURRENT_CELLS[rnn](units)


@keras.saving.register_keras_serializable(package="rnnzoo")
class CaptionDecoder(keras.layers.Layer):
    """Word embedding, recurrent cell, optional soft attention, word logits.

    `call((words, features))` runs the whole caption with teacher forcing;
    `initial_states` and `step` are the same computation one word at a time.
    """

    def __init__(self, vocabulary_size, rnn="lstm", units=256, embedding_dim=64, decoder="attention",
                 attention_units=128, dropout=0.2, word_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if decoder not in DECODERS:
            raise ValueError(f"Unknown decoder={decoder!r}; choose one of {list(DECODERS)}")
        self.vocabulary_size, self.rnn, self.units = vocabulary_size, rnn, units
        self.embedding_dim, self.decoder, self.attention_units, self.dropout_rate = embedding_dim, decoder, attention_units, dropout
        self.word_dropout = check_rate("word_dropout", word_dropout)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.embedding = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")
        self.cell = recurrent_cell(rnn, units)
        sizes = self.cell.state_size
        self.state_sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
        self.state_layers = [keras.layers.Dense(size, activation="tanh", name=f"initial_state_{k}") for k, size in enumerate(self.state_sizes)]
        self.attention = SoftAttention(attention_units, name="attention") if decoder == "attention" else None
        self.dropout = keras.layers.Dropout(dropout)
        self.logits = keras.layers.Dense(vocabulary_size, name="logits")

    def build(self, input_shape):
        _, features_shape = input_shape
        feature_dim = features_shape[-1]
        self.embedding.build((None,))
        for layer in self.state_layers:
            layer.build((None, feature_dim))
        context_dim = feature_dim if self.attention is not None else 0
        if self.attention is not None:
            self.attention.build(features_shape, (None, self.state_sizes[0]))
        self.cell.build((None, self.embedding_dim + context_dim))
        self.logits.build((None, self.units + context_dim))

    def initial_states(self, features):
        """The recurrent state before the first word, from the mean feature (Xu et al. 2015, sec. 3.1.2)."""
        mean = ops.mean(features, axis=1)
        return [layer(mean) for layer in self.state_layers]

    def keys(self, features):
        return self.attention.keys(features) if self.attention is not None else features

    def step(self, word_ids, states, features, keys, training=False):
        """One word: (logits (batch, vocabulary), new states, attention weights (batch, L) or None)."""
        x = self.embedding(word_ids)
        alpha = context = None
        if self.attention is not None:
            context, alpha = self.attention(features, states[0], keys=keys)
            x = ops.concatenate([x, context], axis=-1)
        h, states = self.cell(x, states, training=training)
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        out = h if context is None else ops.concatenate([h, context], axis=-1)
        return self.logits(self.dropout(out, training=training)), states, alpha

    def drop_words(self, words, training):
        """Word dropout (Bowman et al. 2016): in training, each input word but <pad> becomes <unk>
        with probability `word_dropout`, so the decoder must look at the image, not only at its last word."""
        if not training or self.word_dropout == 0.0:
            return words
        drop = keras.random.uniform(ops.shape(words), seed=self.seed_generator) < self.word_dropout
        return ops.where(ops.logical_and(drop, words > 3), ops.ones_like(words), words)

    def call(self, inputs, training=False):
        words, features = inputs
        words = self.drop_words(words, training)
        states, keys = self.initial_states(features), self.keys(features)
        logits = []
        for t in range(words.shape[1]):  # captions are short: a static, unrolled loop
            step_logits, states, _ = self.step(words[:, t], states, features, keys, training=training)
            logits.append(step_logits)
        return ops.stack(logits, axis=1)

    def compute_output_shape(self, input_shape):
        words_shape, _ = input_shape
        return (*words_shape, self.vocabulary_size)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size, "rnn": self.rnn, "units": self.units,
            "embedding_dim": self.embedding_dim, "decoder": self.decoder,
            "attention_units": self.attention_units, "dropout": self.dropout_rate,
            "word_dropout": self.word_dropout, "seed": self.seed,
        }


# ---------------------------------------------------------------------------
# The whole model.
# ---------------------------------------------------------------------------
def build(
    vocabulary,
    max_length=18,
    image_size=64,
    backbone="small-cnn",
    imagenet_weights=False,
    train_backbone=True,
    feature_dim=128,
    rnn="lstm",
    units=256,
    embedding_dim=64,
    decoder="attention",
    attention_units=128,
    dropout=0.2,
    word_dropout=0.0,
    learning_rate=2e-3,
    jit_compile=False,
):
    """A compiled captioning model.

    Args:
        vocabulary: Token list, starting with <pad>, <unk>, <start>, <end> (see `data.Vocabulary`).
        max_length: Decoder steps: the longest caption in words, plus one (<end>).
        image_size: Side of the square input images, in pixels.
        backbone: "small-cnn" (from scratch), "mobilenetv3" or "efficientnet" (keras.applications).
        imagenet_weights: Start the keras.applications backbone from ImageNet weights
            (needs internet once; `PretrainedWeightsUnavailable` otherwise).
        train_backbone: False freezes the backbone (fine-tune only the rest).
        feature_dim: Size of each location's feature vector after projection.
        rnn: Recurrent cell, one of `RECURRENT_CELLS` ("lstm", "peephole", "leaky").
        units, embedding_dim: Size of the recurrent state and of the word embedding.
        decoder: "attention" (Show, Attend and Tell) or "init-state" (Show and Tell:
            the image only sets the initial state).
        attention_units: Size of the attention's hidden layer.
        dropout: Before the word logits.
        word_dropout: Probability of replacing each decoder input word by <unk> in training.
        learning_rate: Adam's step size (the shared runner may replace it by a schedule).
        jit_compile: Train with XLA.

    Returns:
        A `keras.Model` from (images (batch, size, size, 3) in 0-255, decoder input ids
        (batch, max_length)) to word logits (batch, max_length, len(vocabulary)),
        compiled with cross-entropy that ignores <pad>.
    """
    image = keras.Input((image_size, image_size, 3), name="image")
    words = keras.Input((max_length,), dtype="int32", name="words")
    encoder = build_encoder(backbone, image_size, feature_dim, imagenet_weights, train_backbone)
    caption_decoder = CaptionDecoder(
        len(vocabulary), rnn, units, embedding_dim, decoder, attention_units, dropout, word_dropout, name="decoder"
    )
    logits = caption_decoder((words, encoder(image)))
    model = keras.Model([image, words], logits, name=f"captioner_{backbone}_{rnn}_{decoder}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        jit_compile=jit_compile,
    )
    return model
