"""EchoStateNetwork against reservoirpy, side by side in one run: NRMSE, time, memory.

One-step-ahead prediction of a Mackey–Glass series (τ = 17) with the same
hyper-parameters on both sides: leaky tanh reservoir, spectral radius 1.25,
leak rate 0.3, input scaling 1, input connectivity 0.1, 10 recurrent
connections per unit, ridge 1e-5, warmup (washout) 100. The figures:

* NRMSE on the test part (RMSE / std of the target), each side averaged over
  5 seeds, since each seed draws a different random reservoir;
* train + predict time (building the reservoir, collecting states, the ridge
  solve, the test run), the median over the seeds, ours and reservoirpy's runs
  interleaved so machine noise falls on both;
* scaling: time and peak memory (numpy allocations, `tracemalloc`, measured in
  separate runs so the tracing does not slow the timed ones) as the series
  grows 10× and the reservoir grows to 2000 units.

reservoirpy is not an rnnzoo dependency; install it for this script only:

    python -m pip install reservoirpy==0.4.2
    python benchmarks/esn_vs_reservoirpy.py            # 1-4 minutes on 2 CPU cores
    python benchmarks/esn_vs_reservoirpy.py --quick    # main comparison only
    OPENBLAS_NUM_THREADS=1 python benchmarks/esn_vs_reservoirpy.py   # stable timings on a shared machine

On a shared 2-core machine multi-threaded BLAS spin-waits while other jobs
run and both sides slow down several-fold; one BLAS thread gives stable figures.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import reservoirpy
    from reservoirpy.nodes import Reservoir as RpyReservoir
    from reservoirpy.nodes import Ridge as RpyRidge
except ImportError:
    sys.exit("reservoirpy is not installed: python -m pip install reservoirpy==0.4.2 (it is not an rnnzoo dependency)")

import numpy as np  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.common.metrics import nrmse  # noqa: E402
from rnnzoo.applications.common.timeseries import mackey_glass  # noqa: E402
from rnnzoo.layers import EchoStateNetwork  # noqa: E402

HYPER = dict(spectral_radius=1.25, leak_rate=0.3, input_scaling=1.0, input_connectivity=0.1, ridge=1e-5, warmup=100)


def split(train, test):
    series = mackey_glass(train + test + 1 + 500)[500:]  # drop the start-up transient
    x, y = series[:-1], series[1:]
    return x[:train], y[:train], x[train:], y[train:]


def ours(units, seed, data):
    x_train, y_train, x_test, _ = data
    esn = EchoStateNetwork(
        units,
        spectral_radius=HYPER["spectral_radius"],
        leak_rate=HYPER["leak_rate"],
        input_scaling=HYPER["input_scaling"],
        input_connectivity=HYPER["input_connectivity"],
        connectivity=min(1.0, 10 / units),
        seed=seed,
    )
    esn.fit_readout(x_train, y_train, ridge=HYPER["ridge"], washout=HYPER["warmup"])
    return esn.run(x_test)  # carries on from the end of the training series, as reservoirpy does


def theirs(units, seed, data):
    x_train, y_train, x_test, _ = data
    reservoir = RpyReservoir(
        units,
        lr=HYPER["leak_rate"],
        sr=HYPER["spectral_radius"],
        input_scaling=HYPER["input_scaling"],
        input_connectivity=HYPER["input_connectivity"],
        rc_connectivity=min(1.0, 10 / units),
        seed=seed,
    )
    model = reservoir >> RpyRidge(ridge=HYPER["ridge"])
    model.fit(x_train, y_train, warmup=HYPER["warmup"])
    return model.run(x_test)


SIDES = {"ours": ours, "reservoirpy": theirs}


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def peak_memory(fn, *args):
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def compare(units, train, test, seeds):
    """Per side: NRMSE per seed and time per seed (interleaved)."""
    data = split(train, test)
    results = {side: {"nrmse": [], "time": []} for side in SIDES}
    for seed in seeds:
        for side, fn in SIDES.items():
            seconds, prediction = timed(fn, units, seed, data)
            results[side]["time"].append(seconds)
            results[side]["nrmse"].append(nrmse(data[3], prediction))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=positive_int, default=5, help="seeds of the main comparison")
    parser.add_argument("--quick", action="store_true", help="the main comparison only, no scaling")
    args = parser.parse_args(argv)
    ours(50, 0, split(300, 100)), theirs(50, 0, split(300, 100))  # imports, caches, first-call costs

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}; "
          f"numpy {np.__version__}, reservoirpy {reservoirpy.__version__}")
    print("hyper-parameters:", ", ".join(f"{k}={v}" for k, v in HYPER.items()), ", 10 connections per unit")
    main_results = compare(500, 2000, 1000, range(args.seeds))
    ours_nrmse, their_nrmse = (statistics.mean(main_results[s]["nrmse"]) for s in SIDES)
    ours_time, their_time = (statistics.median(main_results[s]["time"]) for s in SIDES)
    print(f"\n500 units, 2000 train / 1000 test, one step ahead, {args.seeds} seeds:")
    print(f"  NRMSE (mean)        ours {ours_nrmse:.3e}   reservoirpy {their_nrmse:.3e}   ratio {ours_nrmse / their_nrmse:.3f} (bar: <= 1.1)")
    print(f"  train+predict (med) ours {ours_time:.3f} s   reservoirpy {their_time:.3f} s   ratio {ours_time / their_time:.3f} (bar: <= 1)")
    if args.quick:
        return

    print("\nscaling (time: median of 2 interleaved runs, 1 at 2000 units × 10; memory: peak numpy allocations):")
    print(f"  {'units':>5} {'train/test':>12} | {'ours s':>7} {'rpy s':>7} {'ratio':>6} | {'ours MiB':>8} {'rpy MiB':>8} | NRMSE ours / rpy")
    for units, train, test in [(500, 2000, 1000), (500, 20000, 10000), (2000, 2000, 1000), (2000, 20000, 10000)]:
        seeds = range(1) if (units, train) == (2000, 20000) else range(2)
        results = compare(units, train, test, seeds)
        data = split(train, test)
        memory = {side: peak_memory(fn, units, 0, data) for side, fn in SIDES.items()}
        t_ours, t_theirs = (statistics.median(results[s]["time"]) for s in SIDES)
        n_ours, n_theirs = (statistics.mean(results[s]["nrmse"]) for s in SIDES)
        print(
            f"  {units:>5} {f'{train}/{test}':>12} | {t_ours:7.2f} {t_theirs:7.2f} {t_ours / t_theirs:6.3f} | "
            f"{memory['ours']:8.1f} {memory['reservoirpy']:8.1f} | {n_ours:.2e} / {n_theirs:.2e}",
            flush=True,
        )


if __name__ == "__main__":
    main()
