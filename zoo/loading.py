"""Turn a registry entry into a compiled Keras model: the one function that reads entries."""

import copy
import functools
import hashlib
import importlib
import json
import warnings
from pathlib import Path

from rnnzoo.zoo.registry import MODELS

WEIGHTS_DIR = Path(__file__).parent / "weights"
# Where downloaded weights are cached; None is Keras's own (~/.keras, under models/).
CACHE_DIR = None


def list_models():
    """Names of the models in the zoo, sorted."""
    return sorted(MODELS)


def entry(name):
    """The registry entry of `name`; an unknown name gets the list of known ones.

    A config `vocabulary` given as a file (`{"file": ..., "sha256": ...}`, a
    JSON list bundled beside the weights, for vocabularies too long to read
    inline) comes back as the list itself, checked against its sha256."""
    if name not in MODELS:
        known = ", ".join(list_models()) or "none yet"
        raise ValueError(f"Unknown model {name!r}. Known models: {known}")
    model_entry = MODELS[name]
    vocabulary = model_entry.get("config", {}).get("vocabulary")
    if isinstance(vocabulary, dict):
        resolved = list(_bundled_json(vocabulary["file"], vocabulary["sha256"]))
        model_entry = {**model_entry, "config": {**model_entry["config"], "vocabulary": resolved}}
    return model_entry


@functools.lru_cache(maxsize=None)
def _bundled_json(file, expected_sha256):
    return tuple(json.loads(bundled_file(file, expected_sha256).read_text(encoding="utf-8")))


def bundled_file(file, expected_sha256):
    """The path of a file bundled beside the weights (a vocabulary, a language model's text), checked against its sha256."""
    path = WEIGHTS_DIR / file
    if not path.is_file():
        raise FileNotFoundError(f"Zoo file not found: {path}")
    _check_sha256(path, expected_sha256, "the registry's")
    return path


def _check_sha256(path, expected, whose):
    actual = sha256(path)
    if actual != expected.lower():
        raise ValueError(f"Weights file {path} is corrupt: sha256 {actual} differs from {whose} {expected}")


def info(name):
    """A copy of the entry, with `vocabulary` at the top for text models."""
    details = copy.deepcopy(entry(name))
    details["name"] = name
    if "vocabulary" in details["config"]:
        details["vocabulary"] = details["config"]["vocabulary"]
    return details


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_weights_file(name):
    """The entry's weights on disk: bundled in the package, or downloaded once
    from its URL into ~/.keras/models. A file whose sha256 differs is refused."""
    weights = entry(name)["weights"]
    if "url" in weights:
        import keras

        # get_file caches under ~/.keras/models and re-downloads a file whose hash is off.
        path = Path(
            keras.utils.get_file(
                weights["file"], weights["url"], file_hash=weights["sha256"], cache_dir=CACHE_DIR, cache_subdir="models"
            )
        )
    else:
        path = WEIGHTS_DIR / weights["file"]
    if not path.is_file():
        raise FileNotFoundError(f"Weights file of {name!r} not found: {path}")
    _check_sha256(path, weights["sha256"], "the registry's")
    return path


def build(name):
    """The entry's architecture, compiled, with freshly initialised weights."""
    model_entry = entry(name)
    module_name, function_name = model_entry["builder"].split(":")
    builder = getattr(importlib.import_module(module_name), function_name)
    return builder(**model_entry["config"])


def load(name, weights=True, sha256=None):
    """A pretrained model by name, compiled and ready for `model.fit`.

    Args:
        name: A name from `list_models()`.
        weights: True for the zoo's weights (checked against their sha256),
            False for none, or the path of a local `.weights.h5` or `.keras`
            file holding weights for the same architecture. A local file is
            NOT verified unless `sha256` is given.
        sha256: For a local `weights` file: its expected SHA-256 hex digest;
            a file that differs is refused with a ValueError.
    """
    if sha256 is not None and not (isinstance(sha256, str) and len(sha256) == 64
                                   and all(c in "0123456789abcdefABCDEF" for c in sha256)):
        raise ValueError(f"sha256 must be a 64-digit hex string, got {sha256!r}")
    if sha256 is not None and not isinstance(weights, (str, Path)):
        raise ValueError(f"sha256 checks a local weights file: pass weights=PATH with it, got weights={weights!r}")
    model = build(name)
    if weights is True:
        path = verified_weights_file(name)
    elif weights is False or weights is None:
        return model
    else:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"Weights file not found: {path}")
        if not path.name.endswith((".weights.h5", ".keras")):
            raise ValueError(f"Weights file must end in .weights.h5 or .keras, got {path.name!r}")
        if sha256 is not None:
            _check_sha256(path, sha256, "the expected")
    try:
        with warnings.catch_warnings():
            # A .keras file also holds its optimizer's state; we load weights only, on purpose.
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model.load_weights(path)
    except Exception as error:  # h5py/zip errors for damaged files; say which file
        raise ValueError(f"Could not load weights from {path}: {error}") from error
    return model
