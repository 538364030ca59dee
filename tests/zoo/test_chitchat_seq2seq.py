"""The bundled chitchat-seq2seq chat bot and its reply-only LM: the entry, the
recorded figures, fine-tuning, and `rnnzoo chat` with MMI decoding."""

import subprocess
import sys

import numpy as np
import pytest

from rnnzoo import zoo
from rnnzoo.applications.seq2seq_chat import evaluate, text
from rnnzoo.zoo.cli import main

NAME, LM = "chitchat-seq2seq", "chitchat-reply-lm"
CHECK_PAIRS = 256  # the first test pairs, whose perplexities the entry records for this test


@pytest.fixture(scope="module")
def models():
    return zoo.load(NAME), zoo.load(LM)


@pytest.fixture(scope="module")
def test_arrays():
    pytest.importorskip("chitchat_dataset")  # in the `chat` and `test` extras
    entry = zoo.info(NAME)
    pairs, _ = evaluate.test_pairs(entry["config"], entry["corpus"])
    return text.pair_arrays(text.Tokenizer(entry["config"]["vocabulary"]), pairs[:CHECK_PAIRS], entry["config"])


def test_entry_records_how_it_was_made():
    entry = zoo.info(NAME)
    for key in ("description", "builder", "config", "corpus", "decoding", "reply_lm", "dataset", "metric", "command",
                "parameters", "weights", "trained_on"):
        assert key in entry, key
    metric = entry["metric"]
    assert metric["ratio"] == pytest.approx(metric["perplexity"] / metric["reply_only_perplexity"], abs=1e-3)
    for name in ("hits_at_1_seq2seq", "hits_at_1_reply_only_lm", "hits_at_1_tfidf", "distinct_2_beam_mmi"):
        assert 0.0 <= metric[name] <= 1.0
    for name in (NAME, LM):
        weights = zoo.info(name)["weights"]
        assert len(weights["sha256"]) == 64 and weights["bytes"] <= 25 * 2**20
    assert len(entry["vocabulary"]) == 8000 and entry["vocabulary"][:5] == text.SPECIAL_TOKENS


def test_bundled_models_reproduce_their_recorded_check_perplexities(models, test_arrays):
    model, lm = models
    (prompts, replies), targets = test_arrays
    recorded = zoo.info(NAME)["metric"]["check"]
    assert model.count_params() == zoo.info(NAME)["parameters"]
    assert evaluate.perplexity(model, (prompts, replies), targets) == pytest.approx(recorded["perplexity"], rel=1e-3)
    assert evaluate.perplexity(lm, replies, targets) == pytest.approx(recorded["reply_only_perplexity"], rel=1e-3)


def test_loaded_model_is_compiled_and_fine_tunes(models):
    model = zoo.load(NAME)
    tokenizer = text.Tokenizer(zoo.info(NAME)["vocabulary"])
    prompts = text.pad(tokenizer.encode_batch(["what is your favorite color?"] * 16), 8)
    replies_in, targets = text.decoder_arrays(tokenizer.encode_batch(["my favorite color is blue."] * 16), 10)
    before = evaluate.perplexity(model, (prompts, replies_in), targets)
    model.fit((prompts, replies_in), targets, batch_size=16, epochs=3, verbose=0)
    assert evaluate.perplexity(model, (prompts, replies_in), targets) < 0.8 * before


def test_chat_uses_chitchat_with_mmi_by_default_and_answers_in_one_line(capsys):
    assert main(["chat", "--once", "What is your favorite book?"]) == 0
    reply = capsys.readouterr().out
    assert reply.count("\n") == 1 and reply.strip() and "[UNK]" not in reply


def test_mmi_replies_are_sentences_and_repeat_with_the_seed(models):
    from rnnzoo.applications.seq2seq_chat.chat import ChatBot

    model, lm = models
    bot = ChatBot(model, zoo.info(NAME)["config"], reply_lm=lm)
    prompts = ["What is your favorite book?", "Do you have any pets?", "Where did you grow up?",
               "What kind of music do you like?", "What do you do for a living?", "Have you ever been to Paris?"]
    replies = []
    for prompt in prompts[:3]:
        bot.reset()
        first = bot.reply(prompt, method="mmi", beam_width=8, mmi_lambda=0.7, mmi_samples=16, seed=0).text
        bot.reset()
        assert bot.reply(prompt, method="mmi", beam_width=8, mmi_lambda=0.7, mmi_samples=16, seed=0).text == first
        replies.append(first)
    # The model still answers many prompts generically (see the README); the figures are in its entry.
    assert all(reply.strip() and "[UNK]" not in reply for reply in replies), replies


def test_repl_keeps_the_conversation_as_context():
    done = subprocess.run([sys.executable, "-m", "rnnzoo", "chat"], input="Hi! How are you?\nWhat did you do today?\n",
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.count("bot> ") == 2 and "Traceback" not in done.stderr
