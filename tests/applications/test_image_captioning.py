"""The image-captioning application: scenes, data, model, decoding, loaders, bad input."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from rnnzoo.applications.image_captioning import caption, data, model as captioning_model, scenes

WORDS = scenes.vocabulary_words()
VOCABULARY = list(data.SPECIAL_TOKENS) + WORDS
TINY = dict(vocabulary=VOCABULARY, max_length=6, image_size=32, feature_dim=16, units=16,
            embedding_dim=8, attention_units=8)


def png(image):
    return tf.io.encode_png(np.asarray(image, "uint8")).numpy()


# ---------------------------------------------------------------------------
# Scenes.
# ---------------------------------------------------------------------------
def test_scenes_are_deterministic_under_a_seed():
    first, shapes, refs = scenes.scene("train", 7)
    again, _, _ = scenes.scene("train", 7)
    other, _, _ = scenes.scene("train", 7, seed=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == (64, 64, 3) and first.dtype == np.uint8
    assert 1 <= len(shapes) <= 3 and len(refs) == {1: 3, 2: 4, 3: 6}[len(shapes)]


def test_compositional_split_holds_exactly_the_pairings_training_never_shows():
    pairing = lambda s: (s.colour, s.shape)  # noqa: E731
    train = [pairing(s) for i in range(300) for s in scenes.scene("train", i)[1]]
    held_out = [[pairing(s) in scenes.HELD_OUT_PAIRS for s in scenes.scene("compositional", i)[1]] for i in range(100)]
    assert not set(train) & scenes.HELD_OUT_PAIRS
    assert len(set(train)) == len(scenes.COLOURS) * len(scenes.SHAPES) - len(scenes.HELD_OUT_PAIRS)
    assert all(any(flags) for flags in held_out)
    # Every held-out colour and shape does appear in training, with other partners.
    assert {c for c, _ in scenes.HELD_OUT_PAIRS} <= {c for c, _ in train}
    assert {s for _, s in scenes.HELD_OUT_PAIRS} <= {s for _, s in train}


@pytest.mark.parametrize("split", ["train", "compositional"])
def test_every_reference_states_true_relations(split):
    for index in range(60):
        _, shapes, refs = scenes.scene(split, index)
        for ref in refs:
            assert set(ref.split()) <= set(WORDS)
            for a, b in itertools.permutations(shapes, 2):
                if a.phrase == b.phrase:  # two alike shapes: the sentence cannot tell which is which
                    continue
                for name, holds in [("to the left of", a.x < b.x), ("to the right of", a.x > b.x),
                                    ("above", a.y < b.y), ("below", a.y > b.y)]:
                    if f"{a.phrase} {name} {b.phrase}" in ref:
                        assert holds, (ref, a, b)


@pytest.mark.parametrize("shape, area", [
    ("circle", np.pi), ("square", 1.7**2), ("diamond", 2 * 1.15**2), ("triangle", 1.8 * 1.8 * 0.62),
])
def test_rendered_shape_covers_its_closed_form_area(shape, area):
    # Radius 10: each shape's area in units of r^2; the render averages 3x3 samples per pixel.
    drawn = scenes.Shape(shape, "red", "large", 32.0, 32.0, 10.0)
    image = scenes.render([drawn], rng=np.random.default_rng(0)).astype(float)
    background, inside = np.median(image[..., 0]), image[30:35, 30:35, 0].mean()
    coverage = (image[..., 0] - background) / (inside - background)  # zero-mean noise cancels in the sum
    assert coverage.sum() == pytest.approx(area * 100, rel=0.04)
    assert np.argmax(image[32, 32]) == 0  # red at the centre


def test_split_shapes_are_the_scenes_shapes_and_objects_named_counts_whole_phrases():
    shapes = scenes.split_shapes("compositional", 5)
    assert shapes == [scenes.scene("compositional", i)[1] for i in range(5)]
    red_square = scenes.Shape("square", "red", "large", 10, 10, 9)
    blue_circle = scenes.Shape("circle", "blue", "small", 40, 10, 5)
    captions = ["a large red circle to the left of a small blue circle", "a large red square"]
    assert scenes.objects_named(captions, [[red_square, blue_circle], [red_square]]) == pytest.approx(2 / 3)
    assert scenes.objects_named(captions, [[red_square, blue_circle], [red_square]], held_out_only=True) == 0.5
    with pytest.raises(ValueError, match="No objects to count of held-out pairings"):
        scenes.objects_named(captions[:1], [[blue_circle]], held_out_only=True)


def test_make_split_refuses_a_bad_count_and_split():
    with pytest.raises(ValueError, match="count must be a positive integer, got 0"):
        scenes.make_split("train", 0)
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        scenes.scene("dev", 0)


# ---------------------------------------------------------------------------
# Vocabulary and batches.
# ---------------------------------------------------------------------------
def test_vocabulary_encodes_teacher_forcing_pairs_and_decodes_back():
    vocabulary = data.Vocabulary(VOCABULARY)
    source, target = vocabulary.encode("A large red circle.", max_length=6)
    ids = [VOCABULARY.index(w) for w in ("a", "large", "red", "circle")]
    assert source == [2, *ids, 0] and target == [*ids, 3, 0]
    assert vocabulary.decode(target) == "a large red circle"
    assert vocabulary.encode("a zebra", 4)[1] == [ids[0], 1, 3, 0]  # unknown word -> <unk>
    assert vocabulary.encode("a large red circle to the left", 4)[0] == [2, *ids[:3]]  # cut to fit


def test_vocabulary_from_captions_ranks_by_frequency():
    vocabulary = data.Vocabulary.from_captions([["A dog runs.", "a dog"], ["a cat!"]], max_words=2)
    assert vocabulary.tokens == [*data.SPECIAL_TOKENS, "a", "dog"]
    with pytest.raises(ValueError, match="starts with"):
        data.Vocabulary(["a", "b"])


def test_caption_dataset_pairs_each_image_with_each_reference():
    images = np.arange(3)[:, None, None, None] * np.ones((3, 4, 4, 3), "uint8")
    refs = [["a red circle"], ["a blue square", "a square"], ["a green diamond"]]
    batches = list(data.caption_dataset(images, refs, data.Vocabulary(VOCABULARY), 5, 8, shuffle=False))
    (pixels, sources), targets = batches[0]
    assert [int(p[0, 0, 0]) for p in pixels] == [0, 1, 1, 2]
    decoded = [data.Vocabulary(VOCABULARY).decode(t) for t in targets.numpy()]
    assert decoded == ["a red circle", "a blue square", "a square", "a green diamond"]
    # Teacher forcing: the input is the target one step late, <end> left out.
    np.testing.assert_array_equal(sources.numpy()[:, 1:], np.where(targets.numpy() == 3, 0, targets.numpy())[:, :-1])
    assert np.all(sources.numpy()[:, 0] == 2)


# ---------------------------------------------------------------------------
# Image files.
# ---------------------------------------------------------------------------
def test_image_files_of_every_kind_become_rgb_of_the_model_size(tmp_path):
    # A smooth picture (JPEG keeps it close), 20 x 30: neither square nor the model's size.
    rows, cols = np.mgrid[0:20, 0:30]
    rgb = np.stack([rows * 12, cols * 8, 128 + 100 * np.sin(rows / 4 + cols / 6)], -1).astype("uint8")
    gray = rgb[..., :1]
    alpha = np.full((20, 30, 1), 128, "uint8")
    files = {
        "rgb.png": png(rgb),
        "gray.png": png(gray),
        "rgba.png": png(np.concatenate([rgb, alpha], -1)),
        "photo.jpg": tf.io.encode_jpeg(rgb, quality=100).numpy(),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    size = 30
    read = {name: data.read_image(tmp_path / name, size) for name in files}
    for image in read.values():
        assert image.shape == (size, size, 3) and image.dtype == np.uint8
    # Reference: the same resize of what each conversion must give.
    resize = lambda x: np.clip(np.round(tf.image.resize(x.astype("float32"), (size, size), antialias=True).numpy()), 0, 255)  # noqa: E731
    np.testing.assert_allclose(read["rgb.png"], resize(rgb), atol=1)
    np.testing.assert_allclose(read["gray.png"], resize(np.repeat(gray, 3, -1)), atol=1)
    np.testing.assert_allclose(read["rgba.png"], resize(rgb * (128 / 255)), atol=1)
    assert np.abs(read["photo.jpg"].astype(int) - resize(rgb)).mean() < 3


def test_bmp_and_gif_files_are_read(tmp_path, monkeypatch):
    # TensorFlow writes neither format; both files are written by hand, tiny
    # (the captioner's size floor is lifted: decoding is what is tested here).
    monkeypatch.setattr(data, "MIN_IMAGE_SIDE", 1)
    # A 2x1 24-bit BMP: blue then red pixel (BGR rows, padded to 4 bytes).
    pixels = bytes([255, 0, 0, 0, 0, 255]) + b"\0\0"
    header = b"BM" + (54 + len(pixels)).to_bytes(4, "little") + b"\0\0\0\0" + (54).to_bytes(4, "little")
    info = (40).to_bytes(4, "little") + (2).to_bytes(4, "little") + (1).to_bytes(4, "little") + (1).to_bytes(2, "little")
    info += (24).to_bytes(2, "little") + bytes(24)
    (tmp_path / "two.bmp").write_bytes(header + info + pixels)
    image = data.read_image(tmp_path / "two.bmp", 2)
    assert image[0, 0].tolist() == [0, 0, 255] and image[0, 1].tolist() == [255, 0, 0]
    # A 1x1 GIF89a whose one pixel is entry 0 (red) of its two-colour palette.
    gif = b"GIF89a\1\0\1\0\x80\0\0\xff\0\0\0\0\0!\xf9\4\0\0\0\0\0,\0\0\0\0\1\0\1\0\0\2\2D\1\0;"
    (tmp_path / "red.gif").write_bytes(gif)
    assert data.read_image(tmp_path / "red.gif", 5).reshape(-1, 3).tolist() == [[255, 0, 0]] * 25


def test_unreadable_and_missing_files_are_named(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image at all")
    with pytest.raises(ValueError, match="Not a readable PNG, JPEG, BMP or GIF image: .*notes.png"):
        data.read_image(bad, 64)
    with pytest.raises(FileNotFoundError, match="Image file not found: .*absent.png"):
        data.read_image(tmp_path / "absent.png", 64)


# ---------------------------------------------------------------------------
# Flickr8k and COCO loaders.
# ---------------------------------------------------------------------------
def flickr_folder(root, count=10, lines=None):
    (root / "Images").mkdir(parents=True)
    token_lines = []
    for i in range(count):
        image, _, refs = scenes.scene("train", i)
        (root / "Images" / f"{i}.jpg").write_bytes(tf.io.encode_jpeg(image, quality=95).numpy())
        token_lines += [f"{i}.jpg#{k}\t{ref.capitalize()} ." for k, ref in enumerate(refs)]
    (root / data.FLICKR_TOKEN_FILE).write_text("\n".join(token_lines if lines is None else lines) + "\n")
    return root


def test_flickr8k_loader_reads_the_token_file_and_splits(tmp_path):
    folder = flickr_folder(tmp_path / "flickr")
    captions = data.read_flickr8k_captions(folder)
    assert list(captions) == [f"{i}.jpg" for i in range(10)]
    assert captions["0.jpg"][0] == scenes.scene("train", 0)[2][0].capitalize() + " ."
    images, refs = data.load_flickr8k(folder, "train", 32)
    assert images.shape == (8, 32, 32, 3) and len(refs) == 8
    (folder / "Flickr_8k.testImages.txt").write_text("3.jpg\n5.jpg\n")
    assert [len(r) for r in data.load_flickr8k(folder, "test", 32)[1]] == [len(captions["3.jpg"]), len(captions["5.jpg"])]


@pytest.mark.parametrize("lines, error, message", [
    ([], ValueError, "caption file is empty"),
    (["0.jpg#0\ta dog", "missing.jpg#0\ta cat", "gone.jpg#1\ta bird"], FileNotFoundError, r"names 2 image\(s\) missing .*missing.jpg, gone.jpg"),
    (["0.jpg a dog without a tab"], ValueError, "line 1: expected 'image.jpg#N<TAB>caption'"),
])
def test_flickr8k_loader_names_what_is_wrong(tmp_path, lines, error, message):
    folder = flickr_folder(tmp_path / "flickr", count=1, lines=lines)
    with pytest.raises(error, match=message):
        data.read_flickr8k_captions(folder)
    with pytest.raises(FileNotFoundError, match="Flickr8k caption file not found"):
        data.read_flickr8k_captions(tmp_path)


def test_coco_loader_reads_tfds_examples():
    # tfds's mock serves the test's own examples through the real tfds.load path, offline.
    import tensorflow_datasets as tfds

    examples = {"image": np.full((2, 40, 50, 3), 200, "uint8"),
                "captions": {"text": [[b"A cat.", b"A small cat"], [b"A dog.", b"Dogs"]]}}

    def as_dataset(self, split, *args, **kwargs):
        return tf.data.Dataset.from_tensor_slices(examples)

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        images, refs = data.load_coco_captions("val", 16)
    assert images.shape == (2, 16, 16, 3) and np.all(images == 200)
    assert refs == [["A cat.", "A small cat"], ["A dog.", "Dogs"]]


# ---------------------------------------------------------------------------
# Model and decoding.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("rnn, decoder", [(r, d) for r in sorted(captioning_model.RECURRENT_CELLS) for d in captioning_model.DECODERS])
def test_teacher_forced_logits_equal_the_step_by_step_decoder(rnn, decoder):
    model = captioning_model.build(**TINY, rnn=rnn, decoder=decoder)
    images = np.random.default_rng(0).integers(0, 255, (2, 32, 32, 3)).astype("float32")
    words = np.random.default_rng(1).integers(4, len(VOCABULARY), (2, 6)).astype("int32")
    logits = model((images, words)).numpy()
    assert logits.shape == (2, 6, len(VOCABULARY))
    captioner = caption.Captioner(model, TINY)
    features, keys, states = captioner._encode(images)
    for t in range(6):
        log_probs, states, alpha = captioner._step(tf.constant(words[:, t]), states, features, keys)
        allowed = logits[:, t, 3:]  # <pad>, <unk>, <start> are never generated: the softmax leaves them out
        expected = allowed - np.log(np.exp(allowed).sum(-1, keepdims=True))
        np.testing.assert_allclose(log_probs.numpy()[:, 3:], expected, atol=1e-4)
        if decoder == "attention":
            np.testing.assert_allclose(alpha.numpy().sum(-1), 1.0, rtol=1e-5)


def caption_log_probs(model, image, captions, max_length):
    """Log-probability of each caption (ids, then <end> if it fits) under the teacher-forced
    model, with <pad>, <unk> and <start> ruled out as the decoder rules them out."""
    sources = np.array([[2, *ids, *[0] * (max_length - 1 - len(ids))][:max_length] for ids in captions], "int32")
    images = np.repeat(image[None].astype("float32"), len(captions), 0)
    logits = model((images, sources)).numpy().astype("float64")
    logits[..., :3] = -np.inf
    top = logits.max(-1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))
    targets = [list(ids) + ([3] if len(ids) < max_length else []) for ids in captions]
    return [sum(lp[t, w] for t, w in enumerate(target)) for lp, target in zip(log_probs, targets)]


def test_confidence_is_the_geometric_mean_word_probability_of_the_caption():
    vocabulary = list(data.SPECIAL_TOKENS) + ["a", "red", "blue", "circle"]
    config = {**TINY, "vocabulary": vocabulary, "max_length": 3}
    model = captioning_model.build(**config)
    model.get_layer("decoder").logits.bias.assign(np.random.default_rng(5).normal(0, 1.5, len(vocabulary)))
    image = np.random.default_rng(3).integers(0, 255, (32, 32, 3)).astype("uint8")
    captioner = caption.Captioner(model, config)
    for beam in (1, 3):
        (text,), (confidence,) = captioner.caption_with_confidence(image[None], beam)
        ids = [vocabulary.index(w) for w in text.split()]
        words = len(ids) + (1 if len(ids) < 3 else 0)  # <end> counts when it fits
        (log_p,) = caption_log_probs(model, image, [ids], 3)
        assert confidence == pytest.approx(np.exp(log_p / words), rel=1e-4)
        assert text == captioner.caption(image[None], beam)[0]


def test_greedy_picks_the_likeliest_word_given_its_own_prefix():
    model = captioning_model.build(**TINY)
    image = np.random.default_rng(2).integers(0, 255, (32, 32, 3)).astype("uint8")
    ids, alphas = caption.Captioner(model, TINY).greedy(image[None])
    prefix = []
    for _ in range(TINY["max_length"]):  # the reference re-reads the whole prefix every step
        source = np.array([[2, *prefix, *[0] * (5 - len(prefix))][:6]], "int32")
        logits = model((image[None].astype("float32"), source)).numpy()[0, len(prefix)]
        logits[:3] = -np.inf
        word = int(np.argmax(logits))
        if word == 3:
            break
        prefix.append(word)
    assert ids[0] == prefix and alphas[0].shape == (len(prefix), 16)


def test_a_wide_beam_finds_the_likeliest_caption_of_all():
    # Four words, captions of at most 3 steps: few enough to score every caption.
    vocabulary = list(data.SPECIAL_TOKENS) + ["a", "red", "blue", "circle"]
    config = {**TINY, "vocabulary": vocabulary, "max_length": 3}
    model = captioning_model.build(**config)
    model.get_layer("decoder").logits.bias.assign(np.random.default_rng(5).normal(0, 1.5, len(vocabulary)))
    image = np.random.default_rng(3).integers(0, 255, (32, 32, 3)).astype("uint8")
    candidates = [list(c) for n in range(4) for c in itertools.product(range(3, 8), repeat=n) if 3 not in c]
    scores = caption_log_probs(model, image, candidates, 3)
    best = candidates[int(np.argmax(scores))]
    captioner = caption.Captioner(model, config)
    found, _ = captioner.beam_search(image, beam_size=64)
    assert found == best
    greedy, _ = captioner.greedy(image[None])
    assert captioner.beam_search(image, beam_size=1)[0] == greedy[0]
    narrow, _ = captioner.beam_search(image, beam_size=2)
    narrow_score, greedy_score = caption_log_probs(model, image, [narrow, greedy[0]], 3)
    assert narrow_score >= greedy_score - 1e-6


@pytest.mark.parametrize("beam", [0, -3, 2.5, True])
def test_beam_size_must_be_a_positive_integer(beam):
    captioner = caption.Captioner(captioning_model.build(**TINY), TINY)
    with pytest.raises(ValueError, match="beam size must be a positive integer"):
        captioner.caption(np.zeros((1, 32, 32, 3), "uint8"), beam_size=beam)
    with pytest.raises(ValueError, match=r"Images must have shape \(batch, 32, 32, 3\)"):
        captioner.caption(np.zeros((1, 64, 64, 3), "uint8"))


def test_word_dropout_hides_words_in_training_only():
    decoder = captioning_model.build(**TINY, word_dropout=0.3).get_layer("decoder")
    words = np.tile(np.array([[2, 4, 5, 6, 7, 0]], "int32"), (20000, 1))
    dropped = np.asarray(decoder.drop_words(words, training=True))
    assert np.mean(dropped[:, 1:5] == 1) == pytest.approx(0.3, abs=0.01)  # 80,000 words: 3 sigma is 0.005
    np.testing.assert_array_equal(np.where(dropped == 1, words, dropped), words)  # only <unk> replaces, nothing else moves
    assert np.all(dropped[:, 0] == 2) and np.all(dropped[:, 5] == 0)
    np.testing.assert_array_equal(decoder.drop_words(words, training=False), words)
    with pytest.raises(ValueError, match="word_dropout"):
        captioning_model.build(**TINY, word_dropout=1.0)


def test_unknown_choices_are_named():
    with pytest.raises(ValueError, match="rnn='gru'"):
        captioning_model.build(**TINY, rnn="gru")
    with pytest.raises(ValueError, match="decoder='transformer'"):
        captioning_model.build(**TINY, decoder="transformer")
    with pytest.raises(ValueError, match="backbone='resnet'"):
        captioning_model.build(**TINY, backbone="resnet")
    with pytest.raises(ValueError, match="small-cnn' has no ImageNet weights"):
        captioning_model.build(**TINY, imagenet_weights=True)


@pytest.mark.parametrize("backbone", ["mobilenetv3", pytest.param("efficientnet", marks=pytest.mark.slow)])
def test_keras_application_backbones_build_without_weights(backbone):
    model = captioning_model.build(**{**TINY, "image_size": 64}, backbone=backbone, train_backbone=False)
    assert model((np.zeros((1, 64, 64, 3)), np.zeros((1, 6), "int32"))).shape == (1, 6, len(VOCABULARY))
    assert not model.get_layer("encoder").layers[1].trainable


def test_offline_imagenet_weights_give_a_clear_error(monkeypatch):
    # What keras.applications raises when it cannot download, without touching the network.
    def offline(*args, weights=None, **kwargs):
        assert weights == "imagenet"
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("keras.applications.MobileNetV3Small", offline)
    with pytest.raises(captioning_model.PretrainedWeightsUnavailable, match="unavailable offline: use imagenet_weights=False"):
        captioning_model.build(**{**TINY, "image_size": 64}, backbone="mobilenetv3", imagenet_weights=True)
    from rnnzoo.applications.image_captioning import train

    with pytest.raises(SystemExit, match="^train: error: ImageNet weights for backbone='mobilenetv3' could not be downloaded"):
        train.cli(["--smoke", "--backbone", "mobilenetv3", "--imagenet-weights"])


def test_attention_maps_are_written_as_png(tmp_path):
    model = captioning_model.build(**TINY)
    image = scenes.scene("test", 0, image_size=32)[0]
    captioner = caption.Captioner(model, TINY)
    ids, alphas = captioner.beam_search(image, 3)
    words = [VOCABULARY[i] for i in ids] or ["a"]
    alphas = alphas if len(ids) else np.full((1, 16), 1 / 16)
    path = tmp_path / "attention.png"
    caption.save_attention_maps(path, image, words, alphas)
    assert tf.io.decode_png(path.read_bytes()).shape[-1] in (3, 4)
    assert [p.name for p in tmp_path.iterdir()] == ["attention.png"]


@pytest.mark.parametrize("matplotlib", [True, False], ids=["with-matplotlib", "without"])
def test_demo_saves_the_scene_with_its_caption(tmp_path, monkeypatch, matplotlib):
    if not matplotlib:  # a plain install: the enlarged image alone, written by TensorFlow
        monkeypatch.setattr(caption, "_pyplot", lambda: None)
    captioner = caption.Captioner(captioning_model.build(**TINY), TINY)
    path = tmp_path / "demo.png"
    text, references = caption.demo(captioner, path, seed=2)
    image, _, expected = scenes.scene("test", 2, image_size=32)
    assert references == expected and isinstance(text, str)
    saved = tf.io.decode_png(path.read_bytes(), channels=3).numpy()
    if matplotlib:
        assert saved.shape[0] > saved.shape[1]  # the caption sits under the picture
    else:
        np.testing.assert_array_equal(saved, np.kron(image, np.ones((4, 4, 1), "uint8")))
    assert [p.name for p in tmp_path.iterdir()] == ["demo.png"]


def test_bleu_of_perfect_and_wrong_captions():
    refs = [["a large red circle", "there is a large red circle"], ["a small blue square and a large red circle"]]
    assert caption.bleu_scores(["there is a large red circle", "a small blue square and a large red circle"], refs)["bleu4"] == 1.0
    assert caption.bleu_scores(["blue", "green"], refs)["bleu1"] == 0.0


# ---------------------------------------------------------------------------
# The training script, on scenes and through the Flickr8k loader.
# ---------------------------------------------------------------------------
def test_training_script_on_a_flickr8k_folder_trains_evaluates_and_saves(tmp_path):
    from rnnzoo.applications.image_captioning import train

    folder = flickr_folder(tmp_path / "flickr")
    weights = tmp_path / "out" / "captioner.weights.h5"
    results = train.main(["--smoke", "--flickr8k", str(folder), "--image-size", "32", "--max-length", "8", "--save", str(weights)])
    assert np.isfinite(results["validation_loss_nats_per_word"])
    assert set(results) == {"validation_loss_nats_per_word", "test_greedy", "test_beam2"}
    assert set(results["test_greedy"]) == {"bleu1", "bleu2", "bleu3", "bleu4"}  # objects_named is for scenes only
    assert all(0.0 <= v <= 1.0 for v in results["test_greedy"].values())
    assert [p.name for p in weights.parent.iterdir()] == [weights.name]


def test_training_script_reports_bad_flickr_folders_in_one_line(tmp_path):
    from rnnzoo.applications.image_captioning import train

    folder = flickr_folder(tmp_path / "flickr", count=1, lines=["0.jpg#0\ta dog", "lost.jpg#0\ta cat"])
    with pytest.raises(SystemExit) as exit:
        train.cli(["--smoke", "--flickr8k", str(folder)])
    message = str(exit.value.code)
    assert message.startswith("train: error: ") and "lost.jpg" in message and "\n" not in message
