"""Task generators: numpy arrays, the same arrays for the same seed.

Every generator takes `n` (sequences) and `seed` and returns `(x, y)` float32
arrays, x of shape (n, T, features). None of them needs a download except
`sequential_digits`, which reads the shared Free Spoken Digit Dataset.
"""

import numpy as np

from rnnzoo.layers.base import check_positive_int

# MSE of always answering 1 on the adding problem: the variance of a sum of two
# independent U(0, 1) numbers, 2/12.
ADDING_BASELINE_MSE = 1.0 / 6.0


def adding_problem(n, length, seed):
    """The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015).

    Each step holds a value drawn from U(0, 1) and a marker (0 or 1). Exactly two
    markers are set, one in the first half and one in the second half of the
    sequence; the target is the sum of the two marked values. A network that
    ignores the inputs does best answering 1, for an MSE of 1/6 ≈ 0.167.

    Returns x (n, length, 2) and y (n, 1).
    """
    check_positive_int("n", n)
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(f"Argument `length` must be an integer >= 2. Received: length={length!r}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, length))
    half = length // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")
    y = (values[rows, first] + values[rows, second])[:, None].astype("float32")
    return x, y


# --------------------------------------------------------------------------
# Embedded Reber grammar
# --------------------------------------------------------------------------
REBER_SYMBOLS = "BTPSXVE"
# Reber's finite-state grammar: state -> the two (symbol, next state) choices,
# each taken with probability 1/2; state 5 ends the string with E.
REBER_GRAPH = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}


def reber_string(rng):
    """One string of the Reber grammar, from B to E."""
    symbols, state = ["B"], 0
    while state != 5:
        symbol, state = REBER_GRAPH[state][rng.integers(2)]
        symbols.append(symbol)
    return "".join(symbols) + "E"


def embedded_reber(n, max_length, seed):
    """The embedded Reber grammar as a classification task (Hochreiter & Schmidhuber 1997).

    An embedded string is B, c, (a Reber string), c, E with c ∈ {T, P} chosen at
    random: the second c can only be predicted by remembering the first across
    the inner string. x holds the one-hot symbols up to and including the inner
    string's E, left-padded with zero vectors to `max_length` steps; y is the
    second c (0 = T, 1 = P). Strings longer than `max_length` are redrawn.

    Returns x (n, max_length, 7), y (n,) int32, and the distance in steps from
    the first c to the end of the input (n,).
    """
    check_positive_int("n", n)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 9:
        raise ValueError(f"Argument `max_length` must be an integer >= 9. Received: max_length={max_length!r}")
    rng = np.random.default_rng(seed)
    x = np.zeros((n, max_length, len(REBER_SYMBOLS)), "float32")
    y = np.zeros(n, "int32")
    distance = np.zeros(n, "int32")
    for row in range(n):
        while True:
            branch = rng.integers(2)
            prefix = "B" + "TP"[branch] + reber_string(rng)
            if len(prefix) <= max_length:
                break
        for t, symbol in enumerate(prefix, start=max_length - len(prefix)):
            x[row, t, REBER_SYMBOLS.index(symbol)] = 1.0
        y[row] = branch
        distance[row] = len(prefix) - 1
    return x, y, distance


# --------------------------------------------------------------------------
# Spike timing
# --------------------------------------------------------------------------
def spike_intervals(n, length, seed, intervals=(49, 50)):
    """Tell two intervals between spikes apart (Gers & Schmidhuber 2000, "measuring spike delays").

    Each sequence is zero except for two unit spikes, the first at a random
    step and the second `intervals[label]` steps later. Where the first spike
    falls is random, so the end of the sequence gives no clue: the network
    must time the gap itself, to the step when the intervals are 49 and 50.

    Returns x (n, length, 1) and y (n,) int32, the index of the interval.
    """
    check_positive_int("n", n)
    if len(intervals) != 2 or min(intervals) < 1 or max(intervals) >= length:
        raise ValueError(
            f"Arguments `intervals` must be two gaps shorter than `length`. "
            f"Received: intervals={intervals!r}, length={length!r}"
        )
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n).astype("int32")
    gaps = np.asarray(intervals)[y]
    first = rng.integers(0, length - max(intervals), size=n)
    x = np.zeros((n, length, 1), "float32")
    rows = np.arange(n)
    x[rows, first, 0] = 1.0
    x[rows, first + gaps, 0] = 1.0
    return x, y


# --------------------------------------------------------------------------
# Sequential digits
# --------------------------------------------------------------------------
FSDD_RATE = 8000
FRAME = 200  # 25 ms windows ...
HOP = 80  # ... every 10 ms: the usual speech framing
FSDD_BANDS = 20
FSDD_TEST_TAKES = range(5)  # the dataset's official test split: takes 0-4


def log_band_energies(signal, frames, bands=FSDD_BANDS):
    """(frames, bands) log energies of a waveform in equal-width frequency
    bands, framed 25 ms / 10 ms with a Hann window, zero-padded (silence) or cut
    to `frames` steps."""
    signal = np.asarray(signal, "float64")
    signal = signal / (np.abs(signal).max() + 1e-9)
    count = max(1, 1 + (len(signal) - FRAME) // HOP)
    windows = np.stack([signal[i * HOP : i * HOP + FRAME] for i in range(count)]) * np.hanning(FRAME)
    power = np.abs(np.fft.rfft(windows, axis=1)) ** 2
    edges = np.linspace(0, power.shape[1], bands + 1).astype(int)
    energies = np.log(np.stack([power[:, a:b].sum(axis=1) for a, b in zip(edges[:-1], edges[1:])], axis=1) + 1e-6)
    out = np.full((frames, bands), np.log(1e-6))
    out[: min(frames, count)] = energies[:frames]
    return out


def spoken_digits(recordings_dir, frames=100):
    """Free Spoken Digit Dataset as sequences of frames: ((x_train, y_train), (x_test, y_test)).

    Each recording becomes `frames` steps (10 ms each, so 1 s) of 20 log band
    energies; shorter recordings are followed by silence, so the last state
    must carry the word across up to ~0.6 s of it, a long-term dependency of
    up to ~60 steps. Features are standardised with the training set's mean and
    standard deviation. The split is the dataset's own: takes 0-4 of every
    speaker and digit are the test set (250 recordings), the rest train (2250).
    """
    from pathlib import Path

    from scipy.io import wavfile

    files = sorted(Path(recordings_dir).glob("*.wav"))
    if not files:
        raise FileNotFoundError(f"No .wav recordings in {recordings_dir}")
    xs, ys, test = [], [], []
    for path in files:
        digit, _, take = path.stem.split("_")
        rate, signal = wavfile.read(path)
        if rate != FSDD_RATE:
            raise ValueError(f"{path}: expected {FSDD_RATE} Hz. Received: {rate} Hz")
        xs.append(log_band_energies(signal, frames))
        ys.append(int(digit))
        test.append(int(take) in FSDD_TEST_TAKES)
    x, y, test = np.stack(xs), np.asarray(ys, "int32"), np.asarray(test)
    mean, std = x[~test].mean(axis=(0, 1)), x[~test].std(axis=(0, 1)) + 1e-6
    x = ((x - mean) / std).astype("float32")
    return (x[~test], y[~test]), (x[test], y[test])


def pixel_mnist(split, permute_seed=None):
    """Pixel-by-pixel MNIST (Le et al. 2015): each 28×28 image as 784 steps of one
    pixel in [0, 1]; `permute_seed` applies one fixed random permutation of the
    pixels (pMNIST). Needs `tensorflow_datasets` and internet on first use; the
    offline benchmark uses `spoken_digits` instead.
    """
    import tensorflow_datasets as tfds

    images, labels = tfds.as_numpy(tfds.load("mnist", split=split, batch_size=-1, as_supervised=True))
    x = images.reshape(len(images), 784, 1).astype("float32") / 255.0
    if permute_seed is not None:
        x = x[:, np.random.default_rng(permute_seed).permutation(784)]
    return x, labels.astype("int32")
