"""Scenario families: whole sets of noise-cancellation test signals drawn at random under a seed.

A named scenario (`scenarios.build`) is one set-up; a canceller tuned on it
may only have learnt that set-up. A family draws a new set-up for each seed:
the same wanted signal and noise source, but a different coupling path,
non-linearity, mains behaviour and input SNR each time. Each draw is a
`scenarios.Scenario` with

    primary   = clean + g · interference     (what the sensor records)
    reference = the interference's source    (the mains voltage, the rotor microphone)

and a calibration stretch (another segment of the same draw: same coupling,
same gain, other signal) for the methods trained offline. `info` records
everything drawn, as plain JSON.

What one draw picks (numpy `default_rng(seed)`, every choice uniform):

* coupling path, `couplings` × `phases`: an FIR filter of `fir_taps` taps, or
  a stable IIR filter of order `iir_order` (poles at radius 0.2–0.9), with
  zeros at radius 0.2–0.95 in conjugate pairs. Minimum phase: every zero
  inside the unit circle. Non-minimum phase: a random non-empty set of them
  reflected outside (z → 1/z̄: the same magnitude response up to a gain, a
  different phase). The path is scaled to unit output power.
* non-linearity: the amplifier's saturation tanh(d·x)/d with drive d in
  `saturation` (d = 0: linear), and harmonics k in `harmonics` (low, high),
  each with an amplitude in `harmonic_amplitude` relative to the fundamental.
  ECG: the harmonics of the mains, cos(kφ + θₖ) with random phases θₖ, enter
  before the coupling path (the reference stays the pure fundamental cos φ).
  Audio: the k-th power of the saturated noise (each scaled to the linear
  term's power, sign random), the broadband counterpart of a harmonic.
* mains (ECG): a band from `mains_bands`, a behaviour from `mains_behaviours`:
  "fixed" (one frequency), "steps" (jumps to new frequencies, 2–8 s apart on
  average), "sinusoidal" (`scenarios.drifting_mains`, periods 5–30 s) or
  "random_walk" (1 Hz/√s scale 0.2–1, reflected at the band's edges); the
  instantaneous frequency never leaves the band (`mains_phase`).
* input SNR in `snr_db`, hit exactly: 10 log10(Σ clean² / Σ (primary − clean)²).
* signal: ECG, a lead of MIT-BIH record 100 from `leads` and random,
  non-overlapping test and calibration segments; audio, FSDD spoken digits
  in random order with random pauses over the ESC-10 helicopter clips in
  random order from a random offset.

The named scenarios stay as they were, members of these families: "ecg"
(`scenarios.ecg_drift`) is the sinusoidal drift in 47–53 Hz with harmonics
2–3 from a fixed polynomial, through a 4-tap FIR; "ecg-linear" the same
without harmonics; "helicopter" a 24-tap FIR with a tanh(0.8 x) saturation.

    scenario = draw("ecg", seed=7)                               # defaults below
    scenario = draw("ecg", seed=7, mains_behaviours=("steps",))  # narrow the family

Impossible settings are refused with a ValueError naming them.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from rnnzoo.applications.common.data import data_path
from rnnzoo.applications.noise_cancellation.scenarios import Scenario, _concatenate, drifting_mains, mitbih_ecg

COUPLINGS = ("fir", "iir")
PHASES = ("minimum", "non-minimum")
BEHAVIOURS = ("fixed", "steps", "sinusoidal", "random_walk")
LEADS = ("MLII", "V5")  # the two leads of MIT-BIH record 100
GRIDS = (50.0, 60.0)  # nominal mains frequencies: a device is set to its grid's
ZERO_RADIUS = (0.2, 0.95)  # away from the unit circle: no zero removes the mains entirely
POLE_RADIUS = (0.2, 0.9)  # stable, and rings for at most a few tens of samples


def _range(name, value, low=None, integer=False):
    """(low, high) as two numbers with low <= high (and >= `low`), else a ValueError naming `name`."""
    kind = "integers" if integer else "finite numbers"
    ok = isinstance(value, (tuple, list)) and len(value) == 2
    ok = ok and all(not isinstance(v, bool) and isinstance(v, (int, np.integer) if integer else (int, float, np.integer, np.floating)) for v in value)
    ok = ok and all(np.isfinite(v) for v in value) and value[0] <= value[1] and (low is None or value[0] >= low)
    if not ok:
        bound = "" if low is None else f", low >= {low}"
        raise ValueError(f"Argument `{name}` must be a (low, high) pair of {kind} with low <= high{bound}. Received: {name}={value!r}")
    return tuple(int(v) if integer else float(v) for v in value)


def _choices(name, value, allowed):
    """A non-empty tuple of names from `allowed` (one name alone is fine too)."""
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, (tuple, list)) or not names or any(n not in allowed for n in names):
        raise ValueError(f"Argument `{name}` must be one or more of {', '.join(map(repr, allowed))}. Received: {name}={value!r}")
    return tuple(names)


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a finite number > 0. Received: {name}={value!r}")
    return float(value)


def _seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Argument `seed` must be an integer >= 0. Received: seed={seed!r}")
    return int(seed)


@dataclass(frozen=True)
class FamilySettings:
    """The distributions a family draws from (see the module docstring); validated on creation."""

    snr_db: tuple = (-10.0, 10.0)
    harmonics: tuple | None = (2, 5)  # None: no harmonics
    harmonic_amplitude: tuple = (0.0, 0.5)
    saturation: tuple = (0.0, 1.0)
    couplings: tuple = COUPLINGS
    phases: tuple = PHASES
    fir_taps: tuple = (2, 12)
    iir_order: tuple = (1, 2)
    mains_bands: tuple = ((47.0, 53.0), (57.0, 63.0))
    mains_behaviours: tuple = BEHAVIOURS
    leads: tuple = LEADS
    calibration_seconds: float = 10.0

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen: normalise once here)
        put("snr_db", _range("snr_db", self.snr_db))
        if self.harmonics is not None:
            put("harmonics", _range("harmonics", self.harmonics, low=2, integer=True))
        put("harmonic_amplitude", _range("harmonic_amplitude", self.harmonic_amplitude, low=0.0))
        put("saturation", _range("saturation", self.saturation, low=0.0))
        put("couplings", _choices("couplings", self.couplings, COUPLINGS))
        put("phases", _choices("phases", self.phases, PHASES))
        put("fir_taps", _range("fir_taps", self.fir_taps, low=2, integer=True))  # one tap has no zero to place
        put("iir_order", _range("iir_order", self.iir_order, low=1, integer=True))
        bands = self.mains_bands
        if not isinstance(bands, (tuple, list)) or not bands:
            raise ValueError(f"Argument `mains_bands` must be one or more (low, high) bands in Hz. Received: mains_bands={bands!r}")
        bands = tuple(_range("mains_bands", band, low=0.0) for band in bands)
        if any(low == high or low == 0.0 for low, high in bands):
            raise ValueError(f"Argument `mains_bands` must hold bands with 0 < low < high Hz. Received: mains_bands={self.mains_bands!r}")
        put("mains_bands", bands)
        put("mains_behaviours", _choices("mains_behaviours", self.mains_behaviours, BEHAVIOURS))
        put("leads", _choices("leads", self.leads, LEADS))
        put("calibration_seconds", _positive("calibration_seconds", self.calibration_seconds))

    def check_rate(self, fs):
        """Refuse a rate at which the highest mains harmonic reaches the Nyquist frequency (it would alias)."""
        highest = self.harmonics[1] if self.harmonics else 1
        top = highest * max(high for _, high in self.mains_bands)
        if top >= fs / 2:
            raise ValueError(
                f"Argument `harmonics` reaches harmonic {highest} of {top / highest:g} Hz, {top:g} Hz, at or above the Nyquist "
                f"frequency of `fs` ({fs / 2:g} Hz): lower the harmonics or raise fs. Received: harmonics={self.harmonics!r}, fs={fs!r}"
            )


FAMILY_SETTINGS = {
    "ecg": FamilySettings(),
    # At 8 kHz an acoustic path is tens of taps long; 5 s of calibration is 40,000 samples.
    "helicopter": FamilySettings(fir_taps=(8, 32), calibration_seconds=5.0),
}


def family_settings(family, **overrides):
    """The settings of `family` ("ecg" or "helicopter") with `overrides` (fields of FamilySettings)."""
    if family not in FAMILY_SETTINGS:
        raise ValueError(f"Unknown family {family!r}: choose one of {', '.join(FAMILY_SETTINGS)}.")
    fields = [f.name for f in dataclasses.fields(FamilySettings)]
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ValueError(f"Unknown setting(s) {', '.join(unknown)}: choose from {', '.join(fields)}.")
    return dataclasses.replace(FAMILY_SETTINGS[family], **overrides)


# The coupling path.


def _root_groups(rng, count, radius):
    """`count` roots in conjugate pairs (one real root more when `count` is odd), radii uniform in `radius`.
    Returned as groups, a pair or a real root, so that a reflection keeps the polynomial real."""
    groups = []
    for _ in range(count // 2):
        z = rng.uniform(*radius) * np.exp(1j * rng.uniform(0.0, np.pi))
        groups.append([z, np.conj(z)])
    if count % 2:
        groups.append([complex(rng.choice([-1.0, 1.0]) * rng.uniform(*radius))])
    return groups


def _zeros(rng, count, phase):
    """Zeros of a minimum-phase path, or with a random non-empty set of groups reflected outside the unit circle."""
    groups = _root_groups(rng, count, ZERO_RADIUS)
    if phase == "non-minimum" and groups:
        flip = rng.random(len(groups)) < 0.5
        flip[rng.integers(len(groups))] = True  # at least one zero outside
        groups = [[1.0 / np.conj(z) for z in group] if f else group for group, f in zip(groups, flip)]
    return np.concatenate(groups) if groups else np.zeros(0)


def coupling_path(rng, kind, phase, fir_taps=(2, 12), iir_order=(1, 2)):
    """A random coupling path (b, a) with unit impulse-response energy: see the module docstring.

    `kind`: "fir" or "iir"; `phase`: "minimum" or "non-minimum"; the length
    and order are drawn from the (low, high) ranges, both ends included."""
    _choices("kind", kind, COUPLINGS)
    _choices("phase", phase, PHASES)
    if kind == "fir":
        taps = int(rng.integers(fir_taps[0], fir_taps[1] + 1))
        b, a = np.real(np.poly(_zeros(rng, taps - 1, phase))), np.ones(1)
        response = b
    else:
        order = int(rng.integers(iir_order[0], iir_order[1] + 1))
        a = np.real(np.poly(np.concatenate(_root_groups(rng, order, POLE_RADIUS))))
        b = np.real(np.poly(_zeros(rng, order, phase)))
        from scipy import signal

        response = signal.lfilter(b, a, np.r_[1.0, np.zeros(999)])  # poles at r <= 0.9: 0.9^1000 is nothing
    return b / np.sqrt(np.sum(response**2)), a


# The mains.


def mains_phase(rng, behaviour, band, n, fs):
    """Phase φ_t of a mains voltage cos φ_t whose frequency follows `behaviour` inside `band` (low, high) Hz.

    Returns (phase, instantaneous frequency in Hz, the drawn parameters);
    the phase advances by 2π f_t / fs at each sample."""
    _choices("behaviour", behaviour, BEHAVIOURS)
    low, high = band
    t = np.arange(n) / fs
    if behaviour == "sinusoidal":
        period = float(rng.uniform(5.0, 30.0))
        phase, frequency = drifting_mains(n, fs, seed=int(rng.integers(2**31)), low=low, high=high, period=period)
        return phase, frequency, {"period_s": period}
    if behaviour == "fixed":
        frequency = np.full(n, rng.uniform(low, high))
        parameters = {"frequency_hz": float(frequency[0]) if n else None}
    elif behaviour == "steps":
        dwell = float(rng.uniform(2.0, 8.0))  # mean seconds between steps; the first falls inside the stretch
        times = [rng.uniform(0.1, 0.9) * n / fs]
        while times[-1] < n / fs:
            times.append(times[-1] + rng.exponential(dwell))
        times = np.array(times[:-1])
        levels = rng.uniform(low, high, len(times) + 1)
        frequency = levels[np.searchsorted(times, t, side="right")]
        parameters = {"mean_dwell_s": dwell, "step_times_s": times.tolist(), "levels_hz": levels.tolist()}
    else:  # a random walk, reflected at the band's edges so that it stays inside
        scale = float(rng.uniform(0.2, 1.0))  # Hz per √s
        walk = rng.uniform(0.0, high - low) + np.cumsum(rng.normal(0.0, scale / np.sqrt(fs), n))
        folded = np.mod(walk, 2 * (high - low))
        frequency = low + np.where(folded > high - low, 2 * (high - low) - folded, folded)
        parameters = {"scale_hz_per_sqrt_s": scale}
    phase = 2 * np.pi * np.cumsum(frequency) / fs + rng.uniform(0.0, 2 * np.pi)
    return phase, frequency, parameters


# The draws.


def _saturate(x, drive):
    return np.tanh(drive * x) / drive if drive > 0 else x


def _gain(clean, interference, snr_db):
    """The factor that puts `interference` at exactly `snr_db` below `clean` (by energy)."""
    return np.sqrt(np.sum(clean**2) / np.sum(interference**2) / 10 ** (snr_db / 10))


def _plain(value):
    """`value` with numpy arrays and scalars as lists and Python numbers: JSON-serialisable."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _draw_path(rng, settings):
    kind, phase = str(rng.choice(settings.couplings)), str(rng.choice(settings.phases))
    b, a = coupling_path(rng, kind, phase, settings.fir_taps, settings.iir_order)
    return b, a, {"kind": kind, "phase": phase, "b": b, "a": a}


def _draw_harmonics(rng, settings):
    """[(order k, amplitude, phase in radians)] for each harmonic of the family's range."""
    if settings.harmonics is None:
        return []
    low, high = settings.harmonics
    return [(k, float(rng.uniform(*settings.harmonic_amplitude)), float(rng.uniform(0.0, 2 * np.pi))) for k in range(low, high + 1)]


def _record_seconds():
    import wfdb

    header = wfdb.rdheader(str(data_path("ecg", "mitbih", "100.hea").with_suffix("")))
    return header.sig_len / header.fs


def _two_segments(rng, total, seconds, calibration_seconds):
    """Starts of a test and a calibration segment that do not overlap, in either order, uniformly placed in `total` s."""
    slack = total - seconds - calibration_seconds
    if slack < 0:
        raise ValueError(
            f"Arguments `seconds` ({seconds:g}) and `calibration_seconds` ({calibration_seconds:g}) do not fit together "
            f"in the {total:.0f} s record. Received: seconds={seconds!r}, calibration_seconds={calibration_seconds!r}"
        )
    cuts = np.sort(rng.uniform(0.0, slack, 2))
    before, between = cuts[0], cuts[1] - cuts[0]  # the slack before the first segment and between the two
    if rng.random() < 0.5:
        return float(before), float(before + seconds + between)
    return float(before + calibration_seconds + between), float(before)


def draw_ecg(seed, seconds=30.0, fs=1000, **settings):
    """An ECG with mains interference through a random coupling (a member of the "ecg" family).

    The reference is the mains voltage cos φ_t alone; the interference is its
    fundamental and harmonics through the coupling path and the saturation.
    `settings`: fields of FamilySettings. `info["mains"]` gives the band, the
    behaviour and the frequency's range; `info["nominal_mains"]` the grid (50
    or 60 Hz) nearest the band, what a fixed notch would be set to."""
    from scipy import signal

    seed, seconds, fs = _seed(seed), _positive("seconds", seconds), _positive("fs", fs)
    settings = family_settings("ecg", **settings)
    settings.check_rate(fs)
    rng = np.random.default_rng(seed)
    lead = str(rng.choice(settings.leads))
    start, calibration_start = _two_segments(rng, _record_seconds() - 2.0, seconds, settings.calibration_seconds)  # mitbih_ecg reads 1 s past the end
    band = settings.mains_bands[rng.integers(len(settings.mains_bands))]
    behaviour = str(rng.choice(settings.mains_behaviours))
    b, a, path = _draw_path(rng, settings)
    harmonics = _draw_harmonics(rng, settings)
    drive = float(rng.uniform(*settings.saturation))
    snr = float(rng.uniform(*settings.snr_db))

    def mains(n):
        """(reference, interference before the saturation, frequency, parameters) of one stretch."""
        phase, frequency, parameters = mains_phase(rng, behaviour, band, n, fs)
        source = np.cos(phase) + sum(amplitude * np.cos(k * phase + theta) for k, amplitude, theta in harmonics)
        return np.cos(phase), signal.lfilter(b, a, source), frequency, parameters

    clean = mitbih_ecg(seconds, start, fs, lead)
    reference, coupled, frequency, parameters = mains(len(clean))
    scale = 1.0 / coupled.std()  # fixed by the test stretch, and kept for the calibration: one amplifier, one drive
    interference = _saturate(scale * coupled, drive)
    gain = _gain(clean, interference, snr)
    calibration_clean = mitbih_ecg(settings.calibration_seconds, calibration_start, fs, lead)
    calibration_reference, calibration_coupled, _, _ = mains(len(calibration_clean))
    info = {
        "family": "ecg",
        "seed": seed,
        "seconds": seconds,
        "fs": fs,
        "lead": lead,
        "start_s": start,
        "calibration_start_s": calibration_start,
        "input_snr_db": snr,
        "coupling": path,
        "saturation_drive": drive,
        "harmonics": [{"order": k, "amplitude": amplitude, "phase": theta} for k, amplitude, theta in harmonics],
        "mains": {"band": band, "behaviour": behaviour, "frequency_min_hz": frequency.min(), "frequency_max_hz": frequency.max(), **parameters},
        "nominal_mains": min(GRIDS, key=lambda grid: abs(grid - np.mean(band))),
        "settings": dataclasses.asdict(settings),
    }
    return Scenario(
        f"ecg-draw-{seed}",
        clean + gain * interference,
        reference,
        fs,
        clean=clean,
        calibration=(calibration_clean + gain * _saturate(scale * calibration_coupled, drive), calibration_reference),
        info=_plain(info),
    )


def _recorded(files, names):
    """Yield `files`, appending each name to `names`: which of them `_concatenate` actually read."""
    for file in files:
        names.append(file.name)
        yield file


def _distort(x, drive, harmonics, rng):
    """Saturation, then the k-th powers of the result, each at its amplitude relative to the linear term's power."""
    y = _saturate(x, drive)
    out, signs = y.copy(), []
    for k, amplitude, _ in harmonics:  # a power of broadband noise has no phase to draw: a sign instead
        term = y**k - np.mean(y**k)  # even powers have a mean: the DC is not noise anyone hears
        sign = float(rng.choice([-1.0, 1.0]))
        out += sign * amplitude * term * (y.std() / term.std())
        signs.append(sign)
    return out, signs


def draw_helicopter(seed, seconds=5.0, fs=8000, **settings):
    """Spoken digits over helicopter noise through a random coupling (a member of the "helicopter" family).

    The reference is the helicopter noise itself (a microphone by the rotor);
    the primary microphone hears speech and that noise through the coupling
    path, the saturation and the power-law harmonics. The calibration stretch
    is the `calibration_seconds` just before the test stretch. `settings`:
    fields of FamilySettings (the mains and lead fields play no part)."""
    from scipy import signal

    seed, seconds, fs = _seed(seed), _positive("seconds", seconds), _positive("fs", fs)
    settings = family_settings("helicopter", **settings)
    rng = np.random.default_rng(seed)
    n, n_calibration = int(seconds * fs), int(settings.calibration_seconds * fs)
    offset, pause = int(rng.uniform(0.0, 2.0) * fs), float(rng.uniform(0.1, 0.5))
    speech_names, noise_names = [], []
    speech_files = rng.permutation(sorted(data_path("fsdd", "recordings").glob("*.wav")))
    noise_files = rng.permutation(sorted(data_path("helicopter").glob("*.ogg")))
    speech = _concatenate(_recorded(speech_files, speech_names), n_calibration + n, fs, gap=int(pause * fs))
    noise = _concatenate(_recorded(noise_files, noise_names), offset + n_calibration + n, fs)[offset:]
    speech, noise = speech / speech.std(), noise / noise.std()
    b, a, path = _draw_path(rng, settings)
    harmonics = _draw_harmonics(rng, settings)
    drive = float(rng.uniform(*settings.saturation))
    snr = float(rng.uniform(*settings.snr_db))
    coupled = signal.lfilter(b, a, noise)
    heard, signs = _distort(coupled / coupled.std(), drive, harmonics, rng)
    heard *= _gain(speech[n_calibration:], heard[n_calibration:], snr)  # exact on the test stretch
    primary = speech + heard
    info = {
        "family": "helicopter",
        "seed": seed,
        "seconds": seconds,
        "fs": fs,
        "speech_files": speech_names,
        "pause_s": pause,
        "noise_files": noise_names,
        "noise_offset_s": offset / fs,
        "input_snr_db": snr,
        "coupling": path,
        "saturation_drive": drive,
        "harmonics": [{"order": k, "amplitude": amplitude, "sign": sign} for (k, amplitude, _), sign in zip(harmonics, signs)],
        "settings": dataclasses.asdict(settings),
    }
    return Scenario(
        f"helicopter-draw-{seed}",
        primary[n_calibration:],
        noise[n_calibration:],
        fs,
        clean=speech[n_calibration:],
        calibration=(primary[:n_calibration], noise[:n_calibration]),
        info=_plain(info),
    )


FAMILIES = {"ecg": draw_ecg, "helicopter": draw_helicopter}


def draw(family, seed, **options):
    """Member `seed` of `family` ("ecg" or "helicopter"); options as in draw_ecg / draw_helicopter."""
    if family not in FAMILIES:
        raise ValueError(f"Unknown family {family!r}: choose one of {', '.join(FAMILIES)}.")
    return FAMILIES[family](seed, **options)
