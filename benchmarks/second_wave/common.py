"""What the second-wave benchmarks (`benchmarks.ntm_copy`, `benchmarks.tree_arithmetic`,
`benchmarks.omega_adding`) share: their rows, files and table cells.

The files, the reading and the appending of rows, the machine and the versions
are those of `benchmarks.long_term.run`; what differs is the key of a row: one
(method, seed, configuration) per line, with no task or setting.
"""

import datetime
import json
import os
import statistics
import time
from pathlib import Path

from benchmarks.long_term.run import append_row, machine, read_rows, results_file, versions

RESULTS_DIR = Path(__file__).parent / "results"

__all__ = [
    "RESULTS_DIR", "append_row", "latest", "limit_threads", "machine_note", "mean_std", "read_rows", "results_file", "row_key",
    "run_rows", "stamp",
]


def row_key(row):
    """(method, seed, configuration): a row already in its file is not run again."""
    return (row["method"], row["seed"], json.dumps(row["config"], sort_keys=True))


def latest(path):
    """The newest row per key of a results file, in file order."""
    return list({row_key(row): row for row in read_rows(path)}.values())


def stamp(command, threads=None):
    """The record every row carries: machine, versions, load, date, command."""
    import keras

    backend = keras.backend.backend()
    record = dict(
        machine=machine(),
        versions=versions() + ("" if backend == "tensorflow" else f", Keras backend {backend}"),
        load_average_1min=round(os.getloadavg()[0], 2),
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        command=command,
    )
    if threads is not None:
        record["threads"] = threads
    return record


def run_rows(path, wanted, run_one, threads=None, report=None, skipped=None):
    """Run each row of `wanted` (dicts with method, seed, config and command)
    that `path` lacks, and append it stamped; `run_one(row)` returns its
    measurements (a `wall_s` of its own is kept). `report(row)` is called after
    each row written, `skipped(row)` for each row already there. Returns the
    rows written."""
    done = {row_key(row) for row in read_rows(path)}
    written = []
    for row in wanted:
        if row_key(row) in done:
            if skipped is not None:
                skipped(row)
            continue
        start = time.perf_counter()
        row = {**row, **run_one(row)}
        row.setdefault("wall_s", round(time.perf_counter() - start, 2))
        row.update(stamp(row.pop("command"), threads))
        append_row(path, row)
        written.append(row)
        if report is not None:
            report(row)
    return written


def machine_note(rows):
    """The machine, versions, threads and load of the rows, for under a table
    (rows written before `versions` was recorded have Keras in `machine`)."""
    fields = [sorted({r[name] for r in rows if r.get(name) is not None}) for name in ("machine", "versions", "threads")]
    machines, versions_, threads = ("; ".join(map(str, values)) for values in fields)
    loads = [r["load_average_1min"] for r in rows]
    return (
        f"Machine: {machines}" + (f" ({versions_})" if versions_ else "") + (f", {threads} thread(s)" if threads else "")
        + f"; shared with other jobs: 1-minute load average {min(loads):.1f}–{max(loads):.1f} while these rows ran."
    )


def limit_threads(threads):
    """TensorFlow on `threads` intra- and inter-op threads (the machine is
    shared; 0 or None: TensorFlow's choice). Only before TensorFlow has started,
    so a process that already ran it (a test session) keeps its own."""
    import keras

    if keras.backend.backend() != "tensorflow" or not threads:
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass


def mean_std(values, spec=".2f"):
    """"mean ± std" over the seeds (the value alone for one seed); a run that
    diverged (None) is counted apart, never averaged in; "–" for no values."""
    diverged = sum(v is None for v in values)
    values = [v for v in values if v is not None]
    note = f" ({diverged} diverged)" if diverged else ""
    if not values:
        return "diverged" if diverged else "–"
    if len(values) == 1:
        return f"{values[0]:{spec}}" + note
    return f"{statistics.fmean(values):{spec}} ± {statistics.stdev(values):{spec}}" + note
