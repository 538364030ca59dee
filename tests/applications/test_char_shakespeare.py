"""The char-level Shakespeare application: data, model, generation."""

import numpy as np
import pytest

from rnnzoo.applications.char_shakespeare import data, model as char_model
from rnnzoo.applications.char_shakespeare.generate import generate_text

TEXT = "to be or not to be, that is the question.\n" * 20
CONFIG = {"vocabulary": "".join(sorted(set(TEXT))), "rnn": "peephole", "units": 16, "num_layers": 2, "embedding_dim": 8}


def test_vocabulary_round_trip_and_unknown_characters():
    vocabulary = data.Vocabulary.from_text(TEXT)
    assert vocabulary.characters == "".join(sorted(set(TEXT)))
    assert vocabulary.decode(vocabulary.encode(TEXT)) == TEXT
    with pytest.raises(ValueError, match=r"outside the vocabulary: 'QZ'"):
        vocabulary.encode("Zebra Quest")


def test_split_is_first_90_percent_then_last_10():
    ids = np.arange(1000)
    train, validation = data.split(ids)
    np.testing.assert_array_equal(np.concatenate([train, validation]), ids)
    assert len(train) == 900


def test_windows_targets_are_inputs_shifted_by_one():
    ids = np.arange(23)
    x, y = data.windows(ids, seq_len=5)
    assert x.shape == y.shape == (4, 5)
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(ValueError, match="shorter than one window of seq_len=50"):
        data.windows(ids, 50)


def test_read_text_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        data.read_text(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="Text file is empty: .*empty.txt"):
        data.read_text(empty)


def test_tfds_loader_joins_the_three_splits_in_order():
    # tfds's mock serves the test's own examples through the real tfds.load path, offline.
    import tensorflow as tf
    import tensorflow_datasets as tfds

    texts = {"train": "First train. ", "validation": "Then validation. ", "test": "Last test."}

    def as_dataset(self, split, *args, **kwargs):
        return tf.data.Dataset.from_tensor_slices({"text": [texts[str(split)]]})

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        assert data.read_tfds_text() == "First train. Then validation. Last test."


def test_shared_corpus_is_tiny_shakespeare(shared_data):
    text = data.read_text()
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")


@pytest.mark.parametrize("rnn", sorted(char_model.RECURRENT_LAYERS))
def test_every_recurrent_layer_builds_a_char_model(rnn):
    model = char_model.build(**{**CONFIG, "rnn": rnn})
    logits = model(np.zeros((2, 7), "int32"))
    assert logits.shape == (2, 7, len(CONFIG["vocabulary"]))


def test_unknown_recurrent_layer_is_named():
    with pytest.raises(ValueError, match=r"rnn='transformer'"):
        char_model.build(**{**CONFIG, "rnn": "transformer"})


def greedy_reference(model, vocabulary, prompt, length):
    """Greedy decoding that re-reads the whole text with the ordinary model at every step."""
    text = prompt
    for _ in range(length):
        ids = np.array([[vocabulary.index(c) for c in text]], "int32")
        text += vocabulary[int(np.argmax(model(ids)[0, -1]))]
    return text


def test_stateful_generation_with_top_1_equals_greedy_over_the_full_text():
    model = char_model.build(**CONFIG)
    model.fit(*data.windows(data.Vocabulary(CONFIG["vocabulary"]).encode(TEXT), 20), epochs=2, verbose=0)
    got = generate_text(model, CONFIG, prompt="to be", length=15, top_k=1, seed=0)
    assert got == greedy_reference(model, CONFIG["vocabulary"], "to be", 15)


def test_sampling_is_repeatable_under_a_seed_and_checks_its_arguments():
    model = char_model.build(**CONFIG)
    first = generate_text(model, CONFIG, prompt="", length=30, temperature=1.5, seed=3)
    assert first == generate_text(model, CONFIG, prompt="", length=30, temperature=1.5, seed=3)
    assert first.startswith("\n") and len(first) == 31
    for bad, message in [
        ({"temperature": 0.0}, "temperature must be a finite number > 0"),
        ({"temperature": -1.0}, "temperature must be a finite number > 0"),
        ({"top_k": 0}, "top_k must be a positive integer"),
        ({"length": -5}, "length must be an integer from 0 to"),
        ({"prompt": "TO BE"}, "outside the vocabulary: 'BEOT'"),
    ]:
        with pytest.raises(ValueError, match=message):
            generate_text(model, CONFIG, **{"prompt": "to", "length": 3, **bad})


def test_training_script_smoke_run_saves_weights_that_reload(tmp_path, capsys):
    from rnnzoo.applications.char_shakespeare import train

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 30)
    weights = tmp_path / "out" / "char.weights.h5"
    val_loss = train.main(["--smoke", "--data", str(corpus), "--save", str(weights)])
    assert np.isfinite(val_loss) and val_loss < np.log(len(set(TEXT)))  # better than uniform guessing
    assert weights.is_file() and [p.name for p in weights.parent.iterdir()] == [weights.name]
    reloaded = char_model.build(**{**CONFIG, "units": 32, "num_layers": 1, "embedding_dim": 64})
    reloaded.load_weights(weights)
    assert "priming with its first line instead" in capsys.readouterr().out


def test_training_script_refuses_an_empty_text(tmp_path):
    from rnnzoo.applications.char_shakespeare import train

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="Text file is empty"):
        train.main(["--smoke", "--data", str(empty)])


@pytest.mark.parametrize("content", [None, ""], ids=["missing", "empty"])
def test_training_command_reports_bad_data_in_one_line(tmp_path, content):
    import subprocess
    import sys

    path = tmp_path / "corpus.txt"
    if content is not None:
        path.write_text(content)
    done = subprocess.run(
        [sys.executable, "-m", "rnnzoo.applications.char_shakespeare.train", "--smoke", "--data", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(f"train: error: Text file {'is empty' if content == '' else 'not found'}")
