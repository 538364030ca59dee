"""Characters <-> CTC label ids, and word and character error rates.

Id 0 is the CTC blank (Keras's `mask_index=0`); the alphabet's characters
are ids 1..len(alphabet).
"""

import re
import unicodedata

import numpy as np

ALPHABET = " 'abcdefghijklmnopqrstuvwxyz"  # lowercase letters, space, apostrophe
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def normalise(text):
    """Lowercase with single spaces: the form transcripts are compared in."""
    return " ".join(str(text).lower().split())


# Symbols read as words; other punctuation is a pause, which transcripts do not write.
SYMBOL_WORDS = {"&": " and ", "%": " percent ", "+": " plus ", "=": " equals ", "@": " at ", "#": " number "}
PUNCTUATION = re.compile(r"[.,!?;:\"“”«»()\[\]{}<>/\\*_~^|…–—-]")
NUMBER = re.compile(r"(\$)?(\d[\d,]*(?:\.\d+)?)(st|nd|rd|th)?")


def spoken_form(text, source=None, alphabet=ALPHABET):
    """`text` as it is spoken, in `alphabet`: numbers read as words ("42" ->
    "forty two", "1st" -> "first", "$5" -> "five dollars", "1999" -> "nineteen
    ninety nine"), a few symbols read ("&" -> "and"), accents dropped ("café"
    -> "cafe"), curly apostrophes straightened, other punctuation removed.
    A character that is still outside the alphabet is an error naming it.

    >>> spoken_form("I'm 21 & it's 5% off -- the 3rd time!")
    "i'm twenty one and it's five percent off the third time"
    """
    text = unicodedata.normalize("NFKD", str(text).replace("’", "'").replace("‘", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    for symbol, words in SYMBOL_WORDS.items():
        text = text.replace(symbol, words)
    text = NUMBER.sub(_number_words, text)
    text = normalise(PUNCTUATION.sub(" ", text.lower()))
    text = " ".join(word.strip("'") for word in text.split() if word.strip("'"))
    for position, character in enumerate(text):
        if character not in alphabet:
            where = f" in {source}" if source else ""
            raise ValueError(f"Text{where} has character {character!r} (position {position} of {text!r}) that "
                             f"cannot be spoken in the alphabet {alphabet!r}")
    return text


def _number_words(match):
    """One number as words, with num2words (the `speech` extra)."""
    try:
        from num2words import num2words
    except ImportError:
        raise ImportError("Reading numbers as words needs num2words: pip install 'rnnzoo[speech]'") from None
    dollar, digits, suffix = match.groups()
    digits = digits.rstrip(",").replace(",", "")
    if suffix:
        words = num2words(int(float(digits)), to="ordinal")
    elif dollar:
        words = num2words(float(digits), to="currency", currency="USD") if "." in digits else num2words(int(digits)) + " dollars"
    elif "." not in digits and len(digits) == 4 and 1100 <= int(digits) <= 2099 and not digits.endswith("00"):
        words = num2words(int(digits), to="year")
    else:
        words = num2words(float(digits) if "." in digits else int(digits))
    return " " + words.replace("-", " ").replace(",", " ") + " "


def encode(text, alphabet=ALPHABET, source=None):
    """Label ids of `text` (normalised first); a character outside `alphabet` is an error naming it and `source`."""
    text = normalise(text)
    ids = {c: i + 1 for i, c in enumerate(alphabet)}
    for position, character in enumerate(text):
        if character not in ids:
            where = f" in {source}" if source else ""
            raise ValueError(
                f"Transcript{where} has character {character!r} (position {position} of {text!r}) "
                f"outside the model's alphabet {alphabet!r}"
            )
    return np.array([ids[c] for c in text], dtype="int32")


def decode(ids, alphabet=ALPHABET):
    """Text of label ids; blanks (0) and padding (negative) are dropped."""
    return "".join(alphabet[i - 1] for i in np.asarray(ids).tolist() if 0 < i <= len(alphabet))


def edit_distance(reference, hypothesis):
    """Levenshtein distance between two sequences: insertions, deletions, substitutions, each costing 1."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, start=1):
        current = [i]
        for j, h in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def error_rate(references, hypotheses, unit):
    """Corpus error rate: total edits over total reference units ("word" or "char").

    The pooled form (as jiwer and Kaldi's compute-wer report), not the mean
    of per-utterance rates.
    """
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    split = {"word": str.split, "char": lambda text: list(text)}[unit]
    edits = total = 0
    for reference, hypothesis in zip(references, hypotheses):
        reference, hypothesis = split(normalise(reference)), split(normalise(hypothesis))
        edits += edit_distance(reference, hypothesis)
        total += len(reference)
    if total == 0:
        raise ValueError("The references are all empty: the error rate is undefined")
    return edits / total


def wer(references, hypotheses):
    return error_rate(references, hypotheses, "word")


def cer(references, hypotheses):
    return error_rate(references, hypotheses, "char")
