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
    "shapes-captioner": {
        "description": "Image captioning of procedural shape scenes: small CNN + soft attention (Show, Attend and Tell) + LSTM",
        "task": "image-captioning",
        "builder": "applications.image_captioning.model:build",
        "config": {
            "vocabulary": [
                "<pad>", "<unk>", "<start>", "<end>", "a", "and", "there", "is", "to", "the", "of", "left", "right",
                "above", "below", "small", "large", "red", "green", "blue", "yellow", "purple", "circle", "square",
                "triangle", "diamond", "in", "top", "at", "on", "middle", "bottom",
            ],
            "max_length": 18,
            "image_size": 64,
            "backbone": "small-cnn",
            "imagenet_weights": False,
            "train_backbone": True,
            "feature_dim": 128,
            "rnn": "lstm",
            "units": 256,
            "embedding_dim": 64,
            "decoder": "attention",
            "attention_units": 128,
            "dropout": 0.2,
            "learning_rate": 0.002,
        },
        "dataset": (
            "procedural scenes (applications/image_captioning/scenes.py, seed 0): 64x64 images of 1-3 shapes "
            "(4 shapes x 5 colours x 2 sizes), 3-6 reference captions each; 12,000 training scenes without the 4 "
            "held-out (colour, shape) pairings; 500 in-distribution test scenes; 500 compositional test scenes, "
            "each holding at least one held-out pairing (red square, green triangle, blue diamond, yellow circle)"
        ),
        "metric": {
            "images_per_split": 500,
            "beam_size": 5,
            "test_greedy": {"bleu1": 0.9993, "bleu2": 0.9976, "bleu3": 0.9946, "bleu4": 0.9884, "objects_named": 0.9981},
            "test_beam5": {"bleu1": 1.0, "bleu2": 0.9983, "bleu3": 0.9956, "bleu4": 0.9911, "objects_named": 1.0},
            "compositional_greedy": {"bleu1": 0.9213, "bleu2": 0.8993, "bleu3": 0.8694, "bleu4": 0.8279, "objects_named": 0.142},
            "compositional_beam5": {"bleu1": 0.9209, "bleu2": 0.9026, "bleu3": 0.8751, "bleu4": 0.8373, "objects_named": 0.144},
            "validation_loss_nats_per_word": 0.1608,
            "how": (
                "corpus BLEU-1..4 (sacrebleu, 13a tokenisation, no smoothing) of one caption per image against all "
                "of its references, over scenes.make_split(split, 500) for split 'test' and 'compositional'; "
                "greedy decoding and beam search of width 5 (sum of log-probabilities). objects_named: the fraction "
                "of objects whose whole phrase (size colour shape) the caption holds (scenes.objects_named), on "
                "'compositional' counting only the held-out pairings: BLEU forgives 'red circle' for a red square, "
                "this does not. Beam figures re-measured from the bundled weights with the final beam search, "
                "which renormalises over the words a caption may hold (the training run printed test BLEU-4 0.9910)"
            ),
        },
        "command": (
            "python -m applications.image_captioning.train --checkpoint-dir checkpoints/shapes-captioner "
            "--save checkpoints/shapes-captioner.weights.h5 --metrics-json runs/shapes-captioner.json "
            "&& cp checkpoints/shapes-captioner.weights.h5 zoo/weights/"
        ),
        "parameters": 849792,
        "weights": {
            "file": "shapes-captioner.weights.h5",
            "sha256": "7e6b41cd682d796ca286dcc55dc924ac9ff543374cc01f892755c8087c179c93",
            "bytes": 3489752,
        },
        "trained_on": "2-core x86-64 CPU, no GPU (TensorFlow 2.21, Keras 3.15.1): 4 epochs, 3,256 steps of 64 captions, 16 minutes (shared with other jobs)",
    },
}
