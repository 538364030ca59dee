"""rnnzoo: a Keras 3 model zoo built around recurrent networks.

One import name for the whole project:

    from rnnzoo.layers import PeepholeLSTM, IRNN, EchoStateNetwork   # the layers Keras lacks
    from rnnzoo import zoo                                           # pretrained models by name
    model = rnnzoo.load("shakespeare-char")                          # the same as zoo.load
    python -m rnnzoo.applications.char_shakespeare.train             # the application tutorials

In the repository the subpackages keep their own top-level folders (`layers/`,
`zoo/`, `applications/`); setup.cfg's `package_dir` maps them under `rnnzoo` at
install time, for regular and editable installs alike, so nothing else is
installed at top level and no folder of a user's can shadow them.

`import rnnzoo` itself is light: the subpackages (and Keras) load on first use.
"""

import importlib

__version__ = "0.2.0"

_SUBPACKAGES = ("layers", "zoo", "applications")
_ZOO_FUNCTIONS = ("load", "info", "list_models")

__all__ = [*_SUBPACKAGES, *_ZOO_FUNCTIONS, "__version__"]


def __getattr__(name):
    # PEP 562: `rnnzoo.layers` and `rnnzoo.load` without importing Keras on `import rnnzoo`.
    if name in _SUBPACKAGES:
        return importlib.import_module(f"rnnzoo.{name}")
    if name in _ZOO_FUNCTIONS:
        return getattr(importlib.import_module("rnnzoo.zoo"), name)
    raise AttributeError(f"module 'rnnzoo' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
