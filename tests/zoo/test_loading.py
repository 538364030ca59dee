"""rnnzoo.zoo.load / zoo.info on a tiny entry the test makes: weights, sha256, URL cache, errors."""

import numpy as np
import pytest

from rnnzoo import zoo
from rnnzoo.zoo import loading
from rnnzoo.zoo.cli import main

VOCABULARY = "\n abcdefgh"
TINY = {
    "description": "a tiny char model made by the test",
    "task": "text-generation",
    "builder": "rnnzoo.applications.char_shakespeare.model:build",
    "config": {"vocabulary": VOCABULARY, "rnn": "peephole", "units": 8, "num_layers": 1, "embedding_dim": 4},
}


@pytest.fixture
def tiny_zoo(tmp_path, monkeypatch):
    """A registry holding one tiny model whose weights file lives in tmp_path."""
    monkeypatch.setattr(loading, "MODELS", {"tiny": dict(TINY)})
    model = loading.build("tiny")
    path = tmp_path / "tiny.weights.h5"
    model.save_weights(path)
    monkeypatch.setattr(loading, "WEIGHTS_DIR", tmp_path)
    loading.MODELS["tiny"]["weights"] = {"file": path.name, "sha256": loading.sha256(path)}
    return model, path


def ids(text):
    return np.array([[VOCABULARY.index(c) for c in text]], dtype="int32")


def test_load_returns_the_saved_weights_compiled(tiny_zoo):
    saved, _ = tiny_zoo
    loaded = zoo.load("tiny")
    for a, b in zip(loaded.get_weights(), saved.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.optimizer is not None and loaded.loss is not None
    loaded.fit(ids("abc abc"), ids("bc abc "), epochs=1, verbose=0)  # ready for fit, no set-up


def test_load_without_weights_and_from_local_files(tiny_zoo, tmp_path):
    saved, path = tiny_zoo
    fresh = zoo.load("tiny", weights=False)
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), saved.get_weights()))
    keras_file = tmp_path / "tiny.keras"
    saved.save(keras_file)
    for local in (path, keras_file, str(path)):
        np.testing.assert_array_equal(zoo.load("tiny", weights=local).get_weights()[0], saved.get_weights()[0])


def test_corrupt_bundled_weights_are_refused(tiny_zoo):
    _, path = tiny_zoo
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"corrupt: sha256 .* differs"):
        zoo.load("tiny")


def test_weights_from_a_url_are_cached_and_checked(tiny_zoo, tmp_path, monkeypatch):
    _, path = tiny_zoo
    (tmp_path / "keras_home").mkdir()  # get_file falls back to /tmp/.keras for a missing folder
    monkeypatch.setattr(loading, "CACHE_DIR", str(tmp_path / "keras_home"))
    entry = loading.MODELS["tiny"]
    entry["weights"] = {"file": "remote.weights.h5", "url": path.as_uri(), "sha256": entry["weights"]["sha256"]}
    zoo.load("tiny")
    assert (tmp_path / "keras_home" / "models" / "remote.weights.h5").is_file()
    entry["weights"]["sha256"] = "0" * 64
    entry["weights"]["file"] = "other.weights.h5"
    with pytest.raises(ValueError):
        zoo.load("tiny")


def test_bad_requests_are_named(tiny_zoo, tmp_path):
    with pytest.raises(ValueError, match=r"Unknown model 'nope'. Known models: tiny"):
        zoo.load("nope")
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        zoo.load("tiny", weights=tmp_path / "missing.weights.h5")
    wrong = tmp_path / "tiny.txt"
    wrong.write_text("not weights")
    with pytest.raises(ValueError, match=r"must end in \.weights\.h5 or \.keras"):
        zoo.load("tiny", weights=wrong)
    garbage = tmp_path / "garbage.weights.h5"
    garbage.write_bytes(b"not an h5 file")
    with pytest.raises(ValueError, match="Could not load weights from .*garbage.weights.h5"):
        zoo.load("tiny", weights=garbage)


def test_info_is_a_copy_with_the_vocabulary(tiny_zoo):
    details = zoo.info("tiny")
    assert details["vocabulary"] == VOCABULARY
    assert details["name"] == "tiny"
    details["config"]["units"] = 999
    assert loading.MODELS["tiny"]["config"]["units"] == 8


@pytest.mark.parametrize(
    "argv,message",
    [
        (["info", "nope"], "Unknown model 'nope'. Known models: tiny"),
        (["generate", "tiny", "--temperature", "0"], "temperature must be a finite number > 0, got 0.0"),
        (["generate", "tiny", "--length", "-1"], "length must be an integer from 0 to 1,000,000, got -1"),
        (["generate", "tiny", "--prompt", "xyz"], "Characters outside the vocabulary: 'xyz'"),
        (["generate", "tiny", "--weights", "/no/such.weights.h5"], "Weights file not found: /no/such.weights.h5"),
    ],
)
def test_cli_user_errors_are_one_line(tiny_zoo, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"rnnzoo: error: {message}\n"


def test_cli_generate_and_info(tiny_zoo, capsys):
    assert main(["generate", "tiny", "--prompt", "ab", "--length", "5", "--seed", "1"]) == 0
    text = capsys.readouterr().out[:-1]  # print's own newline; sampled newlines stay
    assert text.startswith("ab") and len(text) == 7 and set(text) <= set(VOCABULARY)
    assert main(["info", "tiny"]) == 0
    assert '"vocabulary": "\\n abcdefgh"' in capsys.readouterr().out
