"""Benchmark time series shared by the layers' tests, the benchmarks and the applications."""

import numpy as np


def mackey_glass(n_timesteps, tau=17, a=0.2, b=0.1, n=10, x0=1.2, h=1.0, substeps=10, seed=None):
    """A Mackey–Glass series: the delay differential equation sampled every `h`.

        dx/dt = a · x(t − τ) / (1 + x(t − τ)ⁿ) − b · x(t)

    Integrated with classical Runge–Kutta (RK4) at step h / `substeps`; the
    delayed value at the half steps is interpolated linearly. τ = 17 (the
    default) is the mildly chaotic regime of Jaeger's benchmark; the history
    before t = 0 is x0, or x0 + U(−0.1, 0.1) noise when a `seed` is given
    (a different series per seed, the same on every machine).

    Args:
        n_timesteps: Positive integer, number of samples returned.
        tau, a, b, n: The equation's delay and coefficients.
        x0: Initial value (and history).
        h: Sampling period.
        substeps: Integration steps per sample; τ · substeps / h must be an integer.
        seed: None, or a non-negative integer for a random history.

    Returns:
        float64 array (n_timesteps, 1), x(0), x(h), …

    Example:

    >>> from rnnzoo.applications.common.timeseries import mackey_glass
    >>> series = mackey_glass(2000)
    >>> series.shape, round(float(series.min()), 2), round(float(series.max()), 2)
    ((2000, 1), 0.42, 1.32)

    Reference:
        M. C. Mackey, L. Glass, "Oscillation and chaos in physiological control
        systems", Science 197, 1977.
    """
    for name, value in (("n_timesteps", n_timesteps), ("substeps", substeps)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"Argument `{name}` must be a positive integer. Received: {name}={value!r}")
    for name, value in (("tau", tau), ("h", h)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"Argument `{name}` must be a positive number. Received: {name}={value!r}")
    dt = h / substeps
    delay = tau / dt
    if abs(delay - round(delay)) > 1e-9:
        raise ValueError(f"tau · substeps / h must be an integer. Received: tau={tau!r}, substeps={substeps!r}, h={h!r}")
    delay = round(delay)
    history = np.full(delay + 1, float(x0))
    if seed is not None:
        history += np.random.default_rng(seed).uniform(-0.1, 0.1, delay + 1)
    xs = history.tolist()  # xs[k] = x at grid step k - delay; plain floats: the loop is scalar

    def slope(x, lagged):
        return a * lagged / (1.0 + lagged**n) - b * x

    samples = [xs[-1]]
    for _ in range(n_timesteps - 1):
        for _ in range(substeps):
            x, lag0, lag1 = xs[-1], xs[-1 - delay], xs[-delay]
            lag_half = 0.5 * (lag0 + lag1)
            k1 = slope(x, lag0)
            k2 = slope(x + 0.5 * dt * k1, lag_half)
            k3 = slope(x + 0.5 * dt * k2, lag_half)
            k4 = slope(x + dt * k3, lag1)
            xs.append(x + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4))
        samples.append(xs[-1])
        del xs[: len(xs) - delay - 1]
    return np.asarray(samples)[:, None]
