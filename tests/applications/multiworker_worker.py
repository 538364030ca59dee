"""One worker of the two-process multi-worker test (and the model and data it
shares with the single-process reference in test_training.py).

Usage: TF_CONFIG=... python -m tests.applications.multiworker_worker OUT.npz CHECKPOINT_DIR
"""

import sys

from rnnzoo.applications.common import training

# The collective ops MultiWorkerMirroredStrategy needs are set up only before
# any other TensorFlow operation runs, so the strategy comes first.
if __name__ == "__main__":
    training.make_strategy("multiworker")

import numpy as np  # noqa: E402

import keras  # noqa: E402

FEATURES = 4
STEPS = 6
# Small enough that clipping acts on every step, so the test also checks that
# the global gradient (summed over workers) is what gets clipped.
CLIPNORM = 0.5


def regression_arrays(samples=256, seed=0):
    """A noisy linear regression problem."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, FEATURES)).astype("float32")
    true_weights = rng.normal(size=(FEATURES, 1)).astype("float32")
    y = x @ true_weights + 0.5 + 0.1 * rng.normal(size=(samples, 1)).astype("float32")
    return x, y


def build_regression_model(optimizer="adam", learning_rate=0.01):
    """Two Dense layers, compiled with MSE and an MAE metric."""
    model = keras.Sequential(
        [keras.Input((FEATURES,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)]
    )
    model.compile(keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": learning_rate}}),
                  "mse", metrics=["mae"])
    return model


def multiworker_config(strategy, checkpoint_dir=None):
    return training.TrainingConfig(
        epochs=1, steps_per_epoch=STEPS, learning_rate=0.05, clipnorm=CLIPNORM,
        strategy=strategy, checkpoint_dir=checkpoint_dir, checkpoint_every=2, verbose=0,
    )


def train_regression(strategy, checkpoint_dir=None):
    """Initial and final weights of a short run under `strategy`."""
    # Seed before making the data: tf.data's shuffle order also depends on the
    # global seed in force when the dataset is made.
    keras.utils.set_random_seed(0)
    x, y = regression_arrays()
    initial = {}

    class RecordInitialWeights(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            initial["weights"] = [np.array(w) for w in self.model.get_weights()]

    model, _ = training.train(
        build_regression_model, training.make_dataset(x, y, batch_size=32, seed=1),
        config=multiworker_config(strategy, checkpoint_dir), callbacks=[RecordInitialWeights()],
    )
    return initial["weights"], model.get_weights()


if __name__ == "__main__":
    out_path, checkpoint_dir = sys.argv[1], sys.argv[2]
    initial, final = train_regression("multiworker", checkpoint_dir)
    np.savez(out_path, *initial, *final)
