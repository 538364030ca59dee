"""The `rnnzoo` command line."""

import importlib.util
import os
import subprocess
import sys

import pytest

from rnnzoo.zoo import MODELS, list_models
from rnnzoo.zoo.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "rnnzoo", *args], capture_output=True, text=True)


def test_list_prints_no_models_yet_when_the_zoo_is_empty(capsys, monkeypatch):
    monkeypatch.setattr("rnnzoo.zoo.loading.MODELS", {})
    assert main(["list"]) == 0
    assert capsys.readouterr().out.strip() == "no models yet"


def test_list_prints_each_registered_model(capsys, monkeypatch):
    fake = {"tiny-demo": {"description": "a demo entry"}}
    monkeypatch.setattr("rnnzoo.zoo.loading.MODELS", fake)
    assert main(["list"]) == 0
    assert capsys.readouterr().out.split() == ["tiny-demo", "a", "demo", "entry"]


def test_list_models_matches_registry():
    assert list_models() == sorted(MODELS)


def test_help_and_unknown_command():
    assert run_cli("--help").returncode == 0
    bad = run_cli("no-such-command")
    assert bad.returncode != 0
    assert "invalid choice: 'no-such-command'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_list_does_not_import_tensorflow():
    # `rnnzoo list` must answer fast: no TensorFlow import on that path.
    code = "import sys; from rnnzoo.zoo.cli import main; main(['list']); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    assert out[-1] == "False"


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "shakespeare-char", "--length", "20", "--seed", "0"],
        ["chat", "chatterbot-seq2seq", "--once", "Hello"],
        ["caption", "--demo", "--out", "{tmp}/demo.png"],
    ],
    ids=lambda args: args[0],
)
def test_subcommands_print_no_backend_start_up_lines(args, tmp_path):
    done = run_cli(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() and done.stderr == ""


def test_verbose_brings_the_start_up_lines_back():
    done = run_cli("--verbose", "generate", "shakespeare-char", "--length", "5", "--seed", "0")
    assert done.returncode == 0 and done.stdout.startswith("\n")
    assert "absl" in done.stderr or "tensorflow" in done.stderr.lower()


@pytest.mark.parametrize("args", [["chat", "--once", "Hello"], ["caption", "--demo"], ["transcribe", "x.wav"]], ids=lambda a: a[0])
def test_tensorflow_only_subcommands_say_so_on_another_backend(args, monkeypatch, capsys):
    import keras

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert main(args) == 2
    assert "needs the TensorFlow backend; KERAS_BACKEND is 'jax'" in capsys.readouterr().err


def test_chat_on_jax_is_refused_in_one_line():
    if importlib.util.find_spec("jax") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("jax is not installed under CI (it is in the `test` extra)")
        pytest.skip("jax is not installed")
    done = subprocess.run([sys.executable, "-m", "rnnzoo", "chat", "--once", "Hello"], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "jax"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "needs the TensorFlow backend" in done.stderr
