"""The copy-task benchmark: data, a quick run's row, resuming, and the table."""

import numpy as np

from benchmarks import ntm_copy
from tests.benchmarks.quick_runs import run_then_rerun


def test_copy_batch_layout():
    x, y, w = ntm_copy.copy_batch(np.random.default_rng(0), 2, [3, 1], 7)
    assert x.shape == (2, 7, 9) and y.shape == (2, 7, 8) and w.shape == (2, 7)
    np.testing.assert_array_equal(x[0, 3], [0] * 8 + [1])  # the delimiter after three vectors
    np.testing.assert_array_equal(y[0, 4:7], x[0, :3, :8])  # then the same three vectors back
    assert w[0].tolist() == [0, 0, 0, 0, 1, 1, 1] and w[1].tolist() == [0, 0, 1, 0, 0, 0, 0]


def test_lstm_is_sized_to_the_ntm():
    config = ntm_copy.FULL
    target = ntm_copy.ntm_model(config).count_params()
    units = ntm_copy.matching_lstm_units(target)
    assert ntm_copy.lstm_model(units).count_params() == ntm_copy.lstm_params(units)
    assert abs(ntm_copy.lstm_params(units) - target) < 0.02 * target


def test_quick_run_writes_a_row_and_a_rerun_skips_it(tmp_path, capsys):
    args = ["--quick", "--seeds", "0", "--methods", "ntm", "--results-dir", str(tmp_path)]
    row = run_then_rerun(ntm_copy.main, args, tmp_path / "quick-ntm_copy.jsonl", capsys)
    assert row["method"] == "ntm" and row["seed"] == 0 and row["quick"] is True
    assert set(row["bit_errors"]) == {"3", "5"} and all(0 <= v <= 8 * 5 for v in row["bit_errors"].values())
    assert row["params"] > 0 and row["wall_s"] > 0 and "CPU" in row["machine"]
    assert row["command"] == "nice -n 5 python -m benchmarks.ntm_copy --quick --methods ntm --seeds 0"
    table = ntm_copy.table(tmp_path, quick=True)
    assert "| NTM (rnnzoo) |" in table and "L=5" in table and "python -m benchmarks.ntm_copy" in table
