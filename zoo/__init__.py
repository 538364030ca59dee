"""rnnzoo's registry of pretrained recurrent models.

    from rnnzoo import zoo
    zoo.list_models()                       # ['shakespeare-char', ...]
    zoo.info("shakespeare-char")            # the entry: metric, command, vocabulary, ...
    model = zoo.load("shakespeare-char")    # compiled, pretrained, ready for model.fit
"""

from rnnzoo.zoo.loading import info, list_models, load
from rnnzoo.zoo.registry import MODELS

__all__ = ["MODELS", "info", "list_models", "load"]
