"""The pretrained models of the zoo, one entry (a dict) per model.

An entry is data, read by `zoo.loading` (the one function that builds models
from entries) and the `rnnzoo` CLI:
    builder      "module:function" returning a compiled model from `config`
    config       everything the builder needs, vocabulary included
    weights      a file bundled in zoo/weights/ (or a "url" to cache), with its sha256
    metric       what it reached and how that was measured
    command      the exact command that trained it (from the repository root)
"""

MODELS = {
    "shakespeare-char": {
        "description": "Character-level language model of tiny-shakespeare: 2 x 384 PeepholeLSTM",
        "task": "text-generation",
        "builder": "applications.char_shakespeare.model:build",
        "config": {
            "vocabulary": "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            "rnn": "peephole",
            "units": 384,
            "num_layers": 2,
            "embedding_dim": 64,
            "dropout": 0.2,
            "learning_rate": 0.002,
        },
        "dataset": "tiny-shakespeare (karpathy/char-rnn input.txt, 1,115,394 characters); first 90 % train, last 10 % validation",
        "metric": {
            "validation_loss_nats_per_char": 1.4971,
            "bits_per_char": 2.1598,
            "seq_len": 100,
            "how": "model.evaluate over the last 10 % of the corpus cut into non-overlapping 100-character windows, each read from a zero state",
        },
        "command": "python -m applications.char_shakespeare.train --checkpoint-dir checkpoints/shakespeare-char --save zoo/weights/shakespeare-char.weights.h5",
        "parameters": 1902337,
        "weights": {
            "file": "shakespeare-char.weights.h5",
            "sha256": "30714599e358f45b16ee4055c20e2a0a9cce22268f4b0de45558bf9c7c7d6ee7",
            "bytes": 7642912,
        },
        "trained_on": "2-core x86-64 CPU, no GPU (TensorFlow 2.21, Keras 3.15.1): 15 epochs, 2,340 steps, 34 minutes",
    },
}
