"""Conversations in, (prompt, reply) pairs out: the Chit-Chat Challenge corpus
(`chitchat-dataset` on PyPI, the default), the ChatterBot YAML corpus and the
Cornell Movie-Dialogs format.

A conversation is a list of turns; every two adjacent turns make one pair.
A pair also carries the turns before its prompt (up to `history` of them,
oldest first), which a multi-turn model reads as `turn [sep] turn [sep] prompt`.
"""

import ast
import importlib.util
import json
from pathlib import Path

import numpy as np

from rnnzoo.applications.common.data import data_path

# Hold out 10 % of conversations (not pairs: the turns of one conversation
# stay on one side) in an order fixed by this seed.
VALIDATION_FRACTION = 0.1
SPLIT_SEED = 0

CORNELL_SEPARATOR = " +++$+++ "
CORNELL_ENCODING = "iso-8859-1"  # the encoding the corpus ships in


# --------------------------------------------------------------------------
# Chit-Chat Challenge (BYU PCC lab, 2018; MIT licence), from its PyPI wheel.
# --------------------------------------------------------------------------
def chitchat_file():
    """The `dataset.json` inside the installed `chitchat-dataset` package."""
    spec = importlib.util.find_spec("chitchat_dataset")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "The chitchat corpus is not installed: pip install 'rnnzoo[chat]' (it brings chitchat-dataset)"
        )
    return Path(spec.origin).parent / "dataset.json"


def read_chitchat(path=None):
    """The conversations of the Chit-Chat corpus, in the file's order.

    The JSON maps a conversation id to `{"messages": [turn, ...]}`, a turn being
    the list of messages one person sent in a row, each `{"text": ...}`. A
    turn's messages are joined with spaces into one turn string, so every pair
    of adjacent turns is a change of speaker. A missing or malformed file
    raises an error naming the file (and the conversation id).

    Args:
        path: The corpus file; default: the installed package's `dataset.json`.
    """
    path = Path(path) if path is not None else chitchat_file()
    if not path.is_file():
        raise FileNotFoundError(f"Chitchat corpus file not found: {path}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"Chitchat corpus file {path} is not UTF-8 text: {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"Malformed JSON in chitchat corpus file {path}, line {error.lineno}: {error.msg}") from None
    if not isinstance(document, dict):
        raise ValueError(f"Chitchat corpus file {path} must hold an object of conversations by id, got {type(document).__name__}")
    return [_chitchat_turns(path, key, value) for key, value in document.items()]


def _chitchat_turns(path, key, conversation):
    turns = conversation.get("messages") if isinstance(conversation, dict) else None
    if not isinstance(turns, list):
        raise ValueError(f"Chitchat corpus file {path}: conversation {key} has no `messages` list")
    result = []
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, list) or not all(isinstance(m, dict) and isinstance(m.get("text"), str) for m in turn):
            raise ValueError(
                f"Chitchat corpus file {path}: conversation {key}, turn {number} must be a list of "
                f"{{\"text\": ...}} messages, got {turn!r:.80}"
            )
        result.append(" ".join(m["text"].strip() for m in turn if m["text"].strip()))
    return result


# --------------------------------------------------------------------------
# ChatterBot YAML.
# --------------------------------------------------------------------------
def chatterbot_files(folder=None):
    """The corpus's .yml files, sorted: a folder of them, or the shared copy."""
    folder = Path(folder) if folder is not None else data_path("chat")
    if not folder.is_dir():
        raise FileNotFoundError(f"Corpus folder not found: {folder}")
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not files:
        raise ValueError(f"No .yml files in corpus folder {folder}")
    return files


def read_chatterbot_file(path):
    """The conversations (lists of turn strings) of one ChatterBot YAML file.

    Malformed YAML, or YAML that is not `conversations:` lists of strings,
    raises ValueError naming the file and the line.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Corpus file not found: {path}")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "unknown line"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValueError(f"Malformed YAML in {path}, {where}: {problem}") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"Corpus file {path} is not UTF-8 text: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("conversations"), list):
        raise ValueError(f"Corpus file {path} has no `conversations:` list (ChatterBot format)")
    conversations = []
    for index, conversation in enumerate(document["conversations"]):
        if isinstance(conversation, str):
            # A turn missing its "- " (trivia.yml has one): one turn, so no pair.
            conversation = [conversation]
        if not isinstance(conversation, list) or not all(isinstance(t, (str, int, float)) for t in conversation):
            raise ValueError(
                f"Corpus file {path}: conversation {index + 1} must be a list of text turns, got {conversation!r:.80}"
            )
        conversations.append([str(turn).strip() for turn in conversation])
    return conversations


def read_chatterbot(folder=None):
    """All conversations of the corpus folder, file by file in sorted order."""
    return [c for path in chatterbot_files(folder) for c in read_chatterbot_file(path)]


# --------------------------------------------------------------------------
# Cornell Movie-Dialogs.
# --------------------------------------------------------------------------
def _cornell_rows(path, fields):
    """The rows of a Cornell file, split on ` +++$+++ `, with their line numbers."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Cornell file not found: {path}")
    with open(path, encoding=CORNELL_ENCODING, newline="") as file:
        for number, line in enumerate(file, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            row = line.split(CORNELL_SEPARATOR)
            if len(row) != fields:
                raise ValueError(
                    f"Malformed Cornell file {path}, line {number}: expected {fields} fields "
                    f"separated by {CORNELL_SEPARATOR.strip()!r}, found {len(row)}"
                )
            yield number, row


def read_cornell(folder):
    """Conversations of the Cornell Movie-Dialogs corpus in `folder`.

    `movie_lines.txt`: lineID +++$+++ characterID +++$+++ movieID +++$+++ character name +++$+++ text
    `movie_conversations.txt`: character1 +++$+++ character2 +++$+++ movieID +++$+++ ['L194', 'L195', ...]
    """
    folder = Path(folder)
    lines_path, conversations_path = folder / "movie_lines.txt", folder / "movie_conversations.txt"
    texts = {row[0].strip(): row[4].strip() for _, row in _cornell_rows(lines_path, 5)}
    conversations = []
    for number, row in _cornell_rows(conversations_path, 4):
        try:
            line_ids = ast.literal_eval(row[3].strip())  # a Python list literal; never eval
        except (ValueError, SyntaxError):
            line_ids = None
        if not isinstance(line_ids, list) or not all(isinstance(i, str) for i in line_ids):
            raise ValueError(
                f"Malformed Cornell file {conversations_path}, line {number}: "
                f"the last field must be a list of line ids like ['L1', 'L2'], got {row[3].strip()!r:.60}"
            )
        missing = [i for i in line_ids if i not in texts]
        if missing:
            raise ValueError(
                f"Cornell file {conversations_path}, line {number}: line id {missing[0]!r} is not in {lines_path}"
            )
        conversations.append([texts[i] for i in line_ids])
    return conversations


# --------------------------------------------------------------------------
# Pairs and the split.
# --------------------------------------------------------------------------
def split_conversations(conversations, fraction=VALIDATION_FRACTION, seed=SPLIT_SEED):
    """(train, validation) conversations: a seeded permutation, the first
    `fraction` of it held out (at least one when there are two or more)."""
    if len(conversations) < 2:
        raise ValueError(f"Need at least 2 conversations to hold some out, got {len(conversations)}")
    order = np.random.default_rng(seed).permutation(len(conversations))
    held = max(1, int(round(fraction * len(conversations))))
    held_out = set(order[:held].tolist())
    train = [c for i, c in enumerate(conversations) if i not in held_out]
    validation = [c for i, c in enumerate(conversations) if i in held_out]
    return train, validation


def split_three(conversations, fractions=(0.9, 0.05, 0.05), seed=SPLIT_SEED):
    """(train, validation, test) conversations: a seeded permutation cut in
    the proportions `fractions` (at least one conversation each)."""
    if len(fractions) != 3 or any(not f > 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions!r}")
    if len(conversations) < 3:
        raise ValueError(f"Need at least 3 conversations for train, validation and test, got {len(conversations)}")
    order = np.random.default_rng(seed).permutation(len(conversations))
    validation = max(1, int(round(fractions[1] * len(conversations))))
    test = max(1, int(round(fractions[2] * len(conversations))))
    side = np.zeros(len(conversations), int)  # 0 train, 1 validation, 2 test
    side[order[:validation]] = 1
    side[order[validation : validation + test]] = 2
    return tuple([c for c, s in zip(conversations, side) if s == k] for k in range(3))


def pairs(conversations, history=1, max_words=None):
    """(previous turns, prompt, reply) for every adjacent pair of turns with text.

    Args:
        history: How many turns before the prompt a pair carries. With 1 (the
            single-context form) `previous` is that turn's string or None;
            otherwise a tuple of up to `history` strings, oldest first.
        max_words: Keep only pairs whose prompt and reply have at most this
            many whitespace-separated words (None: all).
    """
    result = []
    for conversation in conversations:
        for k in range(len(conversation) - 1):
            prompt, reply = conversation[k], conversation[k + 1]
            if not prompt or not reply:
                continue
            if max_words is not None and max(len(prompt.split()), len(reply.split())) > max_words:
                continue
            if history == 1:
                previous = conversation[k - 1] if k > 0 else None
            else:
                previous = tuple(t for t in conversation[max(0, k - history) : k] if t)
            result.append((previous, prompt, reply))
    return result
