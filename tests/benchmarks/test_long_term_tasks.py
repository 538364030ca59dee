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
