"""The bundled shakespeare-char model: it loads, reproduces its recorded metric, fine-tunes."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from rnnzoo import zoo
from rnnzoo.applications.char_shakespeare import data

NAME = "shakespeare-char"


@pytest.fixture(scope="module")
def model():
    return zoo.load(NAME)


def test_entry_records_how_it_was_made():
    entry = zoo.info(NAME)
    for key in ("description", "builder", "config", "dataset", "metric", "command", "parameters", "weights", "trained_on"):
        assert key in entry, key
    assert entry["metric"]["validation_loss_nats_per_char"] <= 1.60
    assert len(entry["weights"]["sha256"]) == 64
    assert entry["vocabulary"] == entry["config"]["vocabulary"]


def test_bundled_model_reproduces_its_recorded_validation_loss(model, shared_data):
    entry = zoo.info(NAME)
    vocabulary = data.Vocabulary(entry["vocabulary"])
    _, val_ids = data.split(vocabulary.encode(data.read_text()))
    x, y = data.windows(val_ids, entry["metric"]["seq_len"])
    loss = model.evaluate(x, y, batch_size=64, verbose=0)
    assert model.count_params() == entry["parameters"]
    assert abs(loss - entry["metric"]["validation_loss_nats_per_char"]) < 2e-3


def test_fine_tuning_with_fit_lowers_the_loss_on_a_new_text(model):
    # A text the model never saw, in its vocabulary: one epoch of fit must help.
    text = "the quick brown fox jumps over the lazy dog, and the dog sleeps on.\n" * 60
    vocabulary = data.Vocabulary(zoo.info(NAME)["vocabulary"])
    x, y = data.windows(vocabulary.encode(text), 50)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before - 0.1


def test_generate_command_from_the_readme_runs_offline():
    done = subprocess.run(
        [sys.executable, "-m", "rnnzoo", "generate", NAME, "--prompt", "ROMEO:", "--length", "80", "--temperature", "0.8", "--seed", "0"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stderr == ""  # no TensorFlow or CUDA start-up lines (--verbose brings them back)
    text = done.stdout[:-1]
    assert text.startswith("ROMEO:") and len(text) == 86
    assert np.mean([c.isalpha() or c in " \n,.;:'!?-" for c in text]) > 0.9


GENERATE = ["-m", "rnnzoo", "generate", NAME, "--prompt", "ROMEO:", "--length", "120", "--temperature", "0.8", "--seed", "3"]


def generated_on(backend):
    done = subprocess.run([sys.executable, *GENERATE], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "KERAS_BACKEND": backend})
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def tensorflow_text():
    return generated_on("tensorflow")


@pytest.mark.parametrize("backend", ["jax", pytest.param("torch", marks=pytest.mark.slow)])
def test_generate_gives_the_same_text_on_every_backend(backend, tensorflow_text):
    # The same weights and sampler seed: the logits differ between backends only in
    # their last bits, far from flipping one of 120 draws.
    if importlib.util.find_spec(backend) is None:
        if backend == "jax" and os.environ.get("CI") == "true":
            pytest.fail("jax is not installed under CI (it is in the `test` extra)")
        pytest.skip(f"{backend} is not installed")
    assert generated_on(backend) == tensorflow_text and len(tensorflow_text) == 127
