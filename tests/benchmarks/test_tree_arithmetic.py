"""The tree-arithmetic benchmark: its data, its rows, resuming, and its table."""

import numpy as np

from benchmarks import tree_arithmetic as bench
from tests.benchmarks.quick_runs import run_then_rerun


def test_quick_run_writes_a_row_and_a_rerun_skips_it(tmp_path, capsys):
    args = ["--quick", "--methods", "tree_rnn", "--seeds", "0", "--results-dir", str(tmp_path)]
    row = run_then_rerun(bench.main, args, tmp_path / "quick-tree_arithmetic.jsonl", capsys)
    assert row["method"] == "tree_rnn" and row["seed"] == 0 and row["quick"] and row["params"] > 0
    assert row["config"] == bench.QUICK and row["wall_s"] > 0 and "CPU" in row["machine"]
    assert set(row["metrics"]["rmse_by_depth"]) == {str(d) for d in bench.QUICK["test_depths"]}
    assert row["command"] == "python -m benchmarks.tree_arithmetic --quick --methods tree_rnn --seeds 0"

    table = bench.table(tmp_path, quick=True)
    assert "| tree_rnn |" in table and "depth 3 (unseen)" in table and "predict 0" in table
    assert "python -m benchmarks.tree_arithmetic --quick" in table
    assert "No results yet" in bench.table(tmp_path)  # no full rows there
    assert isinstance(bench.PROSE, str) and bench.PROSE.strip()


def test_expressions_trees_and_texts_agree():
    rng = np.random.default_rng(0)
    expression = ((3, "+", 4), "-", (9, "-", 2))
    assert bench.value(expression) == 0
    assert bench.as_tree(expression) == ((((3, "+"), 4), "-"), ((9, "-"), 2))
    assert " ".join(map(str, bench.as_tokens(expression))) == "( ( 3 + 4 ) - ( 9 - 2 ) )"
    for depth in (1, 3, 5):
        expressions, values = bench.dataset(rng, [depth], 20)
        assert all(_depth(e) == depth for e in expressions)
        assert values.tolist() == [bench.value(e) for e in expressions]
        tokens = bench.sequence_inputs(expressions)
        assert tokens.shape[0] == 20 and set(np.unique(tokens)) <= set(range(len(bench.SEQ_VOCAB) + 1))
        trees = bench.tree_inputs(expressions)
        # Each operator is two levels of the binarised parse, one less on a deep right operand.
        assert 2 * depth - 1 <= trees["children"].shape[1] <= 2 * depth


def _depth(expression):
    if not isinstance(expression, tuple):
        return 0
    return 1 + max(_depth(expression[0]), _depth(expression[2]))
