"""
Title: Speech recognition with bidirectional recurrent layers and CTC
Author: rnnzoo
Description: Train a Deep-Speech-style acoustic model (conv front end, stacked
bidirectional GRU/LSTM/peephole/IRNN/leaky layers, per-frame characters and
the CTC blank) on spoken digit sequences, and decode it greedily and with
beam search.

Run it:

    python -m rnnzoo.applications.speech_ctc.train                      # the zoo's spoken-digits-ctc recipe
    python -m rnnzoo.applications.speech_ctc.train --rnn peephole       # the same with rnnzoo's PeepholeLSTM
    python -m rnnzoo.applications.speech_ctc.train --data-dir my_audio  # your WAVs + transcripts.csv
    python -m rnnzoo.applications.speech_ctc.train --tfds librispeech   # a tfds corpus (internet; 8 kHz model)
    python -m rnnzoo.applications.speech_ctc.train --smoke              # end to end in well under a minute

Copy this file as a template: every constant below is a flag.
"""

# ## Setup

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.common.training import TrainingConfig, save_weights, train  # noqa: E402
from rnnzoo.applications.speech_ctc import data, model as ctc_model  # noqa: E402
from rnnzoo.applications.speech_ctc.decode import transcribe_dataset  # noqa: E402
from rnnzoo.applications.speech_ctc.text import ALPHABET, cer, wer  # noqa: E402

BATCH_SIZE = 32  # utterances per step (about 80 s of audio)
STEPS_PER_EPOCH = 100  # every step draws fresh digit sequences: an epoch is 3,200 new utterances
EPOCHS = 20
LEARNING_RATE = 2e-3  # Adam; cosine decay to 0 after 200 warm-up steps
RNN, UNITS, NUM_LAYERS = "gru", 96, 2  # two bidirectional 96-unit GRU layers: ~0.3M parameters
CONV_FILTERS = 96
DROPOUT = 0.1
VALIDATION_UTTERANCES = 200  # validation-take sequences decoded at each epoch's end
SEED = 0
FSDD_EXTRA_SEED = 7  # --fsdd-utterances: the digit strings mixed into a --data-dir corpus


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train a CTC speech recogniser on spoken digit sequences.")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data-dir", help="a folder of audio files with transcripts.csv (rows: file,transcript)")
    source.add_argument("--tfds", choices=["speech_commands", "librispeech"], help="a tensorflow_datasets corpus (internet)")
    parser.add_argument("--tfds-split", default=None, help="tfds training split (default: train / train_clean100)")
    parser.add_argument("--rnn", default=RNN, choices=sorted(ctc_model.RECURRENT_LAYERS))
    parser.add_argument("--units", type=positive_int, default=UNITS)
    parser.add_argument("--layers", type=positive_int, default=NUM_LAYERS)
    parser.add_argument("--conv-filters", type=positive_int, default=CONV_FILTERS)
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--no-spec-augment", action="store_true", help="train without SpecAugment masking")
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE)
    parser.add_argument("--steps-per-epoch", type=positive_int, default=STEPS_PER_EPOCH)
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--checkpoint-dir", help="checkpoints every 100 steps; an interrupted run resumes from here")
    parser.add_argument("--log-dir", help="TensorBoard logs")
    parser.add_argument("--save", help="write the trained weights here (.weights.h5)")
    parser.add_argument("--init-weights", help="start from these weights (a .weights.h5 of the same architecture, e.g. "
                                               "the zoo's english-ctc) instead of a fresh initialisation")
    parser.add_argument("--fsdd-utterances", type=int, default=0,
                        help="with --data-dir: mix this many real FSDD digit strings (training takes 5-44) into the training "
                             "recordings, so the model hears real voices too; the test takes 0-4 stay unheard")
    parser.add_argument("--fsdd-unseen-speaker", help="with --fsdd-utterances: leave this FSDD speaker's clips out entirely")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--smoke", action="store_true", help="a tiny run, for tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.units, args.layers, args.conv_filters, args.batch_size = 8, 1, 8, 4
        args.steps_per_epoch, args.epochs = 2, 1
    if args.save and not args.save.endswith(".weights.h5"):
        parser.error(f"--save must end in .weights.h5, got {args.save}")
    if args.fsdd_utterances < 0:
        parser.error(f"--fsdd-utterances must be >= 0, got {args.fsdd_utterances}")
    if args.fsdd_unseen_speaker and not args.fsdd_utterances:
        parser.error(f"--fsdd-unseen-speaker {args.fsdd_unseen_speaker} needs --fsdd-utterances N (N > 0) to leave it out of")
    if args.fsdd_utterances and not args.data_dir:
        parser.error("--fsdd-utterances mixes digit strings into a --data-dir corpus; without one, FSDD is the corpus already")
    if args.init_weights and not Path(args.init_weights).is_file():
        parser.error(f"--init-weights: file not found: {args.init_weights}")
    return args


def initial_model(config, init_weights=None):
    """The model to train: fresh, or continuing from `init_weights` (a checkpoint, when the
    run resumes, then overrides both)."""
    model = ctc_model.build(**config)
    if init_weights:
        model.load_weights(init_weights)
    return model


# ## Data
def fsdd_data(args):
    """Fresh digit sequences from the training takes; fixed ones from the validation takes."""
    train_clips, validation_clips, _ = data.split_fsdd(data.read_fsdd())
    print(f"FSDD: {len(train_clips)} training clips (takes 5-44), {len(validation_clips)} validation clips (takes 45-49)")
    count = 8 if args.smoke else VALIDATION_UTTERANCES
    validation = data.fixed_batches(*data.fixed_utterances(validation_clips, count, seed=args.seed + 1), args.batch_size)
    return data.fsdd_training_batches(train_clips, args.batch_size, args.seed), validation, args.steps_per_epoch


def recorded_data(args):
    """Your own recordings or a tfds corpus: a random 10 % of them (drawn with --seed) validate."""
    if args.data_dir:
        audios, transcripts, sources = data.read_transcribed_folder(args.data_dir)
    else:
        split = args.tfds_split or ("train" if args.tfds == "speech_commands" else "train_clean100")
        audios, transcripts, sources = data.read_tfds(args.tfds, split, limit=200 if args.smoke else None)
    held, kept = data.hold_out(len(audios), args.seed)
    pick = lambda items, ids: [items[i] for i in ids]  # noqa: E731
    train = pick(audios, kept), pick(transcripts, kept), pick(sources, kept)
    if args.fsdd_utterances:  # after the hold-out, so the validation recordings stay the same
        train = [a + b for a, b in zip(train, fsdd_strings(args.fsdd_utterances, args.fsdd_unseen_speaker))]
    train_ds = data.fixed_batches(*train[:2], args.batch_size, sources=train[2], shuffle_seed=args.seed)
    held = held if len(held) else kept  # a single recording validates on itself
    validation = data.fixed_batches(pick(audios, held), pick(transcripts, held), args.batch_size)
    print(f"{len(train[0])} training and {len(held)} validation recordings")
    return train_ds, validation, -(-len(train[0]) // args.batch_size)


def fsdd_strings(count, unseen_speaker=None):
    """(audios, transcripts, sources): `count` fixed 1-7 digit strings from FSDD's training takes 5-44,
    without `unseen_speaker`'s clips (an error names an unknown speaker)."""
    train_clips, _, _ = data.split_fsdd(data.read_fsdd())
    speakers = sorted({c["speaker"] for c in train_clips})
    if unseen_speaker is not None and unseen_speaker not in speakers:
        raise ValueError(f"--fsdd-unseen-speaker: no FSDD speaker {unseen_speaker!r}; the speakers are {speakers}")
    clips = [c for c in train_clips if c["speaker"] != unseen_speaker]
    audios, transcripts = data.fixed_utterances(clips, count, FSDD_EXTRA_SEED)
    print(f"+ {count} FSDD digit strings from {len(clips)} training clips"
          + (f" (speaker {unseen_speaker} left out)" if unseen_speaker else ""))
    return audios, transcripts, [f"FSDD digit string {k}" for k in range(count)]


class ErrorRates(keras.callbacks.Callback):
    """Greedy WER and CER on the validation utterances, and a few transcripts, after each epoch."""

    def __init__(self, validation, samples=3):
        super().__init__()
        self.validation, self.samples = validation, samples

    def on_epoch_end(self, epoch, logs=None):
        references, hypotheses = transcribe_dataset(self.model, self.validation)
        hypotheses = hypotheses[None]
        rates = dict(val_wer=wer(references, hypotheses), val_cer=cer(references, hypotheses))
        if logs is not None:
            logs.update(rates)
        print(f"epoch {epoch + 1}: validation WER {rates['val_wer']:.2%}, CER {rates['val_cer']:.2%}", flush=True)
        for reference, hypothesis in list(zip(references, hypotheses))[:: max(1, len(references) // self.samples)][: self.samples]:
            print(f"  said: {reference!r}\n  read: {hypothesis!r}", flush=True)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    train_ds, validation, steps_per_epoch = recorded_data(args) if (args.data_dir or args.tfds) else fsdd_data(args)

    # ## Model
    # Everything the builder needs is plain data: the zoo stores exactly this dict.
    config = dict(
        alphabet=ALPHABET,
        rnn=args.rnn,
        units=args.units,
        num_layers=args.layers,
        conv_filters=args.conv_filters,
        dropout=args.dropout,
        spec_augment=not args.no_spec_augment,
        learning_rate=args.learning_rate,
    )

    # ## Train
    # The shared runner: clipping, warm-up and cosine learning rate, checkpoints and resume.
    training = TrainingConfig(
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        learning_rate=args.learning_rate,
        lr_schedule="cosine",
        warmup_steps=min(200, steps_per_epoch * args.epochs // 10),
        clipnorm=5.0,  # CTC losses are sums over characters: tens at the start
        checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=100,
        log_dir=args.log_dir,
        seed=args.seed,
        verbose=0 if args.smoke else 2,
    )
    model, history = train(lambda: initial_model(config, args.init_weights), train_ds, training, callbacks=[ErrorRates(validation)])

    # ## Evaluate
    # Word and character error rates of greedy and beam-search decoding on the validation utterances.
    figures = {}
    references, by_beam = transcribe_dataset(model, validation, beams=(None, 8))
    for beam, hypotheses in by_beam.items():
        figures[beam] = wer(references, hypotheses)
        print(f"validation ({'greedy' if beam is None else f'beam {beam}'}): WER {figures[beam]:.2%}, CER {cer(references, hypotheses):.2%}")
    if not all(np.isfinite(w).all() for w in model.get_weights()):
        sys.exit("training diverged: the weights are not finite; weights not saved")
    if args.save:
        save_weights(model, lambda: ctc_model.build(**config), args.save)
        print(f"weights saved to {args.save}")
    return figures



if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError) as error:  # the user's data: one line, no traceback
        sys.exit(f"train: error: {error}")
