"""Procedural scenes: one to three coloured shapes, each scene with several reference captions.

The default dataset of the captioning application needs no download. Every
image is drawn with numpy from a seed, so a split is the same on every machine:

    a large red circle to the left of a small blue square

Captions come from a small grammar: an object is "a SIZE COLOUR SHAPE"; two
objects are related by where one lies from the other (left of, right of,
above, below); a lone object may say where it sits. Every true sentence the
grammar makes for a scene is one of its references (3 to 6), so BLEU rewards
any correct description.

The compositional split holds out four (colour, shape) pairings: training
scenes never show a red square, yet every colour and every shape appears in
training with other partners. Test scenes of that split each hold at least
one such object, so describing them needs "red" and "square" recombined.
"""

import dataclasses

import numpy as np

SHAPES = ("circle", "square", "triangle", "diamond")
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (50, 90, 230),
    "yellow": (230, 210, 40),
    "purple": (160, 60, 210),
}
# Radius range in pixels at the reference size of 64 x 64; scaled with the image.
SIZES = {"small": (4.5, 6.0), "large": (9.0, 11.0)}
# Never drawn in training: one pairing per shape, each with another colour.
HELD_OUT_PAIRS = frozenset({("red", "square"), ("green", "triangle"), ("blue", "diamond"), ("yellow", "circle")})
SPLITS = {"train": 1, "validation": 2, "test": 3, "compositional": 4}
IMAGE_SIZE = 64
SUPERSAMPLE = 3  # each pixel averages 3 x 3 samples: smooth edges
# Where a lone object sits, by (row, column) third of the image.
REGIONS = {
    (0, 0): "in the top left", (0, 1): "at the top", (0, 2): "in the top right",
    (1, 0): "on the left", (1, 1): "in the middle", (1, 2): "on the right",
    (2, 0): "in the bottom left", (2, 1): "at the bottom", (2, 2): "in the bottom right",
}


@dataclasses.dataclass(frozen=True)
class Shape:
    shape: str
    colour: str
    size: str
    x: float  # centre, in pixels from the left
    y: float  # centre, in pixels from the top
    radius: float

    @property
    def phrase(self):
        return f"a {self.size} {self.colour} {self.shape}"


def vocabulary_words():
    """Every word the grammar can produce, in a fixed order."""
    words = ["a", "and", "there", "is", "to", "the", "of", "left", "right", "above", "below"]
    words += list(SIZES) + list(COLOURS) + list(SHAPES)
    for region in REGIONS.values():
        words += [w for w in region.split() if w not in words]
    return list(dict.fromkeys(words))


def relation(a, b):
    """Where `a` lies seen from `b`: the axis along which they are further apart decides."""
    dx, dy = a.x - b.x, a.y - b.y
    if abs(dx) >= abs(dy):
        return "to the left of" if dx < 0 else "to the right of"
    return "above" if dy < 0 else "below"


def region(shape, image_size):
    third = image_size / 3
    return REGIONS[(min(int(shape.y // third), 2), min(int(shape.x // third), 2))]


def captions(shapes, image_size=IMAGE_SIZE):
    """All reference captions of a scene."""
    if len(shapes) == 1:
        (s,) = shapes
        return [s.phrase, f"there is {s.phrase}", f"{s.phrase} {region(s, image_size)}"]
    if len(shapes) == 2:
        a, b = shapes
        return [
            f"{a.phrase} {relation(a, b)} {b.phrase}",
            f"{b.phrase} {relation(b, a)} {a.phrase}",
            f"{a.phrase} and {b.phrase}",
            f"{b.phrase} and {a.phrase}",
        ]
    references = []
    for i, a in enumerate(shapes):
        for j, b in enumerate(shapes):
            if i != j:
                (c,) = [s for k, s in enumerate(shapes) if k not in (i, j)]
                references.append(f"{a.phrase} {relation(a, b)} {b.phrase} and {c.phrase}")
    return references


def _unambiguous(shapes):
    """Centres apart along one axis clearly more than along the other (a 1.5 ratio),
    so every relation in the captions is plain to see; no overlap."""
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            dx, dy = abs(a.x - b.x), abs(a.y - b.y)
            if np.hypot(dx, dy) < a.radius + b.radius + 3 or max(dx, dy) < 1.5 * min(dx, dy):
                return False
    return True


def _random_pairing(rng, held_out):
    """(colour, shape): from the held-out pairings if `held_out`, else from the others."""
    allowed = [(c, s) for c in COLOURS for s in SHAPES if ((c, s) in HELD_OUT_PAIRS) == held_out]
    return allowed[rng.integers(len(allowed))]


def random_scene(rng, image_size=IMAGE_SIZE, compositional=False):
    """1-3 shapes; with `compositional`, the first holds a held-out pairing, else none does."""
    count = int(rng.integers(1, 4))
    scale = image_size / IMAGE_SIZE
    while True:
        shapes = []
        for k in range(count):
            colour, shape = _random_pairing(rng, held_out=compositional and k == 0)
            size = ("small", "large")[rng.integers(2)]
            radius = rng.uniform(*SIZES[size]) * scale
            margin = radius + 1
            x, y = rng.uniform(margin, image_size - margin, size=2)
            shapes.append(Shape(shape, colour, size, float(x), float(y), float(radius)))
        if _unambiguous(shapes):
            return shapes


def _mask(shape, xs, ys):
    """Coverage of each sample point (xs, ys) by `shape`."""
    dx, dy, r = xs - shape.x, ys - shape.y, shape.radius
    if shape.shape == "circle":
        return dx**2 + dy**2 <= r**2
    if shape.shape == "square":
        return (np.abs(dx) <= 0.85 * r) & (np.abs(dy) <= 0.85 * r)
    if shape.shape == "diamond":
        return np.abs(dx) + np.abs(dy) <= 1.15 * r
    # An upward triangle: apex r above the centre, base 0.8 r below it.
    return (dy >= -r) & (dy <= 0.8 * r) & (np.abs(dx) <= (dy + r) * 0.62)


def render(shapes, image_size=IMAGE_SIZE, rng=None):
    """An (image_size, image_size, 3) uint8 image: a dark, slightly noisy background and the shapes."""
    rng = rng if rng is not None else np.random.default_rng(0)
    samples = (np.arange(image_size * SUPERSAMPLE) + 0.5) / SUPERSAMPLE
    background = rng.uniform(10, 60)
    image = np.full((image_size * SUPERSAMPLE, image_size * SUPERSAMPLE, 3), background)
    for shape in shapes:
        colour = np.clip(np.array(COLOURS[shape.colour]) + rng.normal(0, 8, size=3), 0, 255)
        # Only the samples in the shape's bounding box can be covered: 10x faster than the whole grid.
        rows, cols = (slice(*np.searchsorted(samples, [c - 1.2 * shape.radius, c + 1.2 * shape.radius])) for c in (shape.y, shape.x))
        xs, ys = np.meshgrid(samples[cols], samples[rows])
        image[rows, cols][_mask(shape, xs, ys)] = colour
    image = image.reshape(image_size, SUPERSAMPLE, image_size, SUPERSAMPLE, 3).mean(axis=(1, 3))
    image += rng.normal(0, 4, size=image.shape)
    return np.clip(np.round(image), 0, 255).astype("uint8")


def _scene_rng(split, index, seed):
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; choose one of {sorted(SPLITS)}")
    return np.random.default_rng([seed, SPLITS[split], index])


def scene(split, index, image_size=IMAGE_SIZE, seed=0):
    """Scene `index` of `split`: (image, shapes, captions), the same for the same arguments."""
    rng = _scene_rng(split, index, seed)
    shapes = random_scene(rng, image_size, compositional=split == "compositional")
    return render(shapes, image_size, rng), shapes, captions(shapes, image_size)


def split_shapes(split, count, image_size=IMAGE_SIZE, seed=0):
    """The shapes of the first `count` scenes of `split` (as `scene` draws them), without rendering."""
    return [random_scene(_scene_rng(split, i, seed), image_size, compositional=split == "compositional") for i in range(count)]


def objects_named(captions, shape_lists, held_out_only=False):
    """Fraction of the objects (or of the held-out pairings only) whose whole phrase,
    "SIZE COLOUR SHAPE", their scene's caption contains.

    BLEU forgives one wrong word in a long caption; this asks whether the object
    itself was recognised. On the compositional split, with `held_out_only`, it
    measures recombination: a red square must be called a red square.
    """
    named = total = 0
    for caption, shapes in zip(captions, shape_lists, strict=True):
        for s in shapes:
            if held_out_only and (s.colour, s.shape) not in HELD_OUT_PAIRS:
                continue
            total += 1
            named += f" {s.size} {s.colour} {s.shape}" in f" {caption} "
    if total == 0:
        raise ValueError("No objects to count" + (" of held-out pairings" if held_out_only else ""))
    return named / total


def make_split(split, count, image_size=IMAGE_SIZE, seed=0):
    """`count` scenes of `split`: (images uint8 (count, size, size, 3), list of reference lists)."""
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    images = np.empty((count, image_size, image_size, 3), "uint8")
    references = []
    for index in range(count):
        images[index], _, refs = scene(split, index, image_size, seed)
        references.append(refs)
    return images, references
