"""The Ω / deep-transition GRU adding benchmark runs end to end in its quick mode,
resumes from its results file, and tabulates what it wrote."""

import dataclasses
import json

import numpy as np
import pytest

from benchmarks import omega_adding


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    results = tmp_path_factory.mktemp("omega")
    rows = omega_adding.run(list(omega_adding.METHODS), [0], quick=True, results_dir=results, log=lambda s: None)
    return results, rows


def test_quick_mode_writes_one_row_per_method(quick_run):
    results, rows = quick_run
    assert [r["method"] for r in rows] == list(omega_adding.METHODS)
    lines = (results / "quick-omega_adding.jsonl").read_text().splitlines()
    assert len(lines) == len(rows)
    for line in lines:
        row = json.loads(line)
        m = row["metrics"]
        assert row["quick"] and row["config"]["length"] == omega_adding.QUICK.length
        assert m["test_mse"] >= 0 and len(m["curve"]) == 3
        assert m["grad_relative_start"][str(omega_adding.QUICK.length)] == pytest.approx(1.0)
        assert all(v is None or v > 0 for v in m["grad_relative_end"].values())
        assert {"machine", "wall_s", "command", "date"} <= set(row)
        assert (m["omega_start"] is not None) == row["method"].startswith("tanh")


def test_omega_is_in_the_loss_only_for_its_row(quick_run):
    _, rows = quick_run
    by_method = {r["method"]: r for r in rows}
    # Same seed, same data, same initial weights: only λ Ω differs between the two tanh rows.
    assert by_method["tanh"]["metrics"]["curve"][0] == by_method["tanh_omega"]["metrics"]["curve"][0]
    assert by_method["tanh"]["metrics"]["curve"][-1] != by_method["tanh_omega"]["metrics"]["curve"][-1]


def test_rows_present_are_skipped(quick_run):
    results, _ = quick_run
    assert omega_adding.run(["tanh", "dtgru"], [0], quick=True, results_dir=results, log=lambda s: None) == []


def test_table_has_every_method_and_the_command(quick_run):
    results, _ = quick_run
    text = omega_adding.table(results, quick=True)
    for method in omega_adding.METHODS:
        assert f"| {method} |" in text
    assert "python -m benchmarks.omega_adding --quick --methods tanh_omega --seeds 0" in text
    assert "t = 1 |" in text and omega_adding.PROSE.strip()


def test_unknown_method_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Unknown method 'lstm'"):
        omega_adding.run(["lstm"], [0], quick=True, results_dir=tmp_path)


def test_the_traced_step_is_the_eager_step():
    """The quick run steps eagerly; the full run traces the same step (here as a
    tf.function graph, as XLA would be too slow to compile in a test)."""
    from benchmarks.long_term.tasks import adding_problem

    traced = dataclasses.replace(omega_adding.QUICK, jit_compile=False)
    x, y = adding_problem(omega_adding.QUICK.batch_size, omega_adding.QUICK.length, seed=0)
    results = []
    for config in (omega_adding.QUICK, traced):
        trainer = omega_adding.Trainer("tanh_omega", config, seed=0)
        results.append([float(v) for _ in range(2) for v in trainer.step(x, y)])  # (loss, Ω) before and after a step
        results[-1].append(trainer.test_mse(x, y))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)
