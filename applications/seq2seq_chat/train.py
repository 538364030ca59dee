"""
Title: A chat bot: sequence-to-sequence with attention
Author: rnnzoo
Description: Train an encoder-decoder with attention (bidirectional recurrent
encoder, recurrent decoder, Bahdanau or Luong attention) on real conversations
(the Chit-Chat Challenge corpus, or the small ChatterBot one); measure it
against a reply-only language model and a nearest-neighbour retrieval
baseline; chat with it. `evaluate.py` then measures a trained pair on the
held-out test conversations (perplexity, hits@1/20, distinct-n, BLEU).

Run it:

    python -m rnnzoo.applications.seq2seq_chat.train --corpus chitchat --rnn gru --context 2 \
        --max-words 20 --max-vocabulary 8000 --max-prompt-len 40 --max-reply-len 25 --dropout 0.2 \
        --label-smoothing 0 --batch-size 64 --epochs 4 --baseline-lm --save s1.weights.h5 --save-lm l1.weights.h5
    python -m rnnzoo.applications.seq2seq_chat.train ...the same flags... --epochs 3 --learning-rate 1e-3 \
        --ranking 1 --init-weights s1.weights.h5 --init-lm-weights l1.weights.h5   # chitchat-seq2seq, stage 2
                                                                                 # (zoo.registry has the exact commands)
    python -m rnnzoo.applications.seq2seq_chat.train --corpus chatterbot --copy --baseline-lm   # chatterbot-seq2seq
    python -m rnnzoo.applications.seq2seq_chat.train --attention bahdanau --rnn gru
    python -m rnnzoo.applications.seq2seq_chat.train --cornell PATH      # Cornell Movie-Dialogs instead
    python -m rnnzoo.applications.seq2seq_chat.train --smoke             # end to end in well under a minute

Copy this file as a template: every constant below is a flag.
"""

# ## Setup

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.common.training import TrainingConfig, make_dataset, save_weights, train  # noqa: E402
from rnnzoo.applications.seq2seq_chat import data, evaluate, model as chat_model, text  # noqa: E402
from rnnzoo.applications.seq2seq_chat.chat import ChatBot, save_attention_heatmap  # noqa: E402

UNITS = 256  # decoder size; each encoder direction has as many
EMBEDDING_DIM = 128  # one word embedding for encoder and decoder
# Words seen once in training become [UNK], so both models learn how often an
# unknown word comes. At 1 no training target is [UNK]: both then give it only
# label smoothing's share, and held-out [UNK]s measure leakage, not the prompt.
MIN_COUNT = 2
MAX_PROMPT_LEN = 24  # encoder ids (99 % of ChatterBot prompts are shorter)
MAX_REPLY_LEN = 40  # decoder steps, [end] included (95 % of replies fit)
BATCH_SIZE = 32
EPOCHS = 40  # about 64 steps each on ChatterBot's ~2,050 training pairs
LEARNING_RATE = 2e-3  # Adam; cosine decay to 0 after a short warm-up
DROPOUT = 0.5  # a small corpus: strong dropout on embeddings and before `combine`
# ε of the loss: keeps some probability on every word. Without it the model is
# sure of a memorised reply when a new prompt merely resembles a training one,
# and those few confident misses weigh heavily on held-out perplexity.
LABEL_SMOOTHING = 0.1
BEAM_WIDTH, ALPHA = 4, 0.6  # beam search and its GNMT length-penalty exponent
BLEU_PROMPTS = 200  # held-out prompts decoded for BLEU here (evaluate.py does the test set)
CORPORA = ("chitchat", "chatterbot", "cornell")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Train a seq2seq chat bot with attention.")
    parser.add_argument("--corpus", choices=CORPORA, default="chatterbot",
                        help="chitchat: the Chit-Chat Challenge corpus (pip package chitchat-dataset), split by conversation "
                             "90/5/5 into train/validation/test; chatterbot: the shared ChatterBot corpus, 10 %% held out; "
                             "cornell: Cornell Movie-Dialogs in --data")
    parser.add_argument("--data", help="the corpus: a chitchat dataset.json, a folder of ChatterBot .yml files, or the "
                                       "Cornell folder (default: the installed chitchat package / the shared ChatterBot copy)")
    parser.add_argument("--cornell", help="folder with Cornell Movie-Dialogs movie_lines.txt and movie_conversations.txt (same as --corpus cornell --data)")
    parser.add_argument("--max-words", type=positive_int, help="train and evaluate only on pairs whose prompt and reply have at most this many words")
    parser.add_argument("--max-vocabulary", type=positive_int, help="keep at most this many vocabulary entries (the most frequent words)")
    parser.add_argument("--rnn", default="lstm", choices=sorted(chat_model.RECURRENT_LAYERS))
    parser.add_argument("--attention", default="luong", choices=list(chat_model.ATTENTIONS))
    parser.add_argument("--copy", action="store_true", help="pointer-generator: the decoder may copy prompt words")
    parser.add_argument("--context", type=int, nargs="?", const=1, default=0, metavar="TURNS",
                        help="the encoder also reads the TURNS turns before the prompt (default 1 when given): turn [sep] prompt")
    parser.add_argument("--units", type=positive_int, default=UNITS)
    parser.add_argument("--embedding-dim", type=positive_int, default=EMBEDDING_DIM)
    parser.add_argument("--min-count", type=positive_int, default=MIN_COUNT)
    parser.add_argument("--max-prompt-len", type=positive_int, default=MAX_PROMPT_LEN)
    parser.add_argument("--max-reply-len", type=positive_int, default=MAX_REPLY_LEN)
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--label-smoothing", type=float, default=LABEL_SMOOTHING)
    parser.add_argument("--batch-size", type=positive_int, default=BATCH_SIZE)
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS)
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--ranking", type=float, default=0.0, metavar="WEIGHT",
                        help="add the response-selection head, its in-batch loss weighted by WEIGHT (see model.py); "
                             "it ranks replies for hits@1/20 and reranks decoded ones")
    parser.add_argument("--init-weights", help="start from these weights (.weights.h5 of the same model without the "
                                               "ranking head, e.g. an earlier run's --save): layers found by name")
    parser.add_argument("--init-lm-weights", help="with --baseline-lm: start the reply-only LM from these weights")
    parser.add_argument("--baseline-lm", action="store_true",
                        help="also train the reply-only language model (same decoder, no encoder) with the same budget")
    parser.add_argument("--lm-units", type=positive_int,
                        help="decoder size of the reply-only LM (default: --units); 480 gives it as many parameters as the default seq2seq")
    parser.add_argument("--checkpoint-dir", help="checkpoints every 200 steps; an interrupted run resumes from here")
    parser.add_argument("--save", help="write the trained weights here (.weights.h5)")
    parser.add_argument("--save-lm", help="with --baseline-lm: write the reply-only LM's weights here (.weights.h5); "
                                          "the chat bot's MMI reranking and evaluate.py use it")
    parser.add_argument("--heatmap", help="write the attention heat-map of the first held-out pair here (.png)")
    parser.add_argument("--report", help="write the measured figures here (.json)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="a tiny run on 300 conversations, for tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.units, args.embedding_dim, args.epochs, args.batch_size = 16, 16, 1, 16
    for flag in ("save", "save_lm"):
        value = getattr(args, flag)
        if value and not value.endswith(".weights.h5"):
            parser.error(f"--{flag.replace('_', '-')} must end in .weights.h5, got {value}")
    if args.save_lm and not args.baseline_lm:
        parser.error("--save-lm needs --baseline-lm (the reply-only LM is trained only then)")
    if args.ranking < 0 or args.ranking != args.ranking or args.ranking == float("inf"):
        parser.error(f"--ranking must be a finite number >= 0, got {args.ranking}")
    for flag in ("init_weights", "init_lm_weights"):
        value = getattr(args, flag)
        if value and not os.path.isfile(value):
            parser.error(f"--{flag.replace('_', '-')}: no such file: {value}")
    if args.context < 0:
        parser.error(f"--context must be >= 0 turns, got {args.context}")
    if args.cornell:
        args.corpus, args.data = "cornell", args.cornell
    return args


def read_corpus(args):
    """(train, held-out) pairs and the training conversations of the chosen corpus.
    Chitchat is split three ways; its validation part is the held-out set
    here, and its test part is left to `evaluate.py`."""
    if args.corpus == "chitchat":
        conversations = data.read_chitchat(args.data)
    elif args.corpus == "cornell":
        conversations = data.read_cornell(args.data)
    else:
        conversations = data.read_chatterbot(args.data)
    if args.smoke:
        conversations = conversations[:300]
    if args.corpus == "chitchat":
        train_conversations, held_out, _ = data.split_three(conversations)
    else:
        train_conversations, held_out = data.split_conversations(conversations)
    history = max(1, args.context)
    train_pairs = data.pairs(train_conversations, history, args.max_words)
    val_pairs = data.pairs(held_out, history, args.max_words)
    return conversations, train_conversations, train_pairs, val_pairs


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    started = time.time()

    # ## Data
    # Whole conversations are held out (10 %, a seeded choice), so no held-out
    # reply was seen in training as the next turn of the same conversation.
    conversations, train_conversations, train_pairs, val_pairs = read_corpus(args)
    if not train_pairs or not val_pairs:
        raise ValueError(f"Need (prompt, reply) pairs on both sides of the split, got {len(train_pairs)} and {len(val_pairs)}")
    vocabulary = text.build_vocabulary([turn for c in train_conversations for turn in c], min_count=args.min_count,
                                       max_size=args.max_vocabulary)
    tokenizer = text.Tokenizer(vocabulary)
    print(f"{len(conversations)} conversations: {len(train_pairs)} training pairs, {len(val_pairs)} held-out; "
          f"{len(vocabulary)} words in the vocabulary")

    # ## Model
    # Everything the builder needs is plain data: the zoo stores exactly this dict.
    config = dict(
        vocabulary=vocabulary, rnn=args.rnn, attention=args.attention, units=args.units,
        embedding_dim=args.embedding_dim, dropout=args.dropout, learning_rate=args.learning_rate,
        max_prompt_len=args.max_prompt_len, max_reply_len=args.max_reply_len, context=args.context,
        copy=args.copy, label_smoothing=args.label_smoothing,
    )
    if args.ranking:  # only then, so the configs of models without the head stay as they were
        config["ranking"] = args.ranking
    (train_x, train_y), (val_x, val_y) = text.pair_arrays(tokenizer, train_pairs, config), text.pair_arrays(tokenizer, val_pairs, config)

    # ## Train
    # The shared runner: cosine learning rate, gradient clipping, checkpoints and resume.
    model, history = fit(config, train_x, train_y, val_x, val_y, args, "seq2seq", args.init_weights)
    # Held-out pairs that also occur in training are scored by memory: report
    # them apart, and split the novel ones by where the prompt can help.
    seen = evaluate.seen_in_training(train_pairs, val_pairs)
    parts = evaluate.word_parts(val_y, seen, prompts=val_x[0])
    log_likelihoods = evaluate.word_log_likelihoods(model, val_x, val_y)
    figures = held_out_figures(log_likelihoods, val_y, parts)
    figures.update(unk_targets=int((val_y == text.UNK_ID).sum()), held_out_pairs_seen_in_training=int(seen.sum()),
                   **{f"words_{part}": int(words.sum()) for part, words in parts.items()})
    print(f"held-out perplexity per word, reply given its prompt: {figures['perplexity']:.2f}")
    if not (train_y == text.UNK_ID).any():
        print("note: no training target is [UNK], so no model learns to predict it; read the *_in_vocabulary figures")
    if not math.isfinite(figures["perplexity"]):
        sys.exit("training diverged: the held-out perplexity is not finite; weights not saved")
    if args.save:
        save_weights(model, lambda: chat_model.build(**config), args.save)
        print(f"weights saved to {args.save}")

    # The reply-only language model: the same decoder on the same replies with
    # the same budget, and no prompt. If the prompt helps, this one is worse.
    if args.baseline_lm:
        lm_config = {**config, "conditioned": False, "copy": False, "units": args.lm_units or args.units}
        lm_config.pop("ranking", None)
        lm, _ = fit(lm_config, train_x[1], train_y, val_x[1], val_y, args, "reply-lm", args.init_lm_weights)
        reply_only = evaluate.word_log_likelihoods(lm, val_x[1], val_y)
        figures.update(held_out_figures(reply_only, val_y, parts, prefix="reply_only_"), reply_only_parameters=lm.count_params())
        figures["ratio"] = figures["perplexity"] / figures["reply_only_perplexity"]
        if args.save_lm:
            save_weights(lm, lambda: chat_model.build(**lm_config), args.save_lm)
            print(f"reply-only LM weights saved to {args.save_lm}")
        figures["ratio_in_vocabulary"] = figures["perplexity_in_vocabulary"] / figures["reply_only_perplexity_in_vocabulary"]
        print(f"reply-only LM perplexity: {figures['reply_only_perplexity']:.2f}; ratio {figures['ratio']:.3f} "
              f"({figures['ratio_in_vocabulary']:.3f} without the {figures['unk_targets']} [UNK] targets)")
        # How far the ratio could go on these pairs: bounds, not results.
        if parts["seen"].any() and parts["novel"].any():
            figures.update(evaluate.prompt_headroom(log_likelihoods, reply_only, parts["seen"], parts["novel"]))
            print(f"headroom: ratio {figures['perfect_seen_ratio']:.3f} with every seen word certain and the LM's novel "
                  f"words; {figures['oracle_mixture_ratio']:.3f} for the best per-part mixture with the LM (an oracle)")

    # ## Evaluate
    # BLEU-4 over the distinct held-out prompts, all their held-out replies as references.
    figures.update(bleu_figures(model, config, tokenizer, train_pairs, val_pairs, args))
    figures.update(parameters=model.count_params(), epochs=args.epochs, minutes=round((time.time() - started) / 60, 1),
                   final_train_loss=history["loss"][-1], held_out_pairs=len(val_pairs), training_pairs=len(train_pairs))
    print(json.dumps(figures, indent=2))
    if args.report:
        Path(args.report).write_text(json.dumps(figures, indent=2))

    # ## Chat
    bot = ChatBot(model, config)
    for prompt in ["Hello", "What is AI?", "Do you like movies?", "Tell me a joke"][: 2 if args.smoke else 4]:
        try:
            print(f"you> {prompt}\nbot> {bot.reply(prompt).text}")
        except ValueError as error:  # a smoke run's tiny vocabulary may lack the words
            print(f"you> {prompt}\n({error})")
    if args.heatmap:
        _, prompt, _ = val_pairs[0]
        save_attention_heatmap(ChatBot(model, config).reply(prompt), args.heatmap)
        print(f"attention heat-map of {prompt!r} written to {args.heatmap}")
    return figures


def held_out_figures(log_likelihoods, targets, parts, prefix=""):
    """Held-out perplexity per word: on all pairs, without the [UNK] targets
    (what the prompt does for real words), and on each part of `parts`."""
    figures = {"perplexity": evaluate.perplexity_of(log_likelihoods, evaluate.scored_words(targets)),
               "perplexity_in_vocabulary": evaluate.perplexity_of(
                   log_likelihoods, evaluate.scored_words(targets, skip_ids=[text.UNK_ID])),
               **{f"perplexity_{part}": evaluate.perplexity_of(log_likelihoods, words)
                  for part, words in parts.items() if words.any()}}
    return {prefix + name: value for name, value in figures.items()}


def fit(config, train_x, train_y, val_x, val_y, args, name, init_weights=None):
    steps_per_epoch = len(train_y) // args.batch_size
    training = TrainingConfig(
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        learning_rate=args.learning_rate,
        lr_schedule="cosine",
        warmup_steps=min(100, steps_per_epoch),
        clipnorm=1.0,
        checkpoint_dir=os.path.join(args.checkpoint_dir, name) if args.checkpoint_dir else None,
        checkpoint_every=200,
        seed=args.seed,
        verbose=0 if args.smoke else 2,
    )
    train_ds = make_dataset(train_x, train_y, args.batch_size, shuffle=True, seed=args.seed)
    val_ds = make_dataset(val_x, val_y, 64, shuffle=False, drop_remainder=False)
    def build():
        model = chat_model.build(**config)
        if init_weights:  # a checkpoint, when there is one, then overrides these
            copy_weights_by_name(chat_model.build(**{**config, "ranking": 0.0}), init_weights, model)
        return model

    return train(build, train_ds, training, validation_data=val_ds)


def copy_weights_by_name(source, path, target):
    """Load `path` into `source` (the architecture it was saved from), then copy
    each of its layers' weights into `target`'s layer of the same name; layers
    only `target` has keep their initial weights."""
    source.load_weights(path)
    names = {layer.name for layer in target.layers}
    for layer in source.layers:
        if layer.weights and layer.name in names:
            target.get_layer(layer.name).set_weights(layer.get_weights())
    missing = [layer.name for layer in source.layers if layer.weights and layer.name not in names]
    if missing:
        raise ValueError(f"--init-weights {path}: layers {missing} have no counterpart in the model being trained")


def bleu_figures(model, config, tokenizer, train_pairs, val_pairs, args):
    """Corpus BLEU-4 of greedy and beam replies and of the retrieval baseline,
    all compared as lower-cased, punctuation-split words."""
    normal = lambda sentence: " ".join(tokenizer.words(sentence))  # noqa: E731
    prompts, references = evaluate.grouped_references([p for _, p, _ in val_pairs], [normal(r) for _, _, r in val_pairs])
    prompts, references = prompts[: 5 if args.smoke else BLEU_PROMPTS], references[: 5 if args.smoke else BLEU_PROMPTS]
    decoder = ChatBot(model, config).decoder
    ids = [text.encoder_input(tokenizer.encode(p), None, config["max_prompt_len"]) for p in prompts]
    greedy = [" ".join(tokenizer.decode(decoder.greedy(i, config["max_reply_len"])[0])) for i in ids]
    beam = [" ".join(tokenizer.decode(decoder.beam(i, config["max_reply_len"], BEAM_WIDTH, ALPHA)[0])) for i in ids]
    retrieval = evaluate.RetrievalBaseline([tokenizer.words(p) for _, p, _ in train_pairs], [normal(r) for _, _, r in train_pairs])
    nearest = retrieval.reply([tokenizer.words(p) for p in prompts])
    bleu = evaluate.bleu_table({"greedy": greedy, "beam": beam, "retrieval": nearest}, references)
    return {"bleu_greedy": bleu["greedy"], "bleu_beam": bleu["beam"], "bleu_retrieval": bleu["retrieval"],
            "bleu_prompts": len(prompts)}



if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError) as error:  # the user's data: one line, no traceback
        sys.exit(f"train: error: {error}")
