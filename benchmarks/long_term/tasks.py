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
    return "".join(symbol for symbol, _ in reber_walk(rng))


def reber_walk(rng):
    """One string of the Reber grammar as (symbol, legal next symbols) pairs, from B to E
    (E's successors are empty: the string ends)."""
    walk, state = [("B", "TP")], 0
    while state != 5:
        symbol, state = REBER_GRAPH[state][rng.integers(2)]
        walk.append((symbol, "E" if state == 5 else "".join(s for s, _ in REBER_GRAPH[state])))
    return walk + [("E", "")]


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


def embedded_reber_next(n, max_length, seed):
    """Next-symbol prediction on the embedded Reber grammar, as Hochreiter & Schmidhuber (1997) ran it.

    At every step the network sees one symbol of an embedded string (B, c, a
    Reber string, c, E with c ∈ {T, P}) and must predict the set of symbols the
    grammar allows next: y is that set as a multi-hot vector (one or two legal
    successors). Most predictions need only the last few symbols; the one after
    the inner string's E needs c, seen at the string's second step. The inputs
    run from B to the second c (whose only successor is E), right-padded with
    zero vectors to `max_length` steps; `mask` is 1 on the real steps. Strings
    longer than `max_length` are redrawn.

    Returns x (n, max_length, 7), y (n, max_length, 7), mask (n, max_length)
    and the index of the step after which c must be recalled (n,).
    """
    check_positive_int("n", n)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 9:
        raise ValueError(f"Argument `max_length` must be an integer >= 9. Received: max_length={max_length!r}")
    rng = np.random.default_rng(seed)
    x = np.zeros((n, max_length, len(REBER_SYMBOLS)), "float32")
    y = np.zeros_like(x)
    mask = np.zeros((n, max_length), "float32")
    recall = np.zeros(n, "int32")
    for row in range(n):
        while True:
            c = "TP"[rng.integers(2)]
            walk = [("B", "TP"), (c, "B")] + reber_walk(rng)[:-1] + [("E", c), (c, "E")]
            if len(walk) <= max_length:
                break
        for t, (symbol, successors) in enumerate(walk):
            x[row, t, REBER_SYMBOLS.index(symbol)] = 1.0
            y[row, t, [REBER_SYMBOLS.index(s) for s in successors]] = 1.0
        mask[row, : len(walk)] = 1.0
        recall[row] = len(walk) - 2
    return x, y, mask, recall


def reber_strings_correct(logits, y, mask):
    """The 1997 paper's success criterion, per string: at every real step the
    outputs of the legal next symbols are the most active ones (each legal
    output above every illegal one). Returns a boolean per string."""
    legal = y > 0.5
    lowest_legal = np.where(legal, logits, np.inf).min(axis=-1)
    highest_illegal = np.where(legal, -np.inf, logits).max(axis=-1)
    step_ok = (lowest_legal > highest_illegal) | (mask < 0.5)
    return step_ok.all(axis=1)


# --------------------------------------------------------------------------
# Copy (memory) task
# --------------------------------------------------------------------------
COPY_SYMBOLS, COPY_LENGTH = 8, 10
COPY_BLANK, COPY_DELIMITER = COPY_SYMBOLS, COPY_SYMBOLS + 1


def copy_task(n, delay, seed, symbols=COPY_SYMBOLS, length=COPY_LENGTH):
    """The copy task (Hochreiter & Schmidhuber 1997; Arjovsky, Shah & Bengio 2016).

    `length` symbols drawn from `symbols` categories, then `delay - 1` blanks,
    a delimiter, and `length` more blanks: the network must output blanks until
    the delimiter and then the first `length` symbols, in order. Inputs are
    one-hot over symbols + blank + delimiter. A network that remembers nothing
    does best with blanks and then uniform guesses: a cross-entropy of
    `length * log(symbols) / (delay + 2 * length)` per step
    (`copy_baseline_loss`).

    Returns x (n, delay + 2 length, symbols + 2) and y (n, delay + 2 length) int32.
    """
    check_positive_int("n", n)
    check_positive_int("delay", delay)
    steps = delay + 2 * length
    rng = np.random.default_rng(seed)
    data = rng.integers(0, symbols, size=(n, length))
    inputs = np.full((n, steps), symbols, "int64")  # blank
    inputs[:, :length] = data
    inputs[:, length + delay - 1] = symbols + 1  # delimiter
    y = np.full((n, steps), symbols, "int32")
    y[:, -length:] = data
    x = np.eye(symbols + 2, dtype="float32")[inputs]
    return x, y


def copy_baseline_loss(delay, symbols=COPY_SYMBOLS, length=COPY_LENGTH):
    return length * np.log(symbols) / (delay + 2 * length)


def copy_accuracy(logits, y, length=COPY_LENGTH):
    """Share of the copied symbols (the last `length` steps) predicted right."""
    return float(np.mean(np.argmax(logits[:, -length:], axis=-1) == y[:, -length:]))


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


def spike_delay_stream(n, max_delay, seed, spikes=8):
    """Measuring spike delays in a continual stream (after Gers, Schraudolph & Schmidhuber 2002, MSD).

    One stream holds `spikes` unit spikes, the gaps between them drawn
    uniformly from max_delay // 2 … max_delay steps, the first at a random step
    before `max_delay`. At each spike after the first, the target is the delay
    since the previous spike in units of `max_delay` (0.5 … 1); there is no
    target anywhere else (`mask` 0). Nothing resets the network between spikes:
    it must restart its own timer at every spike. A delay counts as measured
    when the output is within half a step of it (`delays_measured`).

    Returns x (n, steps, 1), y (n, steps, 1), mask (n, steps), with
    steps = spikes × max_delay, enough for every stream.
    """
    check_positive_int("n", n)
    if isinstance(max_delay, bool) or not isinstance(max_delay, int) or max_delay < 4:
        raise ValueError(f"Argument `max_delay` must be an integer >= 4. Received: max_delay={max_delay!r}")
    check_positive_int("spikes", spikes)
    steps = spikes * max_delay
    rng = np.random.default_rng(seed)
    x = np.zeros((n, steps, 1), "float32")
    y = np.zeros((n, steps, 1), "float32")
    mask = np.zeros((n, steps), "float32")
    gaps = rng.integers(max_delay // 2, max_delay + 1, size=(n, spikes - 1))
    first = rng.integers(0, max_delay, size=n)
    times = np.concatenate([first[:, None], first[:, None] + np.cumsum(gaps, axis=1)], axis=1)
    rows = np.arange(n)[:, None]
    keep = times < steps
    x[np.broadcast_to(rows, times.shape)[keep], times[keep], 0] = 1.0
    later = keep[:, 1:]
    y[np.broadcast_to(rows, gaps.shape)[later], times[:, 1:][later], 0] = gaps[later] / max_delay
    mask[np.broadcast_to(rows, gaps.shape)[later], times[:, 1:][later]] = 1.0
    return x, y, mask


def delays_measured(predictions, y, mask, max_delay):
    """Share of the target spikes whose delay the output reads to within half a step."""
    error = np.abs(predictions[..., 0] - y[..., 0]) * max_delay
    return float(((error < 0.5) & (mask > 0.5)).sum() / mask.sum())


def timed_spike_stream(n, period, seed, periods=6):
    """Generating timed spikes (after Gers, Schraudolph & Schmidhuber 2002, GTS).

    The input holds one trigger spike at a random step of the first period;
    the target is a spike (1) every `period` steps after it, to the end of the
    stream, and 0 elsewhere, with no further input and no reset: the network
    must keep the rhythm by itself. A stream is generated right when the output
    crosses 0.5 exactly at the target spikes (`spike_trains_correct`).

    Returns x (n, steps, 1) and y (n, steps, 1), steps = (periods + 1) × period.
    """
    check_positive_int("n", n)
    if isinstance(period, bool) or not isinstance(period, int) or period < 2:
        raise ValueError(f"Argument `period` must be an integer >= 2. Received: period={period!r}")
    check_positive_int("periods", periods)
    steps = (periods + 1) * period
    rng = np.random.default_rng(seed)
    trigger = rng.integers(0, period, size=n)
    x = np.zeros((n, steps, 1), "float32")
    x[np.arange(n), trigger, 0] = 1.0
    offsets = np.arange(steps)[None, :] - trigger[:, None]
    y = ((offsets > 0) & (offsets % period == 0)).astype("float32")[..., None]
    return x, y


def spike_trains_correct(predictions, y):
    """Per stream: the output is above 0.5 exactly where a target spike is."""
    return ((predictions[..., 0] > 0.5) == (y[..., 0] > 0.5)).all(axis=1)


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


def spoken_digits(recordings_dir, frames=100, validation_takes=()):
    """Free Spoken Digit Dataset as sequences of frames: ((x_train, y_train), (x_test, y_test)),
    with ((x_validation, y_validation)) between them when `validation_takes` is given.

    Each recording becomes `frames` steps (10 ms each, so 1 s) of 20 log band
    energies; shorter recordings are followed by silence, so the last state
    must carry the word across up to ~0.6 s of it, a long-term dependency of
    up to ~60 steps. Features are standardised with the training set's mean and
    standard deviation. The split is the dataset's own: takes 0-4 of every
    speaker and digit are the test set (250 recordings), the rest train (2250);
    `validation_takes` (e.g. 5-9) are taken out of training to choose settings on.
    """
    from pathlib import Path

    from scipy.io import wavfile

    files = sorted(Path(recordings_dir).glob("*.wav"))
    if not files:
        raise FileNotFoundError(f"No .wav recordings in {recordings_dir}")
    bad = [t for t in validation_takes if t in FSDD_TEST_TAKES]
    if bad:
        raise ValueError(f"validation_takes must not be test takes ({list(FSDD_TEST_TAKES)}). Received: {bad}")
    xs, ys, takes = [], [], []
    for path in files:
        digit, _, take = path.stem.split("_")
        rate, signal = wavfile.read(path)
        if rate != FSDD_RATE:
            raise ValueError(f"{path}: expected {FSDD_RATE} Hz. Received: {rate} Hz")
        xs.append(log_band_energies(signal, frames))
        ys.append(int(digit))
        takes.append(int(take))
    x, y, takes = np.stack(xs), np.asarray(ys, "int32"), np.asarray(takes)
    test, validation = np.isin(takes, list(FSDD_TEST_TAKES)), np.isin(takes, list(validation_takes))
    train = ~test & ~validation
    mean, std = x[train].mean(axis=(0, 1)), x[train].std(axis=(0, 1)) + 1e-6
    x = ((x - mean) / std).astype("float32")
    splits = [(x[train], y[train])] + ([(x[validation], y[validation])] if len(validation_takes) else []) + [(x[test], y[test])]
    return tuple(splits)


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
