"""Drawings on many backgrounds: RGBA images in, augmented RGB training images out.

Drawings come with transparency. At evaluation they are laid on white, as a
user's icon or clipart usually is; in training each one gets, at random, a
white, plain-coloured, gradient or noisy background, a random crop and shift
of its frame, and brightness and contrast jitter, so the model reads the
drawing and not its page. Hue is never jittered: colours and skin tones are
what captions name.

TensorFlow: this module needs it whatever the Keras backend (tf.data and tf.image);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import numpy as np
import tensorflow as tf

from rnnzoo.applications.image_captioning.data import _plain

WHITE_SHARE = 0.35  # of training images kept on white, the evaluation background
MIN_ZOOM, MAX_ZOOM = 0.75, 1.1  # side of the crop relative to the image (> 1 shrinks the drawing)
BRIGHTNESS, CONTRAST = 0.15, 0.2  # jitter ranges (tf.image's deltas)


def to_rgba(image):
    """uint8 (h, w, 1|2|3|4) -> float32 RGBA in 0-255."""
    image = tf.cast(image, tf.float32)
    channels = image.shape[-1]
    if channels in (1, 2):
        gray, alpha = image[..., :1], image[..., 1:] if channels == 2 else tf.fill(tf.shape(image[..., :1]), 255.0)
        image = tf.concat([tf.repeat(gray, 3, axis=-1), alpha], axis=-1)
    elif channels == 3:
        image = tf.concat([image, tf.fill(tf.shape(image[..., :1]), 255.0)], axis=-1)
    return image


def fit_square(rgba, size):
    """Resize keeping the aspect ratio, centred on a transparent size x size square."""
    height, width = rgba.shape[0], rgba.shape[1]
    scale = size / max(height, width)
    new = (max(1, round(height * scale)), max(1, round(width * scale)))
    # Resize premultiplied colour, so transparent pixels' colour does not bleed into edges.
    premultiplied = tf.concat([rgba[..., :3] * rgba[..., 3:] / 255.0, rgba[..., 3:]], axis=-1)
    resized = tf.image.resize(premultiplied, new, antialias=True)
    padded = tf.image.pad_to_bounding_box(resized, (size - new[0]) // 2, (size - new[1]) // 2, size, size)
    alpha = padded[..., 3:]
    colour = tf.math.divide_no_nan(padded[..., :3] * 255.0, alpha)
    return np.clip(np.round(tf.concat([colour, alpha], axis=-1).numpy()), 0, 255).astype("uint8")


def read_rgba(path, size):
    """A PNG/JPEG/BMP/GIF file as uint8 RGBA (size, size, 4), aspect kept, padded transparent."""
    try:
        image = tf.io.decode_image(tf.io.read_file(str(path)), channels=0, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError, tf.errors.NotFoundError) as error:
        raise ValueError(f"Not a readable image: {path} ({_plain(error.message)})") from None
    return fit_square(to_rgba(image), size)


def on_white(rgba):
    """uint8 RGBA (..., 4) -> uint8 RGB on a white page."""
    rgba = np.asarray(rgba, "float32")
    alpha = rgba[..., 3:] / 255.0
    return np.round(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype("uint8")


def random_background(size, seed):
    """One (size, size, 3) float background: white, a plain colour, a linear gradient or noise."""
    kind = tf.random.stateless_uniform([], seed, 0.0, 1.0)
    colours = tf.random.stateless_uniform([2, 3], seed + 1, 0.0, 255.0)
    ramp = tf.linspace(0.0, 1.0, size)[:, None, None]
    angle = tf.random.stateless_uniform([], seed + 2, 0.0, 1.0)
    ramp = tf.where(angle < 0.5, ramp, tf.transpose(ramp, [1, 0, 2]))
    gradient = colours[0] * (1.0 - ramp) + colours[1] * ramp
    noise = colours[0] + tf.random.stateless_normal([size, size, 3], seed + 3, 0.0, 40.0)
    plain = tf.broadcast_to(colours[0], [size, size, 3])
    white = tf.fill([size, size, 3], 255.0)
    background = tf.where(kind < WHITE_SHARE, white, tf.where(kind < 0.6, plain, tf.where(kind < 0.8, gradient, noise)))
    return tf.clip_by_value(background, 0.0, 255.0)


def augment(rgba, seed):
    """A training view of one uint8 RGBA drawing (size, size, 4) -> float32 RGB in 0-255.

    `seed` is a stateless seed (2 ints), so a run is reproducible batch for batch.
    """
    size = rgba.shape[0]
    rgba = tf.cast(rgba, tf.float32)
    zoom = tf.random.stateless_uniform([], seed, MIN_ZOOM, MAX_ZOOM)
    centre = tf.random.stateless_uniform([2], seed + 4, 0.5 - 0.12, 0.5 + 0.12)
    box = tf.concat([centre - zoom / 2, centre + zoom / 2], axis=0)[None]
    # Outside the image the crop is transparent (extrapolation value 0 for every channel).
    view = tf.image.crop_and_resize(rgba[None], box, [0], [size, size], extrapolation_value=0.0)[0]
    alpha = view[..., 3:] / 255.0
    colour = tf.image.stateless_random_brightness(view[..., :3] / 255.0, BRIGHTNESS, seed + 5)
    colour = tf.image.stateless_random_contrast(colour, 1.0 - CONTRAST, 1.0 + CONTRAST, seed + 6)
    colour = tf.clip_by_value(colour, 0.0, 1.0) * 255.0
    return colour * alpha + random_background(size, seed + 7) * (1.0 - alpha)


def drawings_dataset(images, references, vocabulary, max_length, batch_size, shuffle, seed=0):
    """Batches of ((image, decoder input), target) over every (drawing, reference) pair.

    Training batches (`shuffle`) are augmented, each view drawn from a seed
    that depends on the run's seed and the pair's position, so a resumed run
    sees the same views; evaluation batches are the drawings on white.
    """
    from rnnzoo.applications.image_captioning.data import caption_pairs

    index, sources, targets = caption_pairs(references, vocabulary, max_length)
    rgba = tf.constant(images)
    white = tf.constant(on_white(images))
    dataset = tf.data.Dataset.from_tensor_slices((index, sources, targets))
    if not shuffle:
        dataset = dataset.batch(batch_size).map(lambda i, s, t: ((tf.gather(white, i), s), t))
        return dataset.prefetch(tf.data.AUTOTUNE)
    dataset = dataset.shuffle(len(index), seed=seed, reshuffle_each_iteration=True).repeat()
    dataset = dataset.enumerate().map(
        lambda n, pair: (augment(tf.gather(rgba, pair[0]), tf.stack([tf.cast(seed, tf.int64), n])), pair[1], pair[2]),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True,
    )
    dataset = dataset.batch(batch_size, drop_remainder=True).map(lambda x, s, t: ((x, s), t))
    return dataset.prefetch(tf.data.AUTOTUNE)
