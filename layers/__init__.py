"""rnnzoo layers: the recurrent layers and initializers Keras 3 lacks.

Every sequence layer is a thin `keras.layers.RNN` over a one-step cell, written
with `keras.ops` only, so it runs on any Keras backend (TensorFlow is the one
we ship and test).
"""

from layers import initializers
from layers.base import RecurrentCell, RecurrentLayer
from layers.esn import EchoStateNetwork, RidgeReadout, RLSReadout
from layers.jordan import JordanRNN, JordanRNNCell
from layers.leaky import LeakyRNN, LeakyRNNCell
from layers.peephole_lstm import PeepholeLSTM, PeepholeLSTMCell
from layers.reservoir import DeepReservoir, DeepReservoirCell, Reservoir, ReservoirCell
from layers.simple import IRNN, NPRNN
from layers.skip import SkipRNN, SkipRNNCell

__all__ = [
    "DeepReservoir",
    "DeepReservoirCell",
    "EchoStateNetwork",
    "IRNN",
    "NPRNN",
    "JordanRNN",
    "JordanRNNCell",
    "LeakyRNN",
    "LeakyRNNCell",
    "PeepholeLSTM",
    "PeepholeLSTMCell",
    "RecurrentCell",
    "RecurrentLayer",
    "Reservoir",
    "ReservoirCell",
    "RidgeReadout",
    "RLSReadout",
    "SkipRNN",
    "SkipRNNCell",
    "initializers",
]
