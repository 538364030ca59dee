"""Running the cancellers on a scenario: figures, tuning, speed, table, plots."""

import os
import time

import numpy as np

from rnnzoo.applications.common.metrics import band_attenuation_db, snr_db, stoi
from rnnzoo.applications.noise_cancellation.cancellers import make_canceller

# Step sizes and lengths tried when a linear or Volterra filter is "best tuned" on a scenario.
TUNING_GRIDS = {
    "nlms": [dict(taps=taps, mu=mu) for taps in (2, 4, 8, 16, 32, 64) for mu in (0.003, 0.01, 0.03, 0.1, 0.3)],
    "volterra": [dict(taps=taps, mu=mu) for taps in (2, 4, 8, 16) for mu in (0.001, 0.003, 0.01, 0.03, 0.1)],
}

# Options per scenario that differ from the methods' defaults. Audio: the path is a 24-tap FIR at 8 kHz.
# ecg50hz: the reference is a nominal 50 Hz sinusoid, not the real mains, so the filter must follow a slowly
# rotating phase (λ = 0.99, 0.1 s memory), and a small reservoir keeps RLS from winding up on its
# exactly periodic (rank-deficient) states.
SCENARIO_OPTIONS = {
    "ecg50hz": {"esn": dict(units=6, forgetting_factor=0.99)},
    "helicopter": {
        "nlms": dict(taps=32, mu=0.1),
        "lms": dict(taps=32, mu=0.002),
        "rls": dict(taps=32),
        "volterra": dict(taps=32, mu=0.05),
        "esn": dict(units=10, taps=28, forgetting_factor=0.9995, dc_block=0.0),
        # 5 s of calibration at 8 kHz is 8× the ECG's 10 s at 1 kHz: 8× fewer epochs, the same training time.
        "rnn": dict(units=10, taps=28, forgetting_factor=0.9995, dc_block=0.0, epochs=3),
    },
}


# Scenario families (families.py). One set of options per method serves every draw of a family:
# each method's grid point with the best median score over the validation draws (seeds
# VALIDATION_SEED, VALIDATION_SEED + 1, …), reported on the test draws (seeds 0, 1, …), which
# nothing is tuned on. `python benchmarks/noise_cancellation.py --family F --choose-defaults`
# reruns the choice. `rnn` is not gridded (each point is a training run): its recipe is fixed.
VALIDATION_SEED = 10_000
FAMILY_SCORE = {"ecg": "snr_out", "helicopter": "stoi_out"}  # what a user of each hears or measures
FAMILY_SKIP_SECONDS = {"ecg": 5.0, "helicopter": 1.0}  # convergence left out of the figures (draws: 30 s / 5 s)
REALTIME_FLOOR = {"ecg": 100.0, "helicopter": 10.0}  # a default must stream at least this many times real time
FAMILY_GRIDS = {
    "ecg": {
        "lms": [dict(taps=t, mu=mu) for t in (4, 8, 16) for mu in (0.001, 0.003, 0.01, 0.03)],
        "nlms": [dict(taps=t, mu=mu) for t in (2, 4, 8, 16, 32, 64) for mu in (0.003, 0.01, 0.03, 0.1, 0.3)],
        "rls": [dict(taps=t, forgetting_factor=lam) for t in (2, 4, 8, 16) for lam in (0.999, 0.9999)],
        # Orders 3 and 5: the family's harmonics reach the 5th.
        "volterra": [dict(order=k, taps=t, mu=mu) for k in (3, 5) for t in (2, 4, 8, 16, 32) for mu in (0.003, 0.01, 0.03, 0.1, 0.3)],
        # RLS costs O((units + taps)²) a sample: these sizes keep the ESN above 100x real time at 1 kHz.
        "esn": [dict(units=u, taps=t, forgetting_factor=lam) for u, t in ((12, 2), (12, 4), (16, 2)) for lam in (0.999, 0.9999)],
    },
    "helicopter": {
        "lms": [dict(taps=t, mu=mu) for t in (16, 32, 64) for mu in (0.0005, 0.002, 0.005)],
        "nlms": [dict(taps=t, mu=mu) for t in (16, 32, 64) for mu in (0.03, 0.1, 0.3)],
        "rls": [dict(taps=t, forgetting_factor=lam) for t in (16, 32) for lam in (0.999, 0.9999)],
        "volterra": [dict(order=3, taps=t, mu=mu) for t in (16, 32) for mu in (0.01, 0.03, 0.1)],
        # ... and above 10x at 8 kHz.
        "esn": [dict(units=u, taps=t, forgetting_factor=lam, dc_block=0.0) for u, t in ((10, 20), (10, 28), (16, 28)) for lam in (0.9995, 0.9999)],
    },
}
FAMILY_OPTIONS = {  # chosen on 20 (ECG) and 12 (helicopter) validation draws, 2026-12-05
    "ecg": {
        "lms": dict(taps=4, mu=0.001),
        "nlms": dict(taps=64, mu=0.003),
        "rls": dict(taps=2, forgetting_factor=0.9999),
        "volterra": dict(order=5, taps=16, mu=0.1),
        "esn": dict(units=16, taps=2, forgetting_factor=0.999),
    },
    "helicopter": {
        "lms": dict(taps=32, mu=0.0005),
        "nlms": dict(taps=64, mu=0.03),
        "rls": dict(taps=32, forgetting_factor=0.9999),
        "volterra": dict(order=3, taps=16, mu=0.01),
        "esn": dict(units=16, taps=28, forgetting_factor=0.9999, dc_block=0.0),
        # The named helicopter scenario's recipe (SCENARIO_OPTIONS): 5 s of calibration at 8 kHz.
        "rnn": dict(units=10, taps=28, forgetting_factor=0.9995, dc_block=0.0, epochs=3),
    },
}


def options_for(scenario, method):
    family = scenario.info.get("family")
    table = FAMILY_OPTIONS[family] if family in FAMILY_OPTIONS else SCENARIO_OPTIONS.get(scenario.name.split("-")[0], {})
    options = dict(table.get(method, {}))
    if method == "notch":  # set to the grid's nominal frequency, as a device sold for that grid is (50 Hz unless told)
        options.setdefault("harmonics", 3)
        options.setdefault("mains", scenario.info.get("nominal_mains", 50.0))
    if method == "rnn":  # trained offline on another stretch of the same recording set-up
        options["calibration"] = scenario.calibration
    return options


def methods_for(scenario, methods):
    """`methods` less those this scenario cannot run: `rnn` needs a calibration stretch (ecg50hz has none)."""
    return [m for m in methods if m != "rnn" or scenario.calibration is not None]


def run_method(scenario, method, chunk=None, **options):
    """(cleaned, samples per second) of `method` on the scenario, streamed in `chunk`-sample pieces."""
    canceller = make_canceller(method, scenario.fs, **options)
    chunk = chunk or len(scenario.primary)
    reference = scenario.reference if canceller.needs_reference else None
    start = time.perf_counter()
    pieces = [
        canceller.process(scenario.primary[i : i + chunk], None if reference is None else reference[i : i + chunk])
        for i in range(0, len(scenario.primary), chunk)
    ]
    seconds = time.perf_counter() - start
    return np.concatenate(pieces), len(scenario.primary) / seconds


def figures(scenario, cleaned, skip_seconds=5.0, mains=50.0):
    """Quality figures of one output: SNRs against the clean signal when known,
    and the attenuation of the mains band and its harmonics (after `skip_seconds` of convergence)."""
    skip = int(skip_seconds * scenario.fs)
    out = {}
    if scenario.clean is not None:
        clean = scenario.clean[skip:]
        out["snr_in"] = snr_db(clean, scenario.primary[skip:])
        out["snr_out"] = snr_db(clean, cleaned[skip:])
        out["snr_gain"] = out["snr_out"] - out["snr_in"]
        out["correlation"] = float(np.corrcoef(clean, cleaned[skip:])[0, 1])
        if scenario.fs >= 4000:  # speech: intelligibility before and after (left out without pystoi)
            before, after = stoi(clean, scenario.primary[skip:], scenario.fs), stoi(clean, cleaned[skip:], scenario.fs)
            if after is not None:
                out["stoi_in"], out["stoi_out"] = before, after
    if scenario.fs < 4000:  # mains scenarios: band residuals
        width = 8.0 if scenario.clean is not None else 2.0  # the drifting scenario's hum spreads over 47–53 Hz
        centers = [mains * k for k in (1, 2, 3)]
        for f, value in zip(centers, band_attenuation_db(scenario.primary[skip:], cleaned[skip:], scenario.fs, centers, width)):
            out[f"atten_{f:g}Hz"] = value
    return out


def tune(scenario, method, score="snr_out", **fixed):
    """The grid point of TUNING_GRIDS[method] with the best `score` on this scenario: (options, figures)."""
    best = None
    for options in TUNING_GRIDS[method]:
        try:
            cleaned, _ = run_method(scenario, method, **fixed, **options)
        except FloatingPointError:
            continue
        result = figures(scenario, cleaned)
        if best is None or result[score] > best[1][score]:
            best = (options, result)
    return best


def format_table(rows, baseline="nlms"):
    """A text table of {method: figures}, with each figure also as a difference (dB) or ratio (speed) against `baseline`."""
    keys = [k for k in next(iter(rows.values())) if k not in ("options",)]
    base = rows.get(baseline)
    lines = [f"{'method':<10}" + "".join(f"{k:>22}" for k in keys)]
    for method, values in rows.items():
        cells = []
        for k in keys:
            v = values.get(k, float("nan"))
            if k in ("samples_per_s", "x_realtime"):
                rel = f" ({v / base[k]:.2f}x)" if base else ""
                cells.append(f"{v:>12,.0f}{rel:>10}")
            elif base and k not in ("snr_in", "stoi_in"):
                fine = k in ("correlation", "stoi_out")  # figures on a 0–1 scale: four decimals
                rel = f"({v - base[k]:+.4f})" if fine else f"({v - base[k]:+.2f})"
                cells.append(f"{v:>12.4f}{rel:>10}" if fine else f"{v:>12.2f}{rel:>10}")
            else:
                cells.append(f"{v:>22.2f}")
        lines.append(f"{method:<10}" + "".join(cells))
    return "\n".join(lines)


def plot(scenario, outputs, path, skip_seconds=5.0):
    """Before/after waveform (2 s), spectrum and learning curve of each method's output, as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from scipy import signal

    from rnnzoo.applications.common.metrics import residual_curve_db

    fs = scenario.fs
    fig, axes = plt.subplots(3, 1, figsize=(10, 11))
    start = int(max(skip_seconds, len(scenario.primary) / fs - 3) * fs)
    span = slice(start, min(len(scenario.primary), start + int(2 * fs)))
    t = np.arange(len(scenario.primary))[span] / fs
    axes[0].plot(t, scenario.primary[span], color="0.7", lw=0.8, label="primary (noisy)")
    if scenario.clean is not None:
        axes[0].plot(t, scenario.clean[span], color="k", lw=1.0, label="clean")
    for method, cleaned in outputs.items():
        axes[0].plot(t, cleaned[span], lw=0.8, label=method)
    axes[0].set(xlabel="time (s)", title=f"{scenario.name}: waveform")
    axes[0].legend(fontsize=8, ncol=4)
    skip = int(skip_seconds * fs)
    for label, x in [("primary", scenario.primary), *outputs.items()]:
        f, p = signal.welch(x[skip:], fs=fs, nperseg=min(len(x) - skip, int(fs)))
        axes[1].semilogy(f, p, lw=0.8, label=label)
    axes[1].set(xlabel="frequency (Hz)", ylabel="PSD", title="spectrum", xlim=(0, min(fs / 2, 400 if fs < 4000 else fs / 2)))
    axes[1].legend(fontsize=8)
    if scenario.clean is not None:
        for method, cleaned in outputs.items():
            axes[2].plot(*residual_curve_db(scenario.clean, cleaned, fs, window=0.5), lw=0.9, label=method)
        axes[2].set(xlabel="time (s)", ylabel="residual power (dB)", title="learning curve: residual over time")
        axes[2].legend(fontsize=8)
    else:
        axes[2].axis("off")
    fig.tight_layout()
    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=90, format="png"))
    plt.close(fig)


def write_atomically(path, write):
    """`write(temporary_path)` then rename over `path`: never a half-written
    file in its place. The file gets the user's umask like any other tool's
    (a temporary file starts at mode 0600), and a failure names `path`, not
    the hidden temporary name."""
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"The folder of {path} does not exist: {path.parent}")
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    os.close(handle)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as error:
        os.unlink(tmp)
        if isinstance(error, (OSError, RuntimeError)):  # soundfile's errors are RuntimeErrors
            message = str(error).replace(tmp, str(path))
            raise OSError(f"Could not write {path}: {message}") from None
        raise


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
