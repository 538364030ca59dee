"""Bad arguments get a ValueError that names the argument and the value received."""

import json
import re

import numpy as np
import pytest

from rnnzoo import layers
from rnnzoo.layers.initializers import IRNN

BAD = [
    (lambda: layers.LeakyRNN(4, leak_rate=0.0), r"leak_rate.*\(0, 1\].*0\.0"),
    (lambda: layers.LeakyRNN(4, leak_rate=1.5), r"leak_rate.*1\.5"),
    (lambda: layers.LeakyRNN(4, leak_rate=-0.2), r"leak_rate.*-0\.2"),
    (lambda: layers.LeakyRNN(4, leak_rate=[0.5, 0.5]), r"leak_rate.*one rate per unit \(4\).*2"),
    (lambda: layers.LeakyRNN(4, leak_rate_range=(0.5, 0.1)), r"leak_rate_range.*low <= high"),
    (lambda: layers.LeakyRNN(4, leak_rate_range=(0.0, 0.1)), r"leak_rate_range.*\(0, 1\]"),
    (lambda: layers.LeakyRNN(4, leak_rate=0.5, leak_rate_range=(0.1, 1.0)), r"either `leak_rate` or `leak_rate_range`"),
    (lambda: layers.SkipRNN(4, delays=()), r"delays.*non-empty.*\(\)"),
    (lambda: layers.SkipRNN(4, delays=(0,)), r"delays.*positive.*\(0,\)"),
    (lambda: layers.SkipRNN(4, delays=(1, -2)), r"delays.*positive"),
    (lambda: layers.SkipRNN(4, delays=(2, 2)), r"delays.*repeat"),
    (lambda: layers.SkipRNN(4, delays=3), r"delays.*list.*3"),
    (lambda: layers.JordanRNN(4, output_units=0), r"output_units.*0"),
    (lambda: layers.DeepTransitionGRU(4, depth=0), r"depth.*0"),
    (lambda: layers.DeepTransitionGRU(4, depth=1.5), r"depth.*1\.5"),
    (lambda: layers.PeepholeLSTM(4, dropout=1.0), r"dropout.*\[0, 1\).*1\.0"),
    (lambda: layers.LeakyRNN(4, dropout=-0.1), r"dropout.*-0\.1"),
    (lambda: layers.PeepholeLSTM(2.5), r"units.*2\.5"),
    (lambda: IRNN(gain="big"), r"gain.*'big'"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_bad_argument_is_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# Every layer takes its `units` the same way: Python and numpy integers, nothing else.
UNIT_FACTORIES = {
    "PeepholeLSTM": lambda u: layers.PeepholeLSTM(u),
    "LeakyRNN": lambda u: layers.LeakyRNN(u),
    "SkipRNN": lambda u: layers.SkipRNN(u),
    "JordanRNN": lambda u: layers.JordanRNN(u, output_units=2),
    "DeepTransitionGRU": lambda u: layers.DeepTransitionGRU(u, depth=2),
    "IRNN": lambda u: layers.IRNN(u),
    "NPRNN": lambda u: layers.NPRNN(u),
    "NTM": lambda u: layers.NTM(u, memory_size=4, memory_width=2),
    "Reservoir": lambda u: layers.Reservoir(u),
    "DeepReservoir": lambda u: layers.DeepReservoir(u),
    "EchoStateNetwork": lambda u: layers.EchoStateNetwork(u),
}
unit_layers = pytest.mark.parametrize("name", sorted(UNIT_FACTORIES))


@unit_layers
@pytest.mark.parametrize("units", [8, np.int64(8), np.int32(8)])
def test_python_and_numpy_integer_units_are_accepted(name, units):
    config = UNIT_FACTORIES[name](units).get_config()
    assert config["units"] == 8
    json.dumps(config)  # a numpy integer kept in the config would not serialise


@unit_layers
@pytest.mark.parametrize("units", [True, 2.5, "8", 0, -3, np.float64(8.0), None])
def test_units_that_are_not_positive_integers_are_refused(name, units):
    with pytest.raises(ValueError, match=rf"units.*{re.escape(repr(units))}"):
        UNIT_FACTORIES[name](units)


@pytest.mark.parametrize("gain", [float("nan"), float("inf"), -float("inf"), True, None])
def test_non_finite_or_non_numeric_gain_is_refused(gain):
    with pytest.raises(ValueError, match="gain"):
        IRNN(gain=gain)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.Reservoir(8, spectral_radius=float("inf")),
        lambda: layers.Reservoir(8, spectral_radius=float("nan")),
        lambda: layers.Reservoir(8, input_scaling=float("inf")),
        lambda: layers.LeakyRNN(4, leak_rate=float("nan")),
    ],
)
def test_non_finite_scales_are_refused(make):
    with pytest.raises(ValueError, match="spectral_radius|input_scaling|leak_rate"):
        make()
