"""What each benchmark task runs: settings, methods, sizes and training budgets.

`FULL` is the suite reported in benchmarks/RESULTS.md; `QUICK` the same tasks
at reduced size (`--quick`), which runs in minutes on a 2-core CPU. A trained
task's row is one (method, setting, seed); the diagnostics' rows are one
(initialiser or reservoir setting, seed).
"""

import dataclasses

from benchmarks.long_term.models import BASE_METHODS

ALL_METHODS = BASE_METHODS  # the variants (models.VARIANTS) run on request


@dataclasses.dataclass(frozen=True)
class Trained:
    """A task learnt by gradient descent (Adam, clipping by global norm)."""

    settings: tuple  # task-specific: sequence lengths for adding, timing; max length for reber; frames for digits
    methods: tuple
    seeds: tuple
    units: int
    batch_size: int
    learning_rate: float
    max_steps: int
    eval_every: int
    test_size: int = 1000
    clipnorm: float = 1.0
    optimizer: str = "adam"
    clip: str = "norm"  # models.CLIPPING: by global norm, elementwise ("value"), or "none", at `clipnorm`
    log_gradients: bool = False  # record the gradient norm of every step (models.GradientNormModel)
    jit_compile: bool = True  # XLA; off is the same model, compiled without it (Keras's LSTM is faster so on long CPU streams)
    validation_takes: tuple = ()  # digits: FSDD takes held out of training, the validation set learning rates are chosen on


FULL = {
    "adding": Trained(
        settings=(100, 200, 400), methods=ALL_METHODS, seeds=(0, 1, 2), units=100, batch_size=32,
        learning_rate=1e-3, max_steps=8000, eval_every=500,
    ),
    "reber": Trained(
        settings=(40,), methods=("tanh", "irnn", "lstm", "peephole", "leaky"), seeds=(0, 1, 2), units=32,
        batch_size=32, learning_rate=3e-3, max_steps=3000, eval_every=100,
    ),
    "timing": Trained(
        settings=(100,), methods=("lstm", "peephole", "tanh"), seeds=(0, 1, 2), units=16, batch_size=32,
        learning_rate=3e-3, max_steps=6000, eval_every=300,
    ),
    "digits": Trained(
        settings=(100,), methods=("tanh", "irnn", "lstm", "peephole"), seeds=(0, 1, 2), units=64, batch_size=32,
        learning_rate=1e-3, max_steps=2100, eval_every=210, validation_takes=(5, 6, 7, 8, 9),
    ),
    # The tasks as the papers ran them (issue "long-term benchmarks, second pass"): an answer at every step.
    # Next-symbol embedded Reber, ten seeds, solved by the 1997 criterion (every string of the test set right).
    "reber_next": Trained(
        settings=(50,), methods=("tanh", "irnn", "lstm", "peephole", "leaky", "skip"), seeds=tuple(range(10)), units=32,
        batch_size=32, learning_rate=3e-3, max_steps=6000, eval_every=250,
    ),
    # The copy task at delay 100 (Arjovsky et al. 2016): 120 steps, 8 symbols to copy, 10 of them.
    "copy": Trained(
        settings=(100,), methods=("tanh", "irnn", "lstm", "peephole", "leaky", "skip"), seeds=(0, 1, 2), units=64,
        batch_size=32, learning_rate=1e-3, max_steps=8000, eval_every=500,
    ),
    # Gers et al. (2002): measuring delays of 10-20 / 25-50 steps in a continual stream, and generating a spike
    # every 20 / 50 steps after one trigger.
    "msd": Trained(
        settings=(20, 50), methods=("lstm", "peephole", "peephole_init", "tanh", "leaky"), seeds=(0, 1, 2), units=16,
        batch_size=32, learning_rate=3e-3, max_steps=6000, eval_every=300,
    ),
    "gts": Trained(
        settings=(20, 50), methods=("lstm", "peephole", "peephole_init", "tanh", "leaky"), seeds=(0, 1, 2), units=16,
        batch_size=32, learning_rate=3e-3, max_steps=6000, eval_every=300,
    ),
    "memory": dict(units=100, spectral_radii=(0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.5),
                   leak_rates=(1.0, 0.5, 0.2), seeds=(0, 1, 2)),
    # Deep reservoirs (Gallicchio et al. 2017) against a shallow one with the same 100 units.
    "deep_memory": dict(units=100, depths=(2, 4), inter_scalings=(0.1, 1.0), spectral_radii=(0.9, 0.99), leak_rates=(1.0, 0.5),
                        seeds=(0, 1, 2)),
    "spectra": dict(units=100, seeds=(0, 1, 2)),
    "gradients": dict(length=200, units=100, methods=ALL_METHODS, seeds=(0, 1, 2)),
    "saliency": dict(methods=("tanh", "lstm", "zoo"), units=128, seq_len=100, batch_size=32, learning_rate=2e-3,
                     steps=600, windows=200, seeds=(0, 1, 2)),
}

QUICK = {
    # Three seeds and 3000 steps: one seed at 1500 steps landed on either side of
    # the bar depending on the CPU (tests/benchmarks/test_long_term_adding.py).
    "adding": Trained(
        settings=(100,), methods=("tanh", "irnn", "lstm"), seeds=(0, 1, 2), units=100, batch_size=32,
        learning_rate=1e-4, max_steps=3000, eval_every=250,
    ),
    "reber": Trained(
        settings=(25,), methods=("tanh", "lstm"), seeds=(0,), units=16, batch_size=32,
        learning_rate=3e-3, max_steps=300, eval_every=100,
    ),
    "timing": Trained(
        settings=(60,), methods=("lstm", "peephole"), seeds=(0,), units=8, batch_size=32,
        learning_rate=3e-3, max_steps=300, eval_every=100,
    ),
    "digits": Trained(
        settings=(50,), methods=("tanh", "lstm"), seeds=(0,), units=32, batch_size=32,
        learning_rate=1e-3, max_steps=140, eval_every=70, test_size=250,
    ),
    "reber_next": Trained(
        settings=(20,), methods=("tanh", "lstm"), seeds=(0,), units=16, batch_size=32,
        learning_rate=3e-3, max_steps=100, eval_every=50, test_size=200,
    ),
    "copy": Trained(
        settings=(10,), methods=("lstm",), seeds=(0,), units=16, batch_size=32,
        learning_rate=3e-3, max_steps=100, eval_every=50, test_size=200,
    ),
    "msd": Trained(
        settings=(8,), methods=("lstm",), seeds=(0,), units=8, batch_size=32,
        learning_rate=3e-3, max_steps=100, eval_every=50, test_size=200,
    ),
    "gts": Trained(
        settings=(5,), methods=("lstm",), seeds=(0,), units=8, batch_size=32,
        learning_rate=3e-3, max_steps=100, eval_every=50, test_size=200,
    ),
    "memory": dict(units=30, spectral_radii=(0.5, 0.9, 1.2), leak_rates=(1.0, 0.3), seeds=(0,)),
    "deep_memory": dict(units=20, depths=(2,), inter_scalings=(1.0,), spectral_radii=(0.9,), leak_rates=(1.0,), seeds=(0,)),
    "spectra": dict(units=20, seeds=(0,)),
    "gradients": dict(length=50, units=32, methods=ALL_METHODS, seeds=(0,)),
    "saliency": dict(methods=("tanh", "lstm"), units=32, seq_len=50, batch_size=32, learning_rate=2e-3,
                     steps=30, windows=20, seeds=(0,)),
}

# Training stops once the test metric reaches this level (the task is solved).
STOP_AT = {"adding": 0.002, "reber": 0.99, "timing": 0.99, "digits": None,
           "reber_next": 1.0, "copy": 0.99, "msd": 0.99, "gts": 0.99}
# Metric of each trained task, and the level that counts as solved in the tables.
METRIC = {"adding": "mse", "reber": "accuracy", "timing": "accuracy", "digits": "accuracy",
          "reber_next": "strings right", "copy": "copied symbols right", "msd": "delays measured", "gts": "streams right"}
SOLVED_AT = {"adding": 0.01, "reber": 0.99, "timing": 0.99, "digits": None,
             "reber_next": 1.0, "copy": 0.99, "msd": 0.99, "gts": 0.99}
TASKS = ("adding", "reber", "timing", "digits", "reber_next", "copy", "msd", "gts",
         "memory", "deep_memory", "spectra", "gradients", "saliency")
