"""Quality metrics shared by the applications and benchmarks."""

import numpy as np


def nrmse(y_true, y_pred, norm="var"):
    """Normalised root-mean-square error.

        NRMSE = sqrt(mean((y_true − y_pred)²)) / s

    s is the standard deviation of y_true for norm="var" (the square root of
    the error normalised by the signal's variance, Jaeger's NRMSE), or its
    range max − min for norm="minmax" (reservoirpy's default). All features
    are pooled.

    Example:

    >>> from applications.common.metrics import nrmse
    >>> round(nrmse([0.0, 2.0, 0.0, 2.0], [0.1, 2.1, -0.1, 1.9]), 6)
    0.1
    """
    y_true = np.asarray(y_true, "float64")
    y_pred = np.asarray(y_pred, "float64")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape. Received: {y_true.shape} and {y_pred.shape}")
    if y_true.size < 2:
        raise ValueError(f"NRMSE needs at least 2 values. Received: y_true with shape {y_true.shape}")
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Argument `{name}` contains NaN or inf.")
    if norm == "var":
        scale = y_true.std()
    elif norm == "minmax":
        scale = y_true.max() - y_true.min()
    else:
        raise ValueError(f"Argument `norm` must be 'var' or 'minmax'. Received: norm={norm!r}")
    if scale == 0.0:
        raise ValueError("`y_true` is constant: NRMSE is undefined.")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)) / scale)
