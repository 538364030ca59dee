"""The pretrained models of the zoo, one entry (a dict) per model.

An entry is data, read by `zoo.list_models()` and the `rnnzoo` CLI; models
arrive here with the applications that train them.
"""

MODELS = {}
