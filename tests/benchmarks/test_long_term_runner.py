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


@pytest.mark.parametrize("task", ["reber_next", "copy", "msd", "gts"])
def test_tasks_answering_at_every_step_run_and_record_a_validation_metric(task, tmp_path):
    run.main(["--quick", "--tasks", task, "--methods", "lstm", "--max-steps", "50", "--results-dir", str(tmp_path)])
    (row,) = run.read_rows(tmp_path / f"quick-{task}.jsonl")
    assert row["steps"] == 50 and len(row["curve"]) == 2
    assert 0.0 <= row["metric"] <= 1.0 and 0.0 <= row["validation_metric"] <= 1.0


def test_no_xla_is_its_own_row_compiled_without_xla_and_the_report_gives_its_command(tmp_path, monkeypatch):
    from benchmarks.long_term import models

    compiled = []
    build = models.build
    monkeypatch.setattr(models, "build", lambda *a, **k: compiled.append(k["jit_compile"]) or build(*a, **k))
    args = ["--quick", "--tasks", "msd", "--methods", "lstm", "--max-steps", "50", "--results-dir", str(tmp_path)]
    run.main(args)
    run.main(args + ["--no-xla"])  # not the row above: it runs
    run.main(args + ["--no-xla"])  # the same row: it does not
    plain, no_xla = run.read_rows(tmp_path / "quick-msd.jsonl")
    assert compiled == [True, False] and plain["config"]["jit_compile"] and not no_xla["config"]["jit_compile"]
    assert " --no-xla " in no_xla["command"] and "--no-xla" not in plain["command"]
    lines = [line for line in report.trained_table(tmp_path, "msd", quick=True).splitlines() if "--max-steps 50" in line]
    assert len(lines) == 2 and sum("adam, no XLA 0.003" in line and " --no-xla " in line for line in lines) == 1


def _row(method, lr, seed, validation, metric, steps, optimizer="adam"):
    return {
        "task": "copy", "method": method, "setting": 100, "seed": seed, "quick": False, "steps": steps,
        "config": {"learning_rate": lr, "optimizer": optimizer, "max_steps": 8000, "units": 64, "batch_size": 32},
        "validation_metric": validation, "metric": metric, "curve": [(0, 0.1), (steps, metric)],
    }


def test_best_learning_rate_is_chosen_on_validation_not_test(tmp_path):
    rows = [
        # 1e-3: better on validation, worse on test; 1e-2: one seed diverged (counts as worst).
        _row("lstm", 1e-3, 0, 0.9, 0.5, 8000), _row("lstm", 1e-3, 1, 0.8, 0.5, 8000),
        _row("lstm", 1e-2, 0, None, None, 500), _row("lstm", 1e-2, 1, 1.0, 1.0, 500),
        # Two learning rates that both solve: the one with fewer steps wins the tie.
        _row("tanh", 1e-3, 0, 1.0, 1.0, 3000), _row("tanh", 3e-3, 0, 1.0, 1.0, 1000),
    ]
    (tmp_path / "copy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    lines = {line.split(" | ")[0].strip("| "): line for line in report.best_learning_rates(tmp_path, "copy").splitlines()[2:]}
    assert "**adam 0.001**" in lines["lstm"] and "0.5 ± 0" in lines["lstm"]
    assert "**adam 0.003**" in lines["tanh"] and "| 1/1 |" in lines["tanh"]


def test_best_learning_rate_ignores_clipping_ablations_and_single_rate_methods(tmp_path):
    unclipped = _row("lstm", 1e-3, 0, 0.9, 0.9, 8000)
    unclipped["config"]["clip"] = "none"  # best on validation (copy: accuracy), but a clipping ablation
    rows = [unclipped, _row("lstm", 1e-3, 0, 0.5, 0.5, 8000), _row("lstm", 1e-2, 0, 0.4, 0.4, 8000),
            _row("tanh", 1e-3, 0, 0.2, 0.2, 8000)]  # one rate tried: nothing was chosen
    (tmp_path / "copy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    lines = report.best_learning_rates(tmp_path, "copy", min_trials=2).splitlines()[2:]
    assert len(lines) == 1 and lines[0].startswith("| lstm |")
    assert "adam 0.001: 0.5 (1), adam 0.01: 0.4 (1)" in lines[0] and "**adam 0.001**" in lines[0]


def _adding_rows_past_the_stop_level():
    # Adding stops training at test MSE 0.002: 0.0012 after 5,500 steps is no better than 0.0014 after 1,000.
    rows = [_row("lstm", 1e-3, 0, 0.0012, 0.0012, 5500), _row("lstm", 1e-2, 0, 0.0014, 0.0014, 1000),
            _row("tanh", 1e-3, 0, 0.0012, 0.0012, 5500), _row("tanh", 1e-2, 0, 0.0030, 0.0030, 1000)]
    for row in rows:
        row["task"] = "adding"
    return rows


def test_best_learning_rate_past_the_stop_level_prefers_fewer_steps(tmp_path):
    rows = _adding_rows_past_the_stop_level()
    (tmp_path / "adding.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    lines = {line.split(" | ")[0].strip("| "): line for line in report.best_learning_rates(tmp_path, "adding").splitlines()[2:]}
    assert "**adam 0.01**" in lines["lstm"]  # both stopped: the faster rate
    assert "**adam 0.001**" in lines["tanh"]  # 0.003 is above the stop level: worse, however fast


def test_learning_rate_grids_get_their_own_figure(tmp_path, monkeypatch):
    # T = 100: two methods with two rates each (a grid); T = 200: one rate (no grid, the plain figure).
    single = _row("lstm", 1e-3, 0, 0.0012, 0.0012, 5500)
    single.update(task="adding", setting=200)
    rows = _adding_rows_past_the_stop_level() + [single]
    (tmp_path / "adding.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(report, "PLOTS", tmp_path / "plots")
    made = report.plot_all(tmp_path)
    assert "adding_grid_T100.png" in made and "adding_T200.png" in made
    assert "adding_grid_T200.png" not in made and "adding_T100.png" not in made  # no row drawn twice
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == sorted(made)


def test_gradient_figure_skips_diverged_rows(tmp_path, monkeypatch):
    at_init = {"task": "gradients", "method": "tanh", "setting": 200, "seed": 0, "quick": False, "config": {},
               "grad_norms_init": [1.0, 0.5]}
    learnt, diverged = (_row("irnn", lr, 0, None, None, 8000) for lr in (1e-3, 1e-4))
    for row, trained in ((learnt, [1.0, 0.9]), (diverged, None)):  # a diverged run has no trained gradient
        row.update(task="adding", setting=200, grad_norms_init=[1.0, 0.9], grad_norms_trained=trained)
    (tmp_path / "gradients.jsonl").write_text(json.dumps(at_init) + "\n")
    (tmp_path / "adding.jsonl").write_text(json.dumps(learnt) + "\n" + json.dumps(diverged) + "\n")
    monkeypatch.setattr(report, "PLOTS", tmp_path / "plots")
    assert "gradient_norms.png" in report.plot_all(tmp_path)


@pytest.mark.parametrize("clip, expected", [("norm", (1.0, None)), ("value", (None, 1.0)), ("none", (None, None))])
def test_clipping_modes_reach_the_optimizer(clip, expected):
    from benchmarks.long_term import models

    model = models.build("tanh", 5, 2, 1, 4, 1e-3, 0, clip=clip, jit_compile=False)
    assert (model.optimizer.global_clipnorm, model.optimizer.clipvalue) == expected


def test_logged_gradient_norm_is_the_unclipped_norm_of_the_loss_gradient():
    import tensorflow as tf

    from benchmarks.long_term import models
    from benchmarks.long_term.training import GradientNorms

    model = models.build("tanh", 6, 2, 1, 4, 1e-3, 0, clip="norm", clipnorm=1e-3, log_gradients=True, jit_compile=False)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 6, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x) - y) ** 2)  # MSE, averaged over the batch as Keras does
    expected = float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_variables)))
    norms = GradientNorms()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[norms])
    assert norms.norms == [pytest.approx(expected, rel=1e-4)] and expected > 1e-3  # before clipping to 1e-3


def test_gradient_norm_summary_counts_spikes_against_the_median():
    from benchmarks.long_term.training import GradientNorms

    norms = GradientNorms()
    norms.norms = [1.0] * 8 + [50.0, float("inf")]
    summary = norms.summary(every=5)
    assert summary["median"] == 1.0 and summary["spikes"] == 2 and summary["max"] == 50.0
    assert summary["chunk_median"] == [1.0, 1.0] and summary["largest"][:2] == [[10, float("inf")], [9, 50.0]]


def test_clipping_table_lists_each_mode_with_its_gradient_spikes(tmp_path):
    def row(clip, seed, metric, spikes):
        return {
            "task": "adding", "method": "tanh", "setting": 100, "seed": seed, "quick": False, "metric": metric,
            "config": {"learning_rate": 1e-3, "max_steps": 3000, "units": 100, "batch_size": 32, "clip": clip,
                       "log_gradients": True},
            "gradient_norms": {"median": 0.5, "max": 40.0, "spikes": spikes},
            "machine": "m", "versions": "v", "load_average_1min": 1.0,
        }

    rows = [row("none", 0, 0.2, 9), row("none", 1, 0.1, 3), row("norm", 0, 0.005, 1)]
    rows.append(dict(row("norm", 1, 0.3, 0), config={"learning_rate": 1e-3, "max_steps": 3000, "units": 100, "batch_size": 32}))
    (tmp_path / "adding.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    lines = report.clipping_table(tmp_path).splitlines()[2:4]
    assert lines[0].startswith("| tanh | 100 | none |") and "| 0/2 |" in lines[0] and "| 9 / 3 |" in lines[0]
    assert lines[1].startswith("| tanh | 100 | by global norm |") and "| 1/1 |" in lines[1]  # rows without a log stay out


def test_a_checkpointed_row_stopped_by_its_time_limit_resumes_to_the_unbroken_result(tmp_path):
    import dataclasses

    from benchmarks.long_term import suite

    spec = dataclasses.replace(suite.QUICK["adding"], max_steps=30, eval_every=10, test_size=64)
    checkpoints = tmp_path / "checkpoints"
    # A time limit of 0 s stops after the first evaluation: no row, a checkpoint on disk.
    assert run.trained_row("adding", "lstm", 20, 0, spec, True, time_limit=0, checkpoint_dir=checkpoints) is None
    (saved,) = checkpoints.iterdir()
    assert json.loads((saved / "state.json").read_text())["steps"] == 10
    resumed = run.trained_row("adding", "lstm", 20, 0, spec, True, checkpoint_dir=checkpoints)
    reference = run.trained_row("adding", "lstm", 20, 0, spec, True)
    assert list(checkpoints.iterdir()) == []  # a finished row leaves no checkpoint behind
    assert [s for s, _ in resumed["curve"]] == [s for s, _ in reference["curve"]] == [0, 10, 20, 30]
    # The same batches and optimizer state: the curves agree up to float noise, not just in length.
    np.testing.assert_allclose([v for _, v in resumed["curve"]], [v for _, v in reference["curve"]], rtol=1e-4)
    assert resumed["curve"][-1][1] < resumed["curve"][0][1]  # and it did train
