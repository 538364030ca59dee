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
import time

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


def evaluate(model, x, y, metric):
    """The test metric: "mse" (regression) or "accuracy" (classes from logits)."""
    predictions = model.predict(x, batch_size=500, verbose=0)
    if metric == "mse":
        return float(np.mean((predictions - y) ** 2))
    return float(np.mean(np.argmax(predictions, axis=-1) == y))


def reached(value, target, metric):
    if target is None:
        return False
    return value <= target if metric == "mse" else value >= target


def train_and_evaluate(
    model, train_chunk, test_data, metric, batch_size, max_steps, eval_every, stop_at=None, log=None, time_limit=None
):
    """Train `model` for up to `max_steps` steps; `train_chunk(index)` returns the
    (x, y) arrays of chunk `index`, `eval_every × batch_size` sequences."""
    start = time.perf_counter()
    x_test, y_test = test_data
    curve = [(0, evaluate(model, x_test, y_test, metric))]
    steps, solved_at, out_of_time, diverged = 0, None, False, False
    while steps < max_steps and solved_at is None and not out_of_time and not diverged:
        x, y = train_chunk(steps // eval_every)
        chunk_steps = min(eval_every, max_steps - steps)
        n = chunk_steps * batch_size
        model.fit(x[:n], y[:n], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        steps += chunk_steps
        value = evaluate(model, x_test, y_test, metric)
        diverged = not np.isfinite(value)
        curve.append((steps, None if diverged else value))
        if log is not None:
            log(f"  {model.name} step {steps}: test {metric} {value:.4g} ({time.perf_counter() - start:.0f} s)")
        if reached(value, stop_at, metric):
            solved_at = steps
        out_of_time = time_limit is not None and time.perf_counter() - start > time_limit
    return Outcome(
        metric=curve[-1][1],
        steps=steps,
        sequences=steps * batch_size,
        curve=curve,
        steps_to_solve=solved_at,
        seconds=time.perf_counter() - start,
        stopped_by=_stop_reason(solved_at, diverged, steps, max_steps),
    )


def _stop_reason(solved_at, diverged, steps, max_steps):
    if diverged:
        return "diverged"
    if solved_at is not None:
        return "solved"
    return "max steps" if steps >= max_steps else "time limit"
