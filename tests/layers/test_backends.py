"""Every layer on every Keras backend: TensorFlow, JAX and PyTorch.

The layer tests run in this process on its backend (TensorFlow unless
KERAS_BACKEND says otherwise). Here they run again under each other backend,
each in a process of its own, since Keras reads KERAS_BACKEND once, when it is
first imported. Then one script computes the same layers' outputs and gradients
from the same weights on every backend, and they must agree to 1e-5.

JAX is in the `test` extra, so CI runs it; PyTorch's default wheel is several
GB, so CI leaves it out: its runs are marked slow and skip when it is not
installed (`python -m pytest -m slow tests/layers/test_backends.py` runs them;
the README says how). Under CI=true a missing JAX is a failure.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_FILES = [
    "tests/layers/test_layer_contract.py",
    "tests/layers/test_golden_values.py",
    "tests/layers/test_reductions.py",
    "tests/layers/test_arguments.py",
    "tests/layers/test_peephole_bptt.py",
    "tests/layers/test_reservoir.py",
    "tests/layers/test_recursive.py",
    "tests/layers/test_initial_state.py",
]
OTHER_BACKENDS = {"jax": "jax", "torch": "torch"}  # backend -> the module it needs
# The runs: backend, extra environment, files. The `backends` runs (CI's second
# command, `-m "backends and not slow"`, four minutes here) are the layer
# contract under JAX (the sequence layers' and, in test_recursive.py, TreeRNN's),
# and the reservoirs again with
# JAX's 64-bit types on, as a JAX user with float64 elsewhere has them; `-m slow`
# runs every layer test file under JAX, the fused PeepholeLSTM gradients
# against autodiff included (the agreement test below compares them with
# TensorFlow's in the default suite).
RUNS = [
    pytest.param("jax", {}, ["tests/layers/test_layer_contract.py", "tests/layers/test_recursive.py"], id="jax",
                 marks=pytest.mark.backends),
    pytest.param("jax", {"JAX_ENABLE_X64": "1"}, ["tests/layers/test_reservoir.py"], id="jax-x64",
                 marks=pytest.mark.backends),
    pytest.param("jax", {}, CONTRACT_FILES, id="jax-all", marks=pytest.mark.slow),
    pytest.param("torch", {}, CONTRACT_FILES, id="torch", marks=pytest.mark.slow),
]


def require(backend):
    if importlib.util.find_spec(OTHER_BACKENDS.get(backend, backend)) is None:
        if backend == "jax" and os.environ.get("CI") == "true":
            pytest.fail("jax is not installed under CI (it is in the `test` extra)")
        pytest.skip(f"{backend} is not installed")


def run_under(backend, args, timeout=1200, **extra_env):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", **extra_env}
    if backend == "jax":
        # These small tests spend most of their time compiling: XLA's CPU backend
        # unoptimised compiles them a quarter faster (measured 94 s against 121 s).
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("backend,env,files", RUNS)
def test_the_layer_tests_pass_under(backend, env, files):
    require(backend)
    done = run_under(backend, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", *files], **env)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout.splitlines()[-1]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("backends") / "tensorflow.npz"
    done = run_under("tensorflow", ["-m", "tests.layers.backend_outputs", str(path)])
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(np.load(path))


@pytest.mark.parametrize("backend", [pytest.param("jax", marks=pytest.mark.backends),
                                     pytest.param("torch", marks=pytest.mark.slow)])
def test_outputs_and_gradients_agree_with_tensorflow(backend, reference, tmp_path):
    require(backend)
    path = tmp_path / f"{backend}.npz"
    done = run_under(backend, ["-m", "tests.layers.backend_outputs", str(path)])
    assert done.returncode == 0, done.stderr[-3000:]
    got = dict(np.load(path))
    assert sorted(got) == sorted(reference)
    for key, expected in reference.items():
        np.testing.assert_allclose(got[key], expected, rtol=1e-5, atol=1e-5, err_msg=f"{key} on {backend}")
