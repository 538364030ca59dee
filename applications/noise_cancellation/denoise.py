"""
Title: Adaptive noise cancellation: ECG mains hum and helicopter cockpit voice
Author: rnnzoo
Description: Cancel drifting mains interference from an ECG, and rotor noise from
a pilot's voice, with a reference signal and an adaptive filter: a fixed notch,
the Adaline (LMS/NLMS), a Volterra filter, and an echo state network whose
readout learns online by recursive least squares.

Run it:

    python -m rnnzoo.applications.noise_cancellation.denoise                      # ECG with drifting mains, all methods
    python -m rnnzoo.applications.noise_cancellation.denoise --scenario helicopter --plot heli.png
    python -m rnnzoo.applications.noise_cancellation.denoise --smoke              # end to end in a few seconds

Copy this file as a template: every constant below is a flag.
"""

# ## Setup

import argparse
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnzoo.applications.noise_cancellation import scenarios  # noqa: E402
from rnnzoo.applications.noise_cancellation.cancellers import METHODS  # noqa: E402
from rnnzoo.applications.noise_cancellation.evaluation import figures, format_table, methods_for, options_for, plot, run_method  # noqa: E402

SCENARIO = "ecg"  # ecg (drifting mains + harmonics), ecg-linear, ecg50hz (real hum), helicopter
SECONDS = 60.0  # length of the synthetic scenarios
MIN_SECONDS = 10.0  # the figures skip the first 5 s (adaptation), so at least as much again is scored
CHUNK_SECONDS = 0.1  # the stream is fed in 100 ms chunks, as a live device would


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Adaptive noise cancellation on a scenario with known ground truth.")
    parser.add_argument("--scenario", default=SCENARIO, choices=sorted(scenarios.SCENARIOS))
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated, from " + ", ".join(METHODS))
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="write waveform, spectrum and learning curves to this PNG")
    parser.add_argument("--smoke", action="store_true", help="short signals: end to end in a few seconds")
    args = parser.parse_args(argv)
    try:
        check_seconds(args.seconds)
    except ValueError as error:
        parser.error(str(error))
    return args


def check_seconds(seconds):
    """A scenario length: a finite number of seconds, at least MIN_SECONDS."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
            or seconds < MIN_SECONDS:
        raise ValueError(f"--seconds must be a finite number >= {MIN_SECONDS:g} "
                         f"(the first 5 s are adaptation, not scored), got {seconds!r}")


def main(argv=None):
    args = parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"Unknown method(s) {', '.join(unknown)}: choose from {', '.join(METHODS)}.")

    # ## The signals
    #
    # A scenario is a primary (what the sensor records: signal + noise), a
    # reference (the noise's source: the mains voltage, a microphone by the
    # rotor) and, for the synthetic ones, the clean signal to score against.
    seconds = 8.0 if args.smoke else args.seconds
    options = {} if args.scenario == "ecg50hz" else {"seconds": seconds, "seed": args.seed}
    if args.scenario == "helicopter":
        options["seconds"] = min(seconds, 10.0)
    scenario = scenarios.build(args.scenario, **options)

    # ## Cancel, stream-wise
    #
    # Each canceller is fed 100 ms chunks, exactly as a live device would feed
    # it; the output equals one call on the whole signal.
    outputs, rows = {}, {}
    chunk = int(CHUNK_SECONDS * scenario.fs)
    for method in methods_for(scenario, methods):
        cleaned, speed = run_method(scenario, method, chunk=chunk, **options_for(scenario, method))
        outputs[method] = cleaned
        rows[method] = {**figures(scenario, cleaned, skip_seconds=2.0 if args.smoke else 5.0), "samples_per_s": speed}

    # ## Results
    #
    # SNRs in dB against the clean signal (after the first seconds, while the
    # filters converge), attenuation of the 50/100/150 Hz bands, and speed;
    # each against NLMS in brackets.
    print(f"{scenario.name}: {len(scenario.primary) / scenario.fs:g} s at {scenario.fs:g} Hz")
    print(format_table(rows, baseline="nlms" if "nlms" in rows else None))
    if args.plot:
        plot(scenario, outputs, args.plot, skip_seconds=2.0 if args.smoke else 5.0)
        print(f"plot: {args.plot}")
    return rows


if __name__ == "__main__":
    main()
