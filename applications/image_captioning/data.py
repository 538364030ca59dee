"""Images and captions in, training batches out: the vocabulary, image files, Flickr8k and COCO loaders.

Every source ends as the same pair, which the rest of the application uses:

    images      uint8 array (count, size, size, 3)
    references  one list of caption strings per image

TensorFlow: this module needs it whatever the Keras backend (tf.data pipelines and tf.image decoding);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import re
from collections import Counter
from pathlib import Path

import numpy as np
import tensorflow as tf

PAD, UNKNOWN, START, END = "<pad>", "<unk>", "<start>", "<end>"
SPECIAL_TOKENS = (PAD, UNKNOWN, START, END)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


# ---------------------------------------------------------------------------
# Words <-> ids.
# ---------------------------------------------------------------------------
def words(caption):
    """Lower-case words, punctuation dropped: "A dog, running." -> ["a", "dog", "running"]."""
    return re.findall(r"[a-z0-9']+", caption.lower())


class Vocabulary:
    """Words <-> integer ids. Ids 0-3 are <pad>, <unk>, <start>, <end>; the zoo
    stores `tokens` in its registry entry, so a model needs no data to caption."""

    def __init__(self, tokens):
        self.tokens = list(tokens)
        if tuple(self.tokens[:4]) != SPECIAL_TOKENS:
            raise ValueError(f"A vocabulary starts with {list(SPECIAL_TOKENS)}. Received: {self.tokens[:4]}")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("A vocabulary's tokens must be distinct")
        self.ids = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def from_captions(cls, references, max_words=None, min_count=1):
        """The words of all captions, most frequent first (ties alphabetical)."""
        counts = Counter(w for refs in references for caption in refs for w in words(caption))
        ranked = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        return cls(list(SPECIAL_TOKENS) + ranked[:max_words])

    def __len__(self):
        return len(self.tokens)

    def encode(self, caption, max_length):
        """(decoder input, target), each `max_length` ids: <start> w1 .. wn and w1 .. wn <end>,
        padded with <pad>; longer captions are cut to max_length - 1 words."""
        ids = [self.ids.get(w, 1) for w in words(caption)][: max_length - 1]
        source = [2] + ids + [0] * (max_length - 1 - len(ids))
        target = ids + [3] + [0] * (max_length - 1 - len(ids))
        return source, target

    def decode(self, ids):
        """Words up to the first <end>, special tokens left out."""
        out = []
        for i in ids:
            if int(i) == 3:
                break
            if int(i) > 3:
                out.append(self.tokens[int(i)])
        return " ".join(out)


def caption_pairs(references, vocabulary, max_length):
    """One training example per (image, reference): arrays image_index, source, target."""
    index, sources, targets = [], [], []
    for i, refs in enumerate(references):
        for caption in refs:
            source, target = vocabulary.encode(caption, max_length)
            index.append(i)
            sources.append(source)
            targets.append(target)
    return np.array(index, "int32"), np.array(sources, "int32"), np.array(targets, "int32")


def caption_dataset(images, references, vocabulary, max_length, batch_size, shuffle, seed=0):
    """Batches of ((image, decoder input), target) over every (image, reference) pair.

    Images stay once in memory and are gathered per batch, not copied per
    caption. The order depends only on `seed` (the shared runner's resume rule).
    """
    index, sources, targets = caption_pairs(references, vocabulary, max_length)
    images = tf.constant(images)
    dataset = tf.data.Dataset.from_tensor_slices((index, sources, targets))
    if shuffle:
        dataset = dataset.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=shuffle)
    dataset = dataset.map(lambda i, source, target: ((tf.gather(images, i), source), target))
    return dataset.prefetch(tf.data.AUTOTUNE)


# ---------------------------------------------------------------------------
# Image files.
# ---------------------------------------------------------------------------
# Smaller images are refused: blown up to the model's size they are a few
# flat blocks of colour, which the model would caption as confidently as any.
MIN_IMAGE_SIDE = 16


def _plain(message):
    """TensorFlow's error text without its internals ({{function_node ...}}, [Op:...])."""
    first = message.strip().splitlines()[0] if message.strip() else "unreadable"
    return re.sub(r"\{\{.*?\}\}\s*|\s*\[Op:\w+\]", "", first).strip() or "unreadable"


def decode_image(data, image_size, name="image", background=0, keep_aspect=False):
    """Encoded PNG/JPEG/BMP/GIF bytes -> uint8 RGB (image_size, image_size, 3).

    Grayscale becomes RGB, an alpha channel is composited onto `background`
    (0 black, as the shapes scenes; 255 white, as drawings are shown), the
    first frame of an animated GIF is used, and any size is resized: to the
    square (aspect ratio not kept, as the shapes model was trained), or with
    `keep_aspect` fitted inside it on the background (as drawings were).
    """
    try:
        image = tf.io.decode_image(data, channels=0, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as error:
        raise ValueError(f"Not a readable PNG, JPEG, BMP or GIF image: {name} ({_plain(error.message)})") from None
    if min(image.shape[:2]) < MIN_IMAGE_SIDE:
        raise ValueError(f"{name} is {image.shape[1]}x{image.shape[0]} pixels: too small to caption "
                         f"(at least {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE} needed; smaller images hold too little to describe)")
    image = tf.cast(image, tf.float32)
    channels = image.shape[-1]
    if channels in (2, 4):  # gray+alpha or RGBA: composite onto the background
        alpha = image[..., -1:] / 255.0
        image = image[..., :-1] * alpha + float(background) * (1.0 - alpha)
    if image.shape[-1] == 1:
        image = tf.image.grayscale_to_rgb(image)
    if not keep_aspect:
        image = tf.image.resize(image, (image_size, image_size), antialias=True)
        return np.clip(np.round(image.numpy()), 0, 255).astype("uint8")
    height, width = image.shape[0], image.shape[1]
    scale = image_size / max(height, width)
    new_height, new_width = max(1, round(height * scale)), max(1, round(width * scale))
    resized = tf.image.resize(image, (new_height, new_width), antialias=True).numpy()
    canvas = np.full((image_size, image_size, 3), float(background), "float32")
    top, left = (image_size - new_height) // 2, (image_size - new_width) // 2
    canvas[top:top + new_height, left:left + new_width] = resized
    return np.clip(np.round(canvas), 0, 255).astype("uint8")


def read_image(path, image_size, background=0, keep_aspect=False):
    """An image file as uint8 RGB (image_size, image_size, 3); clear errors for missing or non-image files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Image file not found: {path}")
    return decode_image(path.read_bytes(), image_size, name=str(path), background=background, keep_aspect=keep_aspect)


def write_png(path, image):
    """Write a uint8 image as PNG through a temporary file: never a half-written file."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(tf.io.encode_png(np.asarray(image, "uint8")).numpy())
    partial.replace(path)


# ---------------------------------------------------------------------------
# Flickr8k: Images/ and Flickr8k.token.txt (lines "image.jpg#N<TAB>caption").
# ---------------------------------------------------------------------------
FLICKR_TOKEN_FILE = "Flickr8k.token.txt"
FLICKR_SPLIT_FILES = {"train": "Flickr_8k.trainImages.txt", "validation": "Flickr_8k.devImages.txt", "test": "Flickr_8k.testImages.txt"}


def read_flickr8k_captions(folder):
    """{image file name: [captions]} from the token file, in file order; every image must exist."""
    folder = Path(folder)
    token_file = folder / FLICKR_TOKEN_FILE
    if not token_file.is_file():
        raise FileNotFoundError(f"Flickr8k caption file not found: {token_file}")
    captions = {}
    for number, line in enumerate(token_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        key, tab, caption = line.partition("\t")
        if not tab or "#" not in key or not caption.strip():
            raise ValueError(f"{token_file}, line {number}: expected 'image.jpg#N<TAB>caption', got {line[:80]!r}")
        captions.setdefault(key.rsplit("#", 1)[0], []).append(caption.strip())
    if not captions:
        raise ValueError(f"Flickr8k caption file is empty: {token_file}")
    missing = [name for name in captions if not (folder / "Images" / name).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise FileNotFoundError(f"{token_file} names {len(missing)} image(s) missing from {folder / 'Images'}: {shown}")
    return captions


def flickr8k_split(folder, names, split):
    """The image names of `split`: from Flickr's split files when present, else
    a fixed 80/10/10 cut of the names in caption-file order."""
    split_file = Path(folder) / FLICKR_SPLIT_FILES[split]
    if split_file.is_file():
        wanted = set(split_file.read_text(encoding="utf-8").split())
        return [n for n in names if n in wanted]
    cut_train, cut_validation = int(0.8 * len(names)), int(0.9 * len(names))
    bounds = {"train": (0, cut_train), "validation": (cut_train, cut_validation), "test": (cut_validation, len(names))}
    start, stop = bounds[split]
    return names[start:stop]


def load_flickr8k(folder, split, image_size, limit=None):
    """(images, references) of a Flickr8k-layout folder's `split`."""
    if split not in FLICKR_SPLIT_FILES:
        raise ValueError(f"Unknown split {split!r}; choose one of {sorted(FLICKR_SPLIT_FILES)}")
    captions = read_flickr8k_captions(folder)
    names = flickr8k_split(folder, list(captions), split)[:limit]
    if not names:
        raise ValueError(f"The {split} split of {folder} holds no images")
    images = np.stack([read_image(Path(folder) / "Images" / name, image_size) for name in names])
    return images, [captions[name] for name in names]


# ---------------------------------------------------------------------------
# COCO captions through tensorflow_datasets (needs internet and ~38 GB the first time).
# ---------------------------------------------------------------------------
def load_coco_captions(split, image_size, limit=None):
    """(images, references) of tfds `coco_captions` ("train", "val", "test", "restval")."""
    import tensorflow_datasets as tfds

    dataset = tfds.load("coco_captions", split=split if limit is None else f"{split}[:{limit}]")
    images, references = [], []
    for example in dataset:
        image = tf.image.resize(tf.cast(example["image"], tf.float32), (image_size, image_size), antialias=True)
        images.append(np.clip(np.round(image.numpy()), 0, 255).astype("uint8"))
        references.append([t.decode("utf-8") for t in example["captions"]["text"].numpy()])
    if not images:
        raise ValueError(f"coco_captions split {split!r} is empty")
    return np.stack(images), references
