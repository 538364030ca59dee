"""Run the long-term-dependency benchmarks and append their results as JSON lines.

    python -m benchmarks.long_term.run --quick                  # every task, reduced size (minutes)
    python -m benchmarks.long_term.run --tasks adding --methods irnn lstm --settings 200 --seeds 0 1 2
    python -m benchmarks.long_term.report                       # results -> benchmarks/RESULTS.md + plots

Each row (task, method, setting, seed, size) is one JSON line in
`benchmarks/long_term/results/<task>.jsonl` (quick rows in `quick-<task>.jsonl`).
A row already in its file is skipped, so an interrupted run picks up where it
stopped; `--force` runs it again (the report keeps the newest line).
"""

import argparse
import dataclasses
import datetime
import functools
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.timing import vector_extension
from rnnzoo.applications.common.arguments import positive_int

RESULTS_DIR = Path(__file__).parent / "results"


# --------------------------------------------------------------------------
# Rows: keys, files, the record every row carries
# --------------------------------------------------------------------------
def results_file(results_dir, task, quick):
    return Path(results_dir) / f"{'quick-' if quick else ''}{task}.jsonl"


def row_key(row):
    config = dict(row["config"])
    if "batch_size" in config:  # rows written before these were settings: Adam, norm clipping, no gradient log
        config.setdefault("optimizer", "adam")
        config.setdefault("clip", "norm")
        config.setdefault("log_gradients", False)
        config.setdefault("jit_compile", True)  # and before XLA could be turned off
        config.setdefault("validation_takes", [])  # and before the digits had a validation split
    return (row["task"], row["method"], str(row["setting"]), row["seed"], row["quick"], json.dumps(config, sort_keys=True))


def read_rows(path):
    """The rows of a JSON-lines file; a truncated last line (a run killed while
    writing) is ignored, any other bad line is an error naming the file."""
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number == len(lines):
                break
            raise ValueError(f"{path}:{number}: not a JSON line ({error})") from None
    return rows


def append_row(path, row):
    """Append one line with a single write on an O_APPEND descriptor, so rows of
    processes running side by side never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(row, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def machine():
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    accel = f"{len(gpus)} GPU" if gpus else "no GPU"
    return f"{os.cpu_count()}-core {platform.machine()} CPU ({vector_extension()}), {accel}"


def versions():
    import keras
    import tensorflow as tf

    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python {platform.python_version()}"


def command_for(task, method, setting, seed, quick, extra=""):
    parts = ["python -m benchmarks.long_term.run", "--quick" if quick else "", f"--tasks {task}", extra]
    if method is not None:
        parts.append(f"--methods {method}")
    if setting is not None:
        parts.append(f"--settings {setting}")
    parts.append(f"--seeds {seed}")
    return " ".join(p for p in parts if p)


def stamp(row, quick, seconds):
    row.update(
        quick=quick,
        wall_s=round(seconds, 2),
        machine=machine(),
        load_average_1min=round(os.getloadavg()[0], 2),
        versions=versions(),
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        command=command_for(row["task"], row["method"], row.get("setting_arg"), row["seed"], quick, row.pop("overrides", "")),
    )
    return row


# --------------------------------------------------------------------------
# Trained tasks: data
# --------------------------------------------------------------------------
TEST_SEED = 2**20  # one test set per task and setting, shared by every method and seed
VALIDATION_SEED = TEST_SEED + 1  # and one validation set, on which a learning rate is chosen


@functools.cache
def _digits(frames, validation_takes):
    from rnnzoo.applications.common.data import data_path
    from benchmarks.long_term.tasks import spoken_digits

    return spoken_digits(data_path("fsdd", "recordings"), frames=frames, validation_takes=validation_takes)


@dataclasses.dataclass
class TaskData:
    train_chunk: object  # chunk index -> (x, y) or (x, y, per-step weights)
    test: tuple  # (x, y) or (x, y, mask)
    validation: tuple | None  # the same, drawn apart from test (the digits: held-out takes; None without them)
    features: int
    outputs: int
    loss: str
    score: object = None  # None: suite.METRIC's "mse"/"accuracy"; else predictions, y[, mask] -> value
    sequence_output: bool = False


def _generated(make, chunk_size, seed, test_size, **fields):
    """A synthetic task: fresh training sequences per chunk, fixed test and validation sets."""
    return TaskData(
        train_chunk=lambda i: make(chunk_size, [seed, i]),
        test=make(test_size, TEST_SEED), validation=make(test_size, VALIDATION_SEED), **fields,
    )


def task_data(task, setting, seed, config):
    """The data, shapes, loss and score of a trained task (`TaskData`)."""
    from benchmarks.long_term import tasks

    chunk, test_size = config.eval_every * config.batch_size, config.test_size
    classes = "sparse_categorical_crossentropy"
    if task == "adding":
        make = lambda n, s: tasks.adding_problem(n, setting, s)  # noqa: E731
        return _generated(make, chunk, seed, test_size, features=2, outputs=1, loss="mse")
    if task == "reber":
        make = lambda n, s: tasks.embedded_reber(n, setting, s)[:2]  # noqa: E731
        return _generated(make, chunk, seed, test_size, features=7, outputs=2, loss=classes)
    if task == "timing":
        make = lambda n, s: tasks.spike_intervals(n, setting, s)  # noqa: E731
        return _generated(make, chunk, seed, test_size, features=1, outputs=2, loss=classes)
    if task == "reber_next":
        make = lambda n, s: tasks.embedded_reber_next(n, setting, s)[:3]  # noqa: E731
        score = lambda p, y, mask: tasks.reber_strings_correct(p, y, mask).mean()  # noqa: E731
        return _generated(make, chunk, seed, test_size, features=7, outputs=7, loss="binary_crossentropy",
                          score=score, sequence_output=True)
    if task == "copy":
        make = lambda n, s: tasks.copy_task(n, setting, s)  # noqa: E731
        return _generated(make, chunk, seed, test_size, features=tasks.COPY_SYMBOLS + 2, outputs=tasks.COPY_SYMBOLS + 2,
                          loss=classes, score=tasks.copy_accuracy, sequence_output=True)
    if task == "msd":
        make = lambda n, s: tasks.spike_delay_stream(n, setting, s)  # noqa: E731
        score = functools.partial(tasks.delays_measured, max_delay=setting)
        return _generated(make, chunk, seed, test_size, features=1, outputs=1, loss="mse", score=score, sequence_output=True)
    if task == "gts":
        make = lambda n, s: tasks.timed_spike_stream(n, setting, s)  # noqa: E731
        score = lambda p, y: tasks.spike_trains_correct(p, y).mean()  # noqa: E731
        return _generated(make, chunk, seed, test_size, features=1, outputs=1, loss="mse", score=score, sequence_output=True)
    if task == "digits":
        (x_train, y_train), *validation, (x_test, y_test) = _digits(setting, tuple(config.validation_takes))

        def train_chunk(i):
            # Shuffled passes over the training set, as many as the chunk needs.
            rng = np.random.default_rng([seed, i])
            passes = -(-chunk // len(x_train))
            order = np.concatenate([rng.permutation(len(x_train)) for _ in range(passes)])[:chunk]
            return x_train[order], y_train[order]

        return TaskData(train_chunk, (x_test[:test_size], y_test[:test_size]), validation[0] if validation else None,
                        x_train.shape[-1], 10, classes)
    raise ValueError(f"Unknown trained task {task!r}")


# --------------------------------------------------------------------------
# Trained tasks: one row
# --------------------------------------------------------------------------
GRADIENT_SEQUENCES = 16


def trained_row(task, method, setting, seed, config, quick, time_limit=None, checkpoint_dir=None):
    """Train one row and return it; None when a checkpointed row stopped at its
    time limit (its state is on disk, and the same command resumes it)."""
    from benchmarks.long_term import models, suite
    from benchmarks.long_term.diagnostics import state_gradient_norms
    from benchmarks.long_term.training import Checkpoint, GradientNorms, evaluate, train_and_evaluate

    start = time.perf_counter()
    data = task_data(task, setting, seed, config)
    length = data.test[0].shape[1]
    model = models.build(
        method, length, data.features, data.outputs, config.units, config.learning_rate, seed, config.clipnorm, data.loss,
        optimizer=config.optimizer, sequence_output=data.sequence_output, clip=config.clip,
        log_gradients=config.log_gradients, jit_compile=config.jit_compile,
    )
    gradient_norms = GradientNorms() if config.log_gradients else None
    probe = data.test[0][:GRADIENT_SEQUENCES]
    radius_init = _recurrent_radius(model.layers[0])
    grads_init = state_gradient_norms(model.layers[0], probe, seed=seed) if task == "adding" else None
    score = data.score or suite.METRIC[task]
    checkpoint = None if checkpoint_dir is None else Checkpoint(
        Path(checkpoint_dir) / checkpoint_name(task, method, setting, seed, quick, config))
    outcome = train_and_evaluate(
        model, data.train_chunk, data.test, score, config.batch_size, config.max_steps, config.eval_every,
        stop_at=suite.STOP_AT[task], log=functools.partial(print, flush=True), time_limit=time_limit,
        callbacks=[gradient_norms] if gradient_norms else None, checkpoint=checkpoint,
    )
    if checkpoint is not None and outcome.stopped_by == "time limit":
        print(f"{task} {method} {setting} seed {seed}: stopped at step {outcome.steps} by the time limit; "
              f"state saved in {checkpoint.directory}, the same command resumes it", flush=True)
        return None
    default = (suite.QUICK if quick else suite.FULL)[task]
    overrides = " ".join(
        f"--{name.replace('_', '-')} {getattr(config, name):g}"
        for name in ("max_steps", "learning_rate", "units")
        if getattr(config, name) != getattr(default, name)
    ) + (f" --optimizer {config.optimizer}" if config.optimizer != default.optimizer else "") + (
        f" --clip {config.clip}" if config.clip != default.clip else "") + (" --log-gradients" if config.log_gradients else "") + (
        "" if config.jit_compile else " --no-xla")
    row = {
        "overrides": overrides,
        "task": task, "method": method, "setting": setting, "setting_arg": setting, "seed": seed,
        "config": dataclasses.asdict(config) | {"settings": None, "methods": None, "seeds": None},
        "metric_name": suite.METRIC[task], "metric": outcome.metric, "steps": outcome.steps,
        "sequences": outcome.sequences, "steps_to_solve": outcome.steps_to_solve, "curve": outcome.curve,
        "stopped_by": outcome.stopped_by,
        "train_s": round(outcome.seconds, 2), "parameters": model.count_params(),
        # The same metric on the validation set: what a learning rate is chosen by (report.best_learning_rates).
        "validation_metric": None if data.validation is None else _finite(evaluate(model, data.validation, score)),
    }
    diverged = outcome.stopped_by == "diverged"  # weights may hold inf or NaN: nothing trained to measure
    if gradient_norms is not None:
        row["gradient_norms"] = gradient_norms.summary(config.eval_every)
    if grads_init is not None:
        row["grad_norms_init"] = _rounded(grads_init)
        row["grad_norms_trained"] = None if diverged else _rounded(state_gradient_norms(model.layers[0], probe, seed=seed))
    if radius_init is not None:
        row["recurrent_radius"] = {"init": radius_init, "trained": None if diverged else _recurrent_radius(model.layers[0])}
    row = stamp(row, quick, time.perf_counter() - start)
    if checkpoint is not None:  # wall_s counts this session's part; train_s every session's training
        checkpoint.remove()
    return row


def checkpoint_name(task, method, setting, seed, quick, config):
    """A folder name for one row's checkpoint: readable, and unique per row key."""
    config_key = dataclasses.asdict(config) | {"settings": None, "methods": None, "seeds": None}
    key = row_key({"task": task, "method": method, "setting": setting, "seed": seed, "quick": quick, "config": config_key})
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:12]
    return f"{'quick-' if quick else ''}{task}-{method}-{setting}-seed{seed}-{digest}"


def _recurrent_radius(layer):
    """Spectral radius of a square recurrent kernel (simple RNNs), else None."""
    kernel = getattr(layer.cell, "recurrent_kernel", None)
    if kernel is None or kernel.shape[0] != kernel.shape[1]:
        return None
    return float(np.abs(np.linalg.eigvals(np.asarray(kernel, "float64"))).max())


def _finite(value):
    return value if np.isfinite(value) else None


def _rounded(values):
    return [float(f"{v:.4g}") for v in values]


# --------------------------------------------------------------------------
# Diagnostics: memory capacity, spectra, gradient norms at initialisation
# --------------------------------------------------------------------------
def memory_rows(spec, quick, selection):
    from benchmarks.long_term.memory_capacity import delay_capacities

    for radius in spec["spectral_radii"]:
        for leak in spec["leak_rates"]:
            setting = f"rho={radius},a={leak}"
            for seed in spec["seeds"]:
                if not selection(method="esn", setting=setting, seed=seed):
                    continue
                start = time.perf_counter()
                capacities = delay_capacities(spec["units"], radius, leak, seed)
                row = {
                    "task": "memory", "method": "esn", "setting": setting, "setting_arg": setting, "seed": seed,
                    "spectral_radius": radius, "leak_rate": leak, "units": spec["units"],
                    "config": {"units": spec["units"]}, "metric_name": "memory capacity",
                    "metric": float(capacities.sum()), "capacities": _rounded(capacities),
                }
                yield stamp(row, quick, time.perf_counter() - start)


def deep_memory_rows(spec, quick, selection):
    """Memory capacity of deep reservoirs against a shallow one at equal units (depth 1)."""
    from benchmarks.long_term.memory_capacity import delay_capacities

    layouts = [(1, None)] + [(depth, inter) for depth in spec["depths"] if depth > 1 for inter in spec["inter_scalings"]]
    for depth, inter in layouts:
        for radius in spec["spectral_radii"]:
            for leak in spec["leak_rates"]:
                setting = f"depth={depth},rho={radius},a={leak}" + (f",inter={inter}" if inter else "")
                for seed in spec["seeds"]:
                    if not selection(method="esn", setting=setting, seed=seed):
                        continue
                    start = time.perf_counter()
                    capacities = delay_capacities(spec["units"], radius, leak, seed, depth=depth, inter_scaling=inter or 1.0)
                    row = {
                        "task": "deep_memory", "method": "esn", "setting": setting, "setting_arg": setting, "seed": seed,
                        "depth": depth, "inter_scaling": inter, "spectral_radius": radius, "leak_rate": leak,
                        "units": spec["units"], "config": {"units": spec["units"]}, "metric_name": "memory capacity",
                        "metric": float(capacities.sum()), "capacities": _rounded(capacities),
                    }
                    yield stamp(row, quick, time.perf_counter() - start)


def spectra_rows(spec, quick, selection):
    from benchmarks.long_term.diagnostics import initial_spectra

    for seed in spec["seeds"]:
        start = time.perf_counter()
        spectra = initial_spectra(spec["units"], seed)
        for name, eigenvalues in spectra.items():
            if not selection(method=name, setting=None, seed=seed):
                continue
            moduli = np.abs(eigenvalues)
            row = {
                "task": "spectra", "method": name, "setting": spec["units"], "setting_arg": None, "seed": seed,
                "config": {"units": spec["units"]}, "metric_name": "spectral radius", "metric": float(moduli.max()),
                "min_modulus": float(moduli.min()), "median_modulus": float(np.median(moduli)),
                "real": _rounded(eigenvalues.real), "imag": _rounded(eigenvalues.imag),
            }
            yield stamp(row, quick, time.perf_counter() - start)


def gradient_rows(spec, quick, selection):
    from benchmarks.long_term.diagnostics import state_gradient_norms
    from benchmarks.long_term.models import recurrent_layer
    from benchmarks.long_term.tasks import adding_problem

    length = spec["length"]
    for method in spec["methods"]:
        for seed in spec["seeds"]:
            if not selection(method=method, setting=None, seed=seed):
                continue
            start = time.perf_counter()
            x, _ = adding_problem(GRADIENT_SEQUENCES, length, seed=TEST_SEED)
            import keras

            keras.utils.set_random_seed(seed)
            layer = recurrent_layer(method, spec["units"], seed, length)
            layer.build((None, length, x.shape[-1]))
            norms = state_gradient_norms(layer, x, seed=seed)
            row = {
                "task": "gradients", "method": method, "setting": length, "setting_arg": None, "seed": seed,
                "config": {"units": spec["units"], "length": length}, "metric_name": "grad norm at T-k = length-1",
                "metric": float(norms[-1]), "grad_norms_init": _rounded(norms),
            }
            yield stamp(row, quick, time.perf_counter() - start)


SALIENCY_DISTANCES = (10, 30)


def saliency_rows(spec, quick, selection):
    """Train a small tanh RNN and LSTM char model with the same budget (and read
    the zoo's peephole LSTM), then measure how far back their saliency reaches."""
    from rnnzoo.applications.char_shakespeare import data as char_data
    from benchmarks.long_term import saliency

    text = char_data.read_text()
    vocabulary = char_data.Vocabulary.from_text(text)
    train_ids, valid_ids = char_data.split(vocabulary.encode(text))
    length = spec["seq_len"]
    starts = np.random.default_rng(TEST_SEED).integers(0, len(valid_ids) - length - 1, spec["windows"])
    probe = np.stack([valid_ids[s : s + length + 1] for s in starts])
    for method in spec["methods"]:
        for seed in spec["seeds"]:
            if not selection(method=method, setting=length, seed=seed) or (method == "zoo" and seed != spec["seeds"][0]):
                continue
            start = time.perf_counter()
            if method == "zoo":
                from rnnzoo import zoo

                model, steps = zoo.load("shakespeare-char"), None
            else:
                model = saliency.char_model(method, len(vocabulary), spec["units"], spec["learning_rate"], seed)
                rng = np.random.default_rng([seed, 1])
                n = spec["steps"] * spec["batch_size"]
                offsets = rng.integers(0, len(train_ids) - length - 1, n)
                windows = np.stack([train_ids[o : o + length + 1] for o in offsets])
                model.fit(windows[:, :-1], windows[:, 1:], batch_size=spec["batch_size"], epochs=1, shuffle=False, verbose=0)
                steps = spec["steps"]
            loss = float(model.evaluate(probe[:, :-1], probe[:, 1:], verbose=0, batch_size=50))
            values = saliency.saliency(model, probe)
            profile = values / values.sum(axis=1, keepdims=True)
            row = {
                "task": "saliency", "method": method, "setting": length, "setting_arg": None, "seed": seed,
                "config": {k: v for k, v in spec.items() if k not in ("methods", "seeds")},
                "metric_name": f"share of saliency > {SALIENCY_DISTANCES[-1]} chars back",
                "metric": saliency.reach(values, SALIENCY_DISTANCES[-1]),
                "reach": {str(d): saliency.reach(values, d) for d in SALIENCY_DISTANCES},
                "steps": steps, "validation_loss": loss, "profile": _rounded(profile.mean(axis=0)),
                "example_text": vocabulary.decode(probe[0]), "example_saliency": _rounded(values[0]),
            }
            yield stamp(row, quick, time.perf_counter() - start)


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------
def parse_args(argv=None):
    from benchmarks.long_term import suite

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every task at reduced size (minutes on 2 CPU cores)")
    parser.add_argument("--tasks", nargs="+", choices=suite.TASKS, default=list(suite.TASKS))
    parser.add_argument("--methods", nargs="+", help="only these methods / initialisers (default: the task's own)")
    parser.add_argument("--settings", nargs="+", help="only these settings (sequence length, max length, frames)")
    parser.add_argument("--seeds", nargs="+", type=int, help="only these seeds (default: the task's own)")
    parser.add_argument("--results-dir", default=str(RESULTS_DIR), help="where the .jsonl result files go")
    parser.add_argument("--force", action="store_true", help="run rows that are already in the results")
    parser.add_argument("--max-steps", type=positive_int, help="override the task's training budget (a new row)")
    parser.add_argument("--learning-rate", type=float, nargs="+",
                        help="override the task's learning rate (new rows); several run as a grid, e.g. 1e-2 1e-3 1e-4 1e-5")
    parser.add_argument("--units", type=positive_int, help="override the task's hidden size (a new row)")
    parser.add_argument("--time-limit", type=float, help="seconds per row: stop training at the next evaluation after it")
    parser.add_argument("--optimizer", choices=("adam", "sgd", "rmsprop"), help="override the task's optimizer (a new row)")
    parser.add_argument("--clip", choices=("norm", "value", "none"),
                        help="gradient clipping: by global norm (default), elementwise, or none (a new row)")
    parser.add_argument("--log-gradients", action="store_true", help="record every step's gradient norm (a new row)")
    parser.add_argument("--no-xla", action="store_true",
                        help="compile without XLA (a new row; the same model: Keras's LSTM steps about twice as fast so on "
                             "streams of hundreds of steps on a CPU)")
    parser.add_argument("--checkpoint-dir",
                        help="save each row's training state here at every evaluation and resume from it: with "
                             "--time-limit, a long row spans sessions (keep it out of git)")
    return parser.parse_args(argv)


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from benchmarks.long_term import models, suite

    args = parse_args(argv)
    for method in args.methods or ():
        if method not in models.METHODS and method not in ("esn",) and not any(
            method == name for name in ("orthogonal", "IRNN (identity)", "np-RNN", "Gaussian N(0, 1/N)", "zoo")
        ):
            raise SystemExit(f"run: error: unknown method {method!r}; known: {', '.join(models.METHODS)}, esn")
    bad = [lr for lr in args.learning_rate or () if not lr > 0]
    if bad:
        raise SystemExit(f"run: error: --learning-rate must be > 0. Received: {bad[0]}")
    specs = suite.QUICK if args.quick else suite.FULL
    for task in args.tasks:
        spec = specs[task]
        path = results_file(args.results_dir, task, args.quick)
        done = {row_key(row) for row in read_rows(path)}

        def selection(method, setting, seed):
            return (
                (not args.methods or method in args.methods)
                and (not args.seeds or seed in args.seeds)
            )

        if isinstance(spec, suite.Trained):
            for learning_rate in args.learning_rate or [None]:
                _run_trained(task, _overridden(spec, args, learning_rate), args, path, done, selection)
        else:
            generator = {"memory": memory_rows, "deep_memory": deep_memory_rows, "spectra": spectra_rows,
                         "gradients": gradient_rows, "saliency": saliency_rows}[task]
            if args.settings and task in ("memory", "deep_memory"):
                selection = _with_settings(selection, args.settings)
            for row in generator(spec, args.quick, selection):
                if args.force or row_key(row) not in done:
                    append_row(path, row)
                    _report(row)


def _overridden(spec, args, learning_rate=None):
    """The task's spec with the command line's overrides; `--settings` may name
    settings outside the suite's (e.g. another sequence length)."""
    changes = {}
    if args.max_steps:
        changes["max_steps"] = args.max_steps
    if learning_rate is not None:
        changes["learning_rate"] = learning_rate
    if args.optimizer:
        changes["optimizer"] = args.optimizer
    if args.clip:
        changes["clip"] = args.clip
    if args.log_gradients:
        changes["log_gradients"] = True
    if args.no_xla:
        changes["jit_compile"] = False
    if args.units:
        changes["units"] = args.units
    if args.settings:
        try:
            changes["settings"] = tuple(int(s) for s in args.settings)
        except ValueError:
            raise SystemExit(f"run: error: --settings of a trained task are integers. Received: {args.settings}") from None
    return dataclasses.replace(spec, **changes)


def _with_settings(selection, settings):
    return lambda method, setting, seed: selection(method, setting, seed) and setting in settings


def _run_trained(task, spec, args, path, done, selection):
    config_key = dataclasses.asdict(spec) | {"settings": None, "methods": None, "seeds": None}
    for setting in spec.settings:
        if args.settings and str(setting) not in args.settings:
            continue
        for method in args.methods or spec.methods:
            for seed in args.seeds or spec.seeds:
                if not selection(method, setting, seed):
                    continue
                key = row_key({"task": task, "method": method, "setting": setting, "seed": seed, "quick": args.quick,
                               "config": config_key})
                if key in done and not args.force:
                    print(f"skip {task} {method} {setting} seed {seed}: already in {path}", flush=True)
                    continue
                row = trained_row(task, method, setting, seed, spec, args.quick, args.time_limit, args.checkpoint_dir)
                if row is not None:
                    append_row(path, row)
                    _report(row)


def _report(row):
    extra = f" steps {row['steps']}" if "steps" in row else ""
    value = "diverged" if row["metric"] is None else f"{row['metric']:.4g}"
    print(f"{row['task']} {row['method']} {row['setting']} seed {row['seed']}: "
          f"{row['metric_name']} {value}{extra} ({row['wall_s']:.1f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
