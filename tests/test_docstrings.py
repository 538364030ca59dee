"""Every example in a docstring runs and prints what it shows.

The modules are imported by their installed names (`rnnzoo.layers.esn`, ...),
the names a user copies the examples under; collecting the source folders with
pytest's `--doctest-modules` would import them a second time as `layers.esn`.
"""

import doctest
import importlib
import pkgutil

import pytest

import rnnzoo

PACKAGES = ("rnnzoo.layers", "rnnzoo.zoo", "rnnzoo.applications")


def modules_with_examples():
    names = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        names += [info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}.")]
    # Only the modules that hold examples: importing the rest here would only slow the run.
    return [name for name in names if ">>>" in _source(name)]


def _source(name):
    spec = importlib.util.find_spec(name)
    return open(spec.origin, encoding="utf-8").read() if spec and spec.origin else ""


@pytest.mark.parametrize("module_name", modules_with_examples())
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = [test for test in finder.find(module) if test.examples]
    assert examples, f"{module_name} has '>>>' in its source but no example doctest found"
    for test in examples:
        runner.run(test)
    outcome = runner.summarize(verbose=False)
    assert outcome.failed == 0, f"{outcome.failed} of {outcome.attempted} examples in {module_name} failed (details above)"


def test_rnnzoo_has_a_version():
    assert rnnzoo.__version__.count(".") == 2
