"""Test-wide settings: quiet TensorFlow, fixed seeds, and the shared-data fixture."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

from rnnzoo.applications.common.data import data_dir  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)


@pytest.fixture
def shared_data():
    """The shared dataset folder. Skips when it is absent, except under CI=true,
    where a missing folder is a failure."""
    root = data_dir()
    if not root.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared datasets missing under CI: {root}")
        pytest.skip(f"shared datasets not found at {root}")
    return root
