"""Adaptive noise cancellation: every method side by side on each scenario, in one run.

    RNNZOO_DATA_DIR=/path/to/shared/data python benchmarks/noise_cancellation.py [--seconds 60] [--repeats 3]

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
import statistics  # noqa: E402

from rnnzoo.applications.noise_cancellation import scenarios  # noqa: E402
from rnnzoo.applications.noise_cancellation.evaluation import figures, format_table, methods_for, options_for, run_method, tune  # noqa: E402

from rnnzoo.applications.noise_cancellation.cancellers import METHODS  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the ECG scenarios (helicopter: a sixth)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--scenarios", default="ecg,ecg-linear,ecg50hz,helicopter")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    main()
