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
    "spoken-digits-ctc": {
        "description": "Speech recognition of spoken digit sequences: conv + 2 x Bidirectional GRU(96), character-level CTC",
        "task": "speech-recognition",
        "builder": "applications.speech_ctc.model:build",
        "config": {
            "alphabet": " 'abcdefghijklmnopqrstuvwxyz",
            "rnn": "gru",
            "units": 96,
            "num_layers": 2,
            "conv_filters": 96,
            "conv_kernel": 11,
            "num_mels": 40,
            "sample_rate": 8000,
            "dropout": 0.1,
            "spec_augment": True,
            "learning_rate": 0.002,
        },
        "dataset": (
            "Free Spoken Digit Dataset (2,500 clips, 5 speakers, 8 kHz): utterances of 1-7 clips joined with random "
            "gaps, gains and a faint noise floor, transcribed as words; trained on takes 5-44, validated on 45-49, "
            "tested on the official test takes 0-4 (never trained on)"
        ),
        "metric": {
            "wer_greedy": 0.0144,
            "wer_beam": 0.0134,
            "cer_greedy": 0.0090,
            "cer_beam": 0.0088,
            "long_wer_greedy": 0.0124,
            "long_wer_beam": 0.0096,
            "utterances": 500,
            "long_utterances": 200,
            "seed": 2026,
            "beam": 8,
            "subset_utterances": 60,
            "subset_wer_greedy": 0.03643724696356275,
            "subset_long_wer_greedy": 0.01858736059479554,
            "how": (
                "python -m applications.speech_ctc.evaluate: corpus WER/CER (total edits / reference words) over 500 "
                "utterances of 1-7 digits and 200 of 8-10 digits (longer than any training utterance) built from the "
                "test takes 0-4 with seed 2026; greedy and beam-search (width 8) CTC decoding of the same logits. "
                "long_*: the 8-10 digit set; subset_*: the first 60 utterances of each set (the test's quick check)"
            ),
        },
        "speed": {
            "inference_real_time_factor": 0.028,
            "training_audio_seconds_per_second": {"peephole": [86.8, 77.0], "lstm": [64.4, 46.6]},
            "training_throughput_ratio_peephole_over_lstm": [1.35, 1.65],
            "how": (
                "python benchmarks/speech_speed.py, two runs on a 2-core x86-64 CPU shared with other jobs (load average "
                "about 28): training of this architecture with PeepholeLSTM and with keras.layers.LSTM on one batch of 32 "
                "utterances (79.8 s of audio), median of 5 interleaved rounds; real-time factor of this model transcribing "
                "ten 8-10 digit recordings one at a time (second run)"
            ),
        },
        "command": "python -m applications.speech_ctc.train --checkpoint-dir checkpoints/spoken-digits-ctc --save zoo/weights/spoken-digits-ctc.weights.h5",
        "parameters": 327005,
        "weights": {
            "file": "spoken-digits-ctc.weights.h5",
            "sha256": "02ca32833b3cbdc1e39c10e34d8ca487505bc8bce2553f0f1d84dcd76e000ac2",
            "bytes": 1359096,
        },
        "trained_on": "2-core x86-64 CPU, no GPU (TensorFlow 2.21, Keras 3.15.1), shared with other jobs: 20 epochs, 2,000 steps, 57 minutes",
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
