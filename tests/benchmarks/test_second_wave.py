"""The second-wave benchmarks read the results they recorded: a full rerun skips every row."""

import pytest

from benchmarks import initial_state_forecast, ntm_copy, omega_adding, tree_arithmetic
from benchmarks.second_wave import common


def _must_not_run(*args, **kwargs):
    raise AssertionError("a recorded row was run again")


@pytest.mark.parametrize(
    "module, runner, rerun",
    [
        (ntm_copy, "train_and_test", lambda: ntm_copy.main(["--threads", "0"])),
        (tree_arithmetic, "run_one", lambda: tree_arithmetic.main(["--threads", "0"])),
        (omega_adding, "run_row", lambda: omega_adding.run(list(omega_adding.METHODS), omega_adding.SEEDS, False, log=print)),
        (initial_state_forecast, "train_and_test", lambda: initial_state_forecast.main(["--threads", "0"])),
    ],
    ids=["ntm_copy", "tree_arithmetic", "omega_adding", "initial_state_forecast"],
)
def test_a_full_rerun_skips_the_recorded_rows(module, runner, rerun, monkeypatch):
    path = common.results_file(common.RESULTS_DIR, module.NAME, False)
    before = path.read_bytes()
    assert len(common.latest(path)) >= 6
    monkeypatch.setattr(module, runner, _must_not_run)
    rerun()
    assert path.read_bytes() == before
    assert "No rows" not in module.table() and "No results" not in module.table()


def test_the_report_fills_section_9_from_the_scripts():
    from benchmarks.long_term import report

    sections = report.second_wave_sections()
    template = report.TEMPLATE.read_text()
    rendered = report.OUTPUT.read_text()
    for module in (ntm_copy, tree_arithmetic, omega_adding, initial_state_forecast):
        name = module.NAME
        assert f"<!-- {name} -->" in template and f"<!-- {name}-prose -->" in template
        assert "Machine: " in sections[name] and "python -m benchmarks." in sections[name]
        assert sections[f"{name}-prose"] == module.PROSE.strip()
        # benchmarks/RESULTS.md was regenerated since the rows and the prose last changed.
        assert sections[name] in rendered and sections[f"{name}-prose"] in rendered
