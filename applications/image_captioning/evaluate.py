"""Evaluate a drawings captioner: BLEU, object accuracy, attributes, confidence, a picture grid.

    python -m rnnzoo.applications.image_captioning.evaluate                       # the zoo's drawings-captioner
    python -m rnnzoo.applications.image_captioning.evaluate --weights my.weights.h5 --grid grid.png

On each split of the drawings corpus (prepare_drawings.py builds it):

    test          held-out drawings of every source (Openclipart, Tux Paint, OpenMoji, Twemoji)
    style         every Noto emoji: a style never trained on
    combinations  emoji whose (person, activity, skin tone) triple training never saw

it reports corpus BLEU-1..4 (sacrebleu) against all references, object
accuracy (the caption holds the drawing's head noun or one of its keywords,
`drawings.names_object`), and on "combinations" how often each attribute is
named correctly. The confidence threshold is chosen on the validation split.
Then `plain_shapes`: drawings no corpus holds, one or two coloured shapes
drawn with PIL on white as a user would, read as `rnnzoo caption` reads a file.
"""

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.image_captioning import augment, caption, drawings  # noqa: E402

EVALUATED_SPLITS = ("test", "style", "combinations")
NEGATIVES = 200  # generated non-drawings (plain pages, noise); the noise half is among the threshold's negatives
PLAIN_DRAWINGS = 200  # PIL drawings of one or two coloured shapes (plain_shapes), never in any training set


def is_blank(image, tolerance=8):
    """Whether an RGB image is one colour (every channel within `tolerance` of its range)."""
    image = np.asarray(image)
    return bool(np.all(image.max(axis=(0, 1)).astype(int) - image.min(axis=(0, 1)).astype(int) <= tolerance))


def non_drawings(count, image_size, seed=0):
    """Images that hold nothing to caption: plain pages of random colours, and noise."""
    rng = np.random.default_rng(seed)
    plain = np.broadcast_to(rng.integers(0, 256, (count // 2, 1, 1, 3)), (count // 2, image_size, image_size, 3))
    noise = rng.integers(0, 256, (count - count // 2, image_size, image_size, 3))
    return np.concatenate([plain, noise]).astype("uint8")


def object_accuracy(captions, records):
    """Overall and per-source fraction of captions naming their drawing's object."""
    hits = [drawings.names_object(c, r["objects"]) for c, r in zip(captions, records)]
    result = {"object_accuracy": round(float(np.mean(hits)), 4)}
    for source in sorted({r["style"] for r in records}):
        chosen = [h for h, r in zip(hits, records) if r["style"] == source]
        result[f"object_accuracy_{source}"] = round(float(np.mean(chosen)), 4)
    return result


def evaluate_split(captioner, images_rgba, references, records, beam_size=1):
    """BLEU-1..4, object accuracy and (where there are any) attribute scores of one split."""
    images = augment.on_white(images_rgba)
    captions, confidences = captioner.caption_with_confidence(images, beam_size)
    scores = {**caption.bleu_scores(captions, references), **object_accuracy(captions, records)}
    with_attributes = [(c, r["attributes"]) for c, r in zip(captions, records) if r.get("attributes")]
    if with_attributes:
        scores["attributes"] = drawings.attribute_scores(*zip(*with_attributes))
    scores["images"] = len(records)
    return scores, captions, confidences


def choose_threshold(captioner, val_rgba, val_records, image_size, beam_size=1):
    """The confidence below which a caption is withheld, chosen on validation.

    A confident caption should be a right one. Positives: validation drawings
    whose caption names their object. Negatives: those whose caption does not,
    and images of noise (`non_drawings`' second half; plain pages never reach
    the model, `rnnzoo caption` calls them blank). The threshold maximises the
    mean of the positives' acceptance rate and the negatives' refusal rate.
    """
    captions, confidences = captioner.caption_with_confidence(augment.on_white(val_rgba), beam_size)
    right = np.array([drawings.names_object(t, r["objects"]) for t, r in zip(captions, val_records)])
    confidences = np.array(confidences)
    _, noise = captioner.caption_with_confidence(non_drawings(NEGATIVES, image_size)[NEGATIVES // 2:], beam_size)
    positive, negative = confidences[right], np.concatenate([confidences[~right], noise])

    def rate(hits):
        return float(hits.mean()) if hits.size else 0.0

    candidates = np.unique(np.concatenate([positive, negative]))
    balanced = [(rate(positive >= t) + rate(negative < t)) / 2 for t in candidates]
    best = candidates[int(np.argmax(balanced))]
    return {
        "confidence_threshold": round(float(best), 4),
        "validation_right_captions_accepted": round(rate(positive >= best), 4),
        "validation_wrong_captions_refused": round(rate(confidences[~right] < best), 4),
        "noise_images_refused": round(rate(np.array(noise) < best), 4),
        "validation_object_accuracy_of_accepted": round(rate(right[confidences >= best]), 4),
    }


PLAIN_COLOURS = ("red", "orange", "yellow", "green", "blue", "purple")  # PIL's named colours: (255, 0, 0)...
PLAIN_SHAPES = ("circle", "square", "triangle")


def plain_shapes(count, image_size, seed=0, page=128):
    """`count` PIL drawings of one or two coloured shapes side by side on white,
    as `rnnzoo caption` would see them (fitted to `image_size`, on white), and
    what each shows: [(colour, shape), ...] left to right."""
    from PIL import Image, ImageDraw

    from rnnzoo.applications.image_captioning import data

    rng = np.random.default_rng(seed)
    images, drawn = [], []
    for _ in range(count):
        canvas = Image.new("RGB", (page, page), "white")
        pen = ImageDraw.Draw(canvas)
        k = int(rng.integers(1, 3))
        shown = [(str(rng.choice(PLAIN_COLOURS)), str(rng.choice(PLAIN_SHAPES))) for _ in range(k)]
        for column, (colour, shape) in enumerate(shown):
            side = int(rng.uniform(0.25, 0.45) * page)
            x = column * page // k + int(rng.integers(0, page // k - side + 1))
            y = int(rng.integers(int(0.1 * page), int(0.9 * page) - side + 1))
            box = (x, y, x + side, y + side)
            if shape == "circle":
                pen.ellipse(box, fill=colour)
            elif shape == "square":
                pen.rectangle(box, fill=colour)
            else:
                pen.polygon([(x, y + side), (x + side, y + side), (x + side // 2, y)], fill=colour)
        images.append(data.decode_image(_png(canvas), image_size, background=255, keep_aspect=True))
        drawn.append(shown)
    return np.stack(images), drawn


def _png(image):
    import io

    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def plain_shape_scores(captions, confidences, drawn, threshold):
    """How captions of `plain_shapes` drawings read: naming a drawn colour or
    shape, naming every drawn colour and shape, confident, and confident while
    naming none of them (a confident description of other things)."""
    named_any, named_all = [], []
    for text, shown in zip(captions, drawn):
        words = set(drawings.tokens(text))
        wanted = {w for pair in shown for w in pair}
        named_any.append(bool(words & wanted))
        named_all.append(wanted <= words)
    named_any, confident = np.array(named_any), np.array(confidences) >= threshold
    return {
        "names_a_drawn_colour_or_shape": round(float(named_any.mean()), 4),
        "names_every_drawn_colour_and_shape": round(float(np.mean(named_all)), 4),
        "confident": round(float(confident.mean()), 4),
        "confident_and_names_none": round(float((confident & ~named_any).mean()), 4),
        "images": len(drawn),
    }


def save_grid(path, images, captions, confidences, threshold, columns=6):
    """A PNG grid of images with their captions (and confidence) under each."""
    plt = caption._pyplot()
    if plt is None:
        raise ImportError("The caption grid needs matplotlib: python -m pip install matplotlib")
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.9 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, text, confidence in zip(axes.ravel(), images, captions, confidences):
        ax.imshow(image)
        shown = text if confidence >= threshold else f"(withheld) {text}"
        ax.set_title(f"{textwrap.fill(shown, 30)}\n[confidence {confidence:.2f}]", fontsize=7)
    caption._save_figure(figure, path)
    plt.close(figure)


def evaluate(captioner, folder=None, beam_size=1, limit=None, grid=None):
    """All figures of the drawings captioner on the corpus in `folder`."""
    records = drawings.read_table(folder)
    size = captioner.image_size
    results = choose_threshold(captioner, *drawings.load_split("validation", size, folder, limit, records)[::2], size, beam_size)
    for split in [s for s in EVALUATED_SPLITS if any(r["split"] == s for r in records)]:
        images, references, chosen = drawings.load_split(split, size, folder, limit, records)
        scores, captions, confidences = evaluate_split(captioner, images, references, chosen, beam_size)
        results[split] = scores
        print(f"{split:>12}: " + "  ".join(f"{k} {v}" for k, v in scores.items()))
        for text, refs in list(zip(captions, references))[:3]:
            print(f"    model: {text}\n    truth: {refs[0]}")
        if grid and split == "test":
            rng = np.random.default_rng(0)
            shown = rng.choice(len(images), size=min(24, len(images)), replace=False)
            save_grid(grid, augment.on_white(images[shown]), [captions[i] for i in shown],
                      [confidences[i] for i in shown], results["confidence_threshold"])
    images, drawn = plain_shapes(PLAIN_DRAWINGS, size)
    captions, confidences = captioner.caption_with_confidence(images, beam_size)
    results["plain_shapes"] = plain_shape_scores(captions, confidences, drawn, results["confidence_threshold"])
    print(f"{'plain shapes':>12}: " + "  ".join(f"{k} {v}" for k, v in results["plain_shapes"].items()))
    for text, confidence, shown in list(zip(captions, confidences, drawn))[:4]:
        print(f"    model: {text} ({confidence:.2f})\n    drawn: {shown}")
    return results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Evaluate a drawings captioner on the drawings corpus.")
    parser.add_argument("--model", default="drawings-captioner", help="zoo model (default drawings-captioner)")
    parser.add_argument("--weights", help="a local .weights.h5 file instead of the zoo's")
    parser.add_argument("--folder", help="the drawings corpus (default: the data cache's drawings/)")
    parser.add_argument("--beam", type=int, default=1, help="beam size; 1 is greedy")
    parser.add_argument("--limit", type=positive_int, help="at most this many drawings per split")
    parser.add_argument("--grid", help="save a grid of test drawings with their captions to this PNG")
    parser.add_argument("--metrics-json", help="write the figures here")
    return parser.parse_args(argv)


def main(argv=None):
    from rnnzoo.zoo.loading import entry, load

    args = parse_args(argv)
    caption.check_beam_size(args.beam)
    caption.check_png_path("--grid", args.grid)
    config = entry(args.model)["config"]
    captioner = caption.Captioner(load(args.model, weights=args.weights or True), config)
    results = evaluate(captioner, args.folder, args.beam, args.limit, args.grid)
    print(json.dumps(results, indent=2))
    if args.metrics_json:
        Path(args.metrics_json).write_text(json.dumps(results, indent=2) + "\n")
    return results


def cli(argv=None):
    try:
        return main(argv)
    except (ValueError, FileNotFoundError, OSError, KeyError) as error:
        sys.exit(f"evaluate: error: {error}")


if __name__ == "__main__":
    cli()
