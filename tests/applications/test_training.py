"""The shared training runner, each behaviour checked against an independent
reference: `model.fit`, a hand-computed clipped update, an uninterrupted run,
a single-process run for the multi-worker cluster."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import keras
from rnnzoo.applications.common.training import TrainingConfig, make_dataset, make_strategy, train
from tests.applications.multiworker_worker import (
    build_regression_model,
    regression_arrays,
    train_regression,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def quiet(**kwargs):
    return TrainingConfig(verbose=0, **kwargs)


def regression_data(batch_size=32, shuffle=True):
    x, y = regression_arrays()
    return make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=1)


def assert_weights_equal(a, b, tol=1e-6):
    assert len(a) == len(b)
    for wa, wb in zip(a, b):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=tol)


class RecordBatches(keras.callbacks.Callback):
    """(epoch, batch) of every finished step, and the weights at the start."""

    def __init__(self):
        super().__init__()
        self.steps, self.epoch = [], None

    def on_train_begin(self, logs=None):
        self.initial_weights = [np.array(w) for w in self.model.get_weights()]

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append((self.epoch, batch))


class Interrupt(Exception):
    pass


class InterruptAfter(keras.callbacks.Callback):
    """Stands for a killed run: raises after `steps` steps of this run."""

    def __init__(self, steps):
        super().__init__()
        self.remaining = steps

    def on_train_batch_end(self, batch, logs=None):
        self.remaining -= 1
        if self.remaining == 0:
            raise Interrupt()


def test_train_matches_model_fit_and_learns():
    # Unshuffled: `fit` draws a new order per epoch differently from the
    # runner's single repeated stream; the arithmetic is what is compared.
    config = quiet(epochs=3, learning_rate=0.05, clipnorm=None)
    model, history = train(lambda: build_regression_model("sgd"), regression_data(shuffle=False), config)

    keras.utils.set_random_seed(config.seed)
    reference = build_regression_model("sgd", learning_rate=0.05)
    expected = reference.fit(regression_data(shuffle=False), epochs=3, shuffle=False, verbose=0).history

    assert sorted(history) == sorted(expected) == ["loss", "mae"]
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-4)
    np.testing.assert_allclose(history["mae"], expected["mae"], rtol=1e-4)
    assert_weights_equal(model.get_weights(), reference.get_weights(), tol=1e-5)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    # The returned model is compiled and keeps training with Keras's own fit.
    model.fit(regression_data(), epochs=1, shuffle=False, verbose=0)


def test_validation_logs_match_model_evaluate():
    model, history = train(
        build_regression_model, regression_data(), quiet(epochs=2),
        validation_data=regression_data(batch_size=64, shuffle=False),
    )
    expected = model.evaluate(regression_data(batch_size=64, shuffle=False), verbose=0, return_dict=True)
    assert len(history["val_loss"]) == 2
    assert history["val_loss"][-1] == pytest.approx(expected["loss"], rel=1e-5)
    assert history["val_mae"][-1] == pytest.approx(expected["mae"], rel=1e-5)


def test_one_clipped_step_equals_the_hand_computed_update():
    clipnorm, learning_rate = 0.1, 0.5
    data = regression_data(shuffle=False).take(1)
    recorder = RecordBatches()
    model, _ = train(
        lambda: build_regression_model("sgd"), data,
        quiet(learning_rate=learning_rate, clipnorm=clipnorm), callbacks=[recorder],
    )
    assert model.optimizer.global_clipnorm == clipnorm

    twin = build_regression_model()
    twin.set_weights(recorder.initial_weights)
    x, y = next(iter(data))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(twin(x) - y))
    grads = tape.gradient(loss, twin.trainable_variables)
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    assert norm > clipnorm  # so the clipping is exercised
    expected = [w - learning_rate * clipnorm / norm * np.array(g) for w, g in zip(recorder.initial_weights, grads)]
    assert_weights_equal(model.get_weights(), expected, tol=1e-6)


def test_learning_rate_schedule_warms_up_then_follows_cosine():
    rates = []

    class RecordRate(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(float(self.model.optimizer.learning_rate))

    train(build_regression_model, regression_data(), quiet(
        epochs=2, learning_rate=0.1, lr_schedule="cosine", warmup_steps=4,
    ), callbacks=[RecordRate()])
    total, warmup = 16, 4
    expected = [0.1 * step / warmup if step < warmup
                else 0.05 * (1 + np.cos(np.pi * (step - warmup) / (total - warmup)))
                for step in range(total)]
    np.testing.assert_allclose(rates, expected, rtol=1e-5, atol=1e-7)


def test_resume_after_interruption_equals_an_uninterrupted_run(tmp_path):
    def run(checkpoint_dir, callbacks):
        # As in a fresh process: the same global seed when the data is made.
        keras.utils.set_random_seed(1)
        config = quiet(epochs=3, steps_per_epoch=5, checkpoint_dir=str(checkpoint_dir), checkpoint_every=4)
        return train(build_regression_model, regression_data(), config, callbacks=callbacks)[0]

    uninterrupted = run(tmp_path / "straight", [])

    with pytest.raises(Interrupt):
        run(tmp_path / "resumed", [InterruptAfter(10)])  # checkpoints at steps 4 and 8
    recorder = RecordBatches()
    resumed = run(tmp_path / "resumed", [recorder])

    # Step 8 is epoch 1's fourth batch; the run goes on from there to step 15.
    assert recorder.steps[0] == (1, 3) and len(recorder.steps) == 7
    assert tf.train.latest_checkpoint(str(tmp_path / "resumed")).endswith("ckpt-15")
    assert_weights_equal(resumed.get_weights(), uninterrupted.get_weights(), tol=1e-6)
    assert int(resumed.optimizer.iterations) == 15


def test_terminate_on_nan_stops_and_keeps_the_last_finite_checkpoint(tmp_path):
    x, y = regression_arrays(samples=320)
    x[3 * 32] = np.nan  # poisons the fourth batch
    recorder = RecordBatches()
    config = quiet(epochs=1, checkpoint_dir=str(tmp_path), checkpoint_every=1)
    train(build_regression_model, make_dataset(x, y, 32, shuffle=False), config, callbacks=[recorder])

    assert len(recorder.steps) == 4  # of 10: stopped at the poisoned step
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-3")
    restored = build_regression_model()
    tf.train.Checkpoint(model=restored).restore(tf.train.latest_checkpoint(str(tmp_path))).expect_partial()
    assert all(np.all(np.isfinite(w)) for w in restored.get_weights())


@pytest.mark.parametrize(
    "field, value",
    [("epochs", 0), ("steps_per_epoch", -1), ("checkpoint_every", 0), ("strategy", "tpu"),
     ("lr_schedule", "step"), ("warmup_steps", -2), ("clipnorm", 0.0), ("mixed_precision", "maybe")],
)
def test_bad_config_is_refused_naming_field_and_value(field, value):
    with pytest.raises(ValueError, match=rf"`{field}`.*{field}={value!r}"):
        TrainingConfig(**{field: value})


def test_bad_data_and_strategy_names_are_refused():
    empty = regression_data().take(0)
    with pytest.raises(ValueError, match="`train_data`.*0 batches"):
        train(build_regression_model, empty, quiet())
    with pytest.raises(ValueError, match="`steps_per_epoch`.*infinite"):
        train(build_regression_model, regression_data().repeat(), quiet())
    with pytest.raises(ValueError, match="`strategy`.*'tpu'"):
        make_strategy("tpu")


def test_mirrored_strategy_runs_with_one_replica_on_cpu():
    model, history = train(build_regression_model, regression_data(), quiet(strategy="mirrored"))
    assert make_strategy("mirrored").num_replicas_in_sync >= 1
    assert np.isfinite(history["loss"][0])


def test_mixed_precision_on_wraps_a_loss_scale_optimizer_and_tracks_float32():
    def run(mixed_precision):
        keras.utils.set_random_seed(0)  # the same shuffle order for both runs
        config = quiet(epochs=2, learning_rate=0.05, mixed_precision=mixed_precision)
        return train(build_regression_model, regression_data(), config)

    _, expected = run("off")
    model, history = run("on")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.dtype_policy.name == "mixed_float16"
    assert keras.mixed_precision.global_policy().name == "float32"  # not leaked
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=2e-2)


def test_tensorboard_logs_train_and_validation_scalars(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train(build_regression_model, regression_data(), quiet(log_dir=str(tmp_path)),
          validation_data=regression_data(shuffle=False))
    for run in ("train", "validation"):
        events = EventAccumulator(str(tmp_path / run))
        events.Reload()
        assert {"epoch_loss", "epoch_mae"} <= set(events.Tags()["tensors"])


def test_log_dir_without_tensorboard_fails_before_training(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorboard" else real_find_spec(name, *a))
    with pytest.raises(ImportError, match="pip install tensorboard"):
        train(build_regression_model, regression_data(), quiet(log_dir="unused"))


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_on_localhost_end_with_identical_weights(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    workers = []
    for index in range(2):
        env = dict(
            os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
            TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
        )
        command = [sys.executable, "-m", "tests.applications.multiworker_worker",
                   str(tmp_path / f"worker{index}.npz"), str(tmp_path / "checkpoints")]
        workers.append(subprocess.Popen(command, cwd=REPO_ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-3000:]

    results = [np.load(tmp_path / f"worker{index}.npz") for index in range(2)]
    weights = [[result[f"arr_{i}"] for i in range(len(result.files))] for result in results]
    assert_weights_equal(weights[0], weights[1], tol=0.0)
    half = len(weights[0]) // 2
    initial, final = weights[0][:half], weights[0][half:]
    assert max(np.abs(a - b).max() for a, b in zip(initial, final)) > 0.1

    # Two workers on half batches each do what one process does on the whole
    # batch, global-norm clipping included.
    expected_initial, expected_final = train_regression("default")
    assert_weights_equal(initial, expected_initial, tol=0.0)
    assert_weights_equal(final, expected_final, tol=1e-5)
    # Only the chief (worker 0) wrote to the real checkpoint folder.
    assert tf.train.latest_checkpoint(str(tmp_path / "checkpoints")).endswith("ckpt-6")


def test_a_schedule_and_checkpoints_work_together(tmp_path):
    # Regression: swapping the optimizer's float rate for a schedule used to
    # untrack a variable, after which the checkpoint could not be written.
    config = quiet(epochs=2, steps_per_epoch=4, lr_schedule="cosine", warmup_steps=2,
                   checkpoint_dir=str(tmp_path), checkpoint_every=3)
    model, _ = train(build_regression_model, regression_data(), config)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("ckpt-8")
    assert int(model.optimizer.iterations) == 8


def test_a_model_compiled_for_xla_trains_like_one_without():
    def build(jit):
        def builder():
            model = build_regression_model()
            model.compile(model.optimizer, model.loss, jit_compile=jit)
            return model
        return builder

    weights = []
    for jit in (False, True):
        keras.utils.set_random_seed(3)
        model, _ = train(build(jit), regression_data(), quiet(epochs=1, steps_per_epoch=6))
        weights.append(model.get_weights())
    assert_weights_equal(weights[0], weights[1], tol=1e-5)
