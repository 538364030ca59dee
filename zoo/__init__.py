"""rnnzoo's registry of pretrained recurrent models.

    import zoo
    zoo.list_models()                       # ['shakespeare-char', ...]
    zoo.info("shakespeare-char")            # the entry: metric, command, vocabulary, ...
    model = zoo.load("shakespeare-char")    # compiled, pretrained, ready for model.fit
"""

from zoo.loading import info, list_models, load
from zoo.registry import MODELS

__all__ = ["MODELS", "info", "list_models", "load"]
