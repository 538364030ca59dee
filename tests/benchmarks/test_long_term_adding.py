"""Regression test: the quick adding problem, IRNN against the tanh RNN.

The quick setting (`suite.QUICK["adding"]`: T = 100, 32 units, 3000 Adam steps
at lr 3e-3, seed 0) is the one `python -m benchmarks.long_term.run --quick`
runs. Measured there: IRNN leaves the 1/6 baseline, the tanh RNN does not. The
thresholds keep a wide margin on both sides of those figures.
"""

import pytest

from benchmarks.long_term import run, suite
from benchmarks.long_term.tasks import ADDING_BASELINE_MSE


@pytest.fixture(scope="module")
def quick_rows():
    spec = suite.QUICK["adding"]
    return {m: run.trained_row("adding", m, spec.settings[0], 0, spec, quick=True) for m in ("irnn", "tanh")}


def test_irnn_learns_the_quick_adding_problem(quick_rows):
    assert quick_rows["irnn"]["metric"] < IRNN_BELOW


def test_tanh_rnn_stays_near_the_baseline(quick_rows):
    assert quick_rows["tanh"]["metric"] > TANH_ABOVE * ADDING_BASELINE_MSE


def test_irnn_keeps_its_gradient_alive_where_tanh_loses_it(quick_rows):
    # At initialisation: ‖∂h_T/∂s_k‖ across the whole sequence, relative to one step back.
    irnn, tanh = (quick_rows[m]["grad_norms_init"] for m in ("irnn", "tanh"))
    assert irnn[-1] / irnn[0] > 0.5
    assert tanh[-1] / tanh[0] < 0.05
