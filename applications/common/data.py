"""The one way rnnzoo finds its shared datasets: `RNNZOO_DATA_DIR`."""

import os
from pathlib import Path

# In a checkout of this project the team's datasets sit beside it, in ../shared/data.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def data_dir():
    """The dataset folder: $RNNZOO_DATA_DIR, else ../shared/data beside the checkout."""
    return Path(os.environ.get("RNNZOO_DATA_DIR", DEFAULT_DATA_DIR))


def data_path(*parts):
    """A file or folder under the dataset folder; a clear error if it is missing."""
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"Dataset file not found: {path} (set RNNZOO_DATA_DIR to the folder holding the datasets)"
        )
    return path


def cache_dir():
    """Where generated data is kept (synthetic speech, rendered drawings):
    $RNNZOO_CACHE_DIR, else $XDG_CACHE_HOME/rnnzoo, else ~/.cache/rnnzoo.
    Never inside the checkout: it can be gigabytes, and git must not hold it."""
    if os.environ.get("RNNZOO_CACHE_DIR"):
        return Path(os.environ["RNNZOO_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnnzoo"
