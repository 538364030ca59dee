"""Test signals for noise cancellation made from real recordings, with known ground truth.

Each builder returns a `Scenario`: the primary (signal + noise as the sensor
sees it), the reference (the noise's source), the clean signal when it is
known, and the rate. The same `seed` gives the same signals on every machine.
"""

from dataclasses import dataclass, field

import numpy as np

from rnnzoo.applications.common.data import data_path


@dataclass
class Scenario:
    name: str
    primary: np.ndarray
    reference: np.ndarray
    fs: float
    clean: np.ndarray | None = None  # None for real recordings (no ground truth)
    calibration: tuple | None = None  # (primary, reference) from another stretch, for offline-trained methods
    info: dict = field(default_factory=dict)


def mitbih_ecg(seconds=60.0, start=0.0, fs=1000, lead="MLII"):
    """A lead ("MLII" or "V5") of MIT-BIH record 100 (360 Hz) in mV, resampled to `fs`, its own 60 Hz hum notched out.

    The notch is zero-phase (filtfilt): this is the offline making of a clean
    ground truth, not a canceller.
    """
    import wfdb
    from scipy import signal

    record = wfdb.rdrecord(str(data_path("ecg", "mitbih", "100.hea").with_suffix("")), sampfrom=int(start * 360), sampto=int((start + seconds) * 360) + 360)
    ecg = record.p_signal[:, record.sig_name.index(lead)]
    ecg = signal.resample_poly(ecg - ecg.mean(), fs, 360)[: int(seconds * fs)]
    b, a = signal.iirnotch(60.0, 30.0, fs=fs)
    return signal.filtfilt(b, a, ecg)


def drifting_mains(n, fs, seed=0, low=47.0, high=53.0, period=20.0):
    """Phase and frequency of a mains voltage wandering across [low, high] Hz.

    The frequency is a slow random mixture of two sinusoids (periods around
    `period` and `period` / 5 seconds) spanning the range; returns (phase, frequency)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    wander = 0.8 * np.sin(2 * np.pi * t / (period * rng.uniform(0.8, 1.2)) + rng.uniform(0, 2 * np.pi))
    wander += 0.2 * np.sin(2 * np.pi * t / (period / 5 * rng.uniform(0.8, 1.2)) + rng.uniform(0, 2 * np.pi))
    frequency = 0.5 * (low + high) + 0.5 * (high - low) * wander
    phase = 2 * np.pi * np.cumsum(frequency) / fs + rng.uniform(0, 2 * np.pi)
    return phase, frequency


def ecg_drift(seconds=60.0, fs=1000, input_snr_db=2.0, harmonics=True, seed=0, start=0.0, calibration_seconds=10.0):
    """ECG + mains interference drifting across 47–53 Hz through an unknown coupling.

    The mains voltage v = cos φ(t) (the reference) goes through a saturating
    coupling that adds 2nd and 3rd harmonics (v + h₂ (v² − ½) + h₃ v³, drawn
    from `seed`; none with `harmonics=False`: a purely linear path) and then a
    short FIR path (amplitude and phase), and is scaled so the primary's SNR
    is `input_snr_db`. A `calibration` stretch (another part of the record,
    same coupling) is attached for the methods trained offline.
    """
    from scipy import signal

    rng = np.random.default_rng(seed)
    h2, h3 = (rng.uniform(0.8, 1.0), rng.uniform(0.8, 1.0)) if harmonics else (0.0, 0.0)
    path = rng.uniform(0.2, 1.0, 4) * np.exp(-np.arange(4))  # a causal FIR: gain and frequency-dependent phase

    def make(ecg, mains_seed):
        phase, frequency = drifting_mains(len(ecg), fs, seed=mains_seed)
        v = np.cos(phase)
        noise = signal.lfilter(path, [1.0], v + h2 * (v**2 - 0.5) + h3 * v**3)
        return v, noise, frequency

    clean = mitbih_ecg(seconds, start, fs)
    reference, noise, frequency = make(clean, seed)
    gain = np.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (input_snr_db / 10))
    calibration_ecg = mitbih_ecg(calibration_seconds, start + seconds + 60.0, fs)
    cal_reference, cal_noise, _ = make(calibration_ecg, seed + 1)
    return Scenario(
        "ecg-drift" + ("" if harmonics else "-linear"),
        clean + gain * noise,
        reference,
        float(fs),
        clean=clean,
        calibration=(calibration_ecg + gain * cal_noise, cal_reference),
        info={"mains_frequency": frequency, "harmonics": (h2, h3), "path": path},
    )


def ecg50hz(mains=50.0):
    """The real ECG with real 50 Hz hum (`ecg/ecg50hz.dat`, 1 kHz, ADC counts).

    No mains recording exists, so the reference is a nominal `mains`-Hz
    sinusoid; the adaptive filter absorbs the unknown phase and small frequency
    offsets. The primary has the mean of its first second removed."""
    path = data_path("ecg", "ecg50hz.dat")
    try:
        counts = np.loadtxt(path, dtype="float64")
    except ValueError as error:
        raise ValueError(f"Cannot read {path}: {error}") from None
    fs = 1000.0
    reference = np.cos(2 * np.pi * mains * np.arange(len(counts)) / fs)
    return Scenario("ecg50hz", counts - counts[: int(fs)].mean(), reference, fs)


def read_audio(path, fs=None):
    """A mono float64 signal and its rate from an audio file, resampled to `fs` if given."""
    import soundfile

    try:
        audio, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except Exception as error:  # soundfile raises its own LibsndfileError, RuntimeError, TypeError
        raise ValueError(f"Cannot read audio file {path}: {error}") from None
    audio = audio.mean(axis=1)
    if fs is not None and rate != fs:
        from math import gcd

        from scipy import signal

        g = gcd(int(fs), int(rate))
        audio, rate = signal.resample_poly(audio, int(fs) // g, int(rate) // g), fs
    return audio, float(rate)


def _concatenate(files, n, fs, gap=0):
    pieces, total = [], 0
    for file in files:
        audio, _ = read_audio(file, fs)
        pieces += [audio, np.zeros(gap)]
        total += len(audio) + gap
        if total >= n:
            break
    out = np.concatenate(pieces)
    return np.resize(out, n) if len(out) < n else out[:n]


def helicopter(seconds=10.0, fs=8000, input_snr_db=0.0, saturation=True, seed=0, calibration_seconds=5.0):
    """Spoken digits (FSDD) over helicopter noise (ESC-10) reaching the pilot's microphone through an unknown path.

    The noise n (the reference microphone by the rotor) reaches the primary
    microphone through a random decaying 24-tap FIR and, with `saturation`, a
    mild tanh saturation (the pilot's microphone preamplifier); the primary is
    speech + that at `input_snr_db`. Speech files and noise clips are drawn from
    `seed`."""
    from scipy import signal

    rng = np.random.default_rng(seed)
    speech_files = sorted(data_path("fsdd", "recordings").glob("*.wav"))
    noise_files = sorted(data_path("helicopter").glob("*.ogg"))
    n, n_cal = int(seconds * fs), int(calibration_seconds * fs)
    speech = _concatenate(rng.permutation(speech_files)[:200], n + n_cal, fs, gap=int(0.2 * fs))
    noise = _concatenate(rng.permutation(noise_files), n + n_cal, fs)
    speech, noise = speech / speech.std(), noise / noise.std()
    path = rng.normal(size=24) * np.exp(-np.arange(24) / 5.0)
    path[rng.integers(2, 6)] += 1.5  # a dominant delayed arrival
    heard = signal.lfilter(path, [1.0], noise)
    heard /= heard.std()
    if saturation:
        heard = np.tanh(0.8 * heard) / 0.8
    heard *= np.sqrt(np.mean(speech**2) / np.mean(heard**2) / 10 ** (input_snr_db / 10))
    primary = speech + heard
    return Scenario(
        "helicopter" + ("" if saturation else "-linear"),
        primary[n_cal:],
        noise[n_cal:],
        float(fs),
        clean=speech[n_cal:],
        calibration=(primary[:n_cal], noise[:n_cal]),
        info={"path": path},
    )


SCENARIOS = {
    "ecg": ecg_drift,
    "ecg-linear": lambda **kw: ecg_drift(harmonics=False, **kw),
    "ecg50hz": ecg50hz,
    "helicopter": helicopter,
}


def build(name, **options):
    """A scenario by name (one of SCENARIOS)."""
    if name not in SCENARIOS:
        raise ValueError(f"Unknown scenario {name!r}: choose one of {', '.join(SCENARIOS)}.")
    return SCENARIOS[name](**options)
