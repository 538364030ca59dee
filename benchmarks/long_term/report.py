"""Render benchmarks/RESULTS.md and the plots from the JSON-lines results.

    python -m benchmarks.long_term.report

Nothing in the tables is typed by hand: every figure comes from
`benchmarks/long_term/results/*.jsonl` (written by `benchmarks.long_term.run`)
or, for section 9, `benchmarks/second_wave/results/*.jsonl` (written by the
scripts in `SECOND_WAVE`, whose `table()` and `PROSE` fill it in).
The prose lives in `RESULTS.template.md`; each `<!-- NAME -->` line there is
replaced by the generated table NAME. A (method, setting) of the suite with no
result rows is listed as "not measured".
"""

import argparse
import collections
import importlib
import os
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.long_term import suite
from benchmarks.long_term.run import RESULTS_DIR, read_rows, row_key
from benchmarks.second_wave.common import RESULTS_DIR as SECOND_WAVE_DIR

HERE = Path(__file__).parent
TEMPLATE = HERE / "RESULTS.template.md"
OUTPUT = HERE.parent / "RESULTS.md"
PLOTS = HERE / "plots"
SECOND_WAVE = ("ntm_copy", "tree_arithmetic", "omega_adding", "initial_state_forecast")  # benchmarks.<name>: section 9
SOLVED_COLUMN = {"mse": "solved (final MSE ≤ 0.01)", "accuracy": "solved (final acc ≥ 0.99)"}


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------
def load(results_dir, task, quick=False):
    """Newest row per (method, setting, seed, configuration) of a task, in file order."""
    path = Path(results_dir) / f"{'quick-' if quick else ''}{task}.jsonl"
    latest = {}
    for row in read_rows(path):
        latest[row_key(row)] = row  # a row run again (--force) replaces the older line
    return list(latest.values())


def grouped(rows):
    groups = collections.defaultdict(list)
    for row in rows:
        groups[(row["method"], str(row["setting"]))].append(row)
    return groups


def mean_std(values, digits=3):
    """"mean ± std" over the seeds; a seed whose run diverged (None) is counted
    apart, never averaged in."""
    diverged = sum(v is None for v in values)
    values = np.asarray([v for v in values if v is not None], "float64")
    note = f" ({diverged} diverged)" if diverged else ""
    if len(values) == 0:
        return f"diverged ({diverged}/{diverged} seeds)"
    if len(values) == 1:
        return f"{values[0]:.{digits}g} (1 seed)" + note
    return f"{values.mean():.{digits}g} ± {values.std(ddof=1):.{digits}g}" + note


def table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
    return "\n".join(out)


def machine_note(rows):
    machines = sorted({r["machine"] for r in rows})
    loads = [r["load_average_1min"] for r in rows]
    versions = sorted({r["versions"] for r in rows})
    if not rows:
        return ""
    return (
        f"Machine: {'; '.join(machines)} ({'; '.join(versions)}); shared with other jobs: 1-minute load "
        f"average {min(loads):.1f}–{max(loads):.1f} while these rows ran (2 would be a fully busy machine)."
    )


# --------------------------------------------------------------------------
# Tables of the trained tasks
# --------------------------------------------------------------------------
def trained_table(results_dir, task, quick=False):
    spec = (suite.QUICK if quick else suite.FULL)[task]
    metric = suite.METRIC[task]
    rows = load(results_dir, task, quick)
    groups = collections.defaultdict(list)
    for row in rows:
        config = row["config"]
        groups[(row["method"], str(row["setting"]), optimizer_label(config), config["learning_rate"], config["max_steps"],
                config["units"])].append(row)
    header = ["method", "setting", "optimizer, lr", "seeds", f"test {metric}"]
    if suite.SOLVED_AT[task] is not None:
        header += [SOLVED_COLUMN.get(metric, f"solved (final {metric} ≥ {suite.SOLVED_AT[task]:g})"), "sequences until first at that level (solved seeds)"]
    header += ["steps (mean)", "wall s (mean)", "command"]
    suite_keys = [(m, str(s), spec.optimizer, spec.learning_rate, spec.max_steps, spec.units) for s in spec.settings for m in spec.methods]
    extra_keys = sorted(k for k in groups if k not in suite_keys)
    lines = [_trained_line(task, key, groups.get(key, []), spec, quick, len(header)) for key in suite_keys + extra_keys]
    budget = (
        f"Budget per row: {spec.units} units, batch {spec.batch_size}, {spec.optimizer} (SGD has momentum 0.9), "
        f"clipnorm {spec.clipnorm:g}, at most {spec.max_steps} steps, test set "
        + ("the 250 recordings of takes 0–4" if task == "digits" else f"{spec.test_size} sequences")
        + (f"; training stops early once the test {metric} reaches {suite.STOP_AT[task]:g}." if suite.STOP_AT[task] else ".")
    )
    return "\n\n".join([table(header, lines), budget, machine_note(rows)])


def optimizer_label(config):
    """"adam"; "adam, clip none" / "adam, clip value" when the clipping is not the default;
    ", no XLA" for rows compiled without it; ", gradients logged" for rows that recorded
    every step's gradient norm."""
    clip = config.get("clip", "norm")
    label = config.get("optimizer", "adam") + ("" if clip == "norm" else f", clip {clip}")
    label += "" if config.get("jit_compile", True) else ", no XLA"
    return label + (", gradients logged" if config.get("log_gradients") else "")


def _trained_line(task, key, group, spec, quick, columns):
    method, setting, optimizer, lr, max_steps, units = key
    command = f"python -m benchmarks.long_term.run {'--quick ' if quick else ''}--tasks {task} --methods {method} --settings {setting}"
    logged = optimizer.endswith(", gradients logged")
    no_xla = optimizer.removesuffix(", gradients logged").endswith(", no XLA")
    name, _, clip = optimizer.removesuffix(", gradients logged").removesuffix(", no XLA").partition(", clip ")
    if name != spec.optimizer:
        command += f" --optimizer {name}"
    if clip:
        command += f" --clip {clip}"
    if logged:
        command += " --log-gradients"
    if no_xla:
        command += " --no-xla"
    if lr != spec.learning_rate:
        command += f" --learning-rate {lr:g}"
    if max_steps != spec.max_steps:
        command += f" --max-steps {max_steps}"
    if units != spec.units:
        command += f" --units {units}"
    optimizer = f"{optimizer} {lr:g}" + (f", {units} units" if units != spec.units else "")
    if not group:
        return [method, setting, optimizer, 0, "**not measured**"] + [""] * (columns - 6) + [f"`{command}`"]
    line = [method, setting, optimizer, len(group), mean_std([r["metric"] for r in group])]
    if suite.SOLVED_AT[task] is not None:
        solved = [r for r in group if _solved(task, r["metric"])]
        line.append(f"{len(solved)}/{len(group)}")
        line.append(mean_std([_first_solved_step(task, r) * r["config"]["batch_size"] for r in solved]) if solved else "–")
    seeds = " ".join(str(s) for s in sorted(r["seed"] for r in group))
    steps = f"{np.mean([r['steps'] for r in group]):.0f}"
    cut = sum(r.get("stopped_by") == "time limit" for r in group)
    if cut:
        steps += f" ({cut} cut by the time limit)"
    line += [steps, f"{np.mean([r['wall_s'] for r in group]):.0f}", f"`{command} --seeds {seeds}`"]
    return line


def _solved(task, value):
    """Whether a test metric is at the level the tables count as solved."""
    level = suite.SOLVED_AT[task]
    if value is None:  # diverged
        return False
    return value <= level if suite.METRIC[task] == "mse" else value >= level


def _first_solved_step(task, row):
    """The first evaluation (training step) at the solved level, from the learning curve."""
    return next(step for step, value in row["curve"] if _solved(task, value))


def learning_rate_trials(results_dir, task, quick=False):
    """{(method, setting, (max steps, units)): [((optimizer, lr), rows), ...]}, best first.

    Among the learning rates and optimizers run for a (method, setting) with the same
    budget and units, the best has the best mean validation metric over its seeds (ties,
    which include every run past the level where training stops: fewer steps).
    Rows without a validation metric (older rows) do not take part, nor do the clipping
    ablation's rows (another clipping, or every gradient logged): they are not a learning
    rate to choose."""
    rows = [r for r in load(results_dir, task, quick)
            if r.get("validation_metric", "absent") != "absent"
            and r["config"].get("clip", "norm") == "norm" and not r["config"].get("log_gradients")]
    lower_is_better = suite.METRIC[task] == "mse"
    candidates = collections.defaultdict(dict)
    for row in rows:
        config = row["config"]
        trial = (optimizer_label(config), config["learning_rate"])
        budget = (config["max_steps"], config["units"])
        candidates[(row["method"], str(row["setting"]), budget)].setdefault(trial, []).append(row)

    def quality(item):
        # Below the level where training stops, runs differ by when they stopped, not by
        # skill: clip there, so two rates that both reach it tie and the faster one wins.
        values = [_validation_value(r, lower_is_better) for r in item[1]]
        if suite.STOP_AT[task] is not None:
            values = np.maximum(values, suite.STOP_AT[task]) if lower_is_better else np.minimum(values, suite.STOP_AT[task])
        mean = float(np.mean(values))
        return (mean if lower_is_better else -mean, float(np.mean([r["steps"] for r in item[1]])))

    return {key: sorted(trials.items(), key=quality) for key, trials in sorted(candidates.items())}


def best_learning_rates(results_dir, task, quick=False, min_trials=1):
    """Each (method, setting) at its own best learning rate (`learning_rate_trials`), then
    its test figures. A (method, setting) with fewer than `min_trials` learning rates
    tried is left out."""
    lower_is_better = suite.METRIC[task] == "mse"
    lines = []
    for (method, setting, (max_steps, units)), ranked in learning_rate_trials(results_dir, task, quick).items():
        if len(ranked) < min_trials:
            continue
        (optimizer, lr), group = ranked[0]
        tried = ", ".join(
            f"{o} {l:g}: {np.mean([_validation_value(r, lower_is_better) for r in g]):.3g} ({len(g)})"
            for (o, l), g in sorted(ranked, key=lambda trial: trial[0])
        )
        line = [method, setting, f"{max_steps}, {units}", tried, f"**{optimizer} {lr:g}**", len(group),
                mean_std([r["metric"] for r in group])]
        if suite.SOLVED_AT[task] is not None:  # the digits have no solved level: accuracy is the figure
            solved = [r for r in group if _solved(task, r["metric"])]
            line += [f"{len(solved)}/{len(group)}",
                     mean_std([_first_solved_step(task, r) * r["config"]["batch_size"] for r in solved]) if solved else "–"]
        lines.append(line)
    if not lines:
        return "**not measured**"
    header = ["method", "setting", "max steps, units", f"tried: mean validation {suite.METRIC[task]} (seeds)",
              "chosen", "seeds", f"test {suite.METRIC[task]}"]
    if suite.SOLVED_AT[task] is not None:
        header += ["solved", "sequences until solved"]
    return table(header, lines)


def clipping_table(results_dir, task="adding"):
    """The clipping ablation: rows run with --log-gradients, per method, setting and clipping mode."""
    rows = [r for r in load(results_dir, task) if r["config"].get("log_gradients")]
    groups = collections.defaultdict(list)
    for row in rows:
        config = row["config"]
        groups[(row["method"], str(row["setting"]), config.get("clip", "norm"), config.get("optimizer", "adam"),
                config["learning_rate"], config["max_steps"])].append(row)
    lines = []
    for (method, setting, clip, optimizer, lr, max_steps), group in sorted(groups.items()):
        norms = [r["gradient_norms"] for r in group]
        solved = sum(_solved(task, r["metric"]) for r in group)
        lines.append([
            method, setting, {"norm": "by global norm", "value": "elementwise", "none": "none"}[clip], f"{optimizer} {lr:g}",
            max_steps, len(group), mean_std([r["metric"] for r in group]), f"{solved}/{len(group)}",
            mean_std([n["median"] for n in norms]), mean_std([n["max"] for n in norms]),
            " / ".join(str(n["spikes"]) for n in norms),
        ])
    if not lines:
        return "**not measured**"
    header = ["method", "setting", "clipping (threshold 1)", "optimizer", "steps", "seeds", f"test {suite.METRIC[task]}",
              "solved", "median gradient norm", "largest gradient norm", "spikes (> 10 × median) per seed"]
    return "\n\n".join([table(header, lines), machine_note(rows)])


def _validation_value(row, lower_is_better):
    """A diverged run (None) counts as the worst possible result."""
    value = row["validation_metric"]
    if value is None:
        return np.inf if lower_is_better else -np.inf
    return value


# --------------------------------------------------------------------------
# Diagnostics tables
# --------------------------------------------------------------------------
def memory_table(results_dir, quick=False):
    spec = (suite.QUICK if quick else suite.FULL)["memory"]
    rows = load(results_dir, "memory", quick)
    by_setting = collections.defaultdict(list)
    for row in rows:
        by_setting[(row["spectral_radius"], row["leak_rate"])].append(row["metric"])
    header = ["spectral radius"] + [f"leak rate {a:g}" for a in spec["leak_rates"]]
    lines = []
    for radius in spec["spectral_radii"]:
        cells = [mean_std(by_setting[(radius, a)]) if by_setting[(radius, a)] else "**not measured**" for a in spec["leak_rates"]]
        lines.append([f"{radius:g}"] + cells)
    note = (
        f"Memory capacity Σ_k r²(y_k(t), u(t−k)), k = 1..{2 * spec['units']}, of a {spec['units']}-unit tanh reservoir "
        f"(10 recurrent connections per unit, input scaling 0.1, ridge 1e-8, 4000 training and 2000 test steps); "
        f"theoretical maximum {spec['units']}. Command: `python -m benchmarks.long_term.run {'--quick ' if quick else ''}--tasks memory`."
    )
    return "\n\n".join([table(header, lines), note, machine_note(rows)])


def deep_memory_table(results_dir, quick=False):
    spec = (suite.QUICK if quick else suite.FULL)["deep_memory"]
    rows = load(results_dir, "deep_memory", quick)
    by_setting = collections.defaultdict(list)
    for row in rows:
        by_setting[(row["depth"], row["inter_scaling"], row["spectral_radius"], row["leak_rate"])].append(row["metric"])
    columns = [(r, a) for r in spec["spectral_radii"] for a in spec["leak_rates"]]
    header = ["layers × units", "inter-layer scaling"] + [f"ρ {r:g}, leak rate {a:g}" for r, a in columns]
    layouts = [(1, None)] + [(d, s) for d in spec["depths"] if d > 1 for s in spec["inter_scalings"]]
    lines = []
    for depth, inter in layouts:
        cells = [mean_std(by_setting[(depth, inter, r, a)]) if by_setting[(depth, inter, r, a)] else "**not measured**"
                 for r, a in columns]
        lines.append([f"{depth} × {spec['units'] // depth}", "–" if inter is None else f"{inter:g}"] + cells)
    note = (
        f"Memory capacity (as in section 3) of a deep reservoir (`DeepReservoirCell`) with {spec['units']} units in all, "
        f"every layer's state read out; 1 × {spec['units']} is the shallow reservoir of section 3 with the same seed. "
        f"Every layer has the same spectral radius and leak rate; layers above the first take the state below through "
        f"weights scaled by the inter-layer scaling. Command: `python -m benchmarks.long_term.run "
        f"{'--quick ' if quick else ''}--tasks deep_memory`."
    )
    return "\n\n".join([table(header, lines), note, machine_note(rows)])


def spectra_table(results_dir, quick=False):
    rows = load(results_dir, "spectra", quick)
    groups = collections.defaultdict(list)
    for row in rows:
        groups[row["method"]].append(row)
    lines = [
        [name, len(g), mean_std([r["metric"] for r in g], 4), mean_std([r["median_modulus"] for r in g], 3),
         mean_std([r["min_modulus"] for r in g], 3)]
        for name, g in groups.items()
    ]
    return table(["initialisation", "seeds", "spectral radius", "median |λ|", "smallest |λ|"], lines)


GRADIENT_DISTANCES = (1, 10, 50, 100, 199)


def gradients_table(results_dir, quick=False):
    rows = load(results_dir, "gradients", quick)
    groups = collections.defaultdict(list)
    for row in rows:
        groups[row["method"]].append(np.asarray(row["grad_norms_init"]))
    length = len(next(iter(groups.values()))[0]) if groups else 0
    distances = [d for d in GRADIENT_DISTANCES if d < length]
    lines = []
    for method, norms in groups.items():
        stacked = np.stack(norms)
        lines.append([method, len(norms)] + [f"{stacked[:, d].mean():.2e}" for d in distances])
    return table(["method", "seeds"] + [f"T−k = {d + 1}" for d in distances], lines)


def gradient_decay(results_dir, quick=False, start=10):
    """Each method's gradient decay per step at initialisation: exp of the slope of log mean ‖vᵀ ∂h_T/∂s_k‖
    against T − k, fitted from T − k = start + 1 to the last distance whose norm is above zero."""
    groups = collections.defaultdict(list)
    for row in load(results_dir, "gradients", quick):
        groups[row["method"]].append(np.asarray(row["grad_norms_init"]))
    factors = []
    for method, norms in groups.items():
        mean = np.stack(norms).mean(axis=0)
        distances = np.arange(start, len(mean))
        distances = distances[mean[distances] > 0]
        slope = np.polyfit(distances, np.log(mean[distances]), 1)[0]
        factors.append(f"{method} {np.exp(slope):.3f}")
    return (f"Fitted decay per step (exp of the slope of log mean norm against T − k, from T − k = {start + 1} on): "
            + ", ".join(factors) + ".")


def adding_gradients_table(results_dir, quick=False):
    rows = [r for r in load(results_dir, "adding", quick) if "grad_norms_trained" in r]
    groups = collections.defaultdict(list)
    for row in rows:
        groups[(row["setting"], _label(row))].append(row)
    lines = []
    for (setting, label), group in sorted(groups.items()):
        far = setting - 1
        init = np.mean([r["grad_norms_init"][far] for r in group])
        # A diverged run has no trained gradients or radius to show.
        trained = [r["grad_norms_trained"][far] for r in group if r["grad_norms_trained"] is not None]
        radius = [r["recurrent_radius"]["trained"] for r in group if r.get("recurrent_radius", {}).get("trained") is not None]
        lines.append([label, setting, len(group), f"{init:.2e}", f"{np.mean(trained):.2e}" if trained else "–",
                      f"{np.mean(radius):.3f}" if radius else "–", mean_std([r["metric"] for r in group])])
    header = ["method (optimizer, lr)", "T", "seeds", "‖∂h_T/∂s_1‖ at init", "after training",
              "spectral radius of W after training", "test MSE"]
    return table(header, lines)


# --------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------
def _save(figure, name):
    PLOTS.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=PLOTS)
    os.close(handle)
    figure.savefig(temporary, dpi=80)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; a plot is for everyone
    os.replace(temporary, PLOTS / name)


def plot_all(results_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    spectra = load(results_dir, "spectra")
    if spectra:
        first = {r["method"]: r for r in spectra if r["seed"] == min(s["seed"] for s in spectra)}
        figure, axes = plt.subplots(1, len(first), figsize=(3.2 * len(first), 3.2))
        circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
        for axis, (name, row) in zip(np.atleast_1d(axes), first.items()):
            axis.plot(circle.real, circle.imag, lw=0.8, color="grey")
            axis.scatter(row["real"], row["imag"], s=6)
            axis.set(title=name, aspect="equal", xlim=(-1.3, 1.3), ylim=(-1.3, 1.3))
        figure.suptitle(f"Eigenvalues of the {row['setting']}×{row['setting']} recurrent matrix at initialisation")
        figure.tight_layout()
        _save(figure, "spectra.png")
        made.append("spectra.png")
    gradients = load(results_dir, "gradients")
    # After training: the T = 200 rows at the rates the text discusses (Adam 1e-3 and 1e-4); the grid's
    # other rates would bury them, and a diverged run has no trained gradient to draw.
    trained = [r for r in load(results_dir, "adding") if r.get("grad_norms_trained") is not None and r["setting"] == 200
               and r["config"]["learning_rate"] in (1e-3, 1e-4)]
    if gradients:
        figure, axes = plt.subplots(1, 2 if trained else 1, figsize=(11 if trained else 6, 4), squeeze=False)
        _gradient_panel(axes[0, 0], gradients, "grad_norms_init", f"at initialisation (adding-problem inputs, T = {gradients[0]['setting']})")
        if trained:
            _gradient_panel(axes[0, 1], trained, "grad_norms_trained", "after training on the adding problem, T = 200")
        figure.tight_layout()
        _save(figure, "gradient_norms.png")
        made.append("gradient_norms.png")
    memory = load(results_dir, "memory")
    if memory:
        figure, axis = plt.subplots(figsize=(6, 4))
        for leak in sorted({r["leak_rate"] for r in memory}, reverse=True):
            radii = sorted({r["spectral_radius"] for r in memory if r["leak_rate"] == leak})
            means = [np.mean([r["metric"] for r in memory if r["leak_rate"] == leak and r["spectral_radius"] == rho]) for rho in radii]
            axis.plot(radii, means, marker="o", label=f"leak rate {leak:g}")
        axis.set(xlabel="spectral radius", ylabel="memory capacity", title=f"ESN memory capacity, {memory[0]['units']} units")
        axis.legend()
        figure.tight_layout()
        _save(figure, "memory_capacity.png")
        made.append("memory_capacity.png")
    # Rows of a learning-rate grid have their own figure (`_grid_plots`); these show the rest.
    in_grid = {row_key(row) for ranked in learning_rate_trials(results_dir, "adding").values() if len(ranked) > 1
               for _, group in ranked for row in group}
    adding = [r for r in load(results_dir, "adding") if row_key(r) not in in_grid]
    for length in sorted({r["setting"] for r in adding}):
        labels = {_label(r) for r in adding if r["setting"] == length}
        figure, axis = plt.subplots(figsize=(9.5, max(4.0, 0.2 * len(labels) + 1.0)))  # room for the legend
        axis.set_prop_cycle(color=plt.cm.tab20.colors)  # up to 20 labels without a repeated colour
        colors = {}
        for row in (r for r in adding if r["setting"] == length):
            steps, values = zip(*row["curve"])
            values = np.array([np.nan if v is None else v for v in values])
            label = _label(row)
            line = axis.plot(steps, values, color=colors.get(label), lw=1, label=None if label in colors else label)
            colors[label] = line[0].get_color()
            if row.get("stopped_by") == "diverged":  # a cross where the run stopped
                last = np.flatnonzero(np.isfinite(values))[-1]
                axis.plot(steps[last], values[last], "x", color=colors[label], ms=6)
        axis.axhline(1 / 6, color="grey", ls="--", lw=0.8, label="answer 1 (0.167)")
        axis.axhline(0.01, color="grey", ls=":", lw=0.8, label="MSE 0.01")
        axis.set(yscale="log", xlabel="training step", ylabel="test MSE", title=f"Adding problem, T = {length}")
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: long runs reach the corner
        figure.tight_layout()
        _save(figure, f"adding_T{length}.png")
        made.append(f"adding_T{length}.png")
    made += _grid_plots(plt, results_dir)
    saliency = [r for r in load(results_dir, "saliency") if r["config"]["steps"] == suite.FULL["saliency"]["steps"]]
    if saliency:
        _saliency_plot(plt, saliency)
        made.append("saliency.png")
    plt.close("all")
    return made


def _saliency_plot(plt, rows):
    first = {}
    for row in rows:
        first.setdefault(row["method"], row)
    figure, axes = plt.subplots(len(first) + 1, 1, figsize=(12, 1.3 * len(first) + 3))
    for axis, (method, row) in zip(axes, first.items()):
        values = np.asarray(row["example_saliency"])
        # Log colour scale: saliency falls by orders of magnitude within a few characters.
        axis.imshow(np.log10(np.maximum(values / values.max(), 1e-4))[None, :], aspect="auto", cmap="Reds", vmin=-4, vmax=0)
        text = row["example_text"][:-1]
        axis.set_xticks(range(len(text)), [c if c != "\n" else "⏎" for c in text], fontsize=6, family="monospace")
        axis.set_yticks([])
        axis.set_title(f"{method}: saliency of each character for predicting {row['example_text'][-1]!r} (log colour scale, 4 decades)", fontsize=9)
    profile_axis = axes[-1]
    for method in first:
        profiles = np.stack([r["profile"] for r in rows if r["method"] == method])
        mean = profiles.mean(axis=0)[::-1]
        profile_axis.plot(np.arange(1, len(mean) + 1), mean, label=method)
    profile_axis.set(yscale="log", xlabel="characters back from the prediction", ylabel="share of saliency")
    profile_axis.legend(fontsize=8)
    figure.tight_layout()
    _save(figure, "saliency.png")


def saliency_table(results_dir):
    spec = suite.FULL["saliency"]
    rows = [r for r in load(results_dir, "saliency") if r["config"]["steps"] == spec["steps"]]
    groups = collections.defaultdict(list)
    for row in rows:
        groups[row["method"]].append(row)
    lines = []
    for method, group in groups.items():
        steps = group[0]["steps"]
        lines.append([
            method, len(group), "zoo (34 min, 2,340 steps)" if steps is None else steps,
            mean_std([r["validation_loss"] for r in group]),
            mean_std([r["reach"]["10"] for r in group]), mean_std([r["reach"]["30"] for r in group]),
            f"{np.mean([r['wall_s'] for r in group]):.0f}",
        ])
    note = (
        f"Small models: embedding 32, one layer of {spec['units']} units, Adam lr {spec['learning_rate']:g}, batch "
        f"{spec['batch_size']} windows of {spec['seq_len']} characters, {spec['steps']} steps; saliency over "
        f"{spec['windows']} validation windows of {spec['seq_len']} characters. "
        "Command: `python -m benchmarks.long_term.run --tasks saliency`."
    )
    return "\n\n".join([table(["model", "seeds", "training steps", "validation loss (nats/char)",
                               "saliency share > 10 chars back", "> 30 chars back", "wall s"], lines), note, machine_note(rows)])


def _grid_plots(plt, results_dir, task="adding"):
    """plots/adding_grid_T{T}.png: one panel per method (and budget) with every learning rate of
    its grid, each seed a line; the chosen rate thick. What shows whether the budget, rather
    than the method, ended a run: a curve still falling at the cap."""
    made = []
    grids = {key: ranked for key, ranked in learning_rate_trials(results_dir, task).items() if len(ranked) > 1}
    for setting in sorted({key[1] for key in grids}, key=int):
        panels = [(key, ranked) for key, ranked in grids.items() if key[1] == setting]
        columns = min(4, len(panels))
        rows = -(-len(panels) // columns)
        figure, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.9 * rows), sharey=True, squeeze=False)
        trials = sorted({trial for _, ranked in panels for trial, _ in ranked})
        colors = {trial: f"C{k % 10}" for k, trial in enumerate(trials)}  # one colour per rate in every panel
        for axis, ((method, _, (max_steps, units)), ranked) in zip(axes.flat, panels):
            for (optimizer, lr), group in sorted(ranked, key=lambda trial: trial[0]):
                chosen = (optimizer, lr) == ranked[0][0]
                color = colors[(optimizer, lr)]
                for k, row in enumerate(group):
                    steps, values = zip(*row["curve"])
                    values = np.array([np.nan if v is None else v for v in values])
                    axis.plot(steps, values, color=color, lw=2.2 if chosen else 0.9,
                              label=f"{optimizer} {lr:g}" + (" (chosen)" if chosen else "") if k == 0 else None)
            axis.axhline(1 / 6, color="grey", ls="--", lw=0.8)
            axis.axhline(suite.SOLVED_AT[task], color="grey", ls=":", lw=0.8)
            axis.set(yscale="log", title=f"{method} ({max_steps} steps, {units} units)", xlabel="training step")
            axis.title.set_fontsize(9)
            axis.legend(fontsize=6, loc="lower left")
        for axis in list(axes.flat)[len(panels):]:
            axis.set_visible(False)
        for axis in axes[:, 0]:
            axis.set_ylabel("test MSE")
        figure.suptitle(f"Adding problem, T = {setting}: every learning rate tried (dashed: answer 1; dotted: solved)")
        figure.tight_layout()
        _save(figure, f"adding_grid_T{setting}.png")
        made.append(f"adding_grid_T{setting}.png")
    return made


def _label(row):
    """Method, with its optimizer and learning rate where the row is a trained one."""
    config = row["config"]
    if "learning_rate" not in config:
        return row["method"]
    spec = (suite.QUICK if row.get("quick") else suite.FULL)[row["task"]]
    budget = "" if config["max_steps"] == spec.max_steps else f", cap {config['max_steps']} steps"
    return f"{row['method']} ({config.get('optimizer', 'adam')} {config['learning_rate']:g}, {config['units']} units{budget})"


def _gradient_panel(axis, rows, field, title):
    colors = {}
    for row in rows:
        norms = np.asarray(row[field])
        label = _label(row)
        line = axis.plot(np.arange(1, len(norms) + 1), np.maximum(norms, 1e-30), lw=1, color=colors.get(label),
                         label=None if label in colors else label)
        colors[label] = line[0].get_color()
    axis.set(yscale="log", xlabel="T − k (steps back)", ylabel="‖vᵀ ∂h_T/∂s_k‖", title=title, ylim=(1e-20, 1e2))
    axis.legend(fontsize=8)


# --------------------------------------------------------------------------
# RESULTS.md
# --------------------------------------------------------------------------
def sections(results_dir, second_wave_dir=SECOND_WAVE_DIR):
    return {
        "adding": trained_table(results_dir, "adding"),
        "adding-gradients": adding_gradients_table(results_dir),
        "reber": trained_table(results_dir, "reber"),
        "timing": trained_table(results_dir, "timing"),
        "digits": trained_table(results_dir, "digits"),
        **{name: trained_table(results_dir, name) for name in ("reber_next", "copy", "msd", "gts")},
        # adding: only where a grid was run (its single-rate rows are all in the table above)
        "adding-best-lr": best_learning_rates(results_dir, "adding", min_trials=2),
        **{f"{name}-best-lr": best_learning_rates(results_dir, name) for name in ("reber_next", "copy", "msd", "gts", "digits")},
        "memory": memory_table(results_dir),
        "deep_memory": deep_memory_table(results_dir),
        "clipping": clipping_table(results_dir),
        "spectra": spectra_table(results_dir),
        "gradients": gradients_table(results_dir),
        "gradients-decay": gradient_decay(results_dir),
        "saliency": saliency_table(results_dir),
        "quick": quick_table(results_dir),
        "quick-adding": trained_table(results_dir, "adding", quick=True),
        "quick-adding-gradients": adding_gradients_table(results_dir, quick=True),
        **second_wave_sections(second_wave_dir),
    }


def second_wave_sections(results_dir=SECOND_WAVE_DIR):
    """Each second-wave script's table (`NAME`) and its commentary (`NAME-prose`, the script's PROSE)."""
    out = {}
    for name in SECOND_WAVE:
        module = importlib.import_module(f"benchmarks.{name}")
        out[name] = module.table(results_dir)
        out[f"{name}-prose"] = module.PROSE.strip()
    return out


def quick_table(results_dir):
    lines, total = [], 0.0
    for task in suite.TASKS:
        rows = [r for r in load(results_dir, task, quick=True) if _in_suite(r, suite.QUICK[task])]
        seconds = sum(r["wall_s"] for r in rows)
        total += seconds
        summary = "; ".join(f"{r['method']} {r['metric_name']} {_value(r['metric'])}" for r in rows[:8]) if rows else "**not run**"
        lines.append([task, len(rows), f"{seconds:.0f}", summary])
    return table(["task", "rows", "row seconds (sum)", "results"], lines) + f"\n\nSum of the rows' wall times: {total:.0f} s."


def _value(metric):
    return "diverged" if metric is None else f"{metric:.3g}"


def _in_suite(row, spec):
    """Whether a trained row was run with the suite's own budget (not an override)."""
    if not isinstance(spec, suite.Trained):
        return True
    config = row["config"]
    return (config.get("optimizer", "adam"), config["learning_rate"], config["max_steps"], config["units"]) == (
        spec.optimizer, spec.learning_rate, spec.max_steps, spec.units)


def render(results_dir=RESULTS_DIR, template=TEMPLATE, output=OUTPUT, second_wave_dir=SECOND_WAVE_DIR):
    text = Path(template).read_text()
    for name, body in sections(results_dir, second_wave_dir).items():
        text = text.replace(f"<!-- {name} -->", body)
    handle, temporary = tempfile.mkstemp(suffix=".md", dir=Path(output).parent)
    with os.fdopen(handle, "w") as f:
        f.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, output)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results-dir", default=str(RESULTS_DIR))
    parser.add_argument("--second-wave-dir", default=str(SECOND_WAVE_DIR), help="results of section 9's scripts")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    render(args.results_dir, second_wave_dir=args.second_wave_dir)
    if not args.no_plots:
        print("plots:", ", ".join(plot_all(args.results_dir)))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
