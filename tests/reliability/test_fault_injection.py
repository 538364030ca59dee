"""Fault injection (slow): training processes killed with SIGKILL at random
moments, some checkpoints then damaged at random, and every run resumed until
it finishes. The final weights must equal an uninterrupted run's, bit for bit,
and every restart must either resume or stop with a one-line message.

    python -m pytest -m slow tests/reliability/test_fault_injection.py
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.reliability.test_checkpoints import damage

REPO_ROOT = Path(__file__).resolve().parents[2]
KILLS = 20  # kill/resume cycles per test
SLOWNESS = 0.15  # seconds per step and before each checkpoint's record


def start(checkpoint_dir, out):
    environment = {**os.environ, "RNNZOO_TEST_SLOW": str(SLOWNESS), "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.checkpointing", str(checkpoint_dir), str(out)],
                            cwd=REPO_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(checkpoint_dir, out):
    process = start(checkpoint_dir, out)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-2000:]
    return stdout, stderr


def weights(path):
    with np.load(path) as arrays:
        return [arrays[k] for k in sorted(arrays.files, key=lambda k: int(k.split("_")[1]))]


def first_checkpoint_seen(checkpoint_dir, process, limit=120):
    """Wait until the run has written its first checkpoint (start-up takes
    seconds), so kills land in training and saving, not in imports."""
    deadline = time.time() + limit
    while time.time() < deadline and process.poll() is None:
        if any(Path(checkpoint_dir).glob("ckpt-*.index")):
            return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uninterrupted")
    finish(folder / "ckpt", folder / "out.npz")
    return weights(folder / "out.npz")


@pytest.mark.slow
@pytest.mark.parametrize("corrupt", [False, True], ids=["kills", "kills-and-damage"])
def test_killed_and_damaged_runs_resume_to_the_uninterrupted_weights(tmp_path, reference, corrupt):
    rng = np.random.default_rng(7 if corrupt else 3)
    folder, out = tmp_path / "ckpt", tmp_path / "out.npz"
    kinds = ["truncate data", "empty data", "flip data", "flip index", "empty index", "delete index"]
    kills = damaged = 0
    while kills < KILLS and not out.exists():
        process = start(folder, out)
        first_checkpoint_seen(folder, process)
        time.sleep(rng.uniform(0.0, 6 * SLOWNESS * 2))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        _, stderr = process.communicate(timeout=60)
        assert "Traceback" not in stderr, stderr[-2000:]
        numbers = sorted(int(p.name[5:-6]) for p in folder.glob("ckpt-*.index"))
        if corrupt and len(numbers) >= 2 and rng.random() < 0.5:
            # Damage the newest checkpoint; an older intact one stays beside it.
            damage(folder, kinds[int(rng.integers(len(kinds)))], numbers[-1])
            damaged += 1
    if not out.exists():
        stdout, stderr = finish(folder, out)
        assert "resumed from step" in stdout or not kills
    print(f"{kills} kills, {damaged} damaged checkpoints")
    assert kills >= KILLS // 2  # most attempts were killed mid-run, not after it ended
    for a, b in zip(weights(out), reference):
        np.testing.assert_array_equal(a, b)
    assert not [p for p in folder.iterdir() if p.name.endswith(("_temp", ".partial"))]
