"""Train one model on a task with fresh batches, evaluating as it goes.

Training data comes in chunks of `eval_every` steps from `task.train_chunk`
(fresh sequences for the synthetic tasks, one shuffled pass over the fixed
training set for the digits); after each chunk the model is evaluated on the
fixed test set. Training stops at `max_steps` or as soon as the test metric
reaches the task's `stop_at` level (the task is solved: more steps would only
spend CPU time), or as soon as the test metric is not finite: the run
diverged, which is a result to report, not an error.
"""

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import keras
import numpy as np


@dataclasses.dataclass
class Outcome:
    metric: float | None  # the test metric when training stopped; None if the run diverged
    steps: int  # training steps taken
    sequences: int  # training sequences seen (steps × batch)
    curve: list  # [(step, test metric or None once diverged), ...], step 0 = before training
    steps_to_solve: int | None  # first evaluation at the `stop_at` level, None if never
    seconds: float  # wall-clock seconds of training and evaluation
    stopped_by: str  # "solved", "max steps", "time limit" or "diverged"


def evaluate(model, test_data, metric):
    """The test metric on `test_data` = (x, y) or (x, y, mask): "mse"
    (regression), "accuracy" (classes from logits), or a function
    `metric(predictions, y[, mask])` of the task's own (higher is better)."""
    x, *targets = test_data
    predictions = model.predict(x, batch_size=500, verbose=0)
    if not np.isfinite(predictions).all():
        return float("nan")
    if callable(metric):
        return float(metric(predictions, *targets))
    y = targets[0]
    if metric == "mse":
        return float(np.mean((predictions - y) ** 2))
    return float(np.mean(np.argmax(predictions, axis=-1) == y))


def reached(value, target, metric):
    if target is None:
        return False
    return value <= target if metric == "mse" else value >= target


def train_and_evaluate(
    model, train_chunk, test_data, metric, batch_size, max_steps, eval_every, stop_at=None, log=None, time_limit=None,
    callbacks=None, checkpoint=None,
):
    """Train `model` for up to `max_steps` steps; `train_chunk(index)` returns the
    (x, y) or (x, y, per-step weights) arrays of chunk `index`, `eval_every ×
    batch_size` sequences.

    With a `checkpoint` (a `Checkpoint`), the state after every evaluation is
    saved, and a run that finds one resumes from it: chunks depend only on
    their index, so a resumed run sees the batches an unbroken one would.
    `time_limit` counts this call's seconds; `Outcome.seconds` all of them."""
    start = time.perf_counter()
    norms = [c for c in callbacks or () if isinstance(c, GradientNorms)]
    state = checkpoint.restore(model) if checkpoint is not None else None
    if state is None:
        curve, steps, solved_at, earlier = [(0, evaluate(model, test_data, metric))], 0, None, 0.0
    else:
        curve = [tuple(point) for point in state["curve"]]
        steps, solved_at, earlier = state["steps"], state["steps_to_solve"], state["seconds"]
        for callback in norms:
            callback.norms = list(state["grad_norms"])
        if log is not None:
            log(f"  {model.name} resumed at step {steps} from {checkpoint.directory}")
    out_of_time, diverged = False, False
    while steps < max_steps and solved_at is None and not out_of_time and not diverged:
        x, y, *weights = train_chunk(steps // eval_every)
        chunk_steps = min(eval_every, max_steps - steps)
        n = chunk_steps * batch_size
        weights = weights[0][:n] if weights else None
        model.fit(x[:n], y[:n], sample_weight=weights, batch_size=batch_size, epochs=1, shuffle=False, verbose=0,
                  callbacks=callbacks)
        steps += chunk_steps
        value = evaluate(model, test_data, metric)
        diverged = not np.isfinite(value)
        curve.append((steps, None if diverged else value))
        if log is not None:
            name = metric if isinstance(metric, str) else "score"
            log(f"  {model.name} step {steps}: test {name} {value:.4g} ({time.perf_counter() - start:.0f} s)")
        if reached(value, stop_at, metric):
            solved_at = steps
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
        if checkpoint is not None and not diverged:
            checkpoint.save(model, {
                "steps": steps, "curve": curve, "steps_to_solve": solved_at,
                "seconds": earlier + time.perf_counter() - start,
                "grad_norms": norms[0].norms if norms else [],
            })
    return Outcome(
        metric=curve[-1][1],
        steps=steps,
        sequences=steps * batch_size,
        curve=curve,
        steps_to_solve=solved_at,
        seconds=earlier + time.perf_counter() - start,
        stopped_by=_stop_reason(solved_at, diverged, steps, max_steps),
    )


def _stop_reason(solved_at, diverged, steps, max_steps):
    if diverged:
        return "diverged"
    if solved_at is not None:
        return "solved"
    return "max steps" if steps >= max_steps else "time limit"


class Checkpoint:
    """One row's training state on disk: weights, optimizer slots and progress.

    Written to a fresh folder and renamed over the old one, so a run killed
    while saving leaves the previous checkpoint whole."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def save(self, model, state):
        partial = self.directory.with_name(self.directory.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        model.save_weights(partial / "model.weights.h5")  # the optimizer's slots and step count too
        (partial / "state.json").write_text(json.dumps(state))
        old = self.directory.with_name(self.directory.name + ".old")
        if self.directory.exists():
            os.replace(self.directory, old)
        os.replace(partial, self.directory)
        shutil.rmtree(old, ignore_errors=True)

    def restore(self, model):
        """Load the saved state into `model` (built and compiled as when it was
        saved) and return the progress, or None when there is no checkpoint."""
        if not (self.directory / "state.json").exists():
            return None
        model.optimizer.build(model.trainable_variables)  # else Keras skips the saved optimizer variables
        model.load_weights(self.directory / "model.weights.h5")
        return json.loads((self.directory / "state.json").read_text())

    def remove(self):
        shutil.rmtree(self.directory, ignore_errors=True)


class GradientNorms(keras.callbacks.Callback):
    """Collects the `grad_norm` of every training step (models.GradientNormModel)."""

    SPIKE = 10.0  # a step whose gradient norm is 10x the run's median counts as a spike

    def __init__(self):
        super().__init__()
        self.norms = []

    def on_train_batch_end(self, batch, logs=None):
        self.norms.append(float(logs["grad_norm"]))

    def summary(self, every):
        """Median and max per `every` steps, the run's median, and its spikes (steps from 1)."""
        norms = np.asarray(self.norms)
        finite = norms[np.isfinite(norms)]
        median = float(np.median(finite)) if len(finite) else None
        # Every step is a spike when no step had a finite norm.
        spikes = np.arange(len(norms)) if median is None else np.flatnonzero(~np.isfinite(norms) | (norms > self.SPIKE * median))
        chunks = [norms[i : i + every] for i in range(0, len(norms), every)]
        return {
            "median": median,
            "max": float(finite.max()) if len(finite) else None,
            "chunk_median": [float(f"{np.median(c):.4g}") for c in chunks],
            "chunk_max": [float(f"{c.max():.4g}") for c in chunks],
            "spikes": len(spikes),
            "largest": [[int(i) + 1, float(f"{norms[i]:.4g}")] for i in np.argsort(-np.nan_to_num(norms, nan=np.inf))[:5]],
        }
