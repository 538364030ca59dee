"""The initial-state forecasting benchmark: windows, scores, a quick run's row, resuming, and the table."""

import numpy as np

from benchmarks import initial_state_forecast as bench
from tests.benchmarks.quick_runs import run_then_rerun


def test_windows_predict_the_next_value_at_every_step():
    part = np.arange(10, dtype="float64")
    x, y = bench.windows(part, 4)
    assert x.shape == (6, 4, 1) and y.shape == (6, 4, 1)
    np.testing.assert_array_equal(x[2, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(y[2, :, 0], [3, 4, 5, 6])


def test_split_is_chronological_and_standardised_by_the_training_part():
    series = bench.load_series()
    assert series.shape == (2820,) and series.min() >= 0
    train, test, mean, std = bench.split(series)
    assert len(train) == 2256 and len(test) == 564
    assert abs(train.mean()) < 1e-9 and abs(train.std() - 1) < 1e-9
    np.testing.assert_allclose(test * std + mean, series[2256:])


def test_scores_split_the_first_steps_from_the_rest():
    per_step = np.array([4.0, 2.0, 0.0, 1.0, 1.0])
    assert bench.scores(per_step) == {"test_mse": 1.6, "test_mse_early": 2.0, "test_mse_rest": 1.0}


def test_quick_run_writes_a_row_and_a_rerun_skips_it(tmp_path, capsys):
    args = ["--quick", "--seeds", "0", "--methods", "noisy", "--results-dir", str(tmp_path)]
    row = run_then_rerun(bench.main, args, tmp_path / "quick-initial_state_forecast.jsonl", capsys)
    assert row["method"] == "noisy" and row["seed"] == 0 and row["quick"] is True
    window = bench.QUICK["window"]
    assert len(row["test_mse_per_step"]) == window and len(row["persistence_per_step"]) == window
    assert row["test_mse"] > 0 and row["noise_scale"] is not None and row["noise_scale"] >= 0
    assert row["params"] > 0 and row["wall_s"] > 0 and "CPU" in row["machine"]
    assert row["command"] == "nice -n 5 python -m benchmarks.initial_state_forecast --quick --methods noisy --seeds 0"
    table = bench.table(tmp_path, quick=True)
    assert "| noisy (adaptive σ) |" in table and "persistence" in table
    assert "python -m benchmarks.initial_state_forecast" in table and "Machine:" in table
