"""Recurrent-weight initializers, and the spectral radius they and the reservoirs share.

IRNN and NPRNN start the recurrent matrix with eigenvalues at (or just below)
1, so the product of Jacobians over many steps neither vanishes nor explodes at
the start of training (lecture notes, "Long-term dependencies", tricks #1 and
#2). `spectral_radius` scales the fixed random matrix of a reservoir.
"""

import math

import keras
import numpy as np
from keras import ops

from rnnzoo.layers.base import _is_number

# Below this size a dense eigendecomposition is as fast as Arnoldi and always exact.
DENSE_EIGEN_MAX_SIZE = 64


def spectral_radius(matrix):
    """The largest |eigenvalue| of a square matrix (numpy array or scipy sparse).

    Matrices of up to 64 rows: `numpy.linalg.eigvals`. Larger ones: ARPACK's
    implicitly restarted Arnoldi method (`scipy.sparse.linalg.eigs`, k=1,
    largest magnitude, tol 1e-9, a fixed start vector so the result is the
    same on every run), whose cost is a few hundred sparse mat-vecs: about
    0.03 s for a 2000×2000 matrix with 10 non-zeros per row, against 15 s for
    a dense eigendecomposition.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers.initializers import spectral_radius
    >>> round(spectral_radius(np.array([[0.0, 2.0], [-2.0, 0.0]])), 6)
    2.0
    """
    n = matrix.shape[0]
    if len(matrix.shape) != 2 or matrix.shape[1] != n:
        raise ValueError(f"spectral_radius needs a square 2-D matrix. Received: shape={tuple(matrix.shape)}")
    if n <= DENSE_EIGEN_MAX_SIZE:
        dense = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
        return float(np.abs(np.linalg.eigvals(dense.astype("float64"))).max())
    from scipy.sparse.linalg import eigs  # imported here: `import rnnzoo.layers` stays fast

    largest = eigs(
        matrix.astype("float64"), k=1, which="LM", tol=1e-9, maxiter=20 * n, v0=np.ones(n), return_eigenvectors=False
    )
    return float(np.abs(largest).max())


def _check_2d(name, shape, square=False):
    if len(shape) != 2 or (square and shape[0] != shape[1]):
        need = "a square 2-D" if square else "a 2-D"
        raise ValueError(f"{name} initializes {need} recurrent kernel. Received: shape={tuple(shape)}")


# Registered as "...Initializer": the layers IRNN and NPRNN own the short names.
@keras.saving.register_keras_serializable(package="rnnzoo", name="IRNNInitializer")
class IRNN(keras.initializers.Initializer):
    """The identity, scaled by `gain`: W = gain · I (Le, Jaitly & Hinton 2015).

    With ReLU units and zero biases, an IRNN copies its state forward
    unchanged until the inputs say otherwise. A non-square shape gets the
    identity in its leading square block, like `keras.initializers.Identity`.

    Args:
        gain: Scale of the identity. Le et al. use 1.0; a smaller gain (e.g. 0.01
            for very long sequences) damps the start.

    Example:

    >>> from rnnzoo.layers.initializers import IRNN
    >>> IRNN(gain=1.0)((3, 3)).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]

    Reference:
        Q. V. Le, N. Jaitly, G. E. Hinton, "A simple way to initialize recurrent
        networks of rectified linear units", arXiv:1504.00941, 2015.
    """

    def __init__(self, gain=1.0):
        if not _is_number(gain) or not math.isfinite(gain):
            raise ValueError(f"Argument `gain` must be a finite number. Received: gain={gain!r}")
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        _check_2d("IRNN", shape)
        return self.gain * ops.eye(shape[0], shape[1], dtype=dtype)

    def get_config(self):
        return {"gain": self.gain}


@keras.saving.register_keras_serializable(package="rnnzoo", name="NPRNNInitializer")
class NPRNN(keras.initializers.Initializer):
    """A random positive-definite matrix whose largest eigenvalue is exactly 1.

        R ~ N(0, 1)^{N×N},   A = RᵀR / N,   W = (A + I) / λ_max(A + I)

    All eigenvalues of W are real and in (0, 1], the largest equal to 1
    (Talathi & Vartak 2016, "np-RNN").

    Args:
        seed: Integer seed; the same seed gives the same matrix.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers.initializers import NPRNN
    >>> w = NPRNN(seed=0)((16, 16))
    >>> round(float(np.linalg.eigvalsh(np.asarray(w, "float64")).max()), 4)
    1.0

    Reference:
        S. S. Talathi, A. Vartak, "Improving performance of recurrent neural
        network with ReLU nonlinearity", ICLR workshop, arXiv:1511.03771, 2016.
    """

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        _check_2d("NPRNN", shape, square=True)
        n = shape[0]
        # float64 so the top eigenvalue lands on 1 to ~1e-12 before the final cast.
        r = keras.random.normal((n, n), dtype="float64", seed=self.seed)
        a = ops.matmul(ops.transpose(r), r) / n + ops.eye(n, dtype="float64")
        largest = ops.max(ops.eigh(a)[0])
        return ops.cast(a / largest, dtype or keras.config.floatx())

    def get_config(self):
        return {"seed": self.seed}
