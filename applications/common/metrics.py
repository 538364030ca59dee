"""Quality metrics shared by the applications and benchmarks."""

import numpy as np


def nrmse(y_true, y_pred, norm="var"):
    """Normalised root-mean-square error.

        NRMSE = sqrt(mean((y_true − y_pred)²)) / s

    s is the standard deviation of y_true for norm="var" (the square root of
    the error normalised by the signal's variance, Jaeger's NRMSE), or its
    range max − min for norm="minmax" (reservoirpy's default). All features
    are pooled.

    Example:

    >>> from rnnzoo.applications.common.metrics import nrmse
    >>> round(nrmse([0.0, 2.0, 0.0, 2.0], [0.1, 2.1, -0.1, 1.9]), 6)
    0.1
    """
    y_true = np.asarray(y_true, "float64")
    y_pred = np.asarray(y_pred, "float64")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape. Received: {y_true.shape} and {y_pred.shape}")
    if y_true.size < 2:
        raise ValueError(f"NRMSE needs at least 2 values. Received: y_true with shape {y_true.shape}")
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Argument `{name}` contains NaN or inf.")
    if norm == "var":
        scale = y_true.std()
    elif norm == "minmax":
        scale = y_true.max() - y_true.min()
    else:
        raise ValueError(f"Argument `norm` must be 'var' or 'minmax'. Received: norm={norm!r}")
    if scale == 0.0:
        raise ValueError("`y_true` is constant: NRMSE is undefined.")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)) / scale)


def _same_length(**arrays):
    arrays = {name: np.asarray(a, "float64").ravel() for name, a in arrays.items()}
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"The signals must have the same length. Received: {lengths}")
    return arrays.values()


def snr_db(clean, signal):
    """10 log10(Σ clean² / Σ (signal − clean)²): the SNR of `signal` against the known `clean` one."""
    clean, signal = _same_length(clean=clean, signal=signal)
    noise = np.sum((signal - clean) ** 2)
    if noise == 0.0:
        return float("inf")
    return float(10 * np.log10(np.sum(clean**2) / noise))


def snr_improvement_db(clean, noisy, cleaned, skip=0):
    """Output SNR − input SNR in dB, both against `clean`, leaving out the first `skip` samples (convergence).

    Example:

    >>> import numpy as np
    >>> from rnnzoo.applications.common.metrics import snr_improvement_db
    >>> clean = np.sin(np.arange(1000) * 0.1)
    >>> noise = np.random.default_rng(0).normal(size=1000)
    >>> round(snr_improvement_db(clean, clean + noise, clean + 0.1 * noise), 6)
    20.0
    """
    clean, noisy, cleaned = _same_length(clean=clean, noisy=noisy, cleaned=cleaned)
    return snr_db(clean[skip:], cleaned[skip:]) - snr_db(clean[skip:], noisy[skip:])


def band_power_db(signal, fs, center, width=2.0):
    """Power of `signal` in [center − width/2, center + width/2] Hz, in dB, from a Welch
    periodogram (Hann windows of 1 s or the whole signal, 0.5 s overlap)."""
    from scipy import signal as sp

    x = np.asarray(signal, "float64").ravel()
    nperseg = min(len(x), int(fs))
    freqs, psd = sp.welch(x, fs=fs, nperseg=nperseg, detrend="constant")
    band = (freqs >= center - width / 2) & (freqs <= center + width / 2)
    if not band.any():
        raise ValueError(f"No frequency bin within {center} ± {width / 2} Hz at this resolution ({fs / nperseg:g} Hz).")
    return float(10 * np.log10(np.sum(psd[band]) * (freqs[1] - freqs[0]) + 1e-300))


def band_attenuation_db(before, after, fs, centers, width=2.0):
    """For each frequency in `centers`: band power of `before` − band power of `after`, in dB."""
    return [band_power_db(before, fs, f, width) - band_power_db(after, fs, f, width) for f in centers]


def residual_curve_db(clean, cleaned, fs, window=1.0):
    """Residual power 10 log10(mean((cleaned − clean)²)) over consecutive `window`-second
    blocks: the learning curve of a canceller. Returns (block start times in s, dB)."""
    clean, cleaned = _same_length(clean=clean, cleaned=cleaned)
    size = max(1, int(window * fs))
    blocks = len(clean) // size
    error = ((cleaned - clean)[: blocks * size] ** 2).reshape(blocks, size).mean(axis=1)
    return np.arange(blocks) * window, 10 * np.log10(error + 1e-300)


def stoi(clean, processed, fs):
    """Short-time objective intelligibility of `processed` speech against `clean` (Taal et al. 2011), about 0–1.

    Computed by the `pystoi` package (the reference implementation's port, it
    resamples to 10 kHz itself); None when pystoi is not installed (the
    `audio` extra), so callers can leave the figure out."""
    clean, processed = _same_length(clean=clean, processed=processed)
    try:
        from pystoi import stoi as pystoi_stoi
    except ImportError:
        return None
    return float(pystoi_stoi(clean, processed, int(round(fs)), extended=False))  # pystoi wants an integer rate


def corpus_bleu(hypotheses, references, max_order=4):
    """Corpus BLEU-n in [0, 1] (Papineni et al. 2002), computed by sacrebleu.

    Args:
        hypotheses: List of generated sentences (strings).
        references: One list of reference sentences per hypothesis; the
            lists may differ in length (e.g. 5 captions for one image, 3
            for another).
        max_order: Largest n-gram order: 1 to 4 gives BLEU-1 .. BLEU-4.

    Counts are pooled over the corpus before the geometric mean, with
    sacrebleu's standard `13a` tokenisation and no smoothing, so figures are
    comparable with published corpus BLEU.

    Example:

    >>> from rnnzoo.applications.common.metrics import corpus_bleu
    >>> corpus_bleu(["a red circle", "the cat sat on the mat"], [["a red circle"], ["the cat sat on the mat", "a cat sat"]])
    1.0
    >>> round(corpus_bleu(["a blue circle"], [["a red circle"]], max_order=1), 4)
    0.6667
    """
    from sacrebleu.metrics import BLEU

    if isinstance(max_order, bool) or not isinstance(max_order, int) or not 1 <= max_order <= 4:
        raise ValueError(f"`max_order` must be an integer from 1 to 4. Received: max_order={max_order!r}")
    hypotheses = list(hypotheses)
    references = [list(refs) for refs in references]
    if len(hypotheses) != len(references):
        raise ValueError(f"One list of references per hypothesis: got {len(hypotheses)} hypotheses and {len(references)} reference lists")
    if not hypotheses:
        raise ValueError("BLEU needs at least one hypothesis. Received: an empty list")
    empty = [i for i, refs in enumerate(references) if not refs]
    if empty:
        raise ValueError(f"Every hypothesis needs at least one reference; hypothesis {empty[0]} has none")
    # sacrebleu takes reference *streams*; pad the shorter lists with None.
    streams = [[refs[k] if k < len(refs) else None for refs in references] for k in range(max(map(len, references)))]
    bleu = BLEU(max_ngram_order=max_order)
    return round(bleu.corpus_score(hypotheses, streams).score / 100.0, 10)
