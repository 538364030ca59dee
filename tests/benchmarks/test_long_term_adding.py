"""Regression test: the quick adding problem (T = 100), IRNN against the tanh RNN.

`suite.QUICK["adding"]` (100 units, 3000 Adam steps at lr 1e-4, clipping at 1,
seeds 0, 1, 2) is what `python -m benchmarks.long_term.run --quick` runs.

One run of one seed is chaotic: seed 0 stopped after 1500 steps at test MSE
0.069 on an AVX-512 machine and at 0.151 on an AVX2-only one (AMD EPYC), as the
last bits of floating point differ between the two and a ReLU RNN near its
learning onset amplifies them. So the IRNN trains three seeds for twice that
budget and the test asks a majority of them to clear a bar with a margin
(it stops training seeds once the majority is decided).
Measured on the AVX2 machine: 0.045, 0.053, 0.077 (bar 0.6 × 1/6 = 0.1); the
tanh RNN stays at the 1/6 baseline whatever the seed, so one seed checks it.
The learning rate matters: at Adam 3e-3 or SGD 0.01 the IRNN lost its identity
path within a few hundred steps and did not learn either.
"""

import numpy as np
import pytest

from benchmarks.long_term import run, suite
from benchmarks.long_term.tasks import ADDING_BASELINE_MSE

SPEC = suite.QUICK["adding"]
LENGTH = SPEC.settings[0]


def learnt(row):
    return row["metric"] is not None and row["metric"] < 0.6 * ADDING_BASELINE_MSE


@pytest.fixture(scope="module")
def irnn_rows():
    # Seeds in order until the majority is decided (two learnt, or two not): a third run would not change it.
    rows = []
    for seed in SPEC.seeds[:3]:
        rows.append(run.trained_row("adding", "irnn", LENGTH, seed, SPEC, quick=True))
        if max(sum(map(learnt, rows)), sum(not learnt(r) for r in rows)) >= 2:
            break
    return rows


@pytest.fixture(scope="module")
def tanh_row():
    return run.trained_row("adding", "tanh", LENGTH, SPEC.seeds[0], SPEC, quick=True)


def test_the_quick_case_trains_several_seeds():
    assert len(SPEC.seeds) >= 3 and SPEC.max_steps >= 3000


def test_irnn_learns_the_quick_adding_problem(irnn_rows):
    finals = {row["seed"]: row["metric"] for row in irnn_rows}
    assert sum(map(learnt, irnn_rows)) >= 2, f"final test MSE per seed {finals}, bar {0.6 * ADDING_BASELINE_MSE:.3f} for 2 of 3"


def test_tanh_rnn_stays_at_the_baseline(tanh_row):
    assert tanh_row["metric"] > 0.9 * ADDING_BASELINE_MSE


def test_irnn_keeps_its_gradient_alive_where_tanh_loses_it(irnn_rows, tanh_row):
    # ‖∂h_T/∂s_k‖ at initialisation, 100 steps back relative to one step back.
    irnn, tanh = (np.asarray(row["grad_norms_init"]) for row in (irnn_rows[0], tanh_row))
    assert irnn[-1] / irnn[0] > 0.5
    assert tanh[-1] / tanh[0] < 0.05


def test_clipped_irnn_training_is_stable(irnn_rows):
    for row in irnn_rows:
        curve = np.asarray(row["curve"])[1:, 1]  # after the first evaluation
        assert np.all(np.isfinite(curve)) and curve.max() < 1.2 * ADDING_BASELINE_MSE, row["seed"]
