"""The bundled shapes-captioner: it loads, reproduces its recorded BLEU, and `rnnzoo caption` works offline."""

import numpy as np
import pytest
import tensorflow as tf

from rnnzoo import zoo
from rnnzoo.applications.image_captioning import caption, scenes
from rnnzoo.zoo.cli import main as rnnzoo

NAME = "shapes-captioner"


@pytest.fixture(scope="module")
def captioner():
    return caption.Captioner(zoo.load(NAME), zoo.info(NAME)["config"])


def test_entry_records_how_it_was_made():
    entry = zoo.info(NAME)
    for key in ("description", "builder", "config", "dataset", "metric", "command", "parameters", "weights", "trained_on"):
        assert key in entry, key
    assert entry["task"] == "image-captioning" and entry["vocabulary"] == entry["config"]["vocabulary"]
    assert len(entry["weights"]["sha256"]) == 64
    assert zoo.load(NAME).count_params() == entry["parameters"]


@pytest.mark.parametrize("split", ["test", "compositional"])
def test_bundled_model_reproduces_its_recorded_greedy_bleu(captioner, split):
    metric = zoo.info(NAME)["metric"]
    images, references = scenes.make_split(split, metric["images_per_split"])
    scores, captions = caption.evaluate(captioner, images, references, beam_size=1)
    scores["objects_named"] = scenes.objects_named(captions, scenes.split_shapes(split, len(images)), split == "compositional")
    assert scores == pytest.approx(metric[f"{split}_greedy"], abs=0.005)


@pytest.mark.slow
@pytest.mark.parametrize("split", ["test", "compositional"])
def test_bundled_model_reproduces_its_recorded_beam_bleu(captioner, split):
    metric = zoo.info(NAME)["metric"]
    images, references = scenes.make_split(split, metric["images_per_split"])
    scores, captions = caption.evaluate(captioner, images, references, beam_size=metric["beam_size"])
    scores["objects_named"] = scenes.objects_named(captions, scenes.split_shapes(split, len(images)), split == "compositional")
    assert scores == pytest.approx(metric[f"{split}_beam{metric['beam_size']}"], abs=0.005)


def test_caption_command_reads_any_image_file(tmp_path, capsys):
    # A one-shape scene, saved larger and with an alpha channel: the CLI converts and resizes it.
    image, _, references = scenes.scene("test", 5)
    assert len(references) == 3, "scene 5 of the test split holds one shape"
    big = tf.image.resize(image, (150, 150), method="nearest").numpy().astype("uint8")
    rgba = np.concatenate([big, np.full((150, 150, 1), 255, "uint8")], -1)
    path = tmp_path / "scene.png"
    path.write_bytes(tf.io.encode_png(rgba).numpy())
    attention = tmp_path / "attention.png"
    assert rnnzoo(["caption", str(path), "--model", NAME, "--beam", "3", "--attention", str(attention)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] in references
    assert printed[1].startswith("(confidence ")  # the shapes entry sets no threshold: every caption is shown
    assert tf.io.decode_png(attention.read_bytes()).shape[0] > 100


@pytest.mark.parametrize("argv, message", [
    (["caption", "{tmp}/scene.png", "--beam", "0"], "beam size must be a positive integer (1 is greedy), got 0"),
    (["caption", "{tmp}/notes.png"], "Not a readable PNG, JPEG, BMP or GIF image"),
    (["caption", "{tmp}/absent.png"], "Image file not found"),
    (["caption"], "give an IMAGE file to caption, or --demo"),
    (["caption", "{tmp}/scene.png", "--demo"], "give an IMAGE file to caption, or --demo"),
    (["caption", "--demo", "--out", "{tmp}/demo.jpg"], "--out must name a .png file"),
    (["caption", "{tmp}/scene.png", "--name", "shakespeare-char"], "not an image-captioning model"),
])
def test_caption_command_bad_input_is_one_line(tmp_path, capsys, argv, message):
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "scene.png").write_bytes(tf.io.encode_png(scenes.scene("test", 0)[0]).numpy())
    assert rnnzoo([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("rnnzoo: error: ") and message in error and error.count("\n") == 1


def test_demo_command_from_the_readme_runs_offline(tmp_path, capsys):
    out = tmp_path / "demo.png"
    assert rnnzoo(["caption", "--demo", "--out", str(out)]) == 0
    _, _, references = scenes.scene("test", 0)
    assert capsys.readouterr().out.splitlines()[0] in references
    assert tf.io.decode_png(out.read_bytes()).shape[0] >= 256
    assert [p.name for p in tmp_path.iterdir()] == ["demo.png"]
