"""Perturbations that make synthetic speech sound like many rooms, lines and microphones.

Each takes float32 mono samples and returns new ones; the random choices come
from a `numpy.random.Generator`, so a seeded corpus is the same on every run.
Together (`perturb`), in the order sound meets them on its way to a recogniser:

    speed    resampled by 0.9-1.1 (tempo and pitch together; Ko et al. 2015)
    room     convolved with a synthetic impulse response: a direct path, then
             exponentially decaying noise with RT60 0.15-0.8 s (the
             reverberation time, in which the tail falls by 60 dB)
    noise    added at 0-30 dB SNR: white, pink (1/f power) or a recording
             (the ESC-10 helicopter clips in the shared data)
    channel  telephone band (300-3,400 Hz) on some clips; every clip ends at
             the model's 8 kHz, some after passing through 16 kHz
    gain     peak level between -20 and -1 dBFS
"""

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

from rnnzoo.applications.speech_ctc import audio as audio_lib

SPEED = (0.9, 1.1)
ROOM_PROBABILITY, RT60_SECONDS = 0.4, (0.15, 0.8)
NOISE_PROBABILITY, SNR_DB = 0.6, (0.0, 30.0)
TELEPHONE_PROBABILITY, TELEPHONE_BAND = 0.3, (300.0, 3400.0)
VIA_16K_PROBABILITY = 0.5
PEAK_DBFS = (-20.0, -1.0)


def speed(samples, factor):
    """Play `samples` `factor` times as fast (tempo and pitch), by resampling."""
    if not 0.5 <= factor <= 2.0:
        raise ValueError(f"speed factor must be in [0.5, 2], got {factor!r}")
    # A rational factor up/down with down = 100: 0.93 -> 100/93 of the samples.
    return audio_lib.resample(samples, round(100 * factor), 100)


def room_impulse_response(rate, rt60, rng):
    """A direct path and an exponentially decaying noise tail of reverberation time `rt60` seconds."""
    length = max(1, int(rt60 * rate))
    t = np.arange(length) / rate
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)  # 10^(-60/20) = e^(-6.9) at t = rt60
    tail[: int(0.002 * rate)] = 0.0  # the first reflections arrive a few ms after the direct sound
    response = 0.2 * tail / np.sqrt(np.sum(tail**2) + 1e-12)
    response[0] = 1.0
    return response.astype("float32")


def reverberate(samples, rate, rt60, rng):
    wet = fftconvolve(samples, room_impulse_response(rate, rt60, rng))[: len(samples)]
    return (wet * np.max(np.abs(samples)) / (np.max(np.abs(wet)) + 1e-9)).astype("float32")


def pink_noise(length, rng):
    """Noise with power falling as 1/f: white noise shaped in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    noise = np.fft.irfft(spectrum, n=length)
    return (noise / (np.std(noise) + 1e-12)).astype("float32")


def noise_clip(recordings, length, rng):
    """`length` samples of one of `recordings` (looped if short), from a random point."""
    recording = recordings[rng.integers(len(recordings))]
    repeats = -(-length // len(recording)) + 1
    looped = np.tile(recording, repeats)
    start = rng.integers(len(looped) - length + 1)
    return looped[start : start + length]


def add_noise(samples, noise, snr_db):
    """`samples` plus `noise` scaled to `snr_db` below the speech's power."""
    speech_power = np.mean(samples**2) + 1e-12
    noise_power = np.mean(noise**2) + 1e-12
    return (samples + noise * np.sqrt(speech_power / (noise_power * 10 ** (snr_db / 10)))).astype("float32")


def telephone(samples, rate):
    """The telephone band: a 4th-order Butterworth band-pass, 300-3,400 Hz."""
    sos = butter(4, TELEPHONE_BAND, btype="bandpass", fs=rate, output="sos")
    return sosfilt(sos, samples).astype("float32")


def set_peak(samples, dbfs):
    return (samples * (10 ** (dbfs / 20) / (np.max(np.abs(samples)) + 1e-9))).astype("float32")


def perturb(samples, rate, rng, recordings=(), target_rate=audio_lib.SAMPLE_RATE):
    """Every perturbation above, each drawn from `rng`; returns (samples at
    `target_rate`, a dict of what was done)."""
    done = {}
    done["speed"] = round(float(rng.uniform(*SPEED)), 3)
    samples = speed(samples, done["speed"])
    if rng.random() < ROOM_PROBABILITY:
        done["rt60"] = round(float(rng.uniform(*RT60_SECONDS)), 3)
        samples = reverberate(samples, rate, done["rt60"], rng)
    if rng.random() < NOISE_PROBABILITY:
        kinds = ["white", "pink"] + (["recording"] * 2 if len(recordings) else [])
        kind = kinds[rng.integers(len(kinds))]
        noise = {"white": lambda: rng.standard_normal(len(samples)).astype("float32"),
                 "pink": lambda: pink_noise(len(samples), rng),
                 "recording": lambda: noise_clip(recordings, len(samples), rng)}[kind]()
        done["noise"], done["snr_db"] = kind, round(float(rng.uniform(*SNR_DB)), 1)
        samples = add_noise(samples, noise, done["snr_db"])
    if rate > 16000 and rng.random() < VIA_16K_PROBABILITY:
        samples, rate, done["via"] = audio_lib.resample(samples, rate, 16000), 16000, 16000
    samples = audio_lib.resample(samples, rate, target_rate)
    if rng.random() < TELEPHONE_PROBABILITY:
        samples, done["telephone"] = telephone(samples, target_rate), True
    done["peak_dbfs"] = round(float(rng.uniform(*PEAK_DBFS)), 1)
    return set_peak(samples, done["peak_dbfs"]), done
