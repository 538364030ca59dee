"""Captioned drawings: the caption rules, attributes, splits, augmentation, and the corpus build.

The corpus build runs on a few drawings the tests make (Tux Paint stamps and
emoji-datasource packages laid out as the real ones), never on the installed
packages, so nothing here needs Debian's or npm's data.
"""

import json

import numpy as np
import pytest
import tensorflow as tf

from rnnzoo.applications.image_captioning import augment, drawings, evaluate, prepare_drawings

ENGLISH = frozenset("dog on leash a the of birthday cake iced with burning candle in it star stars mammal animal "
                    "frog frogs dead goat mountain penguin baby tux".split())


@pytest.fixture
def dictionary(monkeypatch):
    """A small English word list, so the rules do not depend on Debian's wamerican."""
    monkeypatch.setattr(drawings, "english_words", lambda: ENGLISH)


# ---------------------------------------------------------------------------
# Caption rules.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    (dict(title="Dog_On_Leash_02"), ["a dog on leash"]),
    (dict(title="2_dead_frogs"), ["dead frogs"]),  # plural head: no article
    (dict(title="Clipart by Nicu Buculei - Birthday cake", creator="Nicu Buculei"), ["a birthday cake"]),
    (dict(title="Provetta plasma sangue", keywords=["unsorted", "mammal"]), ["a drawing of a mammal"]),  # not English
    (dict(title="Baby Tux", description="Made with Sodipodi. A penguin."), ["a baby tux"]),  # about the file
    (dict(title="cake", description="EPS converted from http://example.org"), ["a cake"]),
    (dict(title="people holding hands: light skin tone, dark skin tone", emoji=True),
     ["people holding hands with light skin tone and dark skin tone", "people holding hands light skin tone and dark skin tone"]),
    (dict(title="keycap: *", emoji=True), ["a keycap"]),
    (dict(caption="A mountain goat."), ["a mountain goat"]),
    (dict(title="Part of the Flat Icon Collection (Wed Aug 25 2004)"), []),
])
def test_reference_captions_follow_the_rules(dictionary, kwargs, expected):
    assert drawings.reference_captions(**kwargs) == expected


def test_objects_are_head_nouns_and_keywords_without_colours_or_boilerplate(dictionary):
    objects = drawings.object_words(["a dog on leash"], ["mammal", "green", "clipart", "dog"], "animals/mammals")
    assert objects == ["dog", "mammal"]  # the category's last folder only
    assert drawings.object_words(["a man biking with dark skin tone"]) == ["biking", "man"]
    assert drawings.names_object("two dogs playing", objects)
    assert not drawings.names_object("a green leash", objects)


@pytest.mark.parametrize("word, singular", [("cats", "cat"), ("berries", "berry"), ("boxes", "box"), ("glass", "glass"), ("bus", "bus")])
def test_stem_makes_plurals_singular(word, singular):
    assert drawings.stem(word) == singular


def test_attributes_are_read_from_names_and_from_captions():
    truth = drawings.emoji_attributes("woman mountain biking: medium-dark skin tone")
    assert truth == {"person": "woman", "activity": "mountain biking", "tone": "medium-dark"}
    assert drawings.emoji_attributes("woman mountain biking") is None  # no skin tone: not a combination
    scores = drawings.attribute_scores(
        ["a woman mountain biking with medium-dark skin tone", "a man biking with dark skin tone", "a woman cooking"],
        [truth] * 3)
    # "dark" is not "medium-dark"; the third names no tone and the wrong activity.
    assert scores == {"person": round(2 / 3, 4), "activity": round(2 / 3, 4), "tone": round(1 / 3, 4)}


def test_held_out_combinations_keep_every_attribute_and_pair_in_training():
    activities = [f"activity {k}" for k in range(40)]
    held_out = drawings.held_out_combinations(activities)
    everything = {(p, a, t) for p in drawings.PERSONS for a in activities for t in drawings.TONES}
    trained = everything - held_out
    assert len(held_out) == len(activities)
    for first, second in [(0, 1), (0, 2), (1, 2)]:
        pairs = {(triple[first], triple[second]) for triple in everything}
        assert pairs == {(triple[first], triple[second]) for triple in trained}


def test_splits_hold_out_a_style_and_the_combinations_deterministically():
    combinations = {("man", "biking", "dark")}
    noto = {"id": "noto/1F600", "style": "noto", "group": "noto/1F600"}
    combo = {"id": "twemoji/X", "style": "twemoji", "group": "x", "attributes": {"person": "man", "activity": "biking", "tone": "dark"}}
    assert drawings.assign_split(noto, combinations) == "style"
    assert drawings.assign_split(combo, combinations) == "combinations"
    others = [drawings.assign_split({"id": f"openclipart/{k}", "style": "openclipart", "group": str(k)}, combinations) for k in range(2000)]
    assert others == [drawings.assign_split({"id": f"openclipart/{k}", "style": "openclipart", "group": str(k)}, combinations) for k in range(2000)]
    shares = {split: others.count(split) / len(others) for split in ("train", "validation", "test")}
    assert shares["train"] == pytest.approx(0.85, abs=0.03) and shares["test"] == pytest.approx(0.10, abs=0.03)


# ---------------------------------------------------------------------------
# Augmentation.
# ---------------------------------------------------------------------------
def drawing(size=32):
    """A red disc on a transparent page."""
    yy, xx = np.mgrid[:size, :size]
    inside = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2
    rgba = np.zeros((size, size, 4), "uint8")
    rgba[inside] = [220, 20, 20, 255]
    return rgba


def test_augmented_views_are_seeded_and_keep_the_drawing_s_colour():
    rgba = drawing()
    first = augment.augment(rgba, tf.constant([0, 1], tf.int64)).numpy()
    again = augment.augment(rgba, tf.constant([0, 1], tf.int64)).numpy()
    other = augment.augment(rgba, tf.constant([0, 2], tf.int64)).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == (32, 32, 3) and first.min() >= 0 and first.max() <= 255
    centre = first[14:18, 14:18]  # inside the disc whatever the crop: still red, never hue-shifted
    assert np.all(centre[..., 0] > centre[..., 1] + 60)


def test_on_white_and_fit_square():
    white = augment.on_white(drawing())
    assert tuple(white[0, 0]) == (255, 255, 255) and tuple(white[16, 16]) == (220, 20, 20)
    tall = np.concatenate([drawing(), drawing()], axis=0)  # 64 x 32
    square = augment.fit_square(augment.to_rgba(tall), 32)
    assert square.shape == (32, 32, 4)
    assert square[:, :8, 3].max() == 0 and square[:, -8:, 3].max() == 0  # padded transparent at the sides


def test_blank_images_and_non_drawings():
    assert evaluate.is_blank(np.full((20, 20, 3), 37, "uint8"))
    assert not evaluate.is_blank(augment.on_white(drawing()))
    negatives = evaluate.non_drawings(10, 16)
    assert negatives.shape == (10, 16, 16, 3) and evaluate.is_blank(negatives[0]) and not evaluate.is_blank(negatives[-1])


COLOURED = {"a red circle": (220, 20, 20), "a blue square": (20, 20, 220), "a green heart": (20, 200, 20), "a yellow star": (230, 220, 0)}


def test_shape_phrases_and_lists():
    assert [drawings.shape_phrase(c) for c in ("a blue square button", "a small orange diamond", "a red apple")] == \
        ["blue square", "small orange diamond", None]
    assert drawings.list_phrase(["red circle", "blue square", "orange heart"]) == "a red circle, a blue square and an orange heart"


def test_shape_scenes_lay_the_shapes_out_in_the_order_the_caption_names_them(monkeypatch):
    monkeypatch.setattr(augment, "RECOLOUR_ODDS", 0.0)  # the colours as drawn, to find each shape
    images = np.stack([np.where(drawing(48)[..., 3:] > 0, [*colour, 255], 0).astype("uint8") for colour in COLOURED.values()])
    records = [{"captions": [caption]} for caption in COLOURED] + [{"captions": ["a red apple"]}]
    images = np.concatenate([images, drawing(48)[None]])
    scenes, references, made = augment.shape_scenes(images, records, 30, seed=4)
    again = augment.shape_scenes(images, records, 30, seed=4)[0]
    np.testing.assert_array_equal(scenes, again)
    assert scenes.shape == (30, 48, 48, 4) and len(references) == len(made) == 30
    counts = set()
    for scene, (caption,) in zip(scenes, references):
        named = [c for c in caption.replace(" and ", ", ").split(", ")]
        assert "apple" not in caption and all(c in COLOURED for c in named), caption
        # Each named shape's pixels lie left of the next one's.
        centres = []
        for name in named:
            mask = np.all(np.abs(scene[..., :3].astype(int) - COLOURED[name]) < 40, axis=-1) & (scene[..., 3] > 200)
            assert mask.sum() > 4, caption
            centres.append(np.nonzero(mask)[1].mean())
        assert centres == sorted(centres), (caption, centres)
        counts.add(len(named))
    assert counts == {1, 2, 3}
    with pytest.raises(ValueError, match="at least 3 shape drawings"):
        augment.shape_scenes(images[-2:], records[-2:], 5)


def test_repainted_shapes_take_a_shade_of_their_colour_and_keep_their_outline():
    disc = drawing(32)
    disc[16, 8] = [0, 0, 0, 255]  # an outline pixel, far from the fill
    repainted = augment._repaint_fill(disc, np.array([0, 0, 255]))
    assert tuple(repainted[16, 16]) == (0, 0, 255, 255) and tuple(repainted[16, 8]) == (0, 0, 0, 255)
    assert repainted[0, 0, 3] == 0  # transparent stays transparent
    images = np.stack([np.where(drawing(48)[..., 3:] > 0, [20, 20, 220, 255], 0).astype("uint8")] * 3)
    scenes, _, _ = augment.shape_scenes(images, [{"captions": ["a blue square"]}] * 3, 40, seed=0)
    def fill(scene):  # its commonest opaque colour (resizing blends the edges)
        colours, counts = np.unique(scene[scene[..., 3] == 255][:, :3], axis=0, return_counts=True)
        return tuple(colours[counts.argmax()])

    fills = {fill(scene) for scene in scenes}
    shades = np.array(augment.SHADES["blue"] + [(20, 20, 220)])
    assert len(fills) > 3  # repainted in several shades...
    for fill in fills:  # ...each a blue within the jitter of a listed shade (or the drawn one)
        assert np.abs(shades - fill).max(axis=1).min() <= augment.RECOLOUR_JITTER, fill


def test_plain_shape_drawings_and_how_their_captions_are_scored():
    images, drawn = evaluate.plain_shapes(12, 32, seed=3)
    assert images.shape == (12, 32, 32, 3) and images.dtype == np.uint8 and {len(d) for d in drawn} == {1, 2}
    for image, shown in zip(images, drawn):
        assert tuple(image[0, 0]) == (255, 255, 255) and not evaluate.is_blank(image)
        if shown[0][0] == "red":  # PIL's red, (255, 0, 0), somewhere on the page
            assert np.any((image[..., 0] > 200) & (image[..., 1] < 60) & (image[..., 2] < 60))
    drawn = [[("red", "circle"), ("blue", "square")], [("green", "square")], [("red", "circle")]]
    captions = ["a red circle and a blue square", "a drawing of a party", "a red apple"]
    scores = evaluate.plain_shape_scores(captions, [0.9, 0.9, 0.2], drawn, threshold=0.5)
    assert scores == {"names_a_drawn_colour_or_shape": round(2 / 3, 4), "names_every_drawn_colour_and_shape": round(1 / 3, 4),
                      "confident": round(2 / 3, 4), "confident_and_names_none": round(1 / 3, 4), "images": 3}


# ---------------------------------------------------------------------------
# The corpus build, on drawings the test makes.
# ---------------------------------------------------------------------------
def write_png(path, rgba):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(rgba).numpy())


def fake_sources(root):
    """A Tux Paint stamps folder, an OpenMoji data file (names only) and two emoji-datasource packages."""
    stamps = root / "stamps" / "animals" / "mammals"
    for name, text in [("goat", "A mountain goat.\nfr.utf8=Une chèvre."), ("dog", "A dog.")]:
        write_png(stamps / f"{name}.png", drawing(40))
        (stamps / f"{name}.txt").write_text(text, encoding="utf-8")
    (root / "stamps" / "orphan.txt").write_text("No image beside me.")
    npm = root / "npm"
    names = [{"hexcode": "1F6B4-1F3FF", "annotation": "person biking: dark skin tone", "tags": "bicycle, cyclist", "group": "people-body"},
             {"hexcode": "1F600", "annotation": "grinning face", "tags": "face, grin", "group": "smileys-emotion"}]
    (npm / "openmoji-17.0.0" / "package" / "data").mkdir(parents=True)
    (npm / "openmoji-17.0.0" / "package" / "package.json").write_text("{}")
    (npm / "openmoji-17.0.0" / "package" / "data" / "openmoji.json").write_text(json.dumps(names))
    for style, (package, folder) in {"twemoji": ("emoji-datasource-twitter", "twitter"), "noto": ("emoji-datasource-google", "google")}.items():
        base = npm / f"{package}-16.0.0" / "package"
        entries = [{"name": "GRINNING FACE", "unified": "1F600", "image": "1f600.png", "short_names": ["grinning"], "category": "Smileys & Emotion",
                    "skin_variations": None},
                   {"name": "BICYCLIST", "unified": "1F6B4", "image": "1f6b4.png", "short_names": ["bicyclist"], "category": "People & Body",
                    "skin_variations": {"1F3FF": {"unified": "1F6B4-1F3FF", "image": "1f6b4-1f3ff.png"}}}]
        for entry in entries:
            for variant in [entry, *(entry["skin_variations"] or {}).values()]:
                write_png(base / "img" / folder / "64" / variant["image"], drawing(64))
        (base / "package.json").write_text("{}")
        (base / "emoji.json").write_text(json.dumps(entries))
    return root


def test_prepare_builds_the_caption_table_and_resumes(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(prepare_drawings.shutil, "which", lambda name: None)  # no npm, no rsvg-convert: PNG sources only
    sources = fake_sources(tmp_path / "sources")
    argv = ["--folder", str(tmp_path / "corpus"), "--tuxpaint-dir", str(sources / "stamps"), "--npm-dir", str(sources / "npm"),
            "--quiet", "--sources", "tuxpaint", "twemoji", "noto", "openmoji", "openclipart", "--openclipart-dir", str(tmp_path / "none")]
    records = prepare_drawings.main(argv)
    notes = capsys.readouterr().err
    assert "openclipart skipped: not installed (install with: sudo apt-get install openclipart-svg" in notes
    assert "openmoji skipped" in notes  # its SVGs need rsvg-convert; its names still serve the other sets
    by_id = {r["id"]: r for r in records}
    assert set(by_id) == {"tuxpaint/animals_mammals_goat", "tuxpaint/animals_mammals_dog", "twemoji/1F600", "twemoji/1F6B4",
                          "twemoji/1F6B4-1F3FF", "noto/1F600", "noto/1F6B4", "noto/1F6B4-1F3FF"}
    assert by_id["tuxpaint/animals_mammals_goat"]["captions"] == ["a mountain goat"]
    assert by_id["twemoji/1F6B4-1F3FF"]["captions"][0] == "a person biking with dark skin tone"
    assert by_id["twemoji/1F6B4-1F3FF"]["attributes"] == {"person": "person", "activity": "biking", "tone": "dark"}
    assert "cyclist" in by_id["twemoji/1F6B4-1F3FF"]["objects"]
    assert by_id["twemoji/1F6B4"]["captions"] == ["a bicyclist"]  # no CLDR name in the data file: emoji.json's own
    assert all(r["split"] == "style" for r in records if r["style"] == "noto")
    table = drawings.read_table(tmp_path / "corpus")
    assert table == records
    images, references, chosen = drawings.load_split("style", 24, tmp_path / "corpus", records=table)
    assert images.shape == (3, 24, 24, 4) and images.dtype == np.uint8 and references == [r["captions"] for r in chosen]
    assert (tmp_path / "corpus" / "packed-24.npy").is_file()  # decoded once, read back memory-mapped
    # A rerun renders nothing again.
    image = tmp_path / "corpus" / by_id["noto/1F600"]["image"]
    stamp = image.stat().st_mtime_ns
    assert prepare_drawings.main(argv) == records
    assert image.stat().st_mtime_ns == stamp


def test_bad_corpus_and_split_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="drawings.jsonl"):
        drawings.read_table(tmp_path)
    (tmp_path / "drawings.jsonl").write_text('{"id": "x", "split": "train"}\nnot json\n')
    with pytest.raises(ValueError, match="line 2: not a JSON record"):
        drawings.read_table(tmp_path)
    with pytest.raises(ValueError, match="Unknown drawings split 'holdout'"):
        drawings.load_split("holdout", 32, tmp_path)
    with pytest.raises(SystemExit, match="no drawings found"):
        prepare_drawings.main(["--folder", str(tmp_path / "out"), "--sources", "tuxpaint", "--tuxpaint-dir", str(tmp_path / "none"), "--quiet"])


def test_training_script_on_drawings_trains_and_reports_every_split(tmp_path):
    from rnnzoo.applications.image_captioning import train

    folder = tmp_path / "corpus"
    splits = ["train"] * 12 + ["validation"] * 4 + ["test"] * 4 + ["style"] * 2 + ["combinations"] * 2
    records = []
    for k, split in enumerate(splits):
        image = f"images/x/{k}.png"
        write_png(folder / image, np.roll(drawing(40), 3 * k, axis=1))
        attributes = {"person": "man", "activity": "biking", "tone": "dark"} if split == "combinations" else None
        records.append({"id": f"x/{k}", "source": "emoji", "style": "noto" if split == "style" else "twemoji", "image": image,
                        "captions": ["a man biking with dark skin tone" if attributes else
                                     # three shape emoji: the training set gains composed scenes of them
                                     ["a red circle", "a blue square", "a green heart"][k] if k < 3 else "a red ball"],
                        "objects": ["ball"], "attributes": attributes, "group": str(k), "split": split})
    (folder / "drawings.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    metrics, vocabulary = tmp_path / "metrics.json", tmp_path / "vocabulary.json"
    results = train.main(["--drawings", str(folder), "--smoke", "--image-size", "32", "--metrics-json", str(metrics),
                          "--save-vocabulary", str(vocabulary)])
    assert json.loads(metrics.read_text()) == results
    assert 0.0 < results["confidence_threshold"] <= 1.0
    assert {"test_greedy", "style_beam2", "combinations_greedy"} <= set(results)
    assert set(results["combinations_greedy"]["attributes"]) == {"person", "activity", "tone"}
    assert json.loads(vocabulary.read_text())[:4] == ["<pad>", "<unk>", "<start>", "<end>"]
