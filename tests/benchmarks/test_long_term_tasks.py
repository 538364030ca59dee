"""The long-term benchmark's task generators, against facts checked independently."""

import numpy as np
import pytest

from benchmarks.long_term import tasks

# Reber's grammar written out as the transitions of its automaton, independently
# of the generator's table: (state, symbol) -> next state; state 5 then E.
REBER_TRANSITIONS = {
    (0, "T"): 1, (0, "P"): 2, (1, "S"): 1, (1, "X"): 3, (2, "T"): 2,
    (2, "V"): 4, (3, "X"): 2, (3, "S"): 5, (4, "P"): 3, (4, "V"): 5,
}


def accepts_reber(string):
    if not (string.startswith("B") and string.endswith("E")):
        return False
    state = 0
    for symbol in string[1:-1]:
        if (state, symbol) not in REBER_TRANSITIONS:
            return False
        state = REBER_TRANSITIONS[state, symbol]
    return state == 5


def test_adding_problem_target_is_the_sum_of_the_two_marked_values():
    x, y = tasks.adding_problem(500, 40, seed=3)
    assert x.shape == (500, 40, 2) and y.shape == (500, 1)
    markers = x[..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :20].sum(axis=1) == 1) and np.all(markers[:, 20:].sum(axis=1) == 1)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_baseline_is_one_sixth():
    _, y = tasks.adding_problem(200_000, 4, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(tasks.ADDING_BASELINE_MSE, rel=0.01)


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: tasks.adding_problem(8, 30, seed),
        lambda seed: tasks.embedded_reber(8, 30, seed),
        lambda seed: tasks.spike_intervals(8, 60, seed),
        lambda seed: tasks.embedded_reber_next(8, 30, seed),
        lambda seed: tasks.copy_task(8, 20, seed),
        lambda seed: tasks.spike_delay_stream(8, 12, seed),
        lambda seed: tasks.timed_spike_stream(8, 6, seed),
    ],
)
def test_generators_are_deterministic_under_a_seed(make):
    first, again, other = make(5), make(5), make(6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_embedded_reber_strings_follow_the_grammar_and_label_the_first_branch():
    x, y, distance = tasks.embedded_reber(300, 30, seed=1)
    for row in range(len(x)):
        steps = x[row][x[row].any(axis=1)]
        assert np.all(x[row][: 30 - len(steps)] == 0)  # left padding
        string = "".join(tasks.REBER_SYMBOLS[i] for i in steps.argmax(axis=1))
        assert string[0] == "B" and string[1] == "TP"[y[row]]
        assert accepts_reber(string[2:])  # B, branch, then the inner Reber string
        assert distance[row] == len(string) - 1


def test_spike_intervals_are_49_or_50_steps_as_labelled():
    x, y = tasks.spike_intervals(400, 70, seed=2)
    for row in range(len(x)):
        first, second = np.flatnonzero(x[row, :, 0])
        assert second - first == (49, 50)[y[row]]
    assert 0.4 < y.mean() < 0.6


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: tasks.adding_problem(0, 10, 0), "n"),
        (lambda: tasks.adding_problem(4, 1, 0), "length"),
        (lambda: tasks.embedded_reber(4, 5, 0), "max_length"),
        (lambda: tasks.spike_intervals(4, 50, 0), "intervals"),
        (lambda: tasks.embedded_reber_next(4, 8, 0), "max_length"),
        (lambda: tasks.copy_task(4, 0, 0), "delay"),
        (lambda: tasks.spike_delay_stream(4, 3, 0), "max_delay"),
        (lambda: tasks.timed_spike_stream(4, 1, 0), "period"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_log_band_energies_pads_silence_and_finds_the_tone_band():
    rate, seconds, tone = tasks.FSDD_RATE, 0.3, 1000.0
    signal = np.sin(2 * np.pi * tone * np.arange(int(rate * seconds)) / rate)
    features = tasks.log_band_energies(signal, frames=50)
    voiced = 1 + (len(signal) - tasks.FRAME) // tasks.HOP
    assert features.shape == (50, tasks.FSDD_BANDS)
    band = int(tone / (rate / 2) * tasks.FSDD_BANDS)  # equal-width bands up to Nyquist
    assert np.all(features[:voiced].argmax(axis=1) == band)
    assert np.all(features[voiced:] == np.log(1e-6))


def legal_successors(prefix):
    """The symbols the embedded Reber grammar allows after `prefix` (B, c, inner
    string, c), by running the automaton above, independently of the generator."""
    c, inner = prefix[1:2], prefix[2:]
    if len(prefix) == 1:
        return {"T", "P"}
    if not inner:
        return {"B"}
    if accepts_reber(inner):
        return {c}  # the long-term dependency: the branch chosen at step 2
    if accepts_reber(inner[:-1]):
        return {"E"}
    state = 0
    for symbol in inner[1:]:
        state = REBER_TRANSITIONS[state, symbol]
    return {"E"} if state == 5 else {symbol for (start, symbol) in REBER_TRANSITIONS if start == state}


def test_next_symbol_reber_targets_are_the_legal_successors():
    x, y, mask, recall = tasks.embedded_reber_next(200, 40, seed=3)
    for row in range(len(x)):
        steps = int(mask[row].sum())
        assert np.all(mask[row, :steps] == 1) and np.all(x[row, steps:] == 0)  # right padding
        string = "".join(tasks.REBER_SYMBOLS[i] for i in x[row, :steps].argmax(axis=1))
        assert string[0] == "B" and string[-1] == string[1] and accepts_reber(string[2:-1])
        for t in range(steps):
            targets = {tasks.REBER_SYMBOLS[i] for i in np.flatnonzero(y[row, t])}
            assert targets == legal_successors(string[: t + 1]), (string, t)
        assert string[recall[row]] == "E" and y[row, recall[row]].sum() == 1  # the step that needs the first c


def test_reber_criterion_needs_every_legal_output_above_every_illegal_one():
    x, y, mask, _ = tasks.embedded_reber_next(50, 30, seed=4)
    perfect = np.where(y > 0.5, 1.0, -1.0)
    assert tasks.reber_strings_correct(perfect, y, mask).all()
    garbage = np.where(mask[..., None] > 0.5, 0.0, 9.0) + perfect  # padding steps do not count
    assert tasks.reber_strings_correct(garbage, y, mask).all()
    wrong = perfect.copy()
    wrong[0, 0, tasks.REBER_SYMBOLS.index("E")] = 5.0  # one illegal output on top, at one step
    assert list(tasks.reber_strings_correct(wrong, y, mask)) == [False] + [True] * 49


def test_copy_task_asks_for_the_first_symbols_after_the_delimiter():
    delay, length = 15, tasks.COPY_LENGTH
    x, y = tasks.copy_task(100, delay, seed=5)
    assert x.shape == (100, delay + 2 * length, 10) and y.shape == (100, delay + 2 * length)
    symbols = x.argmax(axis=-1)
    np.testing.assert_array_equal(y[:, -length:], symbols[:, :length])
    assert np.all(symbols[:, length + delay - 1] == tasks.COPY_DELIMITER)
    assert np.all(y[:, :-length] == tasks.COPY_BLANK)
    # The memoryless baseline: blanks, then uniform over 8 symbols at the last 10 steps.
    baseline = np.full(y.shape + (10,), -np.inf)
    baseline[:, :-length, tasks.COPY_BLANK] = 0.0
    baseline[:, -length:, :8] = 0.0
    log_p = baseline - np.log(np.exp(baseline).sum(axis=-1, keepdims=True))
    loss = -np.take_along_axis(log_p, y[..., None], axis=-1).mean()
    assert loss == pytest.approx(tasks.copy_baseline_loss(delay))
    assert tasks.copy_accuracy(np.eye(10)[y] * 5.0, y) == 1.0


def test_spike_delay_stream_targets_the_gap_at_each_later_spike():
    max_delay = 12
    x, y, mask = tasks.spike_delay_stream(60, max_delay, seed=6)
    for row in range(len(x)):
        spikes = np.flatnonzero(x[row, :, 0])
        gaps = np.diff(spikes)
        assert spikes[0] < max_delay and np.all((gaps >= max_delay // 2) & (gaps <= max_delay))
        np.testing.assert_array_equal(np.flatnonzero(mask[row]), spikes[1:])
        np.testing.assert_allclose(y[row, spikes[1:], 0] * max_delay, gaps)
    assert tasks.delays_measured(y + 0.4 / max_delay, y, mask, max_delay) == 1.0
    assert tasks.delays_measured(y + 0.6 / max_delay, y, mask, max_delay) == 0.0


def test_timed_spikes_follow_the_trigger_every_period():
    period = 7
    x, y = tasks.timed_spike_stream(40, period, seed=7, periods=4)
    for row in range(len(x)):
        (trigger,) = np.flatnonzero(x[row, :, 0])
        assert trigger < period
        np.testing.assert_array_equal(np.flatnonzero(y[row, :, 0]), np.arange(trigger + period, 5 * period, period))
    late = np.roll(y, 1, axis=1)
    assert tasks.spike_trains_correct(y, y).all() and not tasks.spike_trains_correct(late, y).any()


def test_spoken_digits_hold_validation_takes_out_of_training(tmp_path):
    from scipy.io import wavfile

    from benchmarks.long_term.tasks import FSDD_RATE, spoken_digits

    rng = np.random.default_rng(0)
    for digit in (3, 7):
        for take in range(12):
            wavfile.write(tmp_path / f"{digit}_anna_{take}.wav", FSDD_RATE, (rng.normal(size=2000) * 3000).astype("int16"))
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = spoken_digits(tmp_path, frames=20, validation_takes=(5, 6))
    assert (len(y_train), len(y_val), len(y_test)) == (2 * 5, 2 * 2, 2 * 5) and x_val.shape == (4, 20, 20)
    # Standardised on the training recordings alone: zero mean per band there, not over all of them.
    np.testing.assert_allclose(x_train.mean(axis=(0, 1)), 0, atol=1e-5)
    (x_all, _), _ = spoken_digits(tmp_path, frames=20)  # the two-way split keeps takes 5-11 in training
    assert len(x_all) == 14
    with pytest.raises(ValueError, match="validation_takes"):
        spoken_digits(tmp_path, frames=20, validation_takes=(4,))
