"""The seq2seq chat application: corpus loaders, tokenizer, model, decoding, chat bot, training script."""

import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnnzoo.applications.seq2seq_chat import data, decoding, evaluate, model as chat_model, text
from rnnzoo.applications.seq2seq_chat.chat import ChatBot, repl, save_attention_heatmap

YAML = """categories:
- greetings
conversations:
- - Hello
  - Hi there!
- - How are you?
  - I am fine, thanks.
  - Good to hear.
- A turn with no dash before its reply, as in trivia.yml
- - What is AI?
  - AI is the science of making machines think.
"""
WORDS = [f"w{i}" for i in range(12)]
VOCABULARY = text.SPECIAL_TOKENS + WORDS


def write_corpus(folder, content=YAML, name="greetings.yml"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------
# Data.
# --------------------------------------------------------------------------
def test_chatterbot_file_gives_adjacent_pairs_with_their_previous_turn(tmp_path):
    conversations = data.read_chatterbot(write_corpus(tmp_path))
    assert len(conversations) == 4 and conversations[2] == ["A turn with no dash before its reply, as in trivia.yml"]
    assert data.pairs(conversations) == [
        (None, "Hello", "Hi there!"),
        (None, "How are you?", "I am fine, thanks."),
        ("How are you?", "I am fine, thanks.", "Good to hear."),
        (None, "What is AI?", "AI is the science of making machines think."),
    ]


@pytest.mark.parametrize(
    "content, line",
    [
        ('conversations:\n- - Hello\n  - Hi\n- - "quoted" then more\n  - x\n', 4),
        ("conversations:\n- - a\n  - b\n- - c: d: e\n", 4),
        ("conversations:\n- - a\n  - b\n  c: d\n", 4),
        ("conversations:\n\t- - tab\n", 2),
    ],
)
def test_malformed_yaml_error_names_the_file_and_line(tmp_path, content, line):
    folder = write_corpus(tmp_path, content, "broken.yml")
    with pytest.raises(ValueError, match=rf"Malformed YAML in .*broken\.yml, line {line}:"):
        data.read_chatterbot(folder)


@pytest.mark.parametrize("content", ["just text\n", "conversations: 3\n", "conversations:\n- {a: b}\n"])
def test_yaml_that_is_not_a_chatterbot_corpus_is_refused(tmp_path, content):
    with pytest.raises(ValueError, match=r"other\.yml"):
        data.read_chatterbot_file(write_corpus(tmp_path, content, "other.yml") / "other.yml")


def test_missing_or_empty_corpus_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        data.read_chatterbot(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"No \.yml files"):
        data.read_chatterbot(tmp_path)


def test_split_holds_out_ten_percent_of_conversations_the_same_way_each_time():
    conversations = [[f"q{i}", f"a{i}"] for i in range(200)]
    train, validation = data.split_conversations(conversations)
    assert len(validation) == 20 and len(train) == 180
    assert sorted(train + validation) == sorted(conversations)
    assert data.split_conversations(conversations) == (train, validation)
    with pytest.raises(ValueError, match="at least 2 conversations"):
        data.split_conversations(conversations[:1])


def test_shared_chatterbot_corpus(shared_data):
    conversations = data.read_chatterbot()
    train, validation = data.split_conversations(conversations)
    assert len(conversations) == 2026 and len(data.pairs(conversations)) == 2306
    assert (len(data.pairs(train)), len(data.pairs(validation))) == (2047, 259)


def write_cornell(folder, lines, conversations):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "movie_lines.txt").write_bytes("\n".join(lines).encode("iso-8859-1"))
    (folder / "movie_conversations.txt").write_bytes("\n".join(conversations).encode("iso-8859-1"))
    return folder


SEP = " +++$+++ "
CORNELL_LINES = [
    SEP.join(["L1", "u0", "m0", "BIANCA", "Can we make this quick?"]),
    SEP.join(["L2", "u2", "m0", "CAMERON", "Well, I thought we'd start with pronunciation."]),
    SEP.join(["L3", "u0", "m0", "BIANCA", "Not the hacking and gagging and spitting part. Café?"]),
    SEP.join(["L4", "u2", "m0", "CAMERON", ""]),
]


def test_cornell_loader_reads_latin1_lines_and_literal_id_lists(tmp_path):
    folder = write_cornell(tmp_path, CORNELL_LINES, [
        SEP.join(["u0", "u2", "m0", "['L1', 'L2', 'L3']"]),
        SEP.join(["u2", "u0", "m0", "['L3', 'L4']"]),
    ])
    conversations = data.read_cornell(folder)
    assert conversations[0][2].endswith("spitting part. Café?")
    assert [len(c) for c in conversations] == [3, 2]
    assert len(data.pairs(conversations)) == 2  # L3 -> L4 has an empty reply


@pytest.mark.parametrize(
    "lines, conversations, message",
    [
        (CORNELL_LINES[:1] + ["L2 +++$+++ u2 +++$+++ only three"], ["u0 +++$+++ u2 +++$+++ m0 +++$+++ ['L1']"],
         r"movie_lines\.txt, line 2: expected 5 fields"),
        (CORNELL_LINES, ["u0 +++$+++ u2 +++$+++ m0 +++$+++ ['L1', 'L2']", "u0 +++$+++ u2 +++$+++ m0 +++$+++ __import__('os')"],
         r"movie_conversations\.txt, line 2: the last field must be a list"),
        (CORNELL_LINES, ["u0 +++$+++ u2 +++$+++ m0 +++$+++ ['L1', 'L9']"],
         r"movie_conversations\.txt, line 1: line id 'L9'"),
    ],
)
def test_malformed_cornell_files_name_the_file_and_line(tmp_path, lines, conversations, message):
    with pytest.raises(ValueError, match=message):
        data.read_cornell(write_cornell(tmp_path, lines, conversations))


# --------------------------------------------------------------------------
# Text.
# --------------------------------------------------------------------------
def test_vocabulary_keeps_words_seen_min_count_times_after_the_special_tokens():
    texts = ["Hello, world!", "hello again", "The world, the end."]
    vocabulary = text.build_vocabulary(texts, min_count=2)
    assert vocabulary[:5] == text.SPECIAL_TOKENS
    # Counted by hand: hello 2, world 2, the 2, "," 2; every other word once.
    assert sorted(vocabulary[5:]) == sorted(["hello", "world", "the", ","])
    assert len(text.build_vocabulary(texts, min_count=1)) == 5 + 8
    with pytest.raises(ValueError, match="min_count"):
        text.build_vocabulary(texts, min_count=0)


def test_tokenizer_round_trip_unknown_words_and_typed_special_tokens():
    tokenizer = text.Tokenizer(text.SPECIAL_TOKENS + ["hello", ",", "i'm", "fine", ".", "[", "]", "start"])
    ids = tokenizer.encode("Hello, I'm FINE today.")
    assert ids.tolist() == [5, 6, 7, 8, text.UNK_ID, 9]
    assert tokenizer.decode(ids.tolist() + [text.END_ID, 5]) == ["hello", ",", "i'm", "fine", "[UNK]", "."]
    assert text.detokenize(["hello", ",", "i'm", "fine", "."]) == "Hello, I'm fine."
    assert text.START_ID not in tokenizer.encode("[start]")  # typed brackets are punctuation
    assert len(tokenizer.encode("   ")) == 0
    with pytest.raises(ValueError, match="must start with"):
        text.Tokenizer(["hello"] + text.SPECIAL_TOKENS)


def test_teacher_forcing_arrays_and_encoder_input():
    decoder_in, targets = text.decoder_arrays([np.array([7, 8, 9]), np.array([5, 6, 7, 8, 9, 10])], max_len=5)
    assert decoder_in.tolist() == [[2, 7, 8, 9, 0], [2, 5, 6, 7, 8]]
    assert targets.tolist() == [[7, 8, 9, 3, 0], [5, 6, 7, 8, 3]]
    assert np.array_equal(decoder_in[:, 1:][targets[:, :-1] != 3], targets[:, :-1][targets[:, :-1] != 3])
    assert text.encoder_input([5, 6, 7], [8, 9], max_len=10).tolist() == [8, 9, text.SEP_ID, 5, 6, 7]
    assert text.encoder_input([5, 6, 7], [8, 9], max_len=4).tolist() == [text.SEP_ID, 5, 6, 7]


# --------------------------------------------------------------------------
# Model and decoding.
# --------------------------------------------------------------------------
PROMPTS = np.array([[5, 6, 7, 0, 0], [8, 9, 10, 11, 0]], "int32")
REPLY_IN = np.array([[2, 5, 6, 0], [2, 7, 8, 9]], "int32")
TARGETS = np.array([[5, 6, 3, 0], [7, 8, 9, 3]], "int32")


def small_model(scale=0.8, **overrides):
    """A tiny model with large random weights: peaked, prompt-dependent
    distributions without the cost of training."""
    config = dict(vocabulary=VOCABULARY, units=8, embedding_dim=6, dropout=0.0, max_prompt_len=5, max_reply_len=4)
    model = chat_model.build(**{**config, **overrides})
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0.0, scale, w.shape).astype("float32") for w in model.get_weights()])
    return model


@pytest.mark.parametrize(
    "rnn, attention, copy",
    [(r, a, False) for r, a in itertools.product(sorted(chat_model.RECURRENT_LAYERS), chat_model.ATTENTIONS)]
    + [("lstm", "luong", True), ("gru", "bahdanau", True)],
)
def test_decoder_steps_give_the_teacher_forced_logits(rnn, attention, copy):
    model = small_model(rnn=rnn, attention=attention, copy=copy)
    full = np.asarray(model((PROMPTS, REPLY_IN)))
    encoder, step = chat_model.inference_models(model)
    memory, *states = encoder(tf.constant(PROMPTS))
    memory = tf.identity(memory)  # without the Keras mask the eager call attaches
    for t in range(REPLY_IN.shape[1]):
        logits, weights, *states = step([tf.constant(REPLY_IN[:, t : t + 1]), memory, tf.constant(PROMPTS), *states])
        real = REPLY_IN[:, t] != 0
        np.testing.assert_allclose(np.asarray(logits)[real, 0], full[real, t], atol=2e-5)
        # Attention: a distribution over the real prompt words, nothing on padding.
        np.testing.assert_allclose(np.asarray(weights)[:, 0].sum(-1), 1.0, atol=1e-5)
        assert np.all(np.asarray(weights)[:, 0][PROMPTS == 0] == 0.0)


def test_copy_mechanism_scatters_attention_onto_the_prompt_words():
    model = small_model(copy=True)
    switch = model.get_layer("copy_switch")
    kernel, _ = switch.get_weights()
    _, step = chat_model.inference_models(model)
    encoder, _ = chat_model.inference_models(model)
    memory, *states = encoder(tf.constant(PROMPTS))
    memory = tf.identity(memory)  # without the Keras mask the eager call attaches
    inputs = [tf.constant(REPLY_IN[:, :1]), memory, tf.constant(PROMPTS), *states]
    probabilities = np.exp(np.asarray(step(inputs)[0], "float64"))[:, 0]
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-5)
    switch.set_weights([np.zeros_like(kernel), np.array([-60.0], "float32")])  # g = 0: copy only
    log_probs, weights, *_ = step(inputs)
    expected = np.zeros((2, len(VOCABULARY)))
    for row, prompt in enumerate(PROMPTS):
        for position, word in enumerate(prompt):
            expected[row, word] += np.asarray(weights)[row, 0, position]
    np.testing.assert_allclose(np.exp(np.asarray(log_probs, "float64"))[:, 0], expected, atol=1e-6)


def test_reply_only_language_model_is_the_decoder_without_encoder_and_attention():
    seq2seq, lm = small_model(), small_model(conditioned=False)
    assert {l.name for l in seq2seq.layers} - {l.name for l in lm.layers} >= {"encoder", "memory", "attention", "bridge_0"}
    assert lm(REPLY_IN).shape == (2, 4, len(VOCABULARY))
    assert lm.get_layer("decoder").count_params() == seq2seq.get_layer("decoder").count_params()


@pytest.mark.parametrize("bad, message", [({"rnn": "transformer"}, "rnn='transformer'"),
                                          ({"attention": "dot"}, "attention='dot'"), ({"units": 0}, "units")])
def test_bad_model_arguments_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        small_model(**bad)


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.5])
def test_smoothed_crossentropy_matches_the_equation_and_keras_at_zero(epsilon):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 12)).astype("float32")
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    real = TARGETS != 0
    per_word = -(1 - epsilon) * np.take_along_axis(log_p, TARGETS[..., None], -1)[..., 0] - epsilon * log_p.mean(-1)
    loss = chat_model.SmoothedSparseCrossentropy(epsilon)(TARGETS, logits)
    assert float(loss) == pytest.approx(per_word[real].mean(), rel=1e-5)
    if epsilon == 0:
        keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(TARGETS, logits)
        assert float(loss) == pytest.approx(float(keras_loss), rel=1e-5)


def test_label_smoothing_is_checked_and_saved_with_the_model(tmp_path):
    with pytest.raises(ValueError, match="label_smoothing=1.5"):
        small_model(label_smoothing=1.5)
    model = small_model(label_smoothing=0.1)
    model.optimizer.build(model.trainable_variables)  # saved with its slots, as after `fit`
    model.save(tmp_path / "chat.keras")
    loaded = keras.saving.load_model(tmp_path / "chat.keras")
    assert loaded.loss.label_smoothing == 0.1
    np.testing.assert_allclose(loaded((PROMPTS, REPLY_IN)), model((PROMPTS, REPLY_IN)), atol=1e-6)


@pytest.fixture(scope="module")
def trained():
    model = small_model()
    return model, decoding.Decoder(model)


def test_perplexity_equals_the_step_by_step_likelihood(trained):
    model, decoder = trained
    log_likelihood = sum(
        decoding.sequence_log_probability(decoder, p[p != 0], t[(t != 0) & (t != 3)]) for p, t in zip(PROMPTS, TARGETS)
    )
    words = int((TARGETS != 0).sum())
    assert evaluate.perplexity(model, (PROMPTS, REPLY_IN), TARGETS) == pytest.approx(math.exp(-log_likelihood / words), rel=1e-4)


def test_perplexity_skipping_an_id_equals_padding_it(trained):
    model, _ = trained
    word = int(TARGETS[0, 0])
    padded = np.where(TARGETS == word, 0, TARGETS)
    skipped = evaluate.perplexity(model, (PROMPTS, REPLY_IN), TARGETS, skip_ids=[word])
    assert skipped == pytest.approx(evaluate.perplexity(model, (PROMPTS, REPLY_IN), padded), rel=1e-12)
    assert skipped != pytest.approx(evaluate.perplexity(model, (PROMPTS, REPLY_IN), TARGETS), rel=1e-6)
    with pytest.raises(ValueError, match="skip_ids"):
        evaluate.perplexity(model, (PROMPTS, REPLY_IN), TARGETS, skip_ids=np.unique(TARGETS).tolist())


def test_word_log_likelihoods_pool_to_the_perplexity(trained):
    model, _ = trained
    log_likelihoods = evaluate.word_log_likelihoods(model, (PROMPTS, REPLY_IN), TARGETS, batch_size=1)
    assert log_likelihoods.shape == TARGETS.shape and (log_likelihoods[TARGETS == 0] == 0).all()
    assert (log_likelihoods[TARGETS != 0] < 0).all()
    words = (TARGETS != 0).sum()
    assert math.exp(-log_likelihoods.sum() / words) == pytest.approx(evaluate.perplexity(model, (PROMPTS, REPLY_IN), TARGETS))
    with pytest.raises(ValueError, match="No target words"):
        evaluate.perplexity_of(log_likelihoods, np.zeros_like(TARGETS, bool))


def test_word_parts_split_seen_and_novel_words_by_where_the_prompt_helps():
    train_pairs = [(None, "Hi there", "Hello!"), (None, "What is AI?", "A field.")]
    held_out = [(None, "hi THERE", "hello!"), (None, "What is AI?", "Something else.")]
    seen = evaluate.seen_in_training(train_pairs, held_out)
    assert seen.tolist() == [True, False]
    parts = evaluate.word_parts(TARGETS, seen, prompts=PROMPTS)
    # Row 0 (5 6 [end]) is seen; row 1 (7 8 9 [end]) is novel, its prompt 8 9 10 11.
    positions = {name: list(zip(*np.nonzero(mask))) for name, mask in parts.items()}
    assert positions == {"seen": [(0, 0), (0, 1), (0, 2)], "novel": [(1, 0), (1, 1), (1, 2), (1, 3)],
                         "novel_first_word": [(1, 0)], "novel_from_prompt": [(1, 1), (1, 2)], "novel_other": [(1, 3)]}
    assert evaluate.word_parts(TARGETS, seen).keys() == {"seen", "novel"}
    with pytest.raises(ValueError, match="3 seen flags"):
        evaluate.word_parts(TARGETS, [True, False, True])


def test_prompt_headroom_against_hand_worked_bounds():
    seen = np.array([[True, True], [False, False]])
    reply_only = np.array([[-1.0, -1.0], [-2.0, -2.0]])  # mean negative log-likelihood 1.5
    seq2seq = np.array([[-0.5, -0.5], [-3.0, -3.0]])  # better on seen words, worse on novel ones
    bounds = evaluate.prompt_headroom(seq2seq, reply_only, seen, ~seen)
    # Seen words certain, novel ones the LM's: (0 + 4) / 4 nats against 1.5.
    assert bounds["perfect_seen_ratio"] == pytest.approx(math.exp(1.0 - 1.5))
    # The mixture takes each part's better model whole: (1 + 4) / 4 nats.
    assert bounds["oracle_mixture_ratio"] == pytest.approx(math.exp(1.25 - 1.5))
    # Mirror-image models on the seen words: the even mixture wins there.
    seq2seq = np.array([[-0.1, -3.0], [-2.0, -2.0]])
    reply_only = np.array([[-3.0, -0.1], [-2.0, -2.0]])
    even = -2 * np.log(0.5 * np.exp(-0.1) + 0.5 * np.exp(-3.0))
    expected = math.exp((even + 4.0) / 4 - (3.1 + 4.0) / 4)
    assert evaluate.prompt_headroom(seq2seq, reply_only, seen, ~seen)["oracle_mixture_ratio"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="0 novel_words"):
        evaluate.prompt_headroom(seq2seq, reply_only, seen, np.zeros_like(seen))


def test_greedy_top1_sampling_and_width1_beam_agree(trained):
    _, decoder = trained
    for prompt in PROMPTS:
        prompt = prompt[prompt != 0]
        greedy, rows = decoder.greedy(prompt, max_len=6)
        assert rows.shape == (len(greedy) + (len(greedy) < 6), len(prompt))
        assert decoder.sample(prompt, max_len=6, top_k=1, seed=0)[0] == greedy
        assert decoder.beam(prompt, max_len=6, beam_width=1, alpha=0.0)[0] == greedy


@pytest.mark.parametrize("alpha", [0.0, 0.6, 2.0])
def test_wide_beam_finds_the_best_length_penalised_reply_by_exhaustive_search(trained, alpha):
    _, decoder = trained
    prompt, max_len = PROMPTS[1][:4], 3
    allowed = [i for i in range(len(VOCABULARY)) if i not in decoding.BANNED_IDS + [text.END_ID]]
    best = max(
        (decoding.sequence_log_probability(decoder, prompt, list(reply)) / decoding.length_penalty(len(reply) + 1, alpha), list(reply))
        for length in range(max_len) for reply in itertools.product(allowed, repeat=length)
    )
    width = len(allowed) ** (max_len - 1) * (len(allowed) + 1)  # every candidate of the last step
    assert decoder.beam(prompt, max_len=max_len, beam_width=width, alpha=alpha)[0] == best[1]


def test_length_penalty_is_gnmts():
    assert decoding.length_penalty(1, 0.6) == pytest.approx(1.0)
    assert decoding.length_penalty(13, 0.5) == pytest.approx(math.sqrt(3.0))
    assert decoding.length_penalty(7, 0.0) == 1.0


def test_sampling_follows_the_tempered_top_k_distribution():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    rng = np.random.default_rng(0)
    for temperature, top_k in [(1.0, None), (2.0, None), (0.5, 2)]:
        draws = np.bincount([decoding.sample_word(logits, temperature, top_k, rng) for _ in range(6000)], minlength=4) / 6000
        expected = np.exp(logits / temperature)
        if top_k:
            expected[np.argsort(-logits)[top_k:]] = 0.0
        np.testing.assert_allclose(draws, expected / expected.sum(), atol=0.025)


@pytest.mark.parametrize("bad, message", [({"method": "nucleus"}, "method='nucleus'"), ({"temperature": 0}, "temperature"),
                                          ({"top_k": 0}, "top_k"), ({"beam_width": 0}, "beam_width"), ({"alpha": -1}, "alpha")])
def test_bad_decoding_arguments_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        decoding.check_decoding(**bad)


# --------------------------------------------------------------------------
# Evaluation.
# --------------------------------------------------------------------------
def test_retrieval_baseline_picks_the_tf_idf_nearest_prompt():
    prompts = [["hello", "there"], ["what", "is", "ai"], ["what", "is", "love"], ["hello"]]
    baseline = evaluate.RetrievalBaseline(prompts, ["r0", "r1", "r2", "r3"])
    # Worked by hand: idf(what) = idf(is) = log(5/3)+1, idf(ai) = log(5/2)+1; "what ai" shares
    # the rarer word with prompt 1 only, so prompt 1 is nearest; "hello" alone matches prompt 3 exactly.
    assert baseline.reply([["what", "ai"], ["hello"], ["unseen"]]) == ["r1", "r3", "r0"]
    idf = baseline.tfidf.idf[[baseline.tfidf.words[w] for w in ("what", "ai")]]
    np.testing.assert_allclose(idf, [math.log(5 / 3) + 1, math.log(5 / 2) + 1])


def test_references_grouped_by_prompt():
    prompts, references = evaluate.grouped_references(["a", "b", "a"], ["x", "y", "z"])
    assert prompts == ["a", "b"] and references == [["x", "z"], ["y"]]


# --------------------------------------------------------------------------
# The chat bot.
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bot(trained):
    model, _ = trained
    return ChatBot(model, {"vocabulary": VOCABULARY, "max_prompt_len": 5, "max_reply_len": 4})


def test_bot_refuses_empty_and_all_unknown_input(bot):
    for empty in ["", "   \n"]:
        with pytest.raises(ValueError, match="Empty input"):
            bot.reply(empty)
    with pytest.raises(ValueError, match="None of the words of 'zebra quokka'"):
        bot.reply("zebra quokka")


def test_bot_truncates_long_input_to_its_last_words_and_says_so(bot):
    answer = bot.reply("w0 w1 zebra w3 w4 w5 w6 w7", method="greedy")
    assert answer.prompt_words == ["w3", "w4", "w5", "w6", "w7"]
    assert answer.notes == ["unknown word read as [UNK]: zebra", "input of 8 words truncated: the model reads its last 5"]
    assert answer.attention.shape[1] == 5
    ids, _ = bot.decoder.greedy(np.array([8, 9, 10, 11, 12], "int32"), 4)
    assert answer.words == bot.tokenizer.decode(ids)


def test_repl_goes_on_after_bad_lines_and_ends_at_end_of_input(bot):
    lines = iter(["w0 w1", "", "qqq"])

    def read_line(prompt):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    said = []
    assert repl(bot, read_line, said.append, method="greedy") == 0
    assert said[0].startswith("bot> ") and said[1] == "(bot: Empty input: type a sentence)"
    assert said[2].startswith("(bot: None of the words") and said[-1] == ""


def test_attention_heatmap_png(bot, tmp_path):
    answer = bot.reply("w0 w1 w2", method="greedy")
    path = save_attention_heatmap(answer, tmp_path / "plots" / "attention.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and [p.name for p in path.parent.iterdir()] == ["attention.png"]
    with pytest.raises(ValueError, match="must end in .png"):
        save_attention_heatmap(answer, tmp_path / "attention.jpg")


# --------------------------------------------------------------------------
# The training script.
# --------------------------------------------------------------------------
@pytest.mark.slow
def test_training_script_smoke_run_with_context_and_baseline(tmp_path):
    from rnnzoo.applications.seq2seq_chat import train

    corpus = tmp_path / "corpus"
    conversations = "".join(f"- - hello number {i % 7}\n  - hi, number {i % 7}!\n  - how are you?\n" for i in range(60))
    write_corpus(corpus, "conversations:\n" + conversations)
    weights = tmp_path / "out" / "chat.weights.h5"
    figures = train.main(["--smoke", "--data", str(corpus), "--context", "--baseline-lm", "--save", str(weights),
                          "--heatmap", str(tmp_path / "attention.png")])
    assert all(math.isfinite(figures[k]) for k in ("perplexity", "reply_only_perplexity", "ratio_in_vocabulary", "bleu_greedy", "bleu_beam"))
    assert weights.is_file() and [p.name for p in weights.parent.iterdir()] == [weights.name]
    assert (tmp_path / "attention.png").is_file()


def test_training_script_refuses_malformed_yaml(tmp_path):
    from rnnzoo.applications.seq2seq_chat import train

    write_corpus(tmp_path, "conversations:\n- - a\n  - b\n  c: d\n", "bad.yml")
    with pytest.raises(ValueError, match=r"Malformed YAML in .*bad\.yml, line 4"):
        train.main(["--smoke", "--data", str(tmp_path)])
