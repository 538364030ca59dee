"""The bundled chatterbot-seq2seq model: it loads, reproduces its recorded figures, fine-tunes, chats."""

import subprocess
import sys

import pytest

from rnnzoo import zoo
from rnnzoo.applications.seq2seq_chat import data, evaluate, text
from rnnzoo.zoo.cli import main

NAME = "chatterbot-seq2seq"


@pytest.fixture(scope="module")
def model():
    return zoo.load(NAME)


@pytest.fixture(scope="module")
def held_out():
    """The held-out pairs as the training script made them, from the entry's config,
    and which of them also are training pairs."""

    config = zoo.info(NAME)["config"]
    training, validation = data.split_conversations(data.read_chatterbot())
    pairs = data.pairs(validation)
    seen = evaluate.seen_in_training(data.pairs(training), pairs)
    return pairs, text.pair_arrays(text.Tokenizer(config["vocabulary"]), pairs, config), seen


def test_entry_records_how_it_was_made():
    entry = zoo.info(NAME)
    for key in ("description", "builder", "config", "dataset", "metric", "command", "parameters", "weights", "trained_on"):
        assert key in entry, key
    metric = entry["metric"]
    for suffix in ("", "_in_vocabulary"):
        ratio = metric[f"perplexity{suffix}"] / metric[f"reply_only_perplexity{suffix}"]
        assert ratio == pytest.approx(metric[f"ratio{suffix}"], abs=1e-3)
    for name in ("bleu_greedy", "bleu_beam", "bleu_retrieval"):
        assert 0.0 <= metric[name] <= 1.0
    assert entry["vocabulary"] == entry["config"]["vocabulary"]
    assert len(entry["weights"]["sha256"]) == 64


def test_bundled_model_reproduces_its_recorded_perplexity(model, held_out, shared_data):
    from rnnzoo.applications.seq2seq_chat.train import held_out_figures

    entry = zoo.info(NAME)
    _, ((prompts, replies), targets), seen = held_out
    assert model.count_params() == entry["parameters"]
    log_likelihoods = evaluate.word_log_likelihoods(model, (prompts, replies), targets)
    figures = held_out_figures(log_likelihoods, targets, evaluate.word_parts(targets, seen, prompts))
    recorded = {name: value for name, value in entry["metric"].items() if name.startswith("perplexity")}
    assert set(figures) == set(recorded)
    for name, value in recorded.items():
        assert figures[name] == pytest.approx(value, rel=1e-3), name


@pytest.mark.slow
def test_bundled_model_reproduces_its_recorded_bleu(model, held_out, shared_data):
    from rnnzoo.applications.seq2seq_chat.chat import ChatBot

    config, metric = zoo.info(NAME)["config"], zoo.info(NAME)["metric"]
    pairs, _, _ = held_out
    bot = ChatBot(model, config)
    normal = lambda sentence: " ".join(bot.tokenizer.words(sentence))  # noqa: E731
    prompts, references = evaluate.grouped_references([p for _, p, _ in pairs], [normal(r) for _, _, r in pairs])
    greedy = []
    for prompt in prompts:
        ids = text.encoder_input(bot.tokenizer.encode(prompt), None, config["max_prompt_len"])
        greedy.append(" ".join(bot.tokenizer.decode(bot.decoder.greedy(ids, config["max_reply_len"])[0])))
    assert evaluate.corpus_bleu(greedy, references) == pytest.approx(metric["bleu_greedy"], abs=1e-4)


def test_loaded_model_is_compiled_and_fine_tunes(model):
    tokenizer = text.Tokenizer(zoo.info(NAME)["vocabulary"])
    prompts = text.pad(tokenizer.encode_batch(["what is your favorite color?"] * 16), 8)
    replies_in, targets = text.decoder_arrays(tokenizer.encode_batch(["my favorite color is blue."] * 16), 10)
    before = evaluate.perplexity(model, (prompts, replies_in), targets)
    model.fit((prompts, replies_in), targets, batch_size=16, epochs=3, verbose=0)
    assert evaluate.perplexity(model, (prompts, replies_in), targets) < 0.8 * before


def test_chat_once_answers_in_one_line(capsys):
    assert main(["chat", NAME, "--once", "Hello", "--method", "greedy"]) == 0
    reply = capsys.readouterr().out
    assert reply.count("\n") == 1 and reply.strip() and "[UNK]" not in reply


@pytest.mark.parametrize("text_in, message", [("", "Empty input"), ("   ", "Empty input"),
                                              ("qzxv wvkq", "None of the words of 'qzxv wvkq'")])
def test_chat_once_refuses_bad_input_in_one_line(capsys, text_in, message):
    assert main(["chat", NAME, "--once", text_in]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnzoo: error: {message}") and err.count("\n") == 1


def test_chat_once_truncates_very_long_input_and_says_so(capsys, tmp_path):
    heatmap = tmp_path / "attention.png"
    assert main(["chat", NAME, "--once", "what is " * 40 + "ai", "--heatmap", str(heatmap)]) == 0
    captured = capsys.readouterr()
    assert "rnnzoo: note: input of 81 words truncated: the model reads its last" in captured.err
    assert captured.out.strip() and heatmap.read_bytes()[:4] == b"\x89PNG"


def test_chat_repl_answers_then_exits_cleanly_at_end_of_input():
    done = subprocess.run([sys.executable, "-m", "rnnzoo", "chat", NAME, "--method", "greedy"], input="Hello\n\nWhat is AI?\n",
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.count("bot> ") == 2 and "(bot: Empty input: type a sentence)" in done.stdout
    assert "Traceback" not in done.stderr
