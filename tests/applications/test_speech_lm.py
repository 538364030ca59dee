"""The character n-gram language model and the CTC prefix beam search that reads it."""

import gzip
import itertools

import numpy as np
import pytest

from rnnzoo.applications.speech_ctc.lm import CharNgramLM, prefix_beam_search

LINES = ["seven of clubs", "four queen of clubs", "the queen of hearts", "seven hearts", "four of clubs"]
ALPHABET = " 'abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def lm():
    return CharNgramLM.from_lines(LINES, ALPHABET, order=4)


@pytest.mark.parametrize("context", ["", "seven of c", "qu", "zzz", "of clubs", "x'"])
def test_every_context_gives_a_distribution(lm, context):
    p = lm.distribution(context)
    assert p.shape == (len(ALPHABET) + 1,) and (p > 0).all() and p.sum() == pytest.approx(1.0, abs=1e-12)


def test_bigram_kneser_ney_matches_the_formula_by_hand():
    # Lines "ab", "b", "bb": padded ^ab$, ^b$, ^bb$. Symbols: a, b, $ (alphabet "ab").
    lm = CharNgramLM.from_lines(["ab", "b", "bb"], "ab", order=2)
    # Bigram counts after "b": b$ x3, bb x1 -> c(b.) = 4, two types. Discount from counts of counts of all bigrams:
    # ^a 1, ab 1, b$ 3, ^b 2, bb 1 -> n1 = 3, n2 = 1 -> D2 = 3 / 5.
    d2 = 3 / 5
    # Unigram continuation counts: distinct left neighbours: a {^}, b {a, ^, b}, $ {b} -> 1, 3, 1 of 5;
    # their counts of counts n1 = 2, n2 = 0 -> D1 = 1 (kept inside (0, 1): 0.9), backed off to uniform 1/3.
    d1 = 0.9
    uniform = np.full(3, 1 / 3)
    continuation = np.array([1, 3, 1], dtype=float)
    unigram = np.maximum(continuation - d1, 0) / 5 + d1 * 3 / 5 * uniform
    bigram_counts = np.array([0, 1, 3], dtype=float)  # a, b, $ after "b"
    expected = np.maximum(bigram_counts - d2, 0) / 4 + d2 * 2 / 4 * unigram
    np.testing.assert_allclose(lm.distribution("ab"), expected, rtol=1e-12)  # only the last character counts
    np.testing.assert_allclose(lm.distribution("b"), expected, rtol=1e-12)


def test_a_longer_context_models_its_text_better_and_unseen_text_stays_finite():
    unigram, fourgram = (CharNgramLM.from_lines(LINES, ALPHABET, order=n) for n in (1, 4))
    assert fourgram.perplexity(LINES) < 0.5 * unigram.perplexity(LINES)
    assert np.isfinite(fourgram.perplexity(["jokers wild"]))
    assert fourgram.log_prob("queen of clubs") > fourgram.log_prob("qeeun fo culbs")


def test_text_outside_the_alphabet_is_refused_naming_the_line(tmp_path):
    with pytest.raises(ValueError, match=r"Line 2 .*'!'"):
        CharNgramLM.from_lines(["ok", "not ok!"], ALPHABET)
    with pytest.raises(ValueError, match="does not exist"):
        CharNgramLM.from_file(tmp_path / "missing.txt.gz")


def _exhaustive(log_probs, alphabet, lm=None, alpha=0.0, beta=0.0):
    """The labelling with the best score, by summing every frame path (independent of the beam search)."""
    scores = {}
    for path in itertools.product(range(len(alphabet) + 1), repeat=len(log_probs)):
        labels = [c for i, c in enumerate(path) if c and (i == 0 or c != path[i - 1])]
        text = "".join(alphabet[c - 1] for c in labels)
        p = np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
        scores[text] = scores.get(text, 0.0) + p
    def total(text):
        return np.log(scores[text]) + (alpha * lm.log_prob(text) if lm else 0.0) + beta * len(text)
    return max(scores, key=total)


@pytest.mark.parametrize("seed", range(6))
def test_wide_beam_finds_the_exhaustive_best_with_and_without_a_language_model(seed):
    rng = np.random.default_rng(seed)
    alphabet = "ab"
    logits = rng.normal(size=(5, 3)) * 2
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    lm = CharNgramLM.from_lines(["ab", "abab", "b"], alphabet, order=2)
    assert prefix_beam_search(log_probs, alphabet, beam=100, prune=-np.inf) == _exhaustive(log_probs, alphabet)
    expected = _exhaustive(log_probs, alphabet, lm, alpha=1.5, beta=0.5)
    assert prefix_beam_search(log_probs, alphabet, lm, alpha=1.5, beta=0.5, beam=100, prune=-np.inf) == expected


def test_the_language_model_settles_what_the_acoustics_leave_open(lm):
    # Frames spelling "queen of c?ubs" where the network cannot tell "l" from "r": 50 / 50.
    frames = []
    for character in "queen of c?ubs":
        row = np.full(len(ALPHABET) + 1, 1e-4)
        for heard in ("lr" if character == "?" else character):
            row[ALPHABET.index(heard) + 1] = 1.0
        frames += [row, np.eye(len(ALPHABET) + 1)[0] + 1e-4]  # each character, then a blank
    log_probs = np.log(np.array(frames) / np.array(frames).sum(axis=1, keepdims=True))
    assert prefix_beam_search(log_probs, ALPHABET, lm, alpha=1.0, beta=0.0) == "queen of clubs"
    with pytest.raises(ValueError, match="alphabet"):
        prefix_beam_search(log_probs, ALPHABET, CharNgramLM.from_lines(["ab"], "ab", order=2))
    with pytest.raises(ValueError, match=r"\(frames, 29\)"):
        prefix_beam_search(log_probs[:, :5], ALPHABET, lm)


def test_language_model_text_is_the_training_split_and_the_same_bytes_each_time(tmp_path):
    from rnnzoo.applications.speech_ctc import data, language_model

    sentences = [f"sentence {letter * 3}" for letter in "abcdefghijklmnopqrst"]
    (tmp_path / "transcripts.csv").write_text("file,transcript\n" + "".join(f"wavs/{i}.wav,{s}\n" for i, s in enumerate(sentences)))
    first, second = tmp_path / "a.txt.gz", tmp_path / "b.txt.gz"
    for out in (first, second):
        language_model.main(["--data-dir", str(tmp_path), "--out", str(out), "--order", "3"])
    assert first.read_bytes() == second.read_bytes()
    held, kept = data.hold_out(20, language_model.SEED)
    assert gzip.decompress(first.read_bytes()).decode().splitlines() == [sentences[i] for i in kept]
    assert len(held) == 2 and not {sentences[i] for i in held} & set(gzip.decompress(first.read_bytes()).decode().splitlines())
    with pytest.raises(ValueError, match="Transcript CSV not found"):
        language_model.main(["--data-dir", str(tmp_path / "none"), "--out", str(first)])


def test_the_zoo_language_model_is_checked_and_drives_batch_decoding():
    from rnnzoo.applications.speech_ctc.decode import decode_logits
    from rnnzoo.applications.speech_ctc.lm import LanguageModelSearch

    search = LanguageModelSearch.from_zoo("english-ctc")
    assert search.lm.order == 6 and search.alpha > 0 and search.beam >= 8
    assert search.lm.log_prob("seven of clubs") > search.lm.log_prob("sevnef ov clbus")
    logits = np.random.default_rng(0).normal(size=(2, 12, len(ALPHABET) + 1)).astype("float32")
    log_probs = logits - np.log(np.exp(logits.astype("float64")).sum(axis=-1, keepdims=True))
    texts = decode_logits(logits, [12, 7], ALPHABET, beam=search)
    assert texts == [search(log_probs[0], ALPHABET), search(log_probs[1, :7], ALPHABET)]
    with pytest.raises(ValueError, match="no language model"):
        LanguageModelSearch.from_zoo("spoken-digits-ctc")
