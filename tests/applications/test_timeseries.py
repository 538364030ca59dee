"""The Mackey–Glass generator and NRMSE against closed-form answers."""

import numpy as np
import pytest

from rnnzoo.applications.common.metrics import nrmse
from rnnzoo.applications.common.timeseries import mackey_glass


def test_equilibrium_history_stays_at_the_fixed_point():
    # a / (1 + x^n) = b has the root x = 1 for a = 0.2, b = 0.1, n = 10.
    np.testing.assert_allclose(mackey_glass(300, x0=1.0), 1.0, atol=1e-12)


@pytest.mark.parametrize("b", [0.1, 0.5])
def test_without_feedback_it_is_exponential_decay(b):
    t = np.arange(100.0)
    np.testing.assert_allclose(mackey_glass(100, a=0.0, b=b, x0=1.5)[:, 0], 1.5 * np.exp(-b * t), rtol=1e-5)


def test_integration_converges_as_the_step_shrinks():
    fine = mackey_glass(200, substeps=80)
    errors = [np.abs(mackey_glass(200, substeps=k) - fine).max() for k in (10, 20)]
    assert errors[0] < 2e-4 and errors[1] < errors[0] / 3


def test_tau_17_is_the_known_chaotic_attractor():
    series = mackey_glass(3000)[500:, 0]
    assert 0.4 < series.min() < 0.5 and 1.3 < series.max() < 1.4
    assert series.std() == pytest.approx(0.23, abs=0.02)


def test_seed_picks_a_history_deterministically():
    np.testing.assert_array_equal(mackey_glass(50, seed=1), mackey_glass(50, seed=1))
    assert not np.allclose(mackey_glass(500, seed=1)[-1], mackey_glass(500, seed=2)[-1])


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"n_timesteps": 0}, r"n_timesteps.*0"),
        ({"n_timesteps": 10, "tau": -1}, r"tau.*-1"),
        ({"n_timesteps": 10, "h": 0.3}, r"tau · substeps / h must be an integer"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mackey_glass(**kwargs)


def test_nrmse_closed_forms():
    y = np.array([0.0, 2.0, 0.0, 2.0])
    assert nrmse(y, y + 0.5) == pytest.approx(0.5)  # std 1
    assert nrmse(y, y + 0.5, norm="minmax") == pytest.approx(0.25)  # range 2
    assert nrmse(y, y) == 0.0


@pytest.mark.parametrize(
    "args,message",
    [
        (([1.0, 2.0], [1.0]), r"same shape"),
        (([1.0, np.nan], [1.0, 2.0]), r"`y_true` contains NaN"),
        (([1.0, 2.0], [1.0, np.inf]), r"`y_pred` contains NaN"),
        (([1.0, 1.0], [1.0, 2.0]), r"constant"),
    ],
)
def test_nrmse_refuses_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        nrmse(*args)


def test_nrmse_refuses_unknown_norm():
    with pytest.raises(ValueError, match=r"norm.*'q1q3'"):
        nrmse([0.0, 1.0], [0.0, 1.0], norm="q1q3")
