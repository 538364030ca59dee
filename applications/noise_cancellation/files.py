"""The user's own recordings: read WAV or CSV / one-value-per-line files, cancel, write the result atomically."""

import importlib.util
from pathlib import Path

import numpy as np

from rnnzoo.applications.noise_cancellation.cancellers import cancel
from rnnzoo.applications.noise_cancellation.evaluation import write_atomically
from rnnzoo.applications.noise_cancellation.scenarios import read_audio

TEXT_SUFFIXES = (".csv", ".txt", ".dat")


def read_signal(path, fs=None):
    """(samples, rate) from a WAV (or any soundfile format; rate from the file) or a text
    file with one value per line or the first column of a CSV (rate: `fs`, required)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {path}")
    if path.suffix.lower() in TEXT_SUFFIXES:
        if fs is None:
            raise ValueError(f"{path} has no sampling rate in it: pass --fs (Hz).")
        try:
            values = np.loadtxt(path, delimiter="," if path.suffix.lower() == ".csv" else None, ndmin=2)[:, 0]
        except ValueError as error:
            raise ValueError(f"Cannot read {path} as numbers: {error}") from None
        return values, float(fs)
    samples, rate = read_audio(path)
    if fs is not None and float(fs) != rate:
        raise ValueError(f"{path} is sampled at {rate:g} Hz, not the {fs:g} Hz given with --fs.")
    return samples, rate


def write_signal(path, samples, fs):
    """WAV (float) for .wav, one value per line otherwise; written to a temporary file then renamed."""
    import soundfile

    path = Path(path)
    if path.suffix.lower() == ".wav":
        write_atomically(path, lambda tmp: soundfile.write(tmp, samples, int(round(fs)), subtype="FLOAT", format="WAV"))
    else:
        write_atomically(path, lambda tmp: np.savetxt(tmp, samples, fmt="%.9g"))


def check_paths(primary_path, reference_path, out_path):
    """Before any work: the output is not one of the inputs, its folder
    exists, and soundfile is installed if a WAV is read or written. An
    existing output file that is not an input is replaced, as `cp` would."""
    out = Path(out_path)
    for flag, path in (("--primary", primary_path), ("--reference", reference_path)):
        if Path(path).exists() and (out.resolve() == Path(path).resolve() or (out.exists() and out.samefile(path))):
            raise ValueError(f"--out {out_path} is the {flag} input: writing it would destroy the recording; "
                             "choose another output file")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"--out: the folder {out.parent} of {out_path} does not exist")
    audio = [p for p in (primary_path, reference_path, out_path) if Path(p).suffix.lower() not in TEXT_SUFFIXES]
    if audio and importlib.util.find_spec("soundfile") is None:
        raise ValueError(f"Reading and writing audio ({Path(audio[0]).name}) needs the soundfile package: "
                         "pip install 'rnnzoo[audio]' (or use CSV / one-value-per-line files with --fs)")


def denoise_files(primary_path, reference_path, out_path, method="nlms", fs=None, **options):
    """Cancel the noise in the primary recording with the reference recording; returns the rate.

    The reference is divided by its peak (`reference_scale`) so the methods'
    options mean the same at any recording level; this one look at the whole
    file is the only thing that is not streaming here."""
    check_paths(primary_path, reference_path, out_path)
    primary, primary_fs = read_signal(primary_path, fs)
    reference, reference_fs = read_signal(reference_path, fs)
    peak = float(np.max(np.abs(reference))) if len(reference) and np.all(np.isfinite(reference)) else 1.0
    options.setdefault("reference_scale", peak or 1.0)
    cleaned = cancel(primary, reference, primary_fs, method=method, reference_fs=reference_fs, **options)
    write_signal(out_path, cleaned, primary_fs)
    return primary_fs
