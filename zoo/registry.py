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
}
