"""Recursive (tree-structured) networks: child vectors composed up a binary tree.

The trees travel as arrays, so a batch of trees of different shapes runs as
one computation, in eager mode, under `tf.function` and under `jax.jit`.
Nodes are computed *level by level*: every internal node of every tree in the
batch at one level is one gather and one matmul, and the layer loops over the
levels (a few), never over the nodes.

The array format (what `encode_trees` writes)
---------------------------------------------

For a batch of B trees, padded to `n_leaves` leaves, `n_levels` levels and
`width` nodes per level:

    leaves    (B, n_leaves, d) float: the leaf vectors, left to right (e.g. an
              Embedding of `leaf_ids`); a tree with fewer leaves is padded with
              any vector (its padding leaves are never read).
    children  (B, n_levels, width, 2) int: the left and right child of every
              internal node, as indices into the node list
                  [leaf 0 .. leaf n_leaves-1, level 0 slot 0 .. width-1, level 1 slot 0, ...]
              so the node in level l, slot k has index n_leaves + l*width + k.
              A node's children must come before its level: both indices
              < n_leaves + l*width. A slot holding no node is (-1, -1); its
              vector is zero.
    root      (B,) int: the index of each tree's root in the same node list
              (0 for a tree that is a single leaf).

A node's level is its height: 0 for a node whose two children are leaves, else
1 + the larger level of its internal children, so `n_levels` is the height of
the tallest tree in the batch (its longest leaf-to-root path, in edges) and
`width` the most nodes of one level in one tree. Each level costs one gather,
one matmul and one write of the node tensor, whatever the number of trees.
"""

import keras
import numpy as np
from keras import ops

from rnnzoo.layers.base import check_dtype_supported, check_positive_int


@keras.saving.register_keras_serializable(package="rnnzoo")
class TreeRNN(keras.layers.Layer):
    """Recursive neural network: each parent is composed from its two children.

        p = f(W [c_left; c_right] + b)                                  (Socher et al. 2011)
        p = f([c_left; c_right]ᵀ V [c_left; c_right] + W [c_left; c_right] + b)
                                                                        (use_tensor: RNTN, 2013)

    with one shared W (2·units, units), b (units) and, for the tensor form,
    V (2·units, 2·units, units): output component j gets xᵀ V[:, :, j] x for
    x = [c_left; c_right]. f is tanh by default. Leaves are given vectors of
    size `units`; the layer returns each tree's root vector, and with
    `return_nodes=True` also the vectors of all nodes, (root, nodes).

    Call it as `layer(leaves, children, root)` on the arrays described in the
    module docstring (`rnnzoo.layers.recursive`), which `encode_trees` makes
    from nested tuples. In eager mode the indices are checked (a ValueError
    names the first bad one); in a traced function (`tf.function`, `jax.jit`,
    `fit`) they cannot be, and an index out of range is clipped into range.

    The layer runs level by level: all nodes of one level, in every tree of
    the batch, are one gather and one matmul. With the number of levels known
    when traced (always on JAX) the loop over levels is a Python loop; with it
    unknown (TensorFlow retracing a function for new shapes, as `fit` and
    `predict` do) it is a while loop. Padding every batch to one size
    (`encode_trees(..., n_leaves=, n_levels=, width=)`) keeps to one trace.

    Args:
        units: Positive integer, the size of leaf and node vectors.
        activation: f, tanh by default.
        use_bias: Whether the composition has the bias b.
        use_tensor: Whether to add the bilinear term of the recursive neural
            tensor network (RNTN); it has 4·units³ weights.
        return_nodes: Whether to return (root, nodes) with nodes of shape
            (batch, n_leaves + n_levels·width, units), leaves first; padding
            slots are zero.
        kernel_initializer, tensor_initializer, bias_initializer: Of W, V, b.
        kernel_regularizer, tensor_regularizer, bias_regularizer: Of W, V, b.
        kernel_constraint, tensor_constraint, bias_constraint: Of W, V, b.

    Example:

    >>> import numpy as np
    >>> from rnnzoo.layers import TreeRNN, encode_trees
    >>> trees = encode_trees([((1, 2), 3), (4, (5, (6, 7)))])
    >>> trees["children"].shape          # 2 trees, 3 levels, 1 node per level
    (2, 3, 1, 2)
    >>> leaves = np.random.default_rng(0).normal(size=(2, 4, 8)).astype("float32")
    >>> root = TreeRNN(8)(leaves, trees["children"], trees["root"])
    >>> tuple(root.shape)
    (2, 8)

    In a model, the leaves come from an Embedding of the leaf ids:

    >>> import keras
    >>> ids = keras.Input((None,), dtype="int32", name="leaf_ids")
    >>> children = keras.Input((None, None, 2), dtype="int32", name="children")
    >>> root = keras.Input((), dtype="int32", name="root")
    >>> vector = TreeRNN(8)(keras.layers.Embedding(10, 8)(ids), children, root)
    >>> model = keras.Model({"leaf_ids": ids, "children": children, "root": root}, keras.layers.Dense(1)(vector))
    >>> x = {k: trees[k] for k in ("leaf_ids", "children", "root")}
    >>> model.predict(x, verbose=0).shape
    (2, 1)

    References:
        R. Socher, C. Lin, A. Ng, C. Manning, "Parsing natural scenes and
        natural language with recursive neural networks", ICML 2011;
        R. Socher et al., "Recursive deep models for semantic compositionality
        over a sentiment treebank", EMNLP 2013 (the tensor form).
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        use_tensor=False,
        return_nodes=False,
        kernel_initializer="glorot_uniform",
        tensor_initializer=None,
        bias_initializer="zeros",
        kernel_regularizer=None,
        tensor_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        tensor_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_dtype_supported(type(self).__name__, kwargs.get("dtype"))
        self.units = check_positive_int("units", units)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.use_tensor = bool(use_tensor)
        self.return_nodes = bool(return_nodes)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        if tensor_initializer is None:
            # Small, so the bilinear term starts as a correction to W x (Socher 2013 draws V from U(-1/(4d), 1/(4d))).
            bound = 1.0 / (4.0 * self.units)
            tensor_initializer = keras.initializers.RandomUniform(-bound, bound)
        self.tensor_initializer = keras.initializers.get(tensor_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.tensor_regularizer = keras.regularizers.get(tensor_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.tensor_constraint = keras.constraints.get(tensor_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)

    # ---- shapes --------------------------------------------------------------
    def _check_shapes(self, leaves_shape, children_shape, root_shape):
        name = type(self).__name__
        leaves_shape, children_shape = tuple(leaves_shape), tuple(children_shape)
        if len(leaves_shape) != 3:
            raise ValueError(f"{name} expects `leaves` of rank 3 (batch, n_leaves, units). "
                             f"Received: leaves with shape {leaves_shape}")
        if leaves_shape[-1] is not None and leaves_shape[-1] != self.units:
            raise ValueError(f"{name} has units={self.units}: leaf vectors must have {self.units} features. "
                             f"Received: leaves with shape {leaves_shape}")
        if leaves_shape[1] == 0:
            raise ValueError(f"{name} needs at least one leaf per tree. Received: leaves with shape {leaves_shape}")
        if len(children_shape) != 4 or children_shape[-1] not in (2, None):
            raise ValueError(f"{name} expects `children` of shape (batch, n_levels, width, 2). "
                             f"Received: children with shape {children_shape}")
        if root_shape is not None:
            root_shape = tuple(root_shape)
            if len(root_shape) != 1:
                raise ValueError(f"{name} expects `root` of rank 1 (batch,). Received: root with shape {root_shape}")
        batches = {s[0] for s in (leaves_shape, children_shape, root_shape) if s is not None and s[0] is not None}
        if len(batches) > 1:
            raise ValueError(f"{name}: `leaves`, `children` and `root` must have the same batch size. Received: "
                             f"leaves {leaves_shape}, children {children_shape}, root {root_shape}")

    def build(self, leaves_shape, children_shape, root_shape=None):
        self._check_shapes(leaves_shape, children_shape, root_shape)
        u = self.units
        self.kernel = self.add_weight(shape=(2 * u, u), name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.tensor = None
        if self.use_tensor:
            self.tensor = self.add_weight(shape=(2 * u, 2 * u, u), name="tensor", initializer=self.tensor_initializer,
                                          regularizer=self.tensor_regularizer, constraint=self.tensor_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(u,), name="bias", initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def compute_output_shape(self, leaves_shape, children_shape, root_shape=None):
        batch = leaves_shape[0]
        root = (batch, self.units)
        if not self.return_nodes:
            return root
        sizes = (leaves_shape[1], children_shape[1], children_shape[2])
        n_nodes = None if None in sizes else sizes[0] + sizes[1] * sizes[2]
        return root, (batch, n_nodes, self.units)

    # ---- the composition -------------------------------------------------------
    def compose(self, pairs):
        """f(W x + b [+ xᵀ V x]) for x = [c_left; c_right] of shape (..., 2·units)."""
        shape = ops.shape(pairs)
        x = ops.reshape(pairs, (-1, 2 * self.units))  # 2-D matmuls only: XLA differentiates them in a while loop
        z = ops.matmul(x, self.kernel)
        if self.use_tensor:
            outer = ops.reshape(x[:, :, None] * x[:, None, :], (-1, 4 * self.units**2))
            z = z + ops.matmul(outer, ops.reshape(self.tensor, (4 * self.units**2, self.units)))
        if self.use_bias:
            z = z + self.bias
        return ops.reshape(self.activation(z), (*shape[:-1], self.units))

    def call(self, leaves, children, root):
        self._check_shapes(leaves.shape, children.shape, root.shape)
        check_indices(children, root, leaves.shape[1])
        children = ops.cast(children, "int32")
        root = ops.cast(root, "int32")
        u = self.units
        batch, n_leaves = ops.shape(leaves)[0], ops.shape(leaves)[1]
        n_levels, width = ops.shape(children)[1], ops.shape(children)[2]
        n_nodes = n_leaves + n_levels * width
        # All nodes in one (batch, n_nodes, units) tensor, leaves first; each
        # level fills its `width` slots. Rows of the flattened tensor are
        # tree * n_nodes + node.
        nodes = ops.concatenate([leaves, ops.zeros((batch, n_levels * width, u), leaves.dtype)], axis=1)
        rows = ops.reshape(ops.arange(batch, dtype="int32") * n_nodes, (-1, 1))
        positions = ops.arange(n_nodes, dtype="int32")

        def one_level(level, nodes):
            index = ops.reshape(ops.take(children, level, axis=1), (batch, -1))  # (batch, 2 width)
            padding = index < 0
            index = ops.clip(ops.where(padding, 0, index), 0, n_nodes - 1)
            picked = ops.take(ops.reshape(nodes, (-1, u)), ops.reshape(rows + index, (-1,)), axis=0)
            parents = self.compose(ops.reshape(picked, (batch, -1, 2 * u)))  # (batch, width, units)
            empty = ops.reshape(padding, (batch, -1, 2))[..., :1]
            parents = ops.where(empty, ops.zeros_like(parents), parents)
            # Write the level into its slots with a gather and a select (a
            # scatter or slice update has no gradient on every backend).
            slot = positions - (n_leaves + level * width)
            inside = ops.reshape((slot >= 0) & (slot < width), (1, -1, 1))
            placed = ops.take(parents, ops.clip(slot, 0, ops.maximum(width - 1, 0)), axis=1)
            return ops.where(inside, placed, nodes)

        if isinstance(n_levels, int):
            # Levels known when traced (always on JAX): a Python loop, which every
            # backend differentiates, under XLA too.
            for level in range(n_levels):
                nodes = one_level(level, nodes)
        else:
            # TensorFlow with an unknown number of levels (a function traced for
            # varying shapes, as `fit` and `predict` retrace): a while loop.
            _, nodes = ops.while_loop(
                lambda level, nodes: level < n_levels,
                lambda level, nodes: (level + 1, one_level(level, nodes)),
                (ops.convert_to_tensor(0, "int32"), nodes),
                maximum_iterations=n_levels,
            )
        root_index = ops.clip(ops.reshape(root, (-1, 1)), 0, n_nodes - 1)
        root_vectors = ops.take(ops.reshape(nodes, (-1, u)), ops.reshape(rows + root_index, (-1,)), axis=0)
        if self.return_nodes:
            return root_vectors, nodes
        return root_vectors

    def get_config(self):
        config = {
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "use_tensor": self.use_tensor,
            "return_nodes": self.return_nodes,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "tensor_initializer": keras.initializers.serialize(self.tensor_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "tensor_regularizer": keras.regularizers.serialize(self.tensor_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "tensor_constraint": keras.constraints.serialize(self.tensor_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }
        return {**super().get_config(), **config}


# --------------------------------------------------------------------------
# Index checks: wherever the values are concrete.
# --------------------------------------------------------------------------
def _concrete(x):
    """x as a numpy array if its values are known here (numpy, eager tensors), else None."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, keras.KerasTensor):
        return None
    try:
        return np.asarray(ops.convert_to_numpy(x))
    except Exception:  # a traced tensor (tf.function graph, jax tracer): values unknown
        return None


def check_indices(children, root, n_leaves):
    """Raise ValueError naming the first bad index of `children` or `root`
    (see the module docstring for the rules). Does nothing on traced tensors."""
    children, root = _concrete(children), _concrete(root)
    if children is None or n_leaves is None:
        return
    if not np.issubdtype(children.dtype, np.integer):
        raise ValueError(f"`children` must hold integer indices. Received: children with dtype {children.dtype}")
    _, n_levels, width, _ = children.shape
    limit = n_leaves + np.arange(n_levels).reshape(1, -1, 1, 1) * width  # the nodes computed before each level
    padding = children < 0
    half = padding.any(-1) & ~padding.all(-1)
    if half.any():
        tree, level, slot = map(int, np.argwhere(half)[0])
        raise ValueError(f"`children` of tree {tree}, level {level}, slot {slot} is {children[tree, level, slot].tolist()}: "
                         "a node has two children, or is padding (-1, -1)")
    if (children < -1).any():
        tree, level, slot, side = map(int, np.argwhere(children < -1)[0])
        raise ValueError(f"`children` of tree {tree}, level {level}, slot {slot} is {children[tree, level, slot].tolist()}: "
                         "indices are >= 0, or -1 for padding")
    late = (children >= limit) & ~padding
    if late.any():
        tree, level, slot, side = map(int, np.argwhere(late)[0])
        value = int(children[tree, level, slot, side])
        total = n_leaves + n_levels * width
        what = "out of range" if value >= total else "not yet computed at that level"
        raise ValueError(
            f"`children` of tree {tree}, level {level}, slot {slot} is {children[tree, level, slot].tolist()}: "
            f"index {value} is {what}; a node at level {level} may only use nodes < {int(limit[0, level, 0, 0])} "
            f"({n_leaves} leaves + {level} levels of width {width}; {total} nodes in all)")
    if root is None:
        return
    if not np.issubdtype(root.dtype, np.integer):
        raise ValueError(f"`root` must hold integer indices. Received: root with dtype {root.dtype}")
    total = n_leaves + n_levels * width
    bad = (root < 0) | (root >= total)
    if bad.any():
        tree = int(np.argwhere(bad)[0][0])
        raise ValueError(f"`root` of tree {tree} is {int(root[tree])}: out of range for {total} nodes")


# --------------------------------------------------------------------------
# Nested tuples -> arrays.
# --------------------------------------------------------------------------
def _is_node(tree):
    return isinstance(tree, (tuple, list))


def encode_trees(trees, leaf_ids=None, n_leaves=None, n_levels=None, width=None, pad_id=0):
    """Encode binary trees given as nested tuples into the arrays `TreeRNN` takes.

    A tree is a leaf (any object that is not a tuple or list) or a pair
    `(left, right)` of trees. Leaves are numbered left to right.

    Args:
        trees: A list of trees.
        leaf_ids: How a leaf becomes an integer id: None (leaves are ints
            already), a dict, or a callable.
        n_leaves, n_levels, width: Pad to these sizes (so that every batch has
            one shape and a compiled function is traced once); None pads to
            the largest tree of `trees`. A tree that does not fit is a ValueError.
        pad_id: The id of padding leaves.

    Returns:
        A dict of numpy int32 arrays: `leaf_ids` (B, n_leaves), `children`
        (B, n_levels, width, 2), `root` (B,) and `n_leaves_per_tree` (B,).

    >>> arrays = encode_trees([("a", ("b", "c"))], leaf_ids={"a": 1, "b": 2, "c": 3})
    >>> arrays["leaf_ids"].tolist(), arrays["children"].tolist(), arrays["root"].tolist()
    ([[1, 2, 3]], [[[[1, 2]], [[0, 3]]]], [4])
    """
    if not isinstance(trees, (list, tuple)):
        raise ValueError(f"`trees` must be a list of trees. Received: trees={trees!r}")
    if isinstance(leaf_ids, dict):
        table = leaf_ids
        leaf_ids = lambda leaf: table[leaf]  # noqa: E731
    elif leaf_ids is None:
        leaf_ids = _int_leaf
    elif not callable(leaf_ids):
        raise ValueError(f"`leaf_ids` must be None, a dict or a callable. Received: leaf_ids={leaf_ids!r}")
    for name, value in (("n_leaves", n_leaves), ("n_levels", n_levels), ("width", width)):
        if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0):
            raise ValueError(f"Argument `{name}` must be None or an integer >= 0. Received: {name}={value!r}")
    if n_leaves is not None:
        check_positive_int("n_leaves", n_leaves)

    flat = [_flatten(tree, leaf_ids, i) for i, tree in enumerate(trees)]
    need_leaves = max([len(f[0]) for f in flat], default=1)
    need_levels = max([len(f[1]) for f in flat], default=0)
    need_width = max([len(level) for f in flat for level in f[1]], default=1)
    for name, given, needed in (("n_leaves", n_leaves, need_leaves), ("n_levels", n_levels, need_levels),
                                ("width", width, need_width)):
        if given is not None and given < needed:
            raise ValueError(f"Argument `{name}`={given} is too small: these trees need {name}={needed}")
    n_leaves = need_leaves if n_leaves is None else int(n_leaves)
    n_levels = need_levels if n_levels is None else int(n_levels)
    width = max(need_width, 1) if width is None else int(width)
    if n_levels and not width:
        raise ValueError("Argument `width`=0 is too small: these trees have internal nodes")

    ids = np.full((len(trees), n_leaves), pad_id, "int32")
    children = np.full((len(trees), n_levels, width, 2), -1, "int32")
    root = np.zeros((len(trees),), "int32")
    counts = np.zeros((len(trees),), "int32")
    for b, (tree_leaves, levels, root_ref) in enumerate(flat):
        ids[b, : len(tree_leaves)] = tree_leaves
        counts[b] = len(tree_leaves)

        def index(ref):
            kind, a, k = ref  # ("leaf", position, _) or ("node", level, slot)
            return a if kind == "leaf" else n_leaves + a * width + k

        for level, nodes in enumerate(levels):
            for slot, (left, right) in enumerate(nodes):
                children[b, level, slot] = index(left), index(right)
        root[b] = index(root_ref)
    return {"leaf_ids": ids, "children": children, "root": root, "n_leaves_per_tree": counts}


def _int_leaf(leaf):
    if isinstance(leaf, (int, np.integer)) and not isinstance(leaf, bool):
        return int(leaf)
    raise ValueError(f"A leaf must be an integer id when `leaf_ids` is None. Received: leaf {leaf!r}")


def _flatten(tree, leaf_ids, number):
    """(leaf ids, nodes per level as [(left ref, right ref)], root ref) of one tree.
    Iterative, so a tree deeper than Python's recursion limit is no problem."""
    leaves, levels = [], []
    done = []  # (ref, level) of finished subtrees, in post-order
    stack = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        if not _is_node(node):
            leaves.append(int(leaf_ids(node)))
            done.append((("leaf", len(leaves) - 1, 0), -1))
        elif not expanded:
            if len(node) != 2:
                raise ValueError(f"Tree {number} has a node with {len(node)} children; trees must be binary. "
                                 f"Received: node {node!r}")
            stack += [(node, True), (node[1], False), (node[0], False)]
        else:
            (right, right_level), (left, left_level) = done.pop(), done.pop()
            level = max(left_level, right_level) + 1
            if level == len(levels):
                levels.append([])
            levels[level].append((left, right))
            done.append((("node", level, len(levels[level]) - 1), level))
    return leaves, levels, done[0][0]
