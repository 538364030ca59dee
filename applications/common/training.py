"""The shared training runner: one `train` call that every application uses.

What it adds to a compiled Keras model:

- deterministic input pipelines (`make_dataset`) and seeding;
- checkpoints every N steps and exact resume: the checkpoint holds the model,
  the optimizer (its slots and iteration count, which drives the learning-rate
  schedule) and the global step, and the data is one deterministic stream
  (`train_data.repeat()`) that a resumed run re-enters at the saved step, so a
  run killed and started again sees exactly the batches an uninterrupted run
  would have seen;
- gradient clipping by global norm on by default, `TerminateOnNaN`, a
  learning-rate schedule with warm-up, TensorBoard logs, Keras progress bars;
- `tf.distribute` strategies: "default", "mirrored", "multiworker".

Why a train step of our own instead of `model.fit`: Keras 3's `fit` fails under
`MultiWorkerMirroredStrategy` (https://github.com/keras-team/keras/issues/20585,
a `PerReplica` conversion error, reproduced with TF 2.21 / Keras 3.15), while
`strategy.run` over the model with `tf.GradientTape` and the Keras optimizer
works. The runner uses that one step for every strategy, so the single-device
path is the multi-worker path, and keeps Keras callbacks for everything else.

TensorFlow: this module needs it whatever the Keras backend (the runner is built on tf.distribute strategies, tf.data and tf.train checkpoints);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import dataclasses
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf

import keras
from rnnzoo.layers.base import check_positive_int

STRATEGIES = ("default", "mirrored", "multiworker")
LR_SCHEDULES = ("constant", "cosine")
MIXED_PRECISION = ("auto", "on", "off")
CHECKPOINTS_KEPT = 3


@dataclasses.dataclass
class TrainingConfig:
    """How `train` trains.

    Args:
        epochs: Positive integer, number of epochs.
        steps_per_epoch: Positive integer, or None for one pass over the
            (finite, known-cardinality) training dataset per epoch.
        learning_rate: Peak learning rate. It REPLACES the learning rate the
            application compiled its optimizer with (every other optimizer
            setting, e.g. Adam's betas or weight decay, is kept).
        lr_schedule: "constant", or "cosine" (cosine decay from
            `learning_rate` to 0 over all `epochs * steps_per_epoch` steps).
            Either one starts with `warmup_steps` of linear warm-up from 0.
        warmup_steps: Non-negative integer, steps of linear warm-up.
        clipnorm: Clip gradients to this global norm; None disables. Applied
            only when the application's optimizer sets no clipping of its own
            (`clipnorm`, `global_clipnorm` or `clipvalue`); it is stored on the
            optimizer as `global_clipnorm`, so a later `model.fit` clips too.
        checkpoint_dir: Folder for checkpoints; training resumes from the
            latest checkpoint there. None: no checkpoints.
        checkpoint_every: Positive integer, steps between checkpoints.
        log_dir: Folder for TensorBoard logs; None: no logs.
        strategy: "default" (one device), "mirrored" (all local GPUs, one
            replica on a CPU-only machine) or "multiworker" (driven by
            `TF_CONFIG`; see `make_strategy`).
        mixed_precision: "auto" (mixed_float16 when a GPU is present), "on"
            or "off".
        seed: Seed for weight initialisation and everything else Keras draws.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch (as `fit`).
    """

    epochs: int = 1
    steps_per_epoch: int | None = None
    learning_rate: float = 1e-3
    lr_schedule: str = "constant"
    warmup_steps: int = 0
    clipnorm: float | None = 1.0
    checkpoint_dir: str | None = None
    checkpoint_every: int = 500
    log_dir: str | None = None
    strategy: str = "default"
    mixed_precision: str = "auto"
    seed: int = 0
    verbose: int = 1

    def __post_init__(self):
        self.validate()

    def validate(self):
        """Raise ValueError naming the first bad field and its value."""
        check_positive_int("epochs", self.epochs)
        if self.steps_per_epoch is not None:
            check_positive_int("steps_per_epoch", self.steps_per_epoch)
        check_positive_int("checkpoint_every", self.checkpoint_every)
        check_positive_number("learning_rate", self.learning_rate)
        if self.clipnorm is not None:
            check_positive_number("clipnorm", self.clipnorm)
        if isinstance(self.warmup_steps, bool) or not isinstance(self.warmup_steps, int) or self.warmup_steps < 0:
            raise ValueError(
                f"Argument `warmup_steps` must be a non-negative integer. "
                f"Received: warmup_steps={self.warmup_steps!r}"
            )
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_choice("strategy", self.strategy, STRATEGIES)
        check_choice("mixed_precision", self.mixed_precision, MIXED_PRECISION)


def check_positive_number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"Argument `{name}` must be a positive number. Received: {name}={value!r}")


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"Argument `{name}` must be one of {choices}. Received: {name}={value!r}")


# --------------------------------------------------------------------------
# Strategies.
# --------------------------------------------------------------------------
_multiworker_strategy = None


def make_strategy(name):
    """The `tf.distribute.Strategy` called `name`.

    "multiworker" builds a `MultiWorkerMirroredStrategy` from `TF_CONFIG`.
    TensorFlow only allows that before the program runs any other TensorFlow
    operation, so a multi-worker script calls `make_strategy("multiworker")`
    first thing; the instance is kept and `train` reuses it.

    Args:
        name: "default", "mirrored" or "multiworker".
    """
    global _multiworker_strategy
    check_choice("strategy", name, STRATEGIES)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
        return tf.distribute.MirroredStrategy(gpus or ["/cpu:0"])
    if _multiworker_strategy is None:
        try:
            _multiworker_strategy = tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as error:
            raise RuntimeError(
                "MultiWorkerMirroredStrategy must be created before any other TensorFlow "
                "operation: call applications.common.training.make_strategy('multiworker') "
                f"at the top of the training script. TensorFlow said: {error}"
            ) from error
    return _multiworker_strategy


def is_chief(strategy):
    """Whether this process writes the real checkpoints and logs: always,
    except for the non-chief workers of a multi-worker cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return resolver.task_type == "chief" or (
        not has_chief and resolver.task_type == "worker" and resolver.task_id == 0
    )


def _writable_dir(real_dir, chief, scratch, kind):
    """The real folder on the chief; a private scratch folder on other
    workers, who must still write (saving is a collective step) but whose
    copies nobody reads (the documented MultiWorkerMirroredStrategy pattern)."""
    if real_dir is None or chief:
        return real_dir
    return os.path.join(scratch, kind)


# --------------------------------------------------------------------------
# Data.
# --------------------------------------------------------------------------
def make_dataset(x, y, batch_size, shuffle=True, seed=0, drop_remainder=True):
    """A `tf.data.Dataset` of (x, y) batches from arrays: shuffled (a new,
    seed-determined order each pass), batched, prefetched.

    The order depends only on `seed`, on the global seed in force when the
    dataset is made (tf.data's rule: seed with `keras.utils.set_random_seed`
    before making the data) and on how many passes were made, so a resumed
    run that re-enters the stream at the same step sees the same data.

    Args:
        x: Array (or nested structure of arrays) of inputs, first axis samples.
        y: Array of targets, first axis samples.
        batch_size: Positive integer, the global batch size.
        shuffle: Whether to shuffle (over the whole array).
        seed: Integer seed of the shuffle.
        drop_remainder: Drop the last partial batch, so every step (and every
            replica) sees a full batch.
    """
    check_positive_int("batch_size", batch_size)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    samples = int(dataset.cardinality())
    if samples == 0:
        raise ValueError(f"Argument `x` must hold at least one sample. Received: x with {samples} samples")
    if shuffle:
        dataset = dataset.shuffle(samples, seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


def _steps_per_epoch(train_data, steps_per_epoch):
    """Steps in one epoch: the configured number, else one pass."""
    cardinality = int(train_data.cardinality())
    if cardinality == 0:
        raise ValueError("Argument `train_data` must not be empty. Received: train_data with 0 batches")
    if steps_per_epoch is not None:
        return steps_per_epoch
    if cardinality == tf.data.INFINITE_CARDINALITY:
        raise ValueError("Argument `steps_per_epoch` must be set for an infinite train_data. Received: steps_per_epoch=None")
    if cardinality == tf.data.UNKNOWN_CARDINALITY:
        raise ValueError(
            "Argument `steps_per_epoch` must be set when train_data's length is unknown "
            "(e.g. after `filter`; or declare it with tf.data.experimental.assert_cardinality). "
            "Received: steps_per_epoch=None"
        )
    return cardinality


def _example_batch(train_data):
    """Zeros shaped like one (x, y) batch (unknown sizes set to 1), to build
    what is not built yet without touching the data stream."""
    x_spec, y_spec, _ = keras.utils.unpack_x_y_sample_weight(train_data.element_spec)
    return tf.nest.map_structure(
        lambda spec: tf.zeros([d or 1 for d in spec.shape], spec.dtype), (x_spec, y_spec)
    )


def _build_loss_and_metrics(model, loss_tracker, strategy, example_batch):
    """Create the compiled loss's and metrics' variables now, once per replica.

    Keras creates them at their first use; inside the compiled step that
    means creating variables in a `tf.function`, which fails with several
    local replicas (an uninitialised placeholder in TensorFlow's lifted
    initialisation). `model.fit` avoids it the same way, by building first.
    """
    def update_once(x, y):
        y_pred = model(x, training=False)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
        loss_tracker.update_state(loss)
        model.compute_metrics(x, y, y_pred)

    strategy.run(update_once, args=example_batch)
    _reset_metrics(model, loss_tracker)


# --------------------------------------------------------------------------
# Optimizer set-up.
# --------------------------------------------------------------------------
def _inner_optimizer(optimizer):
    """The optimizer that holds the settings (a LossScaleOptimizer wraps one)."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def _set_clipping(optimizer, clipnorm):
    """Clip by global norm unless the application chose its own clipping."""
    inner = _inner_optimizer(optimizer)
    if clipnorm is not None and not (inner.clipnorm or inner.global_clipnorm or inner.clipvalue):
        inner.global_clipnorm = float(clipnorm)


def learning_rate_schedule(config, total_steps):
    """The learning rate as a float (constant, no warm-up) or a Keras schedule."""
    if config.lr_schedule == "constant" and config.warmup_steps == 0:
        return float(config.learning_rate)
    warmup = config.warmup_steps > 0
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup else config.learning_rate,
        decay_steps=max(total_steps - config.warmup_steps, 1),
        # alpha=1 keeps the rate flat after warm-up: the "constant" schedule.
        alpha=1.0 if config.lr_schedule == "constant" else 0.0,
        warmup_target=config.learning_rate if warmup else None,
        warmup_steps=config.warmup_steps,
    )


def _set_learning_rate(model, learning_rate):
    """Give the model a fresh optimizer of the same kind and settings with this
    learning rate. Assigning a schedule to the existing optimizer would untrack
    its learning-rate variable, an edit of its variable list after which a
    tf.train.Checkpoint refuses to save it."""
    inner = _inner_optimizer(model.optimizer)
    fresh = inner.__class__.from_config({**inner.get_config(), "learning_rate": learning_rate})
    if inner is not model.optimizer:  # keep the loss scaling of mixed precision
        scaling = {k: v for k, v in model.optimizer.get_config().items() if k in ("initial_scale", "dynamic_growth_steps")}
        fresh = keras.optimizers.LossScaleOptimizer(fresh, **scaling)
    model.optimizer = fresh


def _use_mixed_precision(setting):
    if setting == "auto":
        return bool(tf.config.list_physical_devices("GPU"))
    return setting == "on"


def _build_in_scope(build_model, config, strategy, train_data, total_steps):
    """Build, configure and fully build (model and optimizer variables) the
    application's model inside the strategy's scope."""
    previous_policy = keras.mixed_precision.global_policy()
    if _use_mixed_precision(config.mixed_precision):
        # Set only while the model is built: its layers keep the policy, and
        # compile() wraps the optimizer in a LossScaleOptimizer for it.
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with strategy.scope():
            model = build_model()
            if model.optimizer is None:
                raise ValueError("Argument `build_model` must return a compiled model. Received: a model with no optimizer")
            _set_clipping(model.optimizer, config.clipnorm)
            _set_learning_rate(model, learning_rate_schedule(config, total_steps))
            example_batch = _example_batch(train_data)
            if not model.built:
                model(example_batch[0])
            # Built before any restore, so the checkpoint fills the slots.
            model.optimizer.build(model.trainable_variables)
            loss_tracker = keras.metrics.Mean(name="loss")
            _build_loss_and_metrics(model, loss_tracker, strategy, example_batch)
            step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return model, loss_tracker, step


# --------------------------------------------------------------------------
# The distributed train and test steps.
# --------------------------------------------------------------------------
def _clip_across_replicas(grads, optimizer, num_replicas):
    """Sum the replicas' gradients, clip that global gradient, and hand each
    replica 1/num_replicas of it.

    Keras 3 clips inside `apply_gradients` BEFORE summing over replicas, i.e.
    each replica's partial gradient on its own, which is not the global-norm
    clipping asked for once there are several replicas. The optimizer's own
    sum of the identical shares gives back the clipped global gradient, and its
    own clipping of a share is then a no-op (the share is within the bound).
    The price is a second all-reduce per step, paid only with several replicas.
    """
    inner = _inner_optimizer(optimizer)
    if not (inner.clipnorm or inner.global_clipnorm or inner.clipvalue):
        return grads
    present = [i for i, g in enumerate(grads) if g is not None]
    total = tf.distribute.get_replica_context().all_reduce(
        tf.distribute.ReduceOp.SUM, [grads[i] for i in present]
    )
    # Under mixed precision the gradients carry the loss scale: clip the true
    # ones. Dense from here (an Embedding's gradient arrives as IndexedSlices).
    loss_scale = tf.cast(getattr(optimizer, "dynamic_scale", 1.0), tf.float32)
    total = [tf.convert_to_tensor(g) / loss_scale for g in total]
    if inner.global_clipnorm:
        total, _ = tf.clip_by_global_norm(total, inner.global_clipnorm)
    elif inner.clipnorm:
        total = [tf.clip_by_norm(g, inner.clipnorm) for g in total]
    else:
        total = [tf.clip_by_value(g, -inner.clipvalue, inner.clipvalue) for g in total]
    shares = list(grads)
    for i, g in zip(present, total):
        shares[i] = g * (loss_scale / num_replicas)
    return shares


def _batch_size(x):
    return tf.shape(tf.nest.flatten(x)[0])[0]


def _make_steps(model, loss_tracker, strategy):
    """The compiled train and test steps, each taking one distributed batch
    and returning the epoch-so-far logs (loss and the compiled metrics)."""
    num_replicas = strategy.num_replicas_in_sync
    optimizer = model.optimizer

    def replica_train_step(batch):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            # Keras divides by the number of replicas here, so that summing
            # the replicas' gradients gives the mean over the global batch.
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
            scaled_loss = optimizer.scale_loss(loss)
        grads = tape.gradient(scaled_loss, model.trainable_variables)
        if num_replicas > 1:
            grads = _clip_across_replicas(grads, optimizer, num_replicas)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        loss_tracker.update_state(loss * num_replicas, sample_weight=_batch_size(x))
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def replica_test_step(batch):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        y_pred = model(x, training=False)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        loss_tracker.update_state(loss * num_replicas, sample_weight=_batch_size(x))
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def logs():
        # Read in cross-replica context: the metric variables sum over replicas.
        results = model.get_metrics_result()
        results["loss"] = loss_tracker.result()
        return results

    # XLA as the application compiled its model (jit_compile), on one replica:
    # the collective ops of several replicas are left to the plain graph.
    # reduce_retracing (as `model.fit` has): batches whose length varies (speech
    # utterances) share one trace instead of tracing the step for every shape.
    compiled = tf.function(jit_compile=bool(model.jit_compile) and num_replicas == 1, reduce_retracing=True)

    @compiled
    def train_step(batch):
        strategy.run(replica_train_step, args=(batch,))
        return logs()

    @compiled
    def test_step(batch):
        strategy.run(replica_test_step, args=(batch,))
        return logs()

    return train_step, test_step


def _reset_metrics(model, loss_tracker):
    for metric in model.metrics:
        metric.reset_state()
    loss_tracker.reset_state()


def _to_floats(logs):
    return {name: float(value) for name, value in logs.items()}


# --------------------------------------------------------------------------
# Checkpoints.
# --------------------------------------------------------------------------
class _Checkpoints:
    """Model, optimizer, global step and random-generator states, saved every
    N steps and at the end, never with non-finite weights (a run that blew up
    keeps its last good checkpoint).

    Each checkpoint gets a `ckpt-N.sha256` record of its files, written after
    them; a resumed run checks the newest checkpoint against it (and TF's own
    checksums), falls back to the newest intact one with a one-line warning,
    and refuses to start when checkpoints exist and none is usable.
    """

    def __init__(self, model, step, directory, every):
        self.model, self.step, self.every = model, step, every
        # Keras SeedGenerator states (dropout masks, noise) are not in
        # `model.weights` and tf.train.Checkpoint(model=...) leaves them out:
        # without them a resumed run draws other dropout masks.
        self.checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer, step=step,
                                              random_states=_random_states(model))
        self.manager = None
        self.directory = directory
        self.saved_step = None  # the step of the checkpoint on disk
        if directory is not None:
            _remove_partial_saves(directory)
            self.manager = tf.train.CheckpointManager(self.checkpoint, directory, max_to_keep=CHECKPOINTS_KEPT)

    def restore(self, directory):
        """Restore the newest usable checkpoint in `directory`; the step it holds (0 if none)."""
        if not directory or not os.path.isdir(directory):
            return 0
        found = _checkpoint_numbers(directory)
        for number in found:
            prefix = os.path.join(directory, f"ckpt-{number}")
            problem = _damage(prefix) or self._try_restore(prefix)
            if problem is None:
                self.saved_step = int(self.step.numpy())
                print(f"resumed from step {self.saved_step} (checkpoint {prefix})", flush=True)
                return self.saved_step
            print(f"rnnzoo: warning: checkpoint {prefix} is damaged ({problem}); trying an older one",
                  file=sys.stderr, flush=True)
        if found or os.path.exists(os.path.join(directory, "checkpoint")):
            raise ValueError(
                f"No usable checkpoint in {directory}: "
                + ("every checkpoint there is damaged" if found else "its `checkpoint` state file names no checkpoint files")
                + ". Move the folder away (or delete it) to start again from step 0."
            )
        return 0

    def _try_restore(self, prefix):
        try:
            self.checkpoint.restore(prefix).assert_existing_objects_matched()
        except (tf.errors.OpError, ValueError, AssertionError) as error:
            return str(error).strip().splitlines()[0][:200]
        if not all(np.all(np.isfinite(v.numpy())) for v in self.model.trainable_variables):
            return "its weights are not finite"
        return None

    def save(self, global_step, logs, force=False):
        if self.manager is None or not (force or global_step % self.every == 0):
            return
        if global_step == self.saved_step:
            return
        if not self._finite(logs):
            return
        self.step.assign(global_step)
        prefix = self.manager.save(checkpoint_number=global_step)
        _write_record(prefix)
        _remove_stale_records(self.directory)
        self.saved_step = global_step

    def _finite(self, logs):
        loss = (logs or {}).get("loss", 0.0)
        return np.isfinite(loss) and all(
            np.all(np.isfinite(v.numpy())) for v in self.model.trainable_variables
        )


def _random_states(model):
    """The model's variables that are not weights: Keras's SeedGenerator
    states (and metric accumulators, harmless to restore)."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _checkpoint_numbers(directory):
    """Numbers N of every `ckpt-N` in `directory` that has any file, newest
    first. Read from the files themselves, not the `checkpoint` state file,
    which may be damaged or name files that are gone."""
    numbers = set()
    for name in os.listdir(directory):
        head = name.split(".", 1)[0]
        if head.startswith("ckpt-") and head[5:].isdigit() and "." in name:
            numbers.add(int(head[5:]))
    return sorted(numbers, reverse=True)


def _checkpoint_files(prefix):
    folder, stem = os.path.split(prefix)
    return sorted(n for n in os.listdir(folder) if n.startswith(stem + ".") and n != stem + ".sha256")


def _damage(prefix):
    """What is wrong with the files of checkpoint `prefix`, or None: a missing
    index or data file, or a file whose sha256 differs from the record."""
    files = _checkpoint_files(prefix)
    stem = os.path.basename(prefix)
    if stem + ".index" not in files:
        return "its .index file is missing"
    if not any(".data-" in n for n in files):
        return "its .data file is missing"
    record_path = prefix + ".sha256"
    if not os.path.exists(record_path):
        return None  # saved before records existed, or killed just before writing one: TF's checks decide
    try:
        record = json.loads(Path(record_path).read_text())
    except (ValueError, OSError):
        return f"its record {stem}.sha256 is unreadable"
    for name, digest in record.items():
        path = os.path.join(os.path.dirname(prefix), name)
        if not os.path.exists(path):
            return f"{name} is missing"
        if _sha256(path) != digest:
            return f"{name} differs from its sha256 record"
    return None


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_record(prefix):
    """`prefix.sha256`: the checkpoint's file digests, written atomically."""
    folder = os.path.dirname(prefix)
    record = {name: _sha256(os.path.join(folder, name)) for name in _checkpoint_files(prefix)}
    partial = prefix + ".sha256.partial"
    Path(partial).write_text(json.dumps(record, indent=1))
    os.replace(partial, prefix + ".sha256")


def _remove_stale_records(directory):
    """Records of checkpoints the manager has deleted (it keeps the last few)."""
    for name in os.listdir(directory):
        if name.endswith(".sha256") and not os.path.exists(os.path.join(directory, name[: -len(".sha256")] + ".index")):
            os.remove(os.path.join(directory, name))


def _remove_partial_saves(directory):
    """What a run killed while saving leaves: TF's `ckpt-N_temp/` folders and
    our half-written records. Complete checkpoints are never touched."""
    if not os.path.isdir(directory):
        return
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.endswith("_temp") and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif name.endswith(".sha256.partial"):
            os.remove(path)


# --------------------------------------------------------------------------
# The loop.
# --------------------------------------------------------------------------
def _check_tensorboard_installed(log_dir):
    # Keras's TensorBoard callback fails only at the first logged step without
    # it; say so before training starts.
    if log_dir is not None and importlib.util.find_spec("tensorboard") is None:
        raise ImportError(
            f"TensorBoard logs (log_dir={log_dir!r}) need the `tensorboard` package: "
            "python -m pip install tensorboard"
        )


def _callback_list(user_callbacks, model, config, log_dir, steps_per_epoch, chief):
    callbacks = [*user_callbacks, keras.callbacks.TerminateOnNaN()]
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False))
    verbose = config.verbose if chief else 0
    return keras.callbacks.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=config.epochs,
        steps=steps_per_epoch,
    )


def _validate(test_step, validation_data, strategy, model, loss_tracker, callbacks):
    """Loss and compiled metrics over `validation_data`, prefixed "val_"."""
    _reset_metrics(model, loss_tracker)
    callbacks.on_test_begin()
    logs = {}
    for index, batch in enumerate(strategy.experimental_distribute_dataset(validation_data)):
        callbacks.on_test_batch_begin(index)
        logs = _to_floats(test_step(batch))
        callbacks.on_test_batch_end(index, logs)
    callbacks.on_test_end(logs)
    return {f"val_{name}": value for name, value in logs.items()}


def train(build_model, train_data, config=None, validation_data=None, callbacks=()):
    """Train the model `build_model` returns, with checkpoints and resume.

    Args:
        build_model: Function with no arguments returning a COMPILED
            `keras.Model` (loss, metrics, optimizer). Called inside the
            strategy's scope. The runner then sets the optimizer's learning
            rate from `config` and, unless the optimizer clips already, its
            `global_clipnorm` (see `TrainingConfig`).
        train_data: `tf.data.Dataset` of (x, y) or (x, y, sample_weight)
            batches of the global batch size. It is read as one stream,
            `train_data.repeat()`, re-entered at the saved step on resume; for
            an exact resume its order must depend only on its seed (as
            `make_dataset`'s does).
        config: `TrainingConfig`; default `TrainingConfig()`.
        validation_data: Optional `tf.data.Dataset` evaluated after each epoch.
        callbacks: Keras callbacks, called as `model.fit` calls them.

    Returns:
        (model, history): the trained compiled model, ready for `model.fit`,
        and a dict of per-epoch lists ("loss", metrics, "val_..."), for the
        epochs this call ran (a resumed run lists the epochs since the resume).
    """
    config = config or TrainingConfig()
    config.validate()
    _check_tensorboard_installed(config.log_dir)
    steps_per_epoch = _steps_per_epoch(train_data, config.steps_per_epoch)
    total_steps = config.epochs * steps_per_epoch
    strategy = make_strategy(config.strategy)
    chief = is_chief(strategy)
    keras.utils.set_random_seed(config.seed)

    model, loss_tracker, step = _build_in_scope(build_model, config, strategy, train_data, total_steps)
    # Only a non-chief worker writes to scratch (see `_writable_dir`); the chief makes none.
    scratch = None if chief else tempfile.mkdtemp(prefix="rnnzoo-worker-")
    try:
        checkpoints = _Checkpoints(
            model, step, _writable_dir(config.checkpoint_dir, chief, scratch, "checkpoints"), config.checkpoint_every
        )
        start_step = checkpoints.restore(config.checkpoint_dir)
        if start_step >= total_steps and chief:
            print(f"nothing to train: the checkpoint at step {start_step} already reaches epochs={config.epochs} "
                  f"({total_steps} steps); raise the epochs to train on", flush=True)
        callback_list = _callback_list(
            callbacks, model, config, _writable_dir(config.log_dir, chief, scratch, "logs"), steps_per_epoch, chief
        )
        _run_epochs(
            model, loss_tracker, strategy, train_data, validation_data, callback_list,
            checkpoints, start_step, steps_per_epoch, config.epochs,
        )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return model, dict(model.history.history)


def _run_epochs(model, loss_tracker, strategy, train_data, validation_data, callbacks,
                checkpoints, start_step, steps_per_epoch, epochs):
    """The epoch loop, from global step `start_step` to `epochs * steps_per_epoch`."""
    train_step, test_step = _make_steps(model, loss_tracker, strategy)
    # One stream for the whole run: a resumed run skips what was consumed.
    stream = iter(strategy.experimental_distribute_dataset(train_data.repeat().skip(start_step)))
    global_step, logs = start_step, {}
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(start_step // steps_per_epoch, epochs):
        _reset_metrics(model, loss_tracker)
        callbacks.on_epoch_begin(epoch)
        for batch_index in range(global_step - epoch * steps_per_epoch, steps_per_epoch):
            callbacks.on_train_batch_begin(batch_index)
            logs = _to_floats(train_step(_next_batch(stream, global_step)))
            global_step += 1
            callbacks.on_train_batch_end(batch_index, logs)
            checkpoints.save(global_step, logs)
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if validation_data is not None and not model.stop_training:
            epoch_logs.update(_validate(test_step, validation_data, strategy, model, loss_tracker, callbacks))
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    checkpoints.save(global_step, logs, force=True)
    callbacks.on_train_end(logs)


def _next_batch(stream, global_step):
    try:
        return next(stream)
    except (StopIteration, tf.errors.OutOfRangeError):
        raise ValueError(
            f"Argument `train_data` ran out of batches at global step {global_step}: it must not be empty"
        ) from None


def save_weights(model, build_model, path):
    """Write `model`'s weights alone to `path` (a .weights.h5), never half-written.

    A compiled model's `save_weights` also stores its optimizer's slots, which
    a zoo entry does not want (and whose loading warns), so the weights go
    through a freshly built copy, `build_model()`. The file is written in a
    temporary folder beside `path` and moved into place in one rename.
    """
    path = Path(path)
    weights_only = build_model()
    weights_only.set_weights(model.get_weights())
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        partial = Path(scratch) / path.name
        weights_only.save_weights(partial)
        os.replace(partial, path)
