"""What `pip install .` ships: one import name, `rnnzoo`, with every code folder and the bundled weights."""

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_FOLDERS = ("layers", "zoo", "applications")


def listed_packages():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return set(config["options"]["packages"].split())


def test_every_code_folder_is_an_installed_package():
    # A folder missing from setup.cfg's list works from a checkout but is left
    # out of the wheel: `rnnzoo generate` then fails after `pip install .`.
    code_folders = {
        "rnnzoo." + ".".join(folder.relative_to(ROOT).parts)
        for top in TOP_FOLDERS
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir() and any(folder.glob("*.py")) and "__pycache__" not in folder.parts
    }
    assert code_folders <= listed_packages(), sorted(code_folders - listed_packages())
    for folder in code_folders:
        path = ROOT.joinpath(*folder.split(".")[1:], "__init__.py")
        assert path.is_file(), f"{path} missing: the folder would be a namespace package"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True, capture_output=True, timeout=300,
    )
    (path,) = out.glob("rnnzoo-*.whl")
    return path


def test_the_wheel_installs_rnnzoo_and_nothing_else_at_top_level(wheel):
    from rnnzoo.zoo.registry import MODELS

    names = set(zipfile.ZipFile(wheel).namelist())
    top_level = {name.split("/")[0] for name in names}
    assert {t for t in top_level if not t.endswith(".dist-info")} == {"rnnzoo"}
    bundled = {f"rnnzoo/zoo/weights/{e['weights']['file']}" for e in MODELS.values() if "url" not in e["weights"]}
    bundled |= {f"rnnzoo/zoo/weights/{e['language_model']['file']}" for e in MODELS.values() if "language_model" in e}
    assert bundled and bundled <= names
    assert {"rnnzoo/__init__.py", "rnnzoo/applications/char_shakespeare/generate.py", "rnnzoo/zoo/cli.py",
            "rnnzoo/layers/peephole_bptt.py"} <= names


USER_CODE = """
import layers, zoo, applications                      # the user's own modules
assert layers.MINE and zoo.MINE and applications.MINE
import rnnzoo
from rnnzoo import zoo as rz
from rnnzoo.layers import PeepholeLSTM
assert rnnzoo.__file__.startswith(VENV), rnnzoo.__file__
assert rz.list_models() and rnnzoo.load is rz.load
model = rz.load("shakespeare-char")                   # its builder imports rnnzoo.layers, not ./layers.py
assert any(isinstance(l, PeepholeLSTM) for l in model.layers)
print("ok")
"""


def test_a_users_layers_zoo_and_applications_shadow_nothing(wheel, tmp_path):
    venv = tmp_path / "venv"
    # --system-site-packages: Keras and TensorFlow come from this environment; rnnzoo from the wheel.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    work = tmp_path / "work"
    (work / "applications").mkdir(parents=True)
    (work / "layers.py").write_text("MINE = True\n")
    (work / "zoo.py").write_text("MINE = True\n")
    (work / "applications" / "__init__.py").write_text("MINE = True\n")
    done = subprocess.run([str(python), "-c", f"VENV = {str(venv)!r}\n" + USER_CODE], cwd=work,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
