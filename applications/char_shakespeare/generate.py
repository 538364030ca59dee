"""Sample text from a trained char-level model, one character at a time.

The trained model reads whole windows. For generation its weights go into a
stateful copy with batch size 1, which keeps its recurrent state between
calls: the prompt is read once, then each new character costs one step.
"""

import keras
import numpy as np

from rnnzoo.applications.char_shakespeare import model as char_model
from rnnzoo.applications.char_shakespeare.data import Vocabulary


# One character costs one step; a million take minutes on a CPU. Longer
# texts: call generate_text in pieces, carrying on from the last one's end.
MAX_LENGTH = 1_000_000


def check_sampling(length, temperature, top_k):
    if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= MAX_LENGTH:
        raise ValueError(f"length must be an integer from 0 to {MAX_LENGTH:,}, got {length!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < float("inf"):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer, got {top_k!r}")


def stateful_copy(model, config):
    """`config`: the builder arguments the model was built with."""
    generator = char_model.build(**{**config, "stateful": True, "batch_size": 1})
    generator.set_weights(model.get_weights())
    return generator


def sample(logits, temperature, top_k, rng):
    logits = np.asarray(logits, dtype="float64") / temperature
    if top_k is not None and top_k < len(logits):
        logits[logits < np.sort(logits)[-top_k]] = -np.inf
    probabilities = np.exp(logits - logits.max())
    return int(rng.choice(len(logits), p=probabilities / probabilities.sum()))


def generate_text(model, config, prompt="\n", length=500, temperature=1.0, top_k=None, seed=None):
    """`prompt` followed by `length` sampled characters.

    Args:
        model: A trained char model (from `model.build` or `rnnzoo.zoo.load`).
        config: Its builder arguments, including `vocabulary`.
        prompt: Priming text; every character must be in the vocabulary.
            Empty means a newline, the corpus's natural start of a speech.
        length: Characters to sample.
        temperature: > 0; below 1 sharpens the distribution, above 1 flattens it.
        top_k: Sample only among the k most likely characters (None: all).
        seed: Seed of the sampler, for repeatable text.
    """
    check_sampling(length, temperature, top_k)
    vocabulary = Vocabulary(config["vocabulary"])
    prompt = prompt or "\n"
    prompt_ids = vocabulary.encode(prompt)  # refuses characters the model never saw
    generator = stateful_copy(model, config)
    step = next_logits_function(generator)
    rng = np.random.default_rng(seed)

    logits = step(np.asarray(prompt_ids, dtype="int32")[None])
    sampled = []
    for _ in range(length):
        sampled.append(sample(logits, temperature, top_k, rng))
        logits = step(np.array([[sampled[-1]]], dtype="int32"))
    return prompt + vocabulary.decode(sampled)


def next_logits_function(generator):
    """ids (1, time) -> the logits after the last id, as numpy, advancing the
    stateful generator's recurrent state. Compiled once per input length where
    the backend compiles (an eager call costs 4x as much on TensorFlow, and on
    JAX recompiles its loop every step); PyTorch runs eagerly."""
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_step(generator)

    def step(ids):
        return generator(ids, training=False)[0, -1]

    if backend == "tensorflow":
        import tensorflow as tf  # the backend in use, so present

        step = tf.function(step)
    return lambda ids: keras.ops.convert_to_numpy(step(ids))


def _jax_step(generator):
    # JAX has no in-place state: the model's variables and its stateful RNNs'
    # state variables (which Keras does not track as model variables) go
    # through a jitted, stateless call, and the new states are kept here.
    import jax

    variables = list(generator.variables)
    states = [v for layer in generator.layers if getattr(layer, "stateful", False) for v in (layer.states or [])]
    values = [v.value for v in variables]
    carried = {"states": [v.value for v in states]}

    @jax.jit
    def pure(values, state_values, ids):
        mapping = [*zip(variables, values), *zip(states, state_values)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logits = generator(ids, training=False)[0, -1]
        return logits, [scope.get_current_value(v) for v in states]

    def step(ids):
        logits, carried["states"] = pure(values, carried["states"], ids)
        return np.asarray(logits)

    return step
