"""corpus_bleu against BLEU worked out by hand."""

import math

import pytest

from rnnzoo.applications.common.metrics import corpus_bleu


def test_bleu2_with_clipping_and_brevity_penalty():
    # Unigrams: "the" clipped to 2, "cat" to 1 -> 3/4. Bigrams: "the cat" twice,
    # clipped to 1, "cat the" absent -> 1/3. Brevity: exp(1 - 6/4).
    expected = math.sqrt(3 / 4 * 1 / 3) * math.exp(1 - 6 / 4)
    assert corpus_bleu(["the cat the cat"], [["the cat sat on the mat"]], max_order=2) == pytest.approx(expected, abs=1e-9)


def test_counts_pool_over_the_corpus_and_any_reference_may_match():
    # The 3-word sentence has no 4-grams; pooled counts are still all matched.
    assert corpus_bleu(["a red circle", "a small blue square left of it"],
                       [["a green circle", "a red circle"], ["a small blue square left of it"]]) == 1.0


@pytest.mark.parametrize("kwargs, message", [
    (dict(hypotheses=["a"], references=[["a"]], max_order=5), "max_order"),
    (dict(hypotheses=["a", "b"], references=[["a"]]), "2 hypotheses and 1"),
    (dict(hypotheses=[], references=[]), "at least one hypothesis"),
    (dict(hypotheses=["a"], references=[[]]), "hypothesis 0 has none"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        corpus_bleu(**kwargs)
