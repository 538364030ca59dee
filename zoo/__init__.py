"""rnnzoo's registry of pretrained recurrent models."""

from zoo.registry import MODELS


def list_models():
    """Names of the models in the zoo, sorted."""
    return sorted(MODELS)
