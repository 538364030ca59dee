"""Memory capacity of an echo state network (Jaeger 2001).

Drive a reservoir with i.i.d. input u(t) ~ U(−0.5, 0.5) and train, for each
delay k, a linear ridge read-out y_k(t) of the states to reproduce u(t − k).
The capacity for delay k is the squared correlation between y_k and u(t − k)
on held-out steps; the memory capacity is their sum over k = 1 .. max_delay.
Jaeger proved MC ≤ N for N units (reached by a linear reservoir only as its
spectral radius approaches 1); the notes' claim is that the radius, and with
leaky units the leak rate, set how far back a reservoir remembers.
"""

import numpy as np

from rnnzoo.layers import DeepReservoirCell, ReservoirCell, RidgeReadout
from rnnzoo.layers.reservoir import NumpyReservoir

WASHOUT = 200
RIDGE = 1e-8
# Input weights small enough that tanh units stay near their linear range,
# which is where memory capacity is large (Jaeger 2001, §4).
INPUT_SCALING = 0.1


def delay_capacities(units, spectral_radius, leak_rate, seed, max_delay=None, train_steps=4000, test_steps=2000, depth=1,
                     inter_scaling=1.0):
    """Capacity r²(y_k, u(t − k)) for k = 1 .. max_delay (default 2·units) as a numpy array.

    `depth` > 1 makes it a deep reservoir (Gallicchio et al.'s DeepESN) of `depth`
    layers of units // depth each, equal units in all, each layer above the first
    fed the state below with `inter_scaling`; the read-out sees every layer's state.
    """
    max_delay = 2 * units if max_delay is None else max_delay
    reservoir = dict(spectral_radius=spectral_radius, leak_rate=leak_rate, input_scaling=INPUT_SCALING, input_connectivity=1.0,
                     seed=seed)
    cell = ReservoirCell(units, **reservoir) if depth == 1 else DeepReservoirCell(
        units // depth, depth=depth, inter_scaling=inter_scaling, **reservoir)
    steps = WASHOUT + max_delay + train_steps + test_steps
    u = np.random.default_rng(seed + 10_000).uniform(-0.5, 0.5, size=steps)
    states, _ = NumpyReservoir(cell, input_dim=1).run(u[None, :, None])
    states = states[0]
    start = WASHOUT + max_delay  # every delayed target exists from here on
    # Column k-1 holds u(t − k) for every t >= start.
    targets = np.stack([u[start - k : steps - k] for k in range(1, max_delay + 1)], axis=1)
    features = states[start:]
    readout = RidgeReadout(ridge=RIDGE)
    readout.accumulate(features[:train_steps], targets[:train_steps])
    weights, bias = readout.solve()
    predictions = features[train_steps:] @ weights + bias
    return squared_correlations(predictions, targets[train_steps:])


def squared_correlations(predictions, targets):
    """Column-wise squared Pearson correlation of two (steps, k) arrays."""
    p = predictions - predictions.mean(axis=0)
    t = targets - targets.mean(axis=0)
    covariance = (p * t).sum(axis=0)
    return covariance**2 / ((p * p).sum(axis=0) * (t * t).sum(axis=0))


def memory_capacity(units, spectral_radius, leak_rate, seed, **kwargs):
    """Σ_k r²(y_k, u(t − k)): Jaeger's memory capacity, at most `units`."""
    return float(delay_capacities(units, spectral_radius, leak_rate, seed, **kwargs).sum())

