"""TreeRNN and encode_trees: golden values against numpy, padding, saving, tracing, bad input."""

import keras
import numpy as np
import pytest

from rnnzoo.layers.recursive import TreeRNN, encode_trees
from tests.layers.backend import modes, to_numpy, value_and_gradients, weighted_sum
from tests.layers.contract import (
    check_config_round_trip,
    check_keras_file_round_trip,
    check_learns_with_finite_gradients,
    close,
)

UNITS = 4
VOCAB = 9
# Trees of different shapes in one batch: a single leaf, left- and right-branching
# chains, a balanced tree, one with two nodes on the same level.
TREES = [
    3,
    (1, 2),
    (((1, 2), 3), 4),
    (5, (6, (7, 8))),
    ((1, 2), (3, 4)),
    ((1, (2, 3)), ((4, 5), 6)),
]


def table(seed=0):
    return np.random.default_rng(seed).normal(size=(VOCAB, UNITS)).astype("float32")


def weights(use_tensor, seed=1):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(scale=0.5, size=(2 * UNITS, UNITS)).astype("float32")
    bias = rng.normal(scale=0.1, size=(UNITS,)).astype("float32")
    tensor = rng.normal(scale=0.2, size=(2 * UNITS, 2 * UNITS, UNITS)).astype("float32")
    return [kernel, tensor, bias] if use_tensor else [kernel, bias]


def numpy_root(tree, embeddings, kernel, bias, tensor=None):
    """The composition of one tree by plain recursion: the definition."""
    if not isinstance(tree, tuple):
        return embeddings[tree].astype("float64")
    x = np.concatenate([numpy_root(tree[0], embeddings, kernel, bias, tensor),
                        numpy_root(tree[1], embeddings, kernel, bias, tensor)])
    z = x @ kernel + bias
    if tensor is not None:
        z = z + np.einsum("i,ijk,j->k", x, tensor, x)
    return np.tanh(z)


def run(layer, arrays, embeddings):
    leaves = embeddings[arrays["leaf_ids"]]
    return layer(leaves, arrays["children"], arrays["root"])


def built(use_tensor=False, **kwargs):
    layer = TreeRNN(UNITS, use_tensor=use_tensor, **kwargs)
    arrays = encode_trees(TREES)
    run(layer, arrays, table())
    layer.set_weights(weights(use_tensor))
    return layer, arrays


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------
@pytest.mark.parametrize("use_tensor", [False, True])
def test_padded_batch_roots_equal_numpy_composition_of_each_tree(use_tensor):
    layer, arrays = built(use_tensor)
    w = weights(use_tensor)
    kernel, bias, tensor = (w[0], w[2], w[1]) if use_tensor else (w[0], w[1], None)
    expected = np.stack([numpy_root(tree, table(), kernel, bias, tensor) for tree in TREES])
    close(run(layer, arrays, table()), expected)


def test_each_root_in_the_batch_equals_the_tree_run_alone():
    layer, arrays = built()
    batch = to_numpy(run(layer, arrays, table()))
    sizes = {"n_leaves": 9, "n_levels": 5, "width": 4}  # more padding than any tree needs; one shape for all
    for i, tree in enumerate(TREES):
        close(batch[i], to_numpy(run(layer, encode_trees([tree], **sizes), table()))[0])
    close(run(layer, encode_trees(TREES, **sizes), table()), batch)


def test_return_nodes_gives_every_node_and_zero_padding():
    layer, arrays = built(return_nodes=True)
    root, nodes = run(layer, arrays, table())
    root, nodes = to_numpy(root), to_numpy(nodes)
    n_leaves, (_, n_levels, width, _) = arrays["leaf_ids"].shape[1], arrays["children"].shape
    assert nodes.shape == (len(TREES), n_leaves + n_levels * width, UNITS)
    close(nodes[:, :n_leaves], table()[arrays["leaf_ids"]])
    close(nodes[np.arange(len(TREES)), arrays["root"]], root)
    empty = (arrays["children"][..., 0] < 0).reshape(len(TREES), -1)
    assert empty.any() and np.all(nodes[:, n_leaves:][empty] == 0)
    # The tree ((1, 2), (3, 4)): level 0 holds (1, 2) and (3, 4), level 1 the root.
    kernel, bias = weights(False)
    b = TREES.index(((1, 2), (3, 4)))
    close(nodes[b, n_leaves + 1], numpy_root((3, 4), table(), kernel, bias))


def test_a_batch_of_single_leaves_returns_the_leaves():
    layer, _ = built()
    arrays = encode_trees([2, 7])
    assert arrays["children"].shape == (2, 0, 1, 2)
    close(run(layer, arrays, table()), table()[[2, 7]])


def test_runs_traced_and_compiled_and_gradients_are_finite():
    layer, arrays = built(use_tensor=True)
    leaves = table()[arrays["leaf_ids"]]
    expected = to_numpy(run(layer, arrays, table()))

    def loss(x):
        return weighted_sum(layer(x, arrays["children"], arrays["root"]))

    eager = None
    for mode in modes():  # TensorFlow: eager, tf.function, tf.function(jit_compile=True); JAX: jax.jit
        value, grads = value_and_gradients(loss, layer.trainable_variables, [leaves], mode=mode)
        assert all(np.all(np.isfinite(g)) for g in grads) and all(np.any(g != 0) for g in grads[1:])
        # Padding leaves are never read: their gradient is zero.
        unused = np.arange(leaves.shape[1])[None, :] >= arrays["n_leaves_per_tree"][:, None]
        assert unused.any() and np.all(grads[0][unused] == 0)
        eager = value if eager is None else eager
        np.testing.assert_allclose(value, eager, rtol=1e-5)
    np.testing.assert_allclose(eager, float(np.sum(expected * to_numpy(_upstream(expected)))), rtol=1e-4)


def _upstream(out):
    from tests.layers.backend import upstream_weights

    return upstream_weights(keras.ops.convert_to_tensor(out))


def test_xla_under_tensorflow():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.function(jit_compile=True) is TensorFlow's")
    import tensorflow as tf

    layer, arrays = built()
    leaves = table()[arrays["leaf_ids"]]
    compiled = tf.function(lambda x, c, r: layer(x, c, r), jit_compile=True)
    close(compiled(leaves, arrays["children"], arrays["root"]), run(layer, arrays, table()))


# --------------------------------------------------------------------------
# Config, saving, learning
# --------------------------------------------------------------------------
def tree_model(arrays=None, **kwargs):
    """leaf ids -> Embedding -> TreeRNN -> Dense, with shapes fixed to these arrays (or any shapes)."""
    n_leaves, n_levels, width = (None, None, None) if arrays is None else (
        arrays["leaf_ids"].shape[1], *arrays["children"].shape[1:3])
    ids = keras.Input((n_leaves,), dtype="int32", name="leaf_ids")
    children = keras.Input((n_levels, width, 2), dtype="int32", name="children")
    root = keras.Input((), dtype="int32", name="root")
    vector = TreeRNN(UNITS, **kwargs)(keras.layers.Embedding(VOCAB, UNITS)(ids), children, root)
    return keras.Model({"leaf_ids": ids, "children": children, "root": root}, keras.layers.Dense(1)(vector))


def inputs(arrays):
    return {k: arrays[k] for k in ("leaf_ids", "children", "root")}


def test_config_round_trip():
    layer, arrays = built(use_tensor=True, activation="relu", kernel_regularizer="l2")
    check_config_round_trip(layer, lambda tree_rnn: run(tree_rnn, arrays, table()))
    assert set(layer.get_config()) >= {"units", "activation", "use_bias", "use_tensor", "return_nodes",
                                       "kernel_initializer", "tensor_initializer", "bias_constraint"}


def test_keras_file_round_trip(tmp_path):
    arrays = encode_trees(TREES)
    check_keras_file_round_trip(tree_model(arrays, use_tensor=True), inputs(arrays), TreeRNN, tmp_path / "tree.keras")


def test_a_model_of_unknown_sizes_takes_batches_of_any_shape():
    net = tree_model()  # no sizes fixed: `predict` retraces for new shapes (TensorFlow: with unknown sizes)
    for trees in (TREES, [((1, 2), ((3, 4), (5, (6, 7))))] * 2):
        expected = [to_numpy(net(inputs(encode_trees([tree]))))[0] for tree in trees[:2]]
        close(net.predict(inputs(encode_trees(trees)), verbose=0)[:2], np.stack(expected))


def test_unknown_shapes_under_tensorflow_use_a_while_loop():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("shapes are always known on JAX")
    import tensorflow as tf

    layer, arrays = built(use_tensor=True)
    leaves = table()[arrays["leaf_ids"]]
    signature = [tf.TensorSpec((None, None, UNITS)), tf.TensorSpec((None, None, None, 2), tf.int32),
                 tf.TensorSpec((None,), tf.int32)]
    eager_loss, eager_grads = value_and_gradients(
        lambda x: weighted_sum(layer(x, arrays["children"], arrays["root"])), layer.trainable_variables, [leaves])
    for jit_compile in (False, True):
        @tf.function(input_signature=signature, jit_compile=jit_compile)
        def value_and_grads(x, children, root):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = weighted_sum(layer(x, children, root))
            return loss, tape.gradient(loss, [x, *layer.trainable_variables])

        loss, grads = value_and_grads(leaves, arrays["children"], arrays["root"])
        np.testing.assert_allclose(float(loss), eager_loss, rtol=1e-5)
        for g, e in zip(grads, eager_grads):
            close(g, e, tol=1e-4)


def test_learns_a_tree_function():
    # Target: the leftmost leaf minus the rightmost, which only the tree's structure brings to the root.
    rng = np.random.default_rng(0)

    def random_tree(depth):
        if depth == 0 or rng.random() < 0.3:
            return int(rng.integers(VOCAB))
        return (random_tree(depth - 1), random_tree(depth - 1))

    def ends(tree):
        left = right = tree
        while isinstance(left, tuple):
            left = left[0]
        while isinstance(right, tuple):
            right = right[1]
        return left, right

    trees = [random_tree(3) for _ in range(128)]
    y = np.array([(a - b) / VOCAB for a, b in map(ends, trees)], "float32")[:, None]
    arrays = encode_trees(trees)
    check_learns_with_finite_gradients(tree_model(arrays), inputs(arrays), y, epochs=8, batch_size=32,
                                       learning_rate=0.03, eager=True)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("units", [0, -2, 2.5, True])
def test_bad_units_are_refused(units):
    with pytest.raises(ValueError, match="units"):
        TreeRNN(units)


def test_wrong_ranks_and_sizes_are_refused():
    arrays = encode_trees(TREES)
    leaves = table()[arrays["leaf_ids"]]
    with pytest.raises(ValueError, match="`leaves` of rank 3"):
        TreeRNN(UNITS)(leaves[0], arrays["children"], arrays["root"])
    with pytest.raises(ValueError, match="units=5"):
        TreeRNN(5)(leaves, arrays["children"], arrays["root"])
    with pytest.raises(ValueError, match="`children` of shape"):
        TreeRNN(UNITS)(leaves, arrays["children"][..., 0], arrays["root"])
    with pytest.raises(ValueError, match="`root` of rank 1"):
        TreeRNN(UNITS)(leaves, arrays["children"], arrays["root"][:, None])
    with pytest.raises(ValueError, match="same batch size"):
        TreeRNN(UNITS)(leaves[:2], arrays["children"], arrays["root"])


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c, r: c.__setitem__((2, 1, 0, 0), 99), "index 99 is out of range"),
        (lambda c, r: c.__setitem__((2, 0, 0, 1), 9), "not yet computed at that level"),  # a node of level 1
        (lambda c, r: c.__setitem__((3, 0, 0, 0), -1), "two children, or is padding"),
        (lambda c, r: c.__setitem__((3, 0, 0), -4), "-1 for padding"),
        (lambda c, r: r.__setitem__(1, 40), "`root` of tree 1 is 40"),
    ],
)
def test_bad_indices_are_refused_in_eager_mode(edit, message):
    layer, arrays = built()
    children, root = arrays["children"].copy(), arrays["root"].copy()
    edit(children, root)
    with pytest.raises(ValueError, match=message):
        layer(table()[arrays["leaf_ids"]], children, root)


def test_encode_trees_format_and_errors():
    arrays = encode_trees([("x", "y"), "z"], leaf_ids={"x": 1, "y": 2, "z": 3}, pad_id=8)
    assert arrays["leaf_ids"].tolist() == [[1, 2], [3, 8]]
    assert arrays["children"].tolist() == [[[[0, 1]]], [[[-1, -1]]]]
    assert arrays["root"].tolist() == [2, 0] and arrays["n_leaves_per_tree"].tolist() == [2, 1]
    assert encode_trees([("a", "b")], leaf_ids=ord)["leaf_ids"].tolist() == [[97, 98]]
    # Deeper than Python's recursion limit: encoded without recursion.
    chain = 0
    for _ in range(3000):
        chain = (chain, 1)
    assert encode_trees([chain])["children"].shape == (1, 3000, 1, 2)
    with pytest.raises(ValueError, match="3 children; trees must be binary"):
        encode_trees([(1, 2, 3)])
    with pytest.raises(ValueError, match="must be an integer id"):
        encode_trees([("a", 1)])
    with pytest.raises(ValueError, match="`n_levels`=1 is too small: these trees need n_levels=2"):
        encode_trees([((1, 2), 3)], n_levels=1)
    with pytest.raises(ValueError, match="`width`=1 is too small"):
        encode_trees([((1, 2), (3, 4))], width=1)
    with pytest.raises(ValueError, match="`n_leaves`"):
        encode_trees([1], n_leaves=0)
    with pytest.raises(ValueError, match="list of trees"):
        encode_trees((1, 2)[0])
