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


# ---------------------------------------------------------------------------
# Scenes of plain shapes, composed from the training split's shape emoji.
# ---------------------------------------------------------------------------
SHAPE_COUNTS, SHAPE_COUNT_ODDS = (1, 2, 3), (0.25, 0.5, 0.25)  # shapes per scene
MIN_SHAPE, MAX_SHAPE = 0.28, 0.5  # side of each shape relative to the image (a third of that with three)
RECOLOUR_ODDS, RECOLOUR_JITTER = 0.6, 25  # a shape's fill repainted in another shade of its colour, +- per channel
# Shades a user means by each colour name (emoji draw one; PIL's "red" is (255, 0, 0)).
SHADES = {
    "red": [(255, 0, 0), (220, 30, 30), (200, 0, 40), (235, 60, 50)],
    "orange": [(255, 165, 0), (255, 128, 0), (240, 120, 40)],
    "yellow": [(255, 255, 0), (255, 220, 0), (240, 200, 40)],
    "green": [(0, 128, 0), (0, 200, 0), (30, 160, 60), (0, 255, 0)],
    "blue": [(0, 0, 255), (30, 60, 220), (0, 120, 255), (65, 105, 225), (0, 0, 160)],
    "purple": [(128, 0, 128), (150, 60, 200), (110, 40, 170)],
    "brown": [(140, 80, 30), (120, 60, 20), (165, 100, 50)],
    "pink": [(255, 150, 200), (255, 105, 180), (240, 130, 170)],
}


def shape_scenes(images, records, count, seed=0):
    """`count` RGBA scenes of 1-3 plain shapes side by side, with their captions.

    A user's drawing of "a red circle beside a blue square" is nothing like one
    centred emoji; the corpus holds the shapes (OpenMoji's and Twemoji's red
    circles, blue squares, green hearts...) but never two in one picture. So the
    training split's shape emoji (`drawings.shape_phrase`) are shrunk, laid out
    left to right at random heights on a transparent page, and captioned in that
    order: "a red circle and a blue square". Deterministic under `seed`.

    Returns (uint8 RGBA (count, size, size, 4), references, records).
    """
    from PIL import Image

    from rnnzoo.applications.image_captioning import drawings

    shapes = [(k, drawings.shape_phrase(r["captions"][0])) for k, r in enumerate(records) if r["captions"]]
    shapes = [(k, phrase) for k, phrase in shapes if phrase]
    if len(shapes) < 3:
        raise ValueError(f"shape_scenes needs at least 3 shape drawings among the records; found {len(shapes)}")
    rng = np.random.default_rng(seed)
    size = images.shape[1]
    scenes, references, made = np.zeros((count, size, size, 4), "uint8"), [], []
    for n in range(count):
        k = int(rng.choice(SHAPE_COUNTS, p=SHAPE_COUNT_ODDS))
        chosen = [shapes[j] for j in rng.choice(len(shapes), size=k, replace=False)]
        page = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        cell = size // k  # one column per shape keeps the left-to-right order the caption states
        for column, (index, _) in enumerate(chosen):
            side = int(rng.uniform(MIN_SHAPE, MAX_SHAPE) * size * min(1.0, 2.0 / k))
            side = max(4, min(side, cell))
            rgba = np.asarray(images[index])
            colour = next((w for w in chosen[column][1].split() if w in SHADES), None)
            if colour and rng.random() < RECOLOUR_ODDS:
                shade = np.array(SHADES[colour][rng.integers(len(SHADES[colour]))]) + rng.integers(-RECOLOUR_JITTER, RECOLOUR_JITTER + 1, 3)
                rgba = _repaint_fill(rgba, np.clip(shade, 0, 255))
            shape = Image.fromarray(rgba).crop(_opaque_box(rgba))
            scale = side / max(shape.size)  # the longer side to `side`, the aspect kept
            shape = shape.resize((max(1, round(shape.width * scale)), max(1, round(shape.height * scale))), Image.LANCZOS)
            x = column * cell + int(rng.integers(0, cell - shape.width + 1))
            top, bottom = int(0.15 * size), max(int(0.15 * size), int(0.85 * size) - shape.height)
            page.alpha_composite(shape, (x, int(rng.integers(top, bottom + 1))))
        scenes[n] = np.asarray(page)
        caption = drawings.list_phrase([phrase for _, phrase in chosen])
        references.append([caption])
        made.append({"id": f"composed/{seed}/{n}", "source": "composed", "style": "composed", "captions": [caption],
                     "objects": sorted({p.split()[-1] for _, p in chosen}), "split": "train"})
    return scenes, references, made


def _repaint_fill(rgba, colour):
    """The drawing with its fill (the pixels near its median opaque colour) in `colour`; outlines kept."""
    rgba = np.array(rgba)
    opaque = rgba[..., 3] > 200
    if not opaque.any():
        return rgba
    fill = np.median(rgba[opaque][:, :3].astype(int), axis=0)
    near = opaque & (np.abs(rgba[..., :3].astype(int) - fill).sum(axis=-1) < 90)
    rgba[near, :3] = colour
    return rgba


def _opaque_box(rgba):
    """The bounding box (left, upper, right, lower) of a drawing's visible pixels."""
    rows, columns = np.nonzero(np.asarray(rgba)[..., 3] > 8)
    if rows.size == 0:
        return (0, 0, rgba.shape[1], rgba.shape[0])
    return (int(columns.min()), int(rows.min()), int(columns.max()) + 1, int(rows.max()) + 1)
