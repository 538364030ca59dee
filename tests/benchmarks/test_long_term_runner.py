"""The long-term benchmark runner: rows, resuming, and the rendered report."""

import json

import numpy as np
import pytest

from benchmarks.long_term import report, run
from benchmarks.long_term.training import train_and_evaluate


def test_runner_skips_finished_rows_and_report_renders_them(tmp_path, capsys):
    args = ["--quick", "--tasks", "memory", "spectra", "--seeds", "0", "--results-dir", str(tmp_path),
            "--settings", "rho=0.5,a=1.0", "rho=1.2,a=0.3"]
    run.main(args)
    memory = run.read_rows(tmp_path / "quick-memory.jsonl")
    spectra = run.read_rows(tmp_path / "quick-spectra.jsonl")
    assert [row["setting"] for row in memory] == ["rho=0.5,a=1.0", "rho=1.2,a=0.3"] and len(spectra) == 4
    assert all(0 < row["metric"] <= row["units"] for row in memory)
    for row in memory:
        assert row["command"] == f"python -m benchmarks.long_term.run --quick --tasks memory --methods esn --settings {row['setting']} --seeds 0"
    capsys.readouterr()
    run.main(args)  # everything is done: nothing runs, nothing is appended
    assert capsys.readouterr().out == ""
    assert len(run.read_rows(tmp_path / "quick-memory.jsonl")) == 2

    table = report.quick_table(tmp_path)
    assert "| memory | 2 |" in table and "| adding | 0 |" in table and "**not run**" in table


def test_read_rows_ignores_only_a_truncated_last_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"a": 1}) + "\n" + '{"a": 2')
    assert run.read_rows(path) == [{"a": 1}]
    path.write_text('{"a": \n' + json.dumps({"a": 1}) + "\n")
    try:
        run.read_rows(path)
    except ValueError as error:
        assert "rows.jsonl:1" in str(error)
    else:
        raise AssertionError("a bad line in the middle must be an error")


class _DivergingModel:
    """Stands in for a Keras model whose weights overflow during the second chunk."""

    name = "diverging"

    def __init__(self):
        self.fits = 0

    def fit(self, x, y, **kwargs):
        self.fits += 1

    def predict(self, x, **kwargs):
        return np.full((len(x), 1), np.nan if self.fits >= 2 else 0.5)


def test_a_diverged_run_is_a_result_not_an_error():
    data = (np.zeros((8, 3, 2)), np.ones((8, 1)))
    outcome = train_and_evaluate(_DivergingModel(), lambda i: data, data, "mse", batch_size=2, max_steps=10, eval_every=2)
    assert outcome.stopped_by == "diverged" and outcome.metric is None and outcome.steps == 4
    assert outcome.curve == [(0, 0.25), (2, 0.25), (4, None)]


@pytest.mark.parametrize(
    "values, expected",
    [([0.1, 0.3], "0.2 ± 0.141"), ([0.1, 0.3, None], "0.2 ± 0.141 (1 diverged)"), ([None, None], "diverged (2/2 seeds)"),
     ([0.5], "0.5 (1 seed)")],
)
def test_mean_std_counts_diverged_seeds_apart(values, expected):
    assert report.mean_std(values) == expected
