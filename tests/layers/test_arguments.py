"""Bad arguments get a ValueError that names the argument and the value received."""

import pytest

import layers
from layers.initializers import IRNN

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
    (lambda: layers.PeepholeLSTM(4, dropout=1.0), r"dropout.*\[0, 1\).*1\.0"),
    (lambda: layers.LeakyRNN(4, dropout=-0.1), r"dropout.*-0\.1"),
    (lambda: layers.PeepholeLSTM(2.5), r"units.*2\.5"),
    (lambda: IRNN(gain="big"), r"gain.*'big'"),
]


@pytest.mark.parametrize("make,message", BAD, ids=[m for _, m in BAD])
def test_bad_argument_is_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
