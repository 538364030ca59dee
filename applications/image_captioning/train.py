"""
Title: Image captioning with a CNN encoder and a recurrent decoder
Author: rnnzoo
Description: Train a Show, Attend and Tell captioner (a small CNN, soft attention,
an LSTM) on real captioned drawings (clipart, stamps, emoji; prepare_drawings.py
builds them) or on procedural scenes of coloured shapes, then caption unseen
ones. Flickr8k and COCO work too.

Run it:

    python -m rnnzoo.applications.image_captioning.prepare_drawings           # once: render the drawings
    python -m rnnzoo.applications.image_captioning.train --drawings           # the zoo's drawings-captioner recipe
    python -m rnnzoo.applications.image_captioning.train                      # the zoo's shapes-captioner recipe
    python -m rnnzoo.applications.image_captioning.train --rnn peephole       # rnnzoo's peephole LSTM as the decoder
    python -m rnnzoo.applications.image_captioning.train --decoder init-state # Show and Tell: no attention
    python -m rnnzoo.applications.image_captioning.train --flickr8k ~/Flickr8k --image-size 128
    python -m rnnzoo.applications.image_captioning.train --smoke              # end to end in well under a minute

Copy this file as a template: every constant below is a flag.
"""

# ## Setup

import argparse
import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from rnnzoo.applications.common.arguments import non_negative_int, positive_int  # noqa: E402
from rnnzoo.applications.common.training import TrainingConfig, save_weights, train  # noqa: E402
from rnnzoo.applications.image_captioning import augment, caption, data, drawings, model as captioning_model, scenes  # noqa: E402
from rnnzoo.applications.image_captioning import evaluate as drawings_evaluation  # noqa: E402

IMAGE_SIZE = 64  # pixels per side
TRAIN_IMAGES, VALIDATION_IMAGES, TEST_IMAGES = 12000, 300, 500  # procedural scenes per split
MAX_LENGTH = 18  # decoder steps: the grammar's longest caption (17 words) plus <end>
BATCH_SIZE = 64  # (image, caption) pairs per step
EPOCHS = 4  # passes over every (image, reference) pair, about 52k of them
LEARNING_RATE = 2e-3  # Adam, cosine-decayed to 0 after a short warm-up
UNITS, EMBEDDING_DIM, FEATURE_DIM, ATTENTION_UNITS = 256, 64, 128, 128
DROPOUT = 0.2  # before the word logits
WORD_DROPOUT = 0.0  # input words replaced by <unk> in training
BEAM_SIZE = 5  # for the final evaluation, beside greedy


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train an image captioner (CNN encoder + recurrent decoder).")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--flickr8k", help="a Flickr8k folder: Images/ and Flickr8k.token.txt")
    source.add_argument("--coco", action="store_true", help="tfds coco_captions (internet, ~38 GB)")
    source.add_argument("--drawings", nargs="?", const="", metavar="FOLDER",
                        help="the captioned drawings (default folder: the data cache's drawings/)")
    parser.add_argument("--limit", type=positive_int, help="at most this many images per split of Flickr8k/COCO")
    parser.add_argument("--backbone", default="small-cnn", choices=captioning_model.BACKBONES)
    parser.add_argument("--imagenet-weights", action="store_true", help="start the keras.applications backbone from ImageNet (internet)")
    parser.add_argument("--freeze-backbone", action="store_true", help="train the decoder only")
    parser.add_argument("--rnn", default="lstm", choices=sorted(captioning_model.RECURRENT_CELLS))
    parser.add_argument("--decoder", default="attention", choices=captioning_model.DECODERS)
    parser.add_argument("--image-size", type=positive_int, default=IMAGE_SIZE)
    parser.add_argument("--train-images", type=positive_int, default=TRAIN_IMAGES)
    parser.add_argument("--test-images", type=positive_int, default=TEST_IMAGES)
    parser.add_argument("--max-length", type=positive_int, default=MAX_LENGTH)
    parser.add_argument("--units", type=positive_int, default=UNITS)
    parser.add_argument("--embedding-dim", type=positive_int, default=EMBEDDING_DIM)
    parser.add_argument("--feature-dim", type=positive_int, default=FEATURE_DIM)
    parser.add_argument("--attention-units", type=positive_int, default=ATTENTION_UNITS)
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--word-dropout", type=float, default=WORD_DROPOUT)
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE)
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--beam", type=positive_int, default=BEAM_SIZE, help="beam size of the final evaluation")
    parser.add_argument("--checkpoint-dir", help="checkpoints every 200 steps; an interrupted run resumes from here")
    parser.add_argument("--log-dir", help="TensorBoard logs")
    parser.add_argument("--save", help="write the trained weights here (.weights.h5)")
    parser.add_argument("--metrics-json", help="write the final BLEU figures here")
    parser.add_argument("--save-vocabulary", help="write the vocabulary here as a JSON list (the zoo bundles it beside the weights)")
    parser.add_argument("--shape-scenes", type=non_negative_int, default=SHAPE_SCENES,
                        help="drawings: training scenes composed of 1-3 shape emoji side by side (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny run, for tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.train_images, args.test_images, args.units, args.epochs, args.beam = 64, 8, 32, 1, 2
        args.embedding_dim, args.feature_dim, args.attention_units, args.batch_size = 16, 32, 16, 16
        args.shape_scenes = min(args.shape_scenes, 8)
    if args.save and not args.save.endswith(".weights.h5"):
        parser.error(f"--save must end in .weights.h5, got {args.save}")
    return args


# ## Data
# Each source gives (images uint8 (n, size, size, 3), one list of reference captions per image).


MIN_WORD_COUNT = 2  # drawings: words seen fewer times in training captions become <unk>
SHAPE_SCENES = 2000  # drawings: training scenes of 1-3 plain shapes, composed from the shape emoji (augment.py)


def load_data(args):
    """{split: (images, references)} and the vocabulary (drawings: images RGBA, and each split's records)."""
    if args.drawings is not None:
        folder = args.drawings or None
        records = drawings.read_table(folder)
        limits = {"train": args.train_images if args.smoke else None}
        present = {r["split"] for r in records}
        wanted = ["train", "validation"] + [s for s in drawings_evaluation.EVALUATED_SPLITS if s in present]
        splits = {split: drawings.load_split(split, args.image_size, folder, limits.get(split, args.test_images if args.smoke else None), records)
                  for split in wanted}
        images, references, chosen = splits["train"]
        if args.shape_scenes and sum(drawings.shape_phrase(r["captions"][0]) is not None for r in chosen if r["captions"]) >= 3:
            # Scenes of several plain shapes, which no drawing of the corpus shows.
            composed = augment.shape_scenes(images, chosen, args.shape_scenes, args.seed)
            splits["train"] = (np.concatenate([images, composed[0]]), references + composed[1], chosen + composed[2])
        vocabulary = data.Vocabulary.from_captions(splits["train"][1], max_words=5000, min_count=1 if args.smoke else MIN_WORD_COUNT)
        return splits, vocabulary
    if args.flickr8k or args.coco:
        if args.flickr8k:
            load = lambda split: data.load_flickr8k(args.flickr8k, split, args.image_size, args.limit)  # noqa: E731
            names = {"train": "train", "validation": "validation", "test": "test"}
        else:
            load = lambda split: data.load_coco_captions(split, args.image_size, args.limit)  # noqa: E731
            names = {"train": "train", "validation": "val", "test": "test"}
        splits = {name: load(split) for name, split in names.items()}
        vocabulary = data.Vocabulary.from_captions(splits["train"][1], max_words=5000, min_count=1 if args.smoke else 3)
        return splits, vocabulary
    sizes = {"train": args.train_images, "validation": min(VALIDATION_IMAGES, args.test_images),
             "test": args.test_images, "compositional": args.test_images}
    splits = {name: scenes.make_split(name, count, args.image_size, args.seed) for name, count in sizes.items()}
    # The grammar's every word, so no caption (compositional ones included) meets <unk>.
    vocabulary = data.Vocabulary(list(data.SPECIAL_TOKENS) + scenes.vocabulary_words())
    return splits, vocabulary


class SampleCaptions(keras.callbacks.Callback):
    """At each epoch's end: greedy BLEU-4 on the validation images and a few captions beside a reference."""

    def __init__(self, config, images, references, shown=3):
        super().__init__()
        self.config, self.images, self.references, self.shown = config, images, references, shown

    def on_epoch_end(self, epoch, logs=None):
        captioner = caption.Captioner(self.model, self.config)
        scores, captions = caption.evaluate(captioner, self.images, self.references)
        if logs is not None:
            logs["val_bleu4"] = scores["bleu4"]
        print(f"epoch {epoch + 1}: validation greedy BLEU-4 {scores['bleu4']:.4f}")
        for hypothesis, refs in list(zip(captions, self.references))[: self.shown]:
            print(f"  model: {hypothesis}\n  truth: {refs[0]}")


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    splits, vocabulary = load_data(args)
    (train_images, train_refs), (val_images, val_refs) = splits["train"][:2], splits["validation"][:2]
    if args.drawings is not None:  # RGBA drawings: augmented on random backgrounds in training, on white otherwise
        make_dataset = augment.drawings_dataset
    else:
        make_dataset = data.caption_dataset
    train_ds = make_dataset(train_images, train_refs, vocabulary, args.max_length, args.batch_size, shuffle=True, seed=args.seed)
    val_ds = make_dataset(val_images, val_refs, vocabulary, args.max_length, args.batch_size, shuffle=False)
    pairs = sum(map(len, train_refs))
    print(f"{len(train_images)} training images, {pairs} (image, caption) pairs, {len(vocabulary)} tokens")

    # ## Model
    # Everything the builder needs is plain data: the zoo stores exactly this dict.
    config = dict(
        vocabulary=vocabulary.tokens,
        max_length=args.max_length,
        image_size=args.image_size,
        backbone=args.backbone,
        imagenet_weights=args.imagenet_weights,
        train_backbone=not args.freeze_backbone,
        feature_dim=args.feature_dim,
        rnn=args.rnn,
        units=args.units,
        embedding_dim=args.embedding_dim,
        decoder=args.decoder,
        attention_units=args.attention_units,
        dropout=args.dropout,
        word_dropout=args.word_dropout,
        learning_rate=args.learning_rate,
    )

    # ## Train
    # Teacher forcing: the decoder reads the true previous word. The shared runner adds
    # gradient clipping, a cosine learning rate, checkpoints and resume.
    steps_per_epoch = max(1, pairs // args.batch_size)
    training = TrainingConfig(
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        learning_rate=args.learning_rate,
        lr_schedule="cosine",
        warmup_steps=min(200, steps_per_epoch),
        clipnorm=1.0,
        checkpoint_dir=args.checkpoint_dir,
        checkpoint_every=200,
        log_dir=args.log_dir,
        seed=args.seed,
        verbose=0 if args.smoke else 2,
    )
    shown_images = augment.on_white(val_images) if args.drawings is not None else val_images
    samples = SampleCaptions(config, shown_images, val_refs, shown=0 if args.smoke else 3)
    model, _ = train(lambda: captioning_model.build(**config), train_ds, training, validation_data=val_ds, callbacks=[samples])
    val_loss = model.evaluate(val_ds, verbose=0)
    val_loss = val_loss[0] if isinstance(val_loss, list) else val_loss
    print(f"validation loss {val_loss:.4f} nats/word")
    if not math.isfinite(val_loss):
        sys.exit("training diverged: the validation loss is not finite; weights not saved")
    if args.save:
        save_weights(model, lambda: captioning_model.build(**config), args.save)
        print(f"weights saved to {args.save}")
    if args.save_vocabulary:
        partial = Path(args.save_vocabulary).with_name(f".{Path(args.save_vocabulary).name}.partial")
        partial.write_text(json.dumps(vocabulary.tokens, ensure_ascii=False) + "\n", encoding="utf-8")
        partial.replace(args.save_vocabulary)

    # ## Evaluate
    # Corpus BLEU-1..4 against every reference of each image, greedy and beam search.
    captioner = caption.Captioner(model, config)
    results = {"validation_loss_nats_per_word": round(float(val_loss), 4)}
    if args.drawings is not None:
        results.update(evaluate_drawings(captioner, splits, args))
        if args.metrics_json:
            Path(args.metrics_json).write_text(json.dumps(results, indent=2) + "\n")
        return results
    for split in [s for s in ("test", "compositional") if s in splits]:
        images, references = splits[split]
        # Procedural scenes also say which objects were named whole (held-out pairings only on "compositional").
        shapes = None if args.flickr8k or args.coco else scenes.split_shapes(split, len(images), args.image_size, args.seed)
        for beam in (1, args.beam):
            scores, captions = caption.evaluate(captioner, images, references, beam)
            if shapes is not None:
                scores["objects_named"] = round(scenes.objects_named(captions, shapes, held_out_only=split == "compositional"), 4)
            results[f"{split}_{'greedy' if beam == 1 else f'beam{beam}'}"] = scores
            print(f"{split:>13} {'greedy' if beam == 1 else f'beam {beam}':>7}: " + "  ".join(f"{k} {v:.4f}" for k, v in scores.items()))
        for hypothesis, refs in list(zip(captions, references))[:3]:
            print(f"  model: {hypothesis}\n  truth: {refs[0]}")
    if args.metrics_json:
        Path(args.metrics_json).write_text(json.dumps(results, indent=2) + "\n")
    return results



def evaluate_drawings(captioner, splits, args):
    """Drawings: the confidence threshold (chosen on validation), then BLEU, object
    accuracy and attribute scores on each held-out split, greedy and beam."""
    images, _, records = splits["validation"]
    results = drawings_evaluation.choose_threshold(captioner, images, records, args.image_size)
    print("confidence: " + "  ".join(f"{k} {v}" for k, v in results.items()))
    for split in [s for s in drawings_evaluation.EVALUATED_SPLITS if s in splits]:  # a small corpus may lack one
        images, references, records = splits[split]
        for beam in (1, args.beam):
            scores, captions, _ = drawings_evaluation.evaluate_split(captioner, images, references, records, beam)
            results[f"{split}_{'greedy' if beam == 1 else f'beam{beam}'}"] = scores
            print(f"{split:>13} {'greedy' if beam == 1 else f'beam {beam}':>7}: " + "  ".join(f"{k} {v}" for k, v in scores.items()))
        for hypothesis, refs in list(zip(captions, references))[:3]:
            print(f"  model: {hypothesis}\n  truth: {refs[0]}")
    return results


def cli(argv=None):
    """`main` as a command: mistakes in the user's data end in one line, no traceback."""
    try:
        return main(argv)
    except (ValueError, FileNotFoundError, OSError) as error:
        sys.exit(f"train: error: {error}")


if __name__ == "__main__":
    cli()
