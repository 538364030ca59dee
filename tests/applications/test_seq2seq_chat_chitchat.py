"""The chitchat corpus loader, multi-turn context, nucleus sampling, MMI
reranking, the ranking head and the test-set metrics (hits@1/20, distinct-n)."""

import json
import math

import numpy as np
import pytest

from rnnzoo.applications.seq2seq_chat import data, decoding, evaluate, model as chat_model, text
from rnnzoo.applications.seq2seq_chat.chat import ChatBot

WORDS = [f"w{i}" for i in range(12)]
VOCABULARY = text.SPECIAL_TOKENS + WORDS


def chitchat_json(conversations):
    """The Chit-Chat file format: id -> {"messages": [[{"text": ...}, ...], ...]}."""
    return {f"id-{k}": {"messages": [[{"text": m, "sender": f"s{t % 2}"} for m in turn] for t, turn in enumerate(c)]}
            for k, c in enumerate(conversations)}


def write_chitchat(tmp_path, document):
    path = tmp_path / "dataset.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# Data.
# --------------------------------------------------------------------------
def test_chitchat_turns_join_one_senders_messages(tmp_path):
    path = write_chitchat(tmp_path, chitchat_json([[["Hello", "How are you?"], ["fine"], ["good ", " to hear"]]]))
    assert data.read_chitchat(path) == [["Hello How are you?", "fine", "good to hear"]]


@pytest.mark.parametrize("document, message", [
    ("{not json", r"Malformed JSON .*dataset.json, line 1"),
    ("[1, 2]", "must hold an object of conversations by id"),
    ({"abc-1": {"start": 0}}, "conversation abc-1 has no `messages` list"),
    ({"abc-2": {"messages": [[{"text": 3}]]}}, "conversation abc-2, turn 1"),
])
def test_malformed_chitchat_file_names_the_file_and_conversation(tmp_path, document, message):
    with pytest.raises(ValueError, match=message):
        data.read_chitchat(write_chitchat(tmp_path, document))


def test_missing_chitchat_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        data.read_chitchat(tmp_path / "nothing.json")


def test_three_way_split_is_disjoint_seeded_and_proportioned():
    conversations = [[f"c{i}", "x"] for i in range(200)]
    train, validation, test = data.split_three(conversations)
    assert (len(train), len(validation), len(test)) == (180, 10, 10)
    assert sorted(map(tuple, train + validation + test)) == sorted(map(tuple, conversations))
    assert data.split_three(conversations) == (train, validation, test)
    assert data.split_three(conversations, seed=1) != (train, validation, test)
    with pytest.raises(ValueError, match="fractions"):
        data.split_three(conversations, (0.5, 0.5, 0.0))


def test_pairs_carry_up_to_history_previous_turns_and_respect_max_words():
    conversation = ["a", "b b", "c", "d d d d", "e"]
    found = data.pairs([conversation], history=2)
    assert found[:3] == [((), "a", "b b"), (("a",), "b b", "c"), (("a", "b b"), "c", "d d d d")]
    assert [p[1:] for p in data.pairs([conversation], history=2, max_words=3)] == [("a", "b b"), ("b b", "c")]


def test_encoder_reads_turns_each_followed_by_sep_and_keeps_the_end():
    ids = text.encoder_input([9, 9], [np.array([5, 6]), np.array([], "int32"), np.array([7])])
    assert ids.tolist() == [5, 6, text.SEP_ID, 7, text.SEP_ID, 9, 9]
    assert text.encoder_input([9, 9], [np.array([5, 6]), np.array([7])], max_len=4).tolist() == [text.SEP_ID, 7, text.SEP_ID, 9, 9][-4:]
    assert text.encoder_input([9], [5, 6]).tolist() == [5, 6, text.SEP_ID, 9]  # one turn as a list of ints


def test_pair_arrays_read_the_last_context_turns():
    tokenizer = text.Tokenizer(VOCABULARY)
    config = {"context": 2, "max_prompt_len": 12, "max_reply_len": 4}
    (encoder, decoder_in), targets = text.pair_arrays(tokenizer, [(("w1", "w2 w3", "w4"), "w5", "w6")], config)
    w = {word: VOCABULARY.index(word) for word in WORDS}
    assert encoder[0][encoder[0] != 0].tolist() == [w["w2"], w["w3"], text.SEP_ID, w["w4"], text.SEP_ID, w["w5"]]
    assert decoder_in[0].tolist() == [text.START_ID, w["w6"], 0, 0] and targets[0].tolist() == [w["w6"], text.END_ID, 0, 0]


def test_vocabulary_cap_keeps_the_most_frequent_words():
    vocabulary = text.build_vocabulary(["a a a b b c", "a b c d"], min_count=1, max_size=len(text.SPECIAL_TOKENS) + 2)
    assert vocabulary == text.SPECIAL_TOKENS + ["a", "b"]


# --------------------------------------------------------------------------
# Decoding: nucleus sampling and MMI.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("top_p, kept", [(0.49, 1), (0.7, 2), (0.79, 2), (0.81, 3), (1.0, 4)])
def test_nucleus_sampling_keeps_the_fewest_words_reaching_top_p(top_p, kept):
    probabilities = np.array([0.15, 0.5, 0.05, 0.3])
    rng = np.random.default_rng(0)
    draws = np.bincount([decoding.sample_word(np.log(probabilities), 1.0, None, rng, top_p) for _ in range(6000)],
                        minlength=4) / 6000
    nucleus = np.argsort(-probabilities)[:kept]
    expected = np.zeros(4)
    expected[nucleus] = probabilities[nucleus] / probabilities[nucleus].sum()
    np.testing.assert_allclose(draws, expected, atol=0.025)


class FixedCandidates(decoding.Decoder):
    """A decoder whose beam returns fixed candidates: MMI's choice alone is tested."""

    def __init__(self, found):
        self.found = found

    def candidates(self, prompt_ids, max_len=40, beam_width=4, alpha=0.6):
        return self.found


class FixedLM:
    def __init__(self, log_probabilities):
        self.values = log_probabilities

    def log_probabilities(self, replies):
        return np.array([self.values[tuple(r)] for r in replies])


@pytest.mark.parametrize("mmi_lambda, alpha", [(0.0, 0.6), (0.5, 0.6), (1.0, 0.0)])
def test_mmi_picks_the_best_of_log_p_given_prompt_minus_lambda_log_p(mmi_lambda, alpha):
    replies = [[5], [6, 7], [8, 9, 10]]
    conditional = [-2.0, -3.5, -6.0]  # the generic short reply is likeliest given the prompt ...
    unconditional = {(5,): -1.0, (6, 7): -6.0, (8, 9, 10): -14.0}  # ... and whatever the prompt
    found = [(c / decoding.length_penalty(len(r) + 1, alpha), c, r, np.zeros((len(r) + 1, 2)))
             for c, r in zip(conditional, replies)]
    score = lambda c, r: (c - mmi_lambda * unconditional[tuple(r)]) / decoding.length_penalty(len(r) + 1, alpha)  # noqa: E731
    expected = max(zip(conditional, replies), key=lambda cr: score(*cr))[1]
    chosen, _ = FixedCandidates(found).mmi([1], FixedLM(unconditional), alpha=alpha, mmi_lambda=mmi_lambda)
    assert chosen == expected
    if mmi_lambda == 0.0:
        assert chosen == [5]


def small_pair(scale=0.8):
    """A tiny seq2seq model and its reply-only LM with large random weights."""
    config = dict(vocabulary=VOCABULARY, units=8, embedding_dim=6, dropout=0.0, max_prompt_len=8, max_reply_len=4, context=2)
    models = [chat_model.build(**config), chat_model.build(**config, conditioned=False)]
    rng = np.random.default_rng(0)
    for model in models:
        model.set_weights([rng.normal(0.0, scale, w.shape).astype("float32") for w in model.get_weights()])
    return config, *models


def test_reply_lm_log_probability_is_the_sum_of_its_step_log_probabilities():
    config, _, lm = small_pair()
    reply = [5, 6]
    logits = np.asarray(lm(np.array([[text.START_ID, 5, 6]]), training=False), "float64")[0]
    steps = [decoding.log_softmax(logits[k])[target] for k, target in enumerate([5, 6, text.END_ID])]
    assert decoding.ReplyLM(lm, config["max_reply_len"]).log_probabilities([reply])[0] == pytest.approx(sum(steps), abs=1e-4)


def test_beam_candidates_are_sorted_and_carry_their_log_probability():
    _, model, _ = small_pair()
    found = decoding.Decoder(model).candidates([5, 6, 7], max_len=4, beam_width=4, alpha=0.6)
    scores = [score for score, *_ in found]
    assert scores == sorted(scores, reverse=True)
    for score, log_p, ids, _ in found:
        assert score == pytest.approx(log_p / decoding.length_penalty(len(ids) + 1, 0.6))


def test_multi_turn_bot_reads_the_last_two_turns_and_mmi_runs():
    config, model, lm = small_pair()
    bot = ChatBot(model, config, reply_lm=lm)
    first = bot.reply("w1 w2", method="mmi", beam_width=3)
    second = bot.reply("w3", method="mmi", beam_width=3)
    assert first.prompt_words == ["w1", "w2"]
    # Read: the user's first turn [sep] the bot's reply [sep] the new prompt, cut to the last 8 ids.
    expected = (["w1", "w2", "[sep]"] + first.words + ["[sep]"] if first.words else ["w1", "w2", "[sep]"]) + ["w3"]
    assert second.prompt_words == expected[-8:]
    bot.reset()
    assert bot.reply("w3", method="greedy").prompt_words == ["w3"]
    with pytest.raises(ValueError, match="reply-only language model"):
        ChatBot(model, config).reply("w1", method="mmi")


class FixedRanker:
    def __init__(self, scores):
        self.values = scores

    def scores(self, encoder_ids, replies):
        return np.array([self.values[tuple(r)] for r in replies])


@pytest.mark.parametrize("ranking_weight, expected", [(0.0, [5]), (10.0, [8, 9, 10])])
def test_mmi_adds_the_ranking_heads_score_with_its_weight(ranking_weight, expected):
    replies, conditional = [[5], [6, 7], [8, 9, 10]], [-2.0, -3.5, -6.0]
    found = [(c, c, r, np.zeros((len(r) + 1, 2))) for c, r in zip(conditional, replies)]
    ranker = FixedRanker({(5,): 0.0, (6, 7): 0.1, (8, 9, 10): 0.5})
    chosen, _ = FixedCandidates(found).mmi([1], FixedLM({(5,): -1.0, (6, 7): -6.0, (8, 9, 10): -14.0}), alpha=0.0,
                                           mmi_lambda=0.0, ranker=ranker, ranking_weight=ranking_weight)
    assert chosen == expected


def ranking_model(seed=0):
    config = dict(vocabulary=VOCABULARY, rnn="gru", units=8, embedding_dim=6, dropout=0.0, max_prompt_len=8,
                  max_reply_len=4, ranking=0.5)
    model = chat_model.build(**config)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return config, model


def test_ranking_loss_is_half_the_in_batch_softmax_cross_entropy_towards_the_diagonal():
    config, model = ranking_model()
    rng = np.random.default_rng(1)
    prompts = rng.integers(5, len(VOCABULARY), (6, 8)).astype("int32")
    replies = np.concatenate([np.full((6, 1), text.START_ID), rng.integers(5, len(VOCABULARY), (6, 3))], 1).astype("int32")
    model((prompts, replies), training=True)
    contexts, candidates = (np.asarray(m(ids), "float64") for m, ids in zip(chat_model.ranking_models(model), (prompts, replies)))
    scores = contexts @ candidates.T / math.sqrt(config["units"])
    log_softmax = scores - np.log(np.exp(scores).sum(1, keepdims=True))
    assert float(model.losses[0]) == pytest.approx(0.5 * -np.mean(np.diag(log_softmax)), rel=1e-4)
    model((prompts, replies), training=False)
    assert not model.losses  # held-out loss stays the word loss alone (nats per word)
    ranker = decoding.Ranker(model, config["max_reply_len"])
    np.testing.assert_allclose(ranker.scores(prompts[2], [list(r[1:]) for r in replies]), scores[2], rtol=1e-4, atol=1e-5)


def test_warm_start_copies_every_layer_and_leaves_the_new_head(tmp_path):
    from rnnzoo.applications.seq2seq_chat.train import copy_weights_by_name

    config, model = ranking_model()
    plain = chat_model.build(**{**config, "ranking": 0.0})
    plain.set_weights([w + 1.0 for w in plain.get_weights()])
    path = str(tmp_path / "warm.weights.h5")
    plain.save_weights(path)
    head = model.get_layer("reply_projection").get_weights()
    copy_weights_by_name(chat_model.build(**{**config, "ranking": 0.0}), path, model)
    for layer in plain.layers:
        for mine, theirs in zip(model.get_layer(layer.name).get_weights(), layer.get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    for mine, before in zip(model.get_layer("reply_projection").get_weights(), head):
        np.testing.assert_array_equal(mine, before)


@pytest.mark.parametrize("bad, message", [(dict(ranking=-1.0), "ranking"), (dict(ranking=math.nan), "ranking"),
                                          (dict(ranking=True), "ranking"),
                                          (dict(ranking=1.0, conditioned=False), "needs a conditioned model")])
def test_bad_ranking_weights_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        chat_model.build(VOCABULARY, units=4, embedding_dim=4, **bad)


def test_ranking_weight_needs_a_ranking_head():
    config, model, lm = small_pair()
    with pytest.raises(ValueError, match="ranking head"):
        ChatBot(model, config, reply_lm=lm).reply("w1", method="mmi", ranking_weight=1.0)
    with pytest.raises(ValueError, match="ranking head"):
        chat_model.ranking_models(model)
    with pytest.raises(ValueError, match="ranking_weight"):
        decoding.check_decoding(ranking_weight=-1.0)


@pytest.mark.parametrize("bad, message", [({"top_p": 0}, "top_p"), ({"top_p": 1.5}, "top_p"),
                                          ({"temperature": math.inf}, "temperature must be finite"),
                                          ({"temperature": math.nan}, "temperature"),
                                          ({"mmi_lambda": 2}, "mmi_lambda"), ({"alpha": math.inf}, "alpha")])
def test_bad_nucleus_mmi_and_degenerate_temperatures_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        decoding.check_decoding(**bad)


def test_non_utf8_input_is_named():
    config, model, _ = small_pair()
    bad = b"w1 \xff w2".decode("utf-8", "surrogateescape")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        ChatBot(model, config).reply(bad)


# --------------------------------------------------------------------------
# Metrics.
# --------------------------------------------------------------------------
def test_distinct_n_counts_distinct_ngrams_over_all_ngrams():
    replies = [["i", "am", "fine"], ["i", "am", "here"]]
    assert evaluate.distinct_n(replies, 1) == pytest.approx(4 / 6)
    assert evaluate.distinct_n(replies, 2) == pytest.approx(3 / 4)
    assert evaluate.distinct_n([["a"]], 2) == 0.0


def test_hits_at_1_counts_strict_wins_of_the_first_column():
    scores = [[3.0, 1.0, 2.0], [1.0, 2.0, 0.0], [2.0, 2.0, 1.0]]  # a win, a loss, a tie (a miss)
    assert evaluate.hits_at_1(scores) == pytest.approx(1 / 3)


def test_distractors_come_from_other_conversations():
    conversation_of = [0, 0, 1, 1, 1, 2]
    drawn = evaluate.distractors(conversation_of, 19, seed=0)
    assert drawn.shape == (6, 19)
    for own, row in zip(conversation_of, drawn):
        assert all(conversation_of[i] != own for i in row)
    np.testing.assert_array_equal(drawn, evaluate.distractors(conversation_of, 19, seed=0))


def test_most_common_share():
    assert evaluate.most_common_share(["a", "b", "a", "c"]) == 0.5
