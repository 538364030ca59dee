"""The pretrained models of the zoo, one entry (a dict) per model.

An entry is data, read by `rnnzoo.zoo.loading` (the one function that builds models
from entries) and the `rnnzoo` CLI:
    builder      "module:function" returning a compiled model from `config`
    config       everything the builder needs, vocabulary included
    weights      a file bundled in zoo/weights/ (or a "url" to cache), with its sha256
    metric       what it reached and how that was measured
    command      the exact command that trained it (from the repository root)
"""

# The captioners' shared architecture (train.py's defaults): small CNN from scratch, soft attention, LSTM(256).
SMALL_CNN_CAPTIONER = {
    "max_length": 18, "image_size": 64, "backbone": "small-cnn", "imagenet_weights": False, "train_backbone": True,
    "feature_dim": 128, "rnn": "lstm", "units": 256, "embedding_dim": 64, "decoder": "attention",
    "attention_units": 128, "dropout": 0.2,
}

MODELS = {
    "shakespeare-char": {
        "description": "Character-level language model of tiny-shakespeare: 2 x 384 PeepholeLSTM",
        "task": "text-generation",
        "builder": "rnnzoo.applications.char_shakespeare.model:build",
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
        "command": "python -m rnnzoo.applications.char_shakespeare.train --checkpoint-dir checkpoints/shakespeare-char --save zoo/weights/shakespeare-char.weights.h5",
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
        "builder": "rnnzoo.applications.speech_ctc.model:build",
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
                "python -m rnnzoo.applications.speech_ctc.evaluate: corpus WER/CER (total edits / reference words) over 500 "
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
        "command": "python -m rnnzoo.applications.speech_ctc.train --checkpoint-dir checkpoints/spoken-digits-ctc --save zoo/weights/spoken-digits-ctc.weights.h5",
        "parameters": 327005,
        "weights": {
            "file": "spoken-digits-ctc.weights.h5",
            "sha256": "02ca32833b3cbdc1e39c10e34d8ca487505bc8bce2553f0f1d84dcd76e000ac2",
            "bytes": 1359096,
        },
        "trained_on": "2-core x86-64 CPU, no GPU (TensorFlow 2.21, Keras 3.15.1), shared with other jobs: 20 epochs, 2,000 steps, 57 minutes",
    },
    "english-ctc": {
        "description": "Open-vocabulary English speech recognition: conv + 3 x Bidirectional GRU(256), character-level CTC, "
                       "trained on synthetic speech from four TTS engines (8 kHz; other rates resampled)",
        "task": "speech-recognition",
        "builder": "rnnzoo.applications.speech_ctc.model:build",
        "config": {
            "alphabet": " 'abcdefghijklmnopqrstuvwxyz",
            "rnn": "gru",
            "units": 256,
            "num_layers": 3,
            "conv_filters": 192,
            "conv_kernel": 11,
            "num_mels": 40,
            "sample_rate": 8000,
            "dropout": 0.1,
            "spec_augment": True,
            "learning_rate": 0.001,
        },
        # The real sets `python -m rnnzoo.applications.speech_ctc.evaluate --model english-ctc` reads.
        # fsdd-digits:yweweler is the one FSDD speaker whose clips the training never used (--fsdd-unseen-speaker).
        "test_sets": ["ljspeech", "pocketsphinx", "fsdd-digits", "fsdd-digits:yweweler"],
        # `rnnzoo transcribe --lm` and `evaluate --lm`: a character 6-gram (interpolated Kneser-Ney) of the 21,600
        # training transcripts, kept as that text; alpha and beta chosen (with the stage-2 weights, not tuned again
        # after stage 3) by CER on 200 validation recordings whose
        # sentence the training text lacks (alpha 0 / 0.25 / 0.5 / 0.75 / 1 x beta 0 / 0.5 / 1 / 1.5 / 2: 26.97 % -> 22.60 %).
        # Made by: python -m rnnzoo.applications.speech_ctc.language_model --data-dir ~/.cache/rnnzoo/speech-english
        #          --out runs/english-ctc.lm.txt.gz --tune 200
        "language_model": {"file": "english-ctc.lm.txt.gz", "sha256": "b0a7626b7938d2a9f9c663686ea95556249d0df21ef38d62784ebdfaf5dde155",
                           "order": 6, "alpha": 0.5, "beta": 1.5, "beam": 16},
        "dataset": "24,000 synthetic utterances (18.4 h; python -m rnnzoo.applications.speech_ctc.synthesize, seed 0): "
                   "Chit-Chat turns, tiny-shakespeare lines and numbers spoken by espeak-ng (7,277), piper joe (7,137), "
                   "festival (4,831) and flite (4,755) voices with speed, room, noise, telephone and level perturbations; "
                   "a random 10 % validates. Stage 3 adds 2,400 real FSDD digit strings from the training takes 5-44 of "
                   "four speakers (george, jackson, lucas, nicolas; yweweler left out entirely, and every test take 0-4)",
        "metric": {
            "validation_wer_greedy": 0.5819, "validation_cer_greedy": 0.2379, "validation_cer_beam": 0.2304,
            "ljspeech_cer_greedy": 0.4294, "ljspeech_cer_beam": 0.4199, "ljspeech_wer_greedy": 0.9199, "ljspeech_wer_beam": 0.9286,
            "pocketsphinx_cer_greedy": 0.3801, "pocketsphinx_cer_beam": 0.3844, "pocketsphinx_wer_greedy": 0.8478, "pocketsphinx_wer_beam": 0.8587,
            "fsdd_digits_cer_greedy": 0.0843, "fsdd_digits_cer_beam": 0.0696, "fsdd_digits_wer_greedy": 0.2356, "fsdd_digits_wer_beam": 0.1804,
            "fsdd_unseen_speaker_cer_greedy": 0.1367, "fsdd_unseen_speaker_cer_beam": 0.1283,
            "fsdd_unseen_speaker_wer_greedy": 0.3492, "fsdd_unseen_speaker_wer_beam": 0.3149,
            "real_time_factor": 0.056,
            "ljspeech_cer_lm": 0.4080, "ljspeech_wer_lm": 0.8711, "pocketsphinx_cer_lm": 0.3996, "pocketsphinx_wer_lm": 0.7935,
            "fsdd_digits_cer_lm": 0.0397, "fsdd_digits_wer_lm": 0.0596,
            "fsdd_unseen_speaker_cer_lm": 0.0883, "fsdd_unseen_speaker_wer_lm": 0.1303, "real_time_factor_lm": 0.048,
            "how": "python -m rnnzoo.applications.speech_ctc.evaluate --model english-ctc --lm: each real clip transcribed alone, "
                   "greedy, beam 8, and beam 16 with the language_model below (*_lm); "
                   "32 LJSpeech clips (221.7 s), 10 pocketsphinx-testdata clips (34.4 s), 500 FSDD test-take digit strings "
                   "(seed 2026) of all five speakers and 500 of yweweler's alone (fsdd_unseen_speaker_*); real-time factors: "
                   "the network (greedy) and the network and search (_lm), the largest of the sets', measured beside one "
                   "other single-thread job on the 2 cores. Under-trained (8 epochs in all): the CER <= 30 % bar on "
                   "LJSpeech and pocketsphinx is not met; FSDD WER <= 10 % is met with --lm only",
        },
        "command": "python -m rnnzoo.applications.speech_ctc.synthesize --utterances 24000; stage 1: python -m rnnzoo.applications.speech_ctc.train --data-dir ~/.cache/rnnzoo/speech-english --units 256 --layers 3 --conv-filters 192 --epochs 2 --batch-size 32 --learning-rate 1e-3 --checkpoint-dir checkpoints/english-ctc --save runs/english-ctc-1.weights.h5; stage 2: the same flags with --epochs 3 --init-weights runs/english-ctc-1.weights.h5 --checkpoint-dir checkpoints/english-ctc-2 --save runs/english-ctc-2.weights.h5; stage 3: the same flags with --epochs 3 --learning-rate 5e-4 --init-weights runs/english-ctc-2.weights.h5 --fsdd-utterances 2400 --fsdd-unseen-speaker yweweler --checkpoint-dir checkpoints/english-ctc-3 --save runs/english-ctc-3.weights.h5 (then copied to zoo/weights/english-ctc.weights.h5)",
        "parameters": 3156765,
        "weights": {"file": "english-ctc.weights.h5", "sha256": "093fc63fbfffffb858675875d71a6575928c734a14fa3614b3523e55dc5ddd68", "bytes": 12692152},
        "trained_on": "2-core x86-64 with AVX-512, no GPU, TensorFlow 2.21, Keras 3.15.1: stage 1, 2 epochs of 675 steps, 30 min; "
                      "stage 2 (warm-up and cosine from 1e-3 again), 3 epochs of 675 steps, 70 min; stage 3 (warm-up and "
                      "cosine from 5e-4), 3 epochs of 750 steps, 80 min (2.2 s a step); all beside other jobs",
    },
    "shapes-captioner": {
        "description": "Image captioning of procedural shape scenes: small CNN + soft attention (Show, Attend and Tell) + LSTM",
        "task": "image-captioning",
        "builder": "rnnzoo.applications.image_captioning.model:build",
        "config": {
            "vocabulary": [
                "<pad>", "<unk>", "<start>", "<end>", "a", "and", "there", "is", "to", "the", "of", "left", "right",
                "above", "below", "small", "large", "red", "green", "blue", "yellow", "purple", "circle", "square",
                "triangle", "diamond", "in", "top", "at", "on", "middle", "bottom",
            ],
            **SMALL_CNN_CAPTIONER,
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
            "python -m rnnzoo.applications.image_captioning.train --checkpoint-dir checkpoints/shapes-captioner "
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
    "drawings-captioner": {
        "description": "Captions for clipart, stamps and emoji: small CNN + soft attention (Show, Attend and Tell) + LSTM, "
                       "trained from scratch on real captioned drawings; the default of `rnnzoo caption`",
        "task": "image-captioning",
        "builder": "rnnzoo.applications.image_captioning.model:build",
        "config": {
            "vocabulary": {"file": "drawings.vocabulary.json",
                           "sha256": "8bafeee649ac586ad0670f753f9be022fc3eea3050d9a471cd6cd1487793ee11"},
            **SMALL_CNN_CAPTIONER,
            "word_dropout": 0.0,
            "learning_rate": 0.002,
        },
        # How `rnnzoo caption` shows it an image: as in training, fitted inside the square (aspect
        # kept) on a white page; captions whose confidence (geometric-mean word probability) is below
        # the threshold, chosen on the validation drawings (applications/image_captioning/evaluate.py), are withheld.
        "inference": {"background": 255, "keep_aspect": True, "confidence_threshold": 0.7084},
        "dataset": (
            "captioned drawings built by `python -m rnnzoo.applications.image_captioning.prepare_drawings` from Debian "
            "openclipart-svg 1:0.18 (public domain) and tuxpaint-stamps-default (GPL-2), and npm openmoji 17.0.0 "
            "(CC BY-SA 4.0), emoji-datasource-twitter 16.0.0 (Twemoji, CC BY 4.0) and emoji-datasource-google 16.0.0 "
            "(Noto, Apache 2.0): 20,276 drawings with 1-2 reference captions each from their metadata "
            "(drawings.reference_captions); 13,917 train, 806 validation, 1,660 test (held-out drawings of every "
            "source but Noto, by a hash of the file), 3,781 Noto emoji held out as a style, 112 emoji whose "
            "(person, activity, skin tone) triple is held out (drawings.held_out_combinations); training adds 2,000 "
            "scenes of 1-3 of the training split's shape emoji side by side, fills repainted in other shades of their "
            "colour (augment.shape_scenes)"
        ),
        "metric": {
            "beam_size": 5,
            "test_greedy": {"bleu1": 0.5369, "bleu2": 0.4534, "bleu3": 0.3943, "bleu4": 0.3519, "object_accuracy": 0.5139, "object_accuracy_openclipart": 0.4806, "object_accuracy_openmoji": 0.5711, "object_accuracy_tuxpaint": 0.0778, "object_accuracy_twemoji": 0.6081, "attributes": {"person": 0.6936, "activity": 0.711, "tone": 0.8671}, "images": 1660},
            "test_beam5": {"bleu1": 0.5636, "bleu2": 0.4844, "bleu3": 0.4325, "bleu4": 0.3957, "object_accuracy": 0.497, "object_accuracy_openclipart": 0.4944, "object_accuracy_openmoji": 0.5186, "object_accuracy_tuxpaint": 0.0667, "object_accuracy_twemoji": 0.5751, "attributes": {"person": 0.6705, "activity": 0.7399, "tone": 0.8555}, "images": 1660},
            "style_greedy": {"bleu1": 0.5355, "bleu2": 0.4284, "bleu3": 0.3451, "bleu4": 0.2896, "object_accuracy": 0.5139, "object_accuracy_noto": 0.5139, "attributes": {"person": 0.7221, "activity": 0.3267, "tone": 0.5244}, "images": 3781},
            "style_beam5": {"bleu1": 0.5646, "bleu2": 0.4585, "bleu3": 0.3765, "bleu4": 0.3206, "object_accuracy": 0.488, "object_accuracy_noto": 0.488, "attributes": {"person": 0.7163, "activity": 0.3302, "tone": 0.5116}, "images": 3781},
            "combinations_greedy": {"bleu1": 0.8091, "bleu2": 0.713, "bleu3": 0.6167, "bleu4": 0.5436, "object_accuracy": 0.9286, "object_accuracy_openmoji": 0.875, "object_accuracy_twemoji": 0.9821, "attributes": {"person": 0.6429, "activity": 0.75, "tone": 0.8214}, "images": 112},
            "combinations_beam5": {"bleu1": 0.8049, "bleu2": 0.7112, "bleu3": 0.6167, "bleu4": 0.5452, "object_accuracy": 0.9375, "object_accuracy_openmoji": 0.8929, "object_accuracy_twemoji": 0.9821, "attributes": {"person": 0.6071, "activity": 0.7946, "tone": 0.8214}, "images": 112},
            "validation_loss_nats_per_word": 1.1938,
            "confidence_threshold": 0.7084,
            "validation_right_captions_accepted": 0.7494,
            "validation_wrong_captions_refused": 0.6964,
            "noise_images_refused": 0.65,
            "plain_shapes": {"names_a_drawn_colour_or_shape": 0.905, "names_every_drawn_colour_and_shape": 0.585, "confident": 0.9, "confident_and_names_none": 0.02, "images": 200},
            "validation_object_accuracy_of_accepted": 0.6993,
            "how": (
                "corpus BLEU-1..4 (sacrebleu, 13a, unsmoothed) of one caption per drawing against all its references, "
                "drawings on white; object_accuracy: the fraction of captions holding the drawing's head noun or one "
                "of its keywords (drawings.names_object, stemmed; colour words and boilerplate never count), per "
                "style too; attributes: on emoji of a person with one skin tone, how often the caption names the "
                "person word, the activity's last word and the exact skin tone (drawings.attribute_scores); greedy "
                "and beam 5; plain_shapes: 200 PIL drawings of one or two coloured circles, squares or triangles on "
                "white (evaluate.plain_shapes, greedy, threshold as above). Printed by the training run (plain_shapes: "
                "by evaluate) and by `python -m rnnzoo.applications.image_captioning.evaluate`"
            ),
        },
        "command": (
            "python -m rnnzoo.applications.image_captioning.prepare_drawings && "
            "python -m rnnzoo.applications.image_captioning.train --drawings --epochs 12 --checkpoint-dir "
            "checkpoints/drawings-captioner --save checkpoints/drawings-captioner.weights.h5 --save-vocabulary "
            "checkpoints/drawings.vocabulary.json --metrics-json runs/drawings-captioner.json && cp "
            "checkpoints/drawings-captioner.weights.h5 checkpoints/drawings.vocabulary.json zoo/weights/ "
            "(threshold and grid: python -m rnnzoo.applications.image_captioning.evaluate --grid "
            "benchmarks/plots/drawings-captioner-grid.png)"
        ),
        "parameters": 1926494,
        "weights": {
            "file": "drawings-captioner.weights.h5",
            "sha256": "1bc5fd2fe48d8db7116304b490d2fb2c2e11851d85f649b57f73eaac6bea25aa",
            "bytes": 7796712,
        },
        "trained_on": "2-core x86-64 with AVX-512, no GPU (TensorFlow 2.21, Keras 3.15.1): 12 epochs, 3,720 steps of 64 "
                      "captions (13,917 drawings and 2,000 composed shape scenes), 36 min beside other jobs",
    },
    "chitchat-seq2seq": {
        "description": "Chat bot: bidirectional GRU encoder reading the last two turns and the prompt, GRU decoder, "
                       "Luong attention; MMI reranking with chitchat-reply-lm (Chit-Chat Challenge corpus)",
        "task": "chat",
        "builder": "rnnzoo.applications.seq2seq_chat.model:build",
        "config": {
            "rnn": "gru",
            "attention": "luong",
            "units": 256,
            "embedding_dim": 128,
            "dropout": 0.2,
            "label_smoothing": 0.0,
            "learning_rate": 0.002,
            "max_prompt_len": 40,
            "max_reply_len": 25,
            "context": 2,
            "copy": False,
            "ranking": 1.0,
            "vocabulary": {"file": "chitchat.vocabulary.json",
                           "sha256": "f2ad93962d39f7f86c8ad309e27a508c9cfd57ff6e24a2b16503c65d4a881d02"},
        },
        # What the evaluation reads: the corpus split and the pairs kept.
        "corpus": {"name": "chitchat", "split_seed": 0, "max_words": 20},
        # How `rnnzoo chat` decodes by default: the beam's 8 replies and 16 nucleus samples reranked by MMI
        # plus 4 x the ranking head's score; lambda and the weight chosen by BLEU-4 on 100 validation prompts
        # (lambda 0.5 / 0.7 / 1 x weight 0 / 0.5 / 1 / 2 / 4; see the README).
        "decoding": {"method": "mmi", "beam_width": 8, "alpha": 0.6, "mmi_lambda": 0.7, "mmi_samples": 16,
                     "ranking_weight": 4.0},
        "reply_lm": "chitchat-reply-lm",
        "dataset": "Chit-Chat Challenge corpus (chitchat-dataset 0.9.0 on PyPI, MIT licence; BYU PCC lab): 7,168 conversations, split by a seeded permutation (seed 0) into 6,452 train / 358 validation / 358 test; pairs of adjacent turns with both sides <= 20 words: 64,662 training pairs, 3,642 test",
        "metric": {
            "perplexity": 68.6612,
            "reply_only_perplexity": 72.8993,
            "ratio": 0.9419,
            "test_pairs": 3642,
            "test_conversations": 175,
            "hits_at_1_seq2seq": 0.322,
            "hits_at_1_seq2seq_log_p": 0.072,
            "hits_at_1_seq2seq_per_word": 0.084,
            "hits_at_1_seq2seq_ranking_plus_pmi": 0.267,
            "hits_at_1_seq2seq_mmi_lambda_1": 0.17,
            "hits_at_1_seq2seq_mmi_lambda_0.7": 0.106,
            "hits_at_1_reply_only_lm": 0.052,
            "hits_at_1_tfidf": 0.265,
            "hits_pairs": 1000,
            "distinct_1_greedy": 0.0515,
            "distinct_2_greedy": 0.1105,
            "bleu_greedy": 0.0036,
            "most_common_share_greedy": 0.045,
            "distinct_1_beam": 0.1152,
            "distinct_2_beam": 0.2682,
            "bleu_beam": 0.0013,
            "most_common_share_beam": 0.255,
            "distinct_1_beam_mmi": 0.1331,
            "distinct_2_beam_mmi": 0.3295,
            "bleu_beam_mmi": 0.0027,
            "most_common_share_beam_mmi": 0.18,
            "distinct_1_sampling": 0.2685,
            "distinct_2_sampling": 0.805,
            "bleu_sampling": 0.0021,
            "most_common_share_sampling": 0.005,
            "distinct_1_beam_mmi_ranking": 0.2007,
            "distinct_2_beam_mmi_ranking": 0.4791,
            "bleu_beam_mmi_ranking": 0.0062,
            "most_common_share_beam_mmi_ranking": 0.025,
            "generation_prompts": 200,
            "check": {"perplexity": 61.5558, "reply_only_perplexity": 64.6828, "pairs": 256},
            "how": "test split (358 conversations, 3,642 pairs with both sides <= 20 words): perplexity per word of the replies given two turns of context and the prompt ([end] included, padding excluded) against chitchat-reply-lm on the same replies; hits@1/20 on 1,000 seeded test pairs, the true reply against 19 replies from other test conversations, by the model's ranking head S(context, r) (hits_at_1_seq2seq), by log p(r | context) (in all and per word), by the MMI score log p(r | context) - lambda log p(r), by the reply-only LM's log p(r) and by TF-IDF cosine (idf from the training turns) of context and reply, ties counted as misses; distinct-n, the most common reply's share and sacrebleu BLEU-4 against the true reply on 200 seeded test prompts for greedy, beam 8, MMI alone (beam_mmi), MMI plus 4 x the ranking head (beam_mmi_ranking, the default decoding) and nucleus sampling (top-p 0.9); check: the perplexities of the first 256 test pairs, for the test suite"
        },
        "command": "stage 1: python -m rnnzoo.applications.seq2seq_chat.train --corpus chitchat --rnn gru --context 2 --max-words 20 --max-vocabulary 8000 --max-prompt-len 40 --max-reply-len 25 --dropout 0.2 --label-smoothing 0 --batch-size 64 --epochs 4 --baseline-lm --checkpoint-dir checkpoints/chitchat-seq2seq --save runs/s1.weights.h5 --save-lm runs/l1.weights.h5; stage 2: the same flags with --epochs 3 --learning-rate 1e-3 --ranking 1 --init-weights runs/s1.weights.h5 --init-lm-weights runs/l1.weights.h5 --checkpoint-dir checkpoints/chitchat-ft --save runs/chitchat-seq2seq.weights.h5 --save-lm runs/chitchat-reply-lm.weights.h5 (then copied to zoo/weights/); figures: python -m rnnzoo.applications.seq2seq_chat.evaluate",
        "parameters": 4625728,
        "trained_on": "stage 1: 2-core AMD EPYC (AVX2), no GPU, 4 epochs of 1,010 steps each model, 58 + 35 min; stage 2: 2-core x86-64 with AVX-512, no GPU, 3 epochs each, 26 + 26 min beside other jobs; TensorFlow 2.21, Keras 3.15.1",
        "weights": {"file": "chitchat-seq2seq.weights.h5", "sha256": "819111241fdc86a3893e62c19c3e65add93e61c1e1ecb2f8b25fa627bfda1c7d", "bytes": 18561400},
    },
    "chitchat-reply-lm": {
        "description": "Reply-only language model of chitchat-seq2seq's replies (its decoder without the encoder): "
                       "the baseline of its perplexity and the p(reply) of its MMI reranking",
        "task": "language-model",
        "builder": "rnnzoo.applications.seq2seq_chat.model:build",
        "config": {
            "rnn": "gru",
            "attention": "luong",
            "units": 256,
            "embedding_dim": 128,
            "dropout": 0.2,
            "label_smoothing": 0.0,
            "learning_rate": 0.002,
            "max_prompt_len": 40,
            "max_reply_len": 25,
            "context": 2,
            "copy": False,
            "conditioned": False,
            "vocabulary": {"file": "chitchat.vocabulary.json",
                           "sha256": "f2ad93962d39f7f86c8ad309e27a508c9cfd57ff6e24a2b16503c65d4a881d02"},
        },
        "dataset": "the replies of chitchat-seq2seq's training pairs",
        "metric": {"test_perplexity": 72.8993},
        "command": "the chitchat-seq2seq command (--baseline-lm trains it after the seq2seq model, same budget)",
        "parameters": 3442240,
        "weights": {"file": "chitchat-reply-lm.weights.h5", "sha256": "73637615449fc4bcabb3aefb4112514a68bdbb3f0e2f1495d246f81155db2c2b", "bytes": 13798032},
    },
    "chatterbot-seq2seq": {
        "description": "Chat bot: bidirectional LSTM encoder, LSTM decoder, Luong attention, copy mechanism (ChatterBot corpus)",
        "task": "chat",
        "builder": "rnnzoo.applications.seq2seq_chat.model:build",
        "config": {
            "rnn": "lstm",
            "attention": "luong",
            "units": 256,
            "embedding_dim": 128,
            "dropout": 0.5,
            "label_smoothing": 0.1,
            "learning_rate": 0.002,
            "max_prompt_len": 24,
            "max_reply_len": 40,
            "context": False,
            "copy": True,
            "vocabulary": [
            "", "[UNK]", "[start]", "[end]", "[sep]", ".", "the", "`", "is", "my", "(", ")", "and", ":", ",", "a",
            "i", "?", "=", "you", "in", "check", "not", "or", "it", "your", "if", "what", "ensure", "on", "of",
            "are", "self", "for", "to", "it's", "can", ";", "try", "any", "return", "restart", "connected",
            "screen", "monitor", "def", "]", "[", "here's", "password", "write", "s", "}", "{", "an", "computer",
            "’", "has", "then", "10", "-", "make", "do", "sure", "power", "isn't", "n", "hold", "won't", "turn",
            "seconds", "python", "plugged", "button", "can't", "1", "printing", "printer", "powered", "paper",
            "sound", "hear", "into", "webcam", "drivers", "detected", "device", "another", "volume", "port",
            "output", "function", "black", "usb", "selected", "responding", "plugging", "mouse", "changing",
            "batteries", "use", "laptop", "external", "connecting", "brightness", "adjusting", "working", "update",
            "internet", "graphics", "flickering", "driver", "cable", "router", "properly", "cables", "system",
            "reset", "option", "forgot", "contact", "air", "admin", "which", "vents", "that", "clean", "aren't",
            "overheating", "node", "dust", "blocked", "am", "me", "have", "as", "how", "+", "\"", "name", "0",
            "key", "class", "arr", "/", "was", "print", "like", "items", "who", "from", "about", "with", "tell",
            "number", "!", "heapq", "h", "const", "by", "<", "2", "i'm", "be", "graph", "log", "get", "but", "args",
            "*", "console", "queue", "javascript", "did", "data", "__init__", "type", "import", "heap", "don't",
            "5", "first", ">", "typescript", "table", "no", "cache", "feel", "all", "visited", "%", "when", "start",
            "neighbor", "joke", "value", "fib", "checker", "char", "at", "'", "string", "root", "right", "x",
            "software", "none", "count", "children", "add", "j", "does", "3", "very", "much", "item", "hash",
            "append", "”", "“", "last", "know", "country", "so", "b", "#", "why", "size", "range", "he", "else",
            "@", "think", "only", "one", "next", "len", "favorite", "false", "factorial", "callback", "app", "run",
            "heappush", "word", "we", "true", "many", "k", "human", "distances", "could", "been", "world", "while",
            "robots", "read", "other", "known", "inner", "head", "die", "well", "this", "stock", "set", "say",
            "robot", "promise", "priority", "palindrome", "memoize", "memoization", "deque", "will", "v", "two",
            "time", "that's", "just", "good", "ever", "counter", "city", "yes", "used", "up", "than", "should",
            "really", "pop", "mad", "left", "hard", "hal", "feeling", "computers", "chat", "yet", "work", "search",
            "said", "prime", "new", "more", "money", "market", "list", "let", "lambda", "greet", "gossip",
            "emotion", "eat", "distance", "animal", "using", "trienode", "trie", "too", "stack", "sort", "people",
            "new_node", "lot", "largest", "json", "is_end", "hello", "fizzbuzz", "doing", "curried", "body", "\\",
            "u", "things", "there", "them", "sense", "order", "numbers", "never", "makes", "his", "hi", "heappop",
            "express", "experience", "example", "better", "wrapper", "were", "way", "take", "speak", "simple",
            "result", "quite", "programmed", "outer", "orders", "now", "myself", "most", "love", "kind", "insert",
            "immortal", "higher", "func", "factor", "emotions", "double", "closure", "capable", "artificial",
            "anger", "would", "want", "tuple", "they", "test", "t", "state", "some", "science", "r", "query",
            "push", "play", "jsonify", "join", "hate", "generic", "flask", "every", "enum", "dream", "dfs",
            "current_node", "current_dist", "context", "color", "called", "baseball", "await", "async", "angry",
            "american", "$", "─", "where", "war", "users", "us", "url", "soccer", "same", "sad", "red", "question",
            "popleft", "pattern", "linked", "life", "is_empty", "index", "id", "history", "hardware", "group",
            "great", "going", "fn", "everything", "earth", "collections", "book", "bfs", "asyncio", "always",
            "algorithm", "'alice'", "''", "you're", "y", "wrote", "written", "union", "study", "sorry", "sometimes",
            "something", "res", "put", "president", "nice", "need", "might", "mean", "man", "made", "its", "int",
            "high", "game", "far", "dog", "cross", "common", "certainly", "cannot", "bot", "best", "api", "_", "|",
            "year", "weight", "w", "user_id", "united", "talk", "star", "server", "script", "resolve", "program",
            "point", "out", "mypromise", "multiplyby", "movie", "maybe", "matter", "math", "long", "little", "lie",
            "language", "john", "invented", "interface", "her", "guns", "gossips", "food", "film", "few", "female",
            "etc", "elif", "electricity", "dijkstra's", "descriptor", "decorator", "cricket", "comprehension",
            "character", "business", "being", "ask", "anything", "alias", "15", "'fizzbuzz'", "'fizz'", "'buzz'",
            "‘", "york", "won", "what's", "wavelength", "uses", "unit", "understand", "typedefs", "thank",
            "talking", "systems", "sun", "such", "states", "side", "route", "response", "resolvers", "request",
            "real", "re", "played", "piece", "pain", "own", "over", "os", "original", "operating", "once", "often",
            "o", "move", "moon", "mind", "min_idx", "methods", "may", "lost", "live", "large", "king", "interested",
            "install", "i've", "i'll", "had", "gql", "given", "free", "frank", "find", "field", "famous", "event",
            "even", "end", "each", "drink", "done", "day", "csv", "control", "chemistry", "chart", "brain", "bots",
            "blue", "because", "basketball", "apple", "anyone", "able", "'success", "'error'", "yourself", "young",
            "yesterday", "years", "yaml", "wish", "venus", "unix", "tree", "through", "though", "thing", "super",
            "subscription", "stringify", "story", "stand", "sql", "split", "similar", "shouldn't", "sell", "select",
            "see", "sea", "sapient", "robotics", "reverse", "rest", "regex", "reduce", "recursive", "quicksort",
            "propertykey", "promises", "programming", "probably", "priorityqueue", "pivot", "personal", "person",
            "peek", "parser", "open", "my_async_func", "mutation", "multiply_by", "mood", "mock", "metal", "means",
            "map", "making", "low", "linkedlist", "learn", "l", "jordan", "ispalindrome", "is_palindrome",
            "instructions", "immature", "illuminati", "herbert", "heard", "heapify", "haven't", "hashtable",
            "happy", "green", "go", "generator", "fun", "fruit", "form", "float", "fine", "feelings", "fear", "fan",
            "error", "enumerate", "enqueue", "energy", "dynamodb", "dune", "dollar", "dequeue", "deployment",
            "depends", "d", "conversation", "continent", "circuit", "chatterbox", "car", "capital", "calculations",
            "buy", "built", "building", "breadth", "books", "bird", "between", "basic", "based", "ball", "asimov",
            "arg", "anybody", "ai", "age", "actually", "__name__", "30", "200", "'hello", "wrong", "worry", "works",
            "woof", "wide", "web", "walk", "vineland", "universe", "understands", "trilogy", "training", "topic",
            "times", "three", "thought", "thomas", "they're", "thermodynamics", "their", "teknolust", "teams",
            "studied", "store", "status", "sqrt", "sports", "speed", "space", "south", "soon", "someone", "sleep",
            "simply", "shot", "sheep", "share", "shape", "shame", "settimeout", "sentient", "seen", "secret",
            "sadness", "rock", "rings", "relationships", "reject", "reader", "project", "production", "political",
            "players", "phrase", "personality", "perpetuated", "performs", "per", "particle", "part", "paris",
            "painted", "originally", "off", "ocean", "object", "npm", "novels", "nothing", "nonlocal", "names",
            "movies", "mother", "morning", "mid", "method", "met", "merge_sort", "merge", "match", "major",
            "madrid", "machines", "lord", "longest", "location", "linux", "laugh", "lambda_handler", "lack",
            "kingdom", "kinds", "killed", "js", "job", "jimmy", "jersey", "java", "iterative", "isprime",
            "is_prime", "intelligence", "indefinitely", "incapable", "improve", "ibm", "humans", "him", "help",
            "he's", "having", "handler", "graphql", "government", "gen", "galaxy", "g", "functions", "filter",
            "fetch", "f'hello", "f", "existence", "excellent", "everywhere", "enough", "english", "engine", "emote",
            "embarrassed", "electronic", "electric", "effectively", "earn", "e", "django", "disney", "difficult",
            "dictionary", "depth", "dead", "currency", "cramped", "course", "continue", "constructor", "construct",
            "conspiracy", "considered", "condition", "code", "chaucer", "capacity", "canada", "cake", "build",
            "brothers", "bragging", "born", "bored", "bit", "binary", "biggest", "bigger", "bash", "bad", "awesome",
            "author", "australia", "associated", "area", "appear", "also", "allowed", "alice", "again", "after",
            "africa", "add_edge", "actions", "accuracy", "ability", "abc", "101", "1000", "100", "'success'",
            "'pending'", "'item", "'infinity'", "├", "└", "…", "–", "yield", "yellow", "wouldn't", "wooden",
            "wondering", "woman", "windows", "win", "wimbledon", "william", "wife", "white", "went", "weevils",
            "wear", "ways", "water", "wants", "wanted", "vote", "vitamin", "vinci", "view", "video", "version",
            "verne", "vending", "variable", "user", "urls", "upon", "university", "unittest", "under", "txt",
            "toward", "told", "thinking", "they'd", "these", "therefore", "thanks", "terraform", "tennis",
            "temperature", "television", "team", "target", "tales", "takes", "support", "superstar", "sum", "sugar",
            "sufficient", "substance", "subjects", "subject", "stupid", "stuff", "str", "stop", "still",
            "stewardess", "stefani", "static", "started", "standard", "squares", "squared", "square", "speedrun",
            "spec", "speaking", "source", "sophisticated", "solaris", "society", "social", "smith", "smallest",
            "slick", "skin", "six", "singer", "sides", "show", "shortage", "shelf", "she", "several", "seven",
            "seriously", "series", "selection", "seems", "seem", "second", "scientific", "sci", "says", "save",
            "runs", "row", "round", "role", "robert", "richard", "rich", "return_value", "respond", "resource",
            "resolver", "reside", "requirements", "require", "requests", "reproduction", "released", "regarded",
            "ray", "rates", "rate", "ratchet", "ram", "race", "questions", "pytest", "pynchon", "py",
            "propertydescriptor", "programmer", "produce", "processing", "processes", "process", "prison", "pretty",
            "predict", "position", "popular", "poland", "poet", "pleasure", "player", "pipeline", "pipe", "pip",
            "pineapple", "piers", "pieces", "physics", "peter", "perform", "patterns", "patch", "parts", "owned",
            "outside", "others", "oscar", "originate", "organization", "order_count", "orbit", "operations",
            "online", "old", "okay", "obj", "obama", "num", "noticed", "note", "non", "nixon", "news", "network",
            "net", "nervous", "needs", "nations", "national", "nasa", "named", "mymethod", "mycontextmanager",
            "myclass", "my_decorator", "music", "mr", "movement", "motormouth", "mock_get", "mirror", "million",
            "miles", "middle", "michael", "metadata", "messagesent", "memory", "meet", "measure", "mathutils",
            "material", "mate", "mass", "mask", "manager", "male", "makefile", "macos", "machine", "mac", "m",
            "lots", "loom", "look", "lonely", "located", "listen", "linguistic", "line", "liked", "letter",
            "lennon", "lem", "led", "leader", "latest", "later", "land", "lady", "kubernetes", "kramer", "kayak",
            "jules", "jsonresponse", "jobs", "jim", "jealous", "jaw", "japanese", "janet", "jack", "items'",
            "issues", "ireland", "investment", "interests", "interesting", "inspirational", "inside", "insertion",
            "incorrect", "including", "implements", "impeached", "illuminatus", "ii", "idgenerator", "identity",
            "hydrogen", "hubble", "hope", "honest", "hobby", "hobbit", "hobbies", "hint", "hide", "here", "helm",
            "heat", "heart", "harder", "happen", "guy", "guilty", "grew", "greeting", "greatest", "gravitation",
            "governor", "gold", "godzilla", "gives", "give", "girl", "gibson", "get_json", "get_data", "george",
            "geoffrey", "functionally", "friends", "frequency", "frankenstein", "france", "found'", "formed",
            "forget", "forever", "football", "fond", "flag", "five", "fictional", "fiction", "fibonacci", "fi",
            "fetchdata", "features", "feature", "father", "fast", "farm", "fairly", "failed", "extend", "expressed",
            "experiencing", "expect", "exchange", "except", "exactly", "events", "evens", "europe", "especially",
            "err", "environment", "entity", "entities", "england", "email'", "email", "eleven", "element", "either",
            "eggs", "economics", "economic", "easily", "drop", "dreams", "down", "doubt", "doesn't", "dockerfile",
            "distribution", "disk", "disgusting", "dijkstra", "digits", "digital", "didn't", "dick", "diamond",
            "deploy", "delicious", "definition", "declaration", "debug", "dealing", "de", "dataclass", "database",
            "data'", "da", "cytology", "current", "cup", "crud", "cron", "created", "crazy", "count_up_to",
            "count_down", "couldn't", "corrupt", "coroutines", "copy", "copied", "conflict", "complicated",
            "company", "commonly", "com'", "college", "cold", "close", "cloning", "clones", "clone", "clinton",
            "civil", "ci", "christmas", "child", "chicken", "chicago", "charles", "charge", "changes", "century",
            "central", "celtic", "cells", "cd", "cave", "caused", "case", "carrying", "carolina", "capability",
            "candy", "cancer", "c", "bug", "buddhist", "bubble", "britain", "bringing", "breathe", "branch",
            "boto3", "bill", "bilbo", "big", "bend", "beings", "before", "bee", "becomes", "became", "battle",
            "bathroom", "bat", "barcelona", "barack", "bar", "bank", "band", "baggins", "backed", "back", "axis",
            "aws", "away", "automobile", "assert", "asking", "asked", "ashamed", "artist", "arrogant", "arrogance",
            "apply", "apolloserver", "apollo", "anthony", "animated", "animals", "androids", "ancient", "amount",
            "among", "ami", "amendment", "alien", "agree", "african", "afraid", "adduser", "added", "actress",
            "acting", "act", "access", "abundant", "abstractmethod", "abstract", "above", "^", "404", "4", "23",
            "2008", "2001", "00", "'value'", "'valid", "'user", "'statuscode'", "'response'", "'pong'", "'key'",
            "'id'", "'get'", "'called", "'body'", "'__main__'"
            ],
        },
        "dataset": "English ChatterBot corpus (gunthercox/chatterbot-corpus, 21 YAML files, 2,026 conversations, 2,306 pairs); 10 % of conversations held out by a seeded permutation (seed 0): 2,047 training pairs, 259 held-out",
        "metric": {
            "perplexity": 6.4510,
            "reply_only_perplexity": 7.8152,
            "ratio": 0.8254,
            "perplexity_seen": 1.1917,
            "perplexity_novel": 36.4267,
            "reply_only_perplexity_seen": 1.6621,
            "reply_only_perplexity_novel": 38.1969,
            "perplexity_novel_first_word": 38.1659,
            "perplexity_novel_from_prompt": 23.2899,
            "perplexity_novel_other": 38.4301,
            "reply_only_perplexity_novel_first_word": 70.3154,
            "reply_only_perplexity_novel_from_prompt": 54.2099,
            "reply_only_perplexity_novel_other": 33.6587,
            "perplexity_in_vocabulary": 6.1137,
            "reply_only_perplexity_in_vocabulary": 7.4158,
            "ratio_in_vocabulary": 0.8244,
            "bleu_greedy": 0.1971,
            "bleu_beam": 0.1561,
            "bleu_retrieval": 0.3757,
            "how": "perplexity: exp of the mean negative log-likelihood per word of the 259 held-out replies (teacher forcing, [end] included, padding excluded, replies cut to 39 words, words seen once in training as [UNK]) given their prompts; reply_only_perplexity: the same for a reply-only LM (the same embedding, decoder, combine and output layers, no encoder or attention; 1,006,732 parameters) trained by the same command with the same budget; ratio = perplexity / reply_only_perplexity; the _seen and _novel figures split the held-out pairs into the 106 whose prompt and reply also form a training pair (1,516 words) and the 153 others (1,479 words); the _novel_first_word, _novel_from_prompt and _novel_other figures split the novel words into each reply's first word (153), its other words that occur in the prompt (156) and the rest (1,170, [end] included); the _in_vocabulary figures leave out the 258 held-out [UNK] targets. BLEU: sacrebleu corpus BLEU-4 (13a, unsmoothed) over the 165 distinct held-out prompts, all their held-out replies as references, lower-cased punctuation-split words; greedy, beam (width 4, GNMT length penalty alpha 0.6), and the retrieval baseline (the reply of the TF-IDF cosine-nearest training prompt)",
        },
        "command": "python -m rnnzoo.applications.seq2seq_chat.train --copy --baseline-lm --checkpoint-dir checkpoints/chatterbot-seq2seq --save zoo/weights/chatterbot-seq2seq.weights.h5 --report runs/chatterbot-seq2seq.json --heatmap runs/chatterbot-seq2seq-attention.png",
        "parameters": 2255117,
        "weights": {
            "file": "chatterbot-seq2seq.weights.h5",
            "sha256": "09ac54f6bd27f864aa0d18c41fdb3d834d8a1a57bfd2a25d312f2f7b1b607f53",
            "bytes": 9076232,
        },
        "trained_on": "2-core x86-64 CPU shared with two other jobs, no GPU (TensorFlow 2.21, Keras 3.15.1): 40 epochs, 2,520 steps, 15 minutes (the reply-only LM and the evaluation included)",
    },
}
