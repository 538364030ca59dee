"""rnnzoo layers: the recurrent layers and initializers Keras 3 lacks.

Every sequence layer is a thin `keras.layers.RNN` over a one-step cell, written
with `keras.ops` only, so it runs on any Keras backend (TensorFlow is the one
we ship and test).
"""

from rnnzoo.layers import initializers
from rnnzoo.layers.base import RecurrentCell, RecurrentLayer
from rnnzoo.layers.deep_transition import DeepTransitionGRU, DeepTransitionGRUCell
from rnnzoo.layers.esn import EchoStateNetwork, RidgeReadout, RLSReadout
from rnnzoo.layers.initial_state import InitialState, TrackResidualNoise
from rnnzoo.layers.jordan import JordanRNN, JordanRNNCell
from rnnzoo.layers.leaky import LeakyRNN, LeakyRNNCell
from rnnzoo.layers.ntm import NTM, NTMCell
from rnnzoo.layers.peephole_lstm import PeepholeLSTM, PeepholeLSTMCell
from rnnzoo.layers.recursive import TreeRNN, encode_trees
from rnnzoo.layers.reservoir import DeepReservoir, DeepReservoirCell, Reservoir, ReservoirCell
from rnnzoo.layers.simple import IRNN, NPRNN
from rnnzoo.layers.skip import SkipRNN, SkipRNNCell

__all__ = [
    "DeepReservoir",
    "DeepReservoirCell",
    "DeepTransitionGRU",
    "DeepTransitionGRUCell",
    "EchoStateNetwork",
    "InitialState",
    "IRNN",
    "NPRNN",
    "JordanRNN",
    "JordanRNNCell",
    "LeakyRNN",
    "LeakyRNNCell",
    "NTM",
    "NTMCell",
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
    "TrackResidualNoise",
    "TreeRNN",
    "encode_trees",
    "initializers",
]
