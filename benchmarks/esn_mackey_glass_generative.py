"""Jaeger's generative Mackey–Glass benchmark: NRMSE₈₄ of an ESN running closed loop.

The setting of Jaeger (2001, GMD Report 148, §"Mackey-Glass"): τ = 17, the
series squashed into (−1, 1) by tanh(x − 1), 400 leaky units, 3000 teacher-
forced steps of which the first 1000 are washout; then the network runs
free, its prediction fed back as the next input, and the error is read 84
steps later:

    NRMSE₈₄ = sqrt( mean over trials of (y(n+84) − d(n+84))² / σ² ),  σ² the signal's variance

Each trial (seed) draws its own reservoir and its own Mackey–Glass history.
Jaeger reports 2.8·10⁻⁴ (with output feedback and 400 units); the bar of
rnnzoo's issue is ≤ 10⁻³ over 10 seeds.

    python benchmarks/esn_mackey_glass_generative.py              # 10 seeds, about 20 s on 2 CPU cores
    python benchmarks/esn_mackey_glass_generative.py --first-seed 10 --seeds 30   # held-out seeds

The hyper-parameters were picked on seeds 0–9 from a small grid (spectral
radius 0.7–0.9, leak rate 0.2–0.4, ridge 1e-13–1e-11); seeds 10–39 check them.
"""

import argparse
import os
import platform
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.common.timeseries import mackey_glass  # noqa: E402
from rnnzoo.layers import EchoStateNetwork  # noqa: E402

# A ridge of 1e-11 leaves XᵀX + ridge·I ill-conditioned on purpose (it is what makes NRMSE₈₄
# small); scipy says so on every solve.
warnings.filterwarnings("ignore", message="Ill-conditioned matrix")

TRAIN, WASHOUT, HORIZON = 3000, 1000, 84
RESERVOIR = dict(units=400, spectral_radius=0.9, leak_rate=0.3, input_scaling=1.0, input_connectivity=1.0, bias_scaling=0.2)
RIDGE = 1e-11


def trial(seed):
    """Squared error at the 84th free-running step, and the signal's variance."""
    d = np.tanh(mackey_glass(1000 + TRAIN + HORIZON, seed=seed)[1000:] - 1.0)  # past the start-up transient
    esn = EchoStateNetwork(**RESERVOIR, include_input=True, seed=seed)
    esn.fit_readout(d[: TRAIN - 1], d[1:TRAIN], ridge=RIDGE, washout=WASHOUT)  # teacher forcing: d(n) -> d(n+1)
    free = esn.generate(HORIZON, warmup=d[:TRAIN])  # free[k] predicts d[TRAIN + k]
    return float((free[HORIZON - 1, 0] - d[TRAIN + HORIZON - 1, 0]) ** 2), float(d.var())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=positive_int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; reservoir {RESERVOIR}, ridge {RIDGE}")
    start = time.perf_counter()
    errors, variances = zip(*(trial(seed) for seed in range(args.first_seed, args.first_seed + args.seeds)), strict=True)
    per_seed = np.sqrt(np.array(errors) / np.array(variances))
    pooled = float(np.sqrt(np.mean(errors) / np.mean(variances)))
    print("per-seed NRMSE84:", " ".join(f"{e:.1e}" for e in per_seed))
    print(f"NRMSE84 over seeds {args.first_seed}..{args.first_seed + args.seeds - 1}: {pooled:.2e} (Jaeger 2001: 2.8e-04; bar: <= 1e-03)"
          f"   median per seed {np.median(per_seed):.1e}   [{time.perf_counter() - start:.1f} s]")


if __name__ == "__main__":
    main()
