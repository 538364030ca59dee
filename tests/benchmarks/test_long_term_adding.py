"""Regression test: the quick adding problem (T = 100), IRNN against the tanh RNN.

`suite.QUICK["adding"]` (100 units, 1500 Adam steps at lr 1e-4, clipping at 1,
seed 0) is what `python -m benchmarks.long_term.run --quick` runs. Measured
there (benchmarks/RESULTS.md, quick mode): the IRNN learns (test MSE 0.069),
the tanh RNN stays at the 1/6 baseline. The learning rate matters: at Adam
3e-3 or SGD 0.01 the IRNN lost its identity path within a few hundred steps and
did not learn either, which is why the quick case runs at 1e-4.
"""

import numpy as np
import pytest

from benchmarks.long_term import run, suite
from benchmarks.long_term.tasks import ADDING_BASELINE_MSE


@pytest.fixture(scope="module")
def quick_rows():
    spec = suite.QUICK["adding"]
    return {m: run.trained_row("adding", m, spec.settings[0], 0, spec, quick=True) for m in ("irnn", "tanh")}


def test_irnn_learns_the_quick_adding_problem(quick_rows):
    assert quick_rows["irnn"]["metric"] < 0.7 * ADDING_BASELINE_MSE  # measured 0.069 = 0.41 x baseline


def test_tanh_rnn_stays_at_the_baseline(quick_rows):
    assert quick_rows["tanh"]["metric"] > 0.9 * ADDING_BASELINE_MSE


def test_irnn_keeps_its_gradient_alive_where_tanh_loses_it(quick_rows):
    # ‖∂h_T/∂s_k‖ at initialisation, 100 steps back relative to one step back.
    irnn, tanh = (np.asarray(quick_rows[m]["grad_norms_init"]) for m in ("irnn", "tanh"))
    assert irnn[-1] / irnn[0] > 0.5
    assert tanh[-1] / tanh[0] < 0.05


def test_clipped_irnn_training_is_stable(quick_rows):
    curve = np.asarray(quick_rows["irnn"]["curve"])[1:, 1]  # after the first evaluation
    assert np.all(np.isfinite(curve)) and curve.max() < 1.2 * ADDING_BASELINE_MSE
