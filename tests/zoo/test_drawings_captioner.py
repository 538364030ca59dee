"""The bundled drawings-captioner: `rnnzoo caption` on drawings it never saw, and on images with nothing to caption.

Its recorded figures need the drawings corpus (built by prepare_drawings.py
from Debian and npm packages, cached outside git); that test skips without it.
"""

import numpy as np
import pytest
import tensorflow as tf

from rnnzoo import zoo
from rnnzoo.applications.image_captioning import caption, drawings
from rnnzoo.applications.image_captioning import evaluate as drawings_evaluation
from rnnzoo.zoo.cli import main as rnnzoo

NAME = "drawings-captioner"


def write_png(path, image):
    path.write_bytes(tf.io.encode_png(np.asarray(image, "uint8")).numpy())
    return str(path)


def circle_and_square(size=128):
    """A red circle beside a blue square on white, drawn as a user would with PIL."""
    image = np.full((size, size, 3), 255, "uint8")
    yy, xx = np.mgrid[:size, :size]
    image[(yy - size / 2) ** 2 + (xx - size * 0.28) ** 2 < (size * 0.18) ** 2] = (220, 30, 30)
    image[int(size * 0.33):int(size * 0.67), int(size * 0.58):int(size * 0.92)] = (30, 60, 220)
    return image


def test_entry_declares_how_it_reads_images_and_its_threshold():
    entry = zoo.info(NAME)
    assert entry["task"] == "image-captioning"
    assert entry["inference"]["background"] == 255 and entry["inference"]["keep_aspect"] is True
    assert 0.0 < entry["inference"]["confidence_threshold"] < 1.0
    assert entry["inference"]["confidence_threshold"] == entry["metric"]["confidence_threshold"]


def test_a_plain_drawing_it_never_saw_is_captioned_by_its_shapes_and_colours(tmp_path, capsys):
    # The bar: name the objects or colours, never a confident description of other things.
    assert rnnzoo(["caption", write_png(tmp_path / "shapes.png", circle_and_square())]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert not printed[0].startswith("no confident caption"), printed
    assert {"red", "circle", "blue", "square"} <= set(drawings.tokens(printed[0])), printed


@pytest.mark.parametrize("make", [
    lambda: np.full((64, 64, 3), 255, "uint8"),                       # a blank white page
    lambda: np.zeros((40, 40, 4), "uint8"),                          # all transparent
    lambda: np.full((64, 64, 3), (30, 140, 90), "uint8"),            # one colour
], ids=["white", "transparent", "one-colour"])
def test_blank_images_get_no_confident_caption(tmp_path, capsys, make):
    assert rnnzoo(["caption", write_png(tmp_path / "blank.png", make())]) == 0
    assert capsys.readouterr().out.startswith("no confident caption (the image is blank")


def test_a_tiny_image_is_refused_in_one_line(tmp_path, capsys):
    assert rnnzoo(["caption", write_png(tmp_path / "dot.png", np.zeros((1, 1, 3)))]) == 2
    error = capsys.readouterr().err
    assert "dot.png is 1x1 pixels: too small to caption" in error and error.count("\n") == 1


@pytest.mark.slow
def test_recorded_figures_reproduce_on_the_drawings_corpus():
    folder = drawings.default_folder()
    if not (folder / "drawings.jsonl").is_file():
        pytest.skip(f"no drawings corpus in {folder} (python -m rnnzoo.applications.image_captioning.prepare_drawings)")
    entry = zoo.info(NAME)
    captioner = caption.Captioner(zoo.load(NAME), entry["config"])
    records = drawings.read_table(folder)
    for split in ("test", "combinations"):
        images, references, chosen = drawings.load_split(split, captioner.image_size, folder, records=records)
        scores, _, _ = drawings_evaluation.evaluate_split(captioner, images, references, chosen)
        recorded = entry["metric"][f"{split}_greedy"]
        assert scores["object_accuracy"] == pytest.approx(recorded["object_accuracy"], abs=0.01)
        assert scores["bleu4"] == pytest.approx(recorded["bleu4"], abs=0.01)
