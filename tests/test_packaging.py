"""What `pip install .` ships: every folder of code, and the bundled weights."""

from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_folder_is_an_installed_package():
    # A folder without __init__.py works from a checkout (namespace package)
    # but is left out of the wheel: `rnnzoo generate` then fails after `pip install .`.
    installed = set(find_packages(ROOT, include=["layers", "layers.*", "zoo", "zoo.*", "applications", "applications.*"]))
    code_folders = {
        ".".join(folder.relative_to(ROOT).parts)
        for top in ("layers", "zoo", "applications")
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir() and any(folder.glob("*.py"))
    }
    assert code_folders <= installed, sorted(code_folders - installed)


def test_the_wheel_holds_the_bundled_weights_and_the_applications(tmp_path):
    import subprocess
    import sys
    import zipfile

    from zoo.registry import MODELS

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("rnnzoo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {f"zoo/weights/{e['weights']['file']}" for e in MODELS.values() if "url" not in e["weights"]}
    assert bundled and bundled <= names
    assert {"applications/char_shakespeare/generate.py", "zoo/cli.py", "layers/peephole_bptt.py"} <= names
