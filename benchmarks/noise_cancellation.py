"""Adaptive noise cancellation: every method side by side on each scenario, in one run.

    RNNZOO_DATA_DIR=/path/to/shared/data python benchmarks/noise_cancellation.py [--seconds 60] [--repeats 3]
    python benchmarks/noise_cancellation.py --family ecg --draws 50                     # the test draws
    python benchmarks/noise_cancellation.py --family ecg --draws 20 --choose-defaults   # on validation draws

With `--family`, every method runs on many random draws of a scenario family
(applications/noise_cancellation/families.py) with the same options for every
draw, `evaluation.FAMILY_OPTIONS` (no per-draw tuning), and the run reports,
per method, the median, 10th percentile and worst output SNR (and STOI for
audio), the draws each method won, and the median real-time factor. Test draws
are seeds 0 … draws−1; `--choose-defaults` instead scores each method's grid
(`evaluation.FAMILY_GRIDS`) on the validation draws (seeds from
`evaluation.VALIDATION_SEED`) and prints the best point of each by median score
among those that stream at `evaluation.REALTIME_FLOOR` or faster: the
FAMILY_OPTIONS to keep. Each finished (draw, method, options) is appended
to `--results` (JSON lines; by default the committed runs in
benchmarks/results/) and skipped when the command runs again, so an
interrupted run resumes and the committed runs print their tables at once.

Without `--family`, the named scenarios:

For each scenario: output SNR, SNR gain, correlation with the clean signal,
attenuation of the 50/100/150 Hz bands, and streaming speed (samples per
second, chunks of 100 ms, one thread, median of `--repeats` interleaved
rounds), each also as a difference (dB) or ratio (speed) against NLMS. `nlms`
and `volterra` are best-tuned on each scenario over `evaluation.TUNING_GRIDS`
(by output SNR; on ecg50hz by 50 Hz attenuation); the other methods run with
their defaults; `rnn` is trained on each scenario's calibration stretch (not
timed: training is offline) and is left out on ecg50hz, which has none.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # one CPU core
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.noise_cancellation import evaluation, families, scenarios  # noqa: E402
from rnnzoo.applications.noise_cancellation.evaluation import figures, format_table, methods_for, options_for, run_method, tune  # noqa: E402

from rnnzoo.applications.noise_cancellation.cancellers import METHODS  # noqa: E402


def named_scenarios(args):
    for name in args.scenarios.split(","):
        options = {} if name == "ecg50hz" else {"seconds": args.seconds / 6 if name == "helicopter" else args.seconds}
        scenario = scenarios.build(name, **options)
        methods = methods_for(scenario, args.methods.split(","))
        score = "atten_50Hz" if scenario.clean is None else "snr_out"
        method_options = {m: options_for(scenario, m) for m in methods}
        for m in ("nlms", "volterra"):
            if m in methods:
                method_options[m].update(tune(scenario, m, score=score)[0])
        rows, speeds = {}, {m: [] for m in methods}
        for _ in range(args.repeats):  # interleaved rounds: a busy machine slows every method alike
            for m in methods:
                cleaned, speed = run_method(scenario, m, chunk=int(scenario.fs / 10), **method_options[m])
                speeds[m].append(speed)
                rows[m] = figures(scenario, cleaned)
        for m in methods:
            rows[m]["samples_per_s"] = statistics.median(speeds[m])
            rows[m]["x_realtime"] = rows[m]["samples_per_s"] / scenario.fs
        print(f"\n== {scenario.name}: {len(scenario.primary) / scenario.fs:g} s at {scenario.fs:g} Hz ==")
        print("tuned: " + "; ".join(f"{m} {method_options[m]}" for m in ("nlms", "volterra") if m in methods))
        print(format_table(rows, baseline="nlms" if "nlms" in rows else None))


# Scenario families: many draws, fixed options.


RESULTS = Path(__file__).resolve().parent / "results"  # the committed runs behind the README's figures


def _key(seed, method, options):
    return json.dumps([seed, method, {k: v for k, v in options.items() if k != "calibration"}], sort_keys=True)


def _load(path):
    """The rows already in `path` (JSON lines), by key; a half-written last line (a killed run) is dropped."""
    rows = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            rows[_key(row["seed"], row["method"], row["options"])] = row
    return rows


def score_draws(family, seeds, candidates, path):
    """Run every (method, options) of `candidates` on every draw; rows {seed, method, options, figures…, x_realtime}.

    A method's options are FAMILY_OPTIONS[family]'s with the candidate's on top
    (and, from the draw, the notch's grid and the rnn's calibration stretch).
    Rows already in `path` are reused; new ones are appended as they finish."""
    done, rows = _load(path), []
    skip = evaluation.FAMILY_SKIP_SECONDS[family]
    for seed in seeds:
        scenario = None
        for method, overrides in candidates:
            configured = {**evaluation.FAMILY_OPTIONS[family].get(method, {}), **overrides}
            key = _key(seed, method, configured)
            if key not in done:
                scenario = scenario or families.draw(family, seed)
                options = {**options_for(scenario, method), **overrides}
                row = {"seed": seed, "method": method, "options": json.loads(key)[2]}
                try:
                    cleaned, speed = run_method(scenario, method, chunk=int(scenario.fs / 10), **options)
                    row.update(figures(scenario, cleaned, skip_seconds=skip), x_realtime=speed / scenario.fs)
                except FloatingPointError:  # the filter diverged: the worst possible score, kept in the statistics
                    row.update(snr_out=float("-inf"), stoi_out=0.0, x_realtime=float("nan"), diverged=True)
                with path.open("a") as out:
                    out.write(json.dumps(row) + "\n")
                done[key] = row
            rows.append(done[key])
    return rows


def summary(rows, score):
    """Per method: median, 10th percentile and worst of `score` (and SNR), wins, median real-time factor."""
    by_seed = {}
    for row in rows:
        by_seed.setdefault(row["seed"], []).append(row)
    wins = {}
    for draw in by_seed.values():
        best = max(draw, key=lambda r: r[score])["method"]
        wins[best] = wins.get(best, 0) + 1
    table = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        values = {k: np.array([r[k] for r in mine]) for k in ("snr_out", score, "x_realtime")}
        table[method] = {
            "median_snr": np.median(values["snr_out"]), "p10_snr": np.percentile(values["snr_out"], 10), "worst_snr": values["snr_out"].min(),
            **({} if score == "snr_out" else {"median_stoi": np.median(values[score]), "p10_stoi": np.percentile(values[score], 10),
                                               "worst_stoi": values[score].min()}),
            "wins": wins.get(method, 0), "x_realtime": np.nanmedian(values["x_realtime"]), "draws": len(mine),
            "diverged": sum(r.get("diverged", False) for r in mine),
        }
    return table


def print_summary(family, split, table, seeds):
    print(f"\n== family {family}, {split} draws (seeds {seeds[0]}…{seeds[-1]}, {len(seeds)} draws), the same options for every draw ==")
    keys = list(next(iter(table.values())))
    print(f"{'method':<10}" + "".join(f"{k:>13}" for k in keys))
    for method, values in table.items():
        print(f"{method:<10}" + "".join(f"{values[k]:>13.3f}" if isinstance(values[k], float) else f"{values[k]:>13}" for k in keys))


def family_run(args):
    family, methods = args.family, args.methods.split(",")
    grids, score = evaluation.FAMILY_GRIDS[family], evaluation.FAMILY_SCORE[family]
    split = "validation" if args.choose_defaults else "test"
    results = Path(args.results or RESULTS / f"noise-{family}-{split}.jsonl")
    results.parent.mkdir(parents=True, exist_ok=True)
    if args.choose_defaults:  # each method's grid on the validation draws; the best median score is its default
        seeds = [evaluation.VALIDATION_SEED + k for k in range(args.draws)]
        chosen = {}
        for method in (m for m in methods if m in grids):
            rows = score_draws(family, seeds, [(method, options) for options in grids[method]], results)
            medians, speeds = {}, {}
            for row in rows:
                medians.setdefault(json.dumps(row["options"], sort_keys=True), []).append(row[score])
                speeds.setdefault(json.dumps(row["options"], sort_keys=True), []).append(row["x_realtime"])
            fast = [k for k in medians if np.nanmedian(speeds[k]) >= evaluation.REALTIME_FLOOR[family]] or list(medians)
            best = max(fast, key=lambda k: np.median(medians[k]))
            chosen[method] = json.loads(best)
            print(f"{method}: {best}  median {score} {np.median(medians[best]):.3f} over {len(seeds)} validation draws", flush=True)
        print(f"\nFAMILY_OPTIONS[{family!r}] = {chosen}")
        return
    seeds = list(range(args.draws))
    table = summary(score_draws(family, seeds, [(m, {}) for m in methods], results), score)
    print("options: " + "; ".join(f"{m} {evaluation.FAMILY_OPTIONS[family].get(m, {})}" for m in methods))
    print_summary(family, "test", table, seeds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the ECG scenarios (helicopter: a sixth)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--scenarios", default="ecg,ecg-linear,ecg50hz,helicopter")
    parser.add_argument("--family", choices=sorted(families.FAMILIES), help="many random draws of a scenario family instead")
    parser.add_argument("--draws", type=positive_int, default=50, help="draws of the family")
    parser.add_argument("--choose-defaults", action="store_true", help="score each method's grid on the validation draws")
    parser.add_argument("--results", help="JSON-lines file of finished runs, resumed "
                        "(default benchmarks/results/noise-FAMILY-SPLIT.jsonl, the committed runs: pass another to measure afresh)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.methods.split(",")) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}: choose from {', '.join(METHODS)}")
    family_run(args) if args.family else named_scenarios(args)


if __name__ == "__main__":
    main()
