"""The `rnnzoo` command line."""

import subprocess
import sys


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
