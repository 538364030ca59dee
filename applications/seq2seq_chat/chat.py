"""A chat bot around a trained model: input checks, decoding, the REPL and the
attention heat-map."""

import dataclasses
import os
import tempfile
from pathlib import Path

import numpy as np

from rnnzoo.applications.seq2seq_chat.decoding import Decoder, check_decoding
from rnnzoo.applications.seq2seq_chat.text import SEP, UNK_ID, Tokenizer, detokenize, encoder_input


@dataclasses.dataclass
class Reply:
    text: str  # the reply as a sentence
    words: list  # its words, as decoded
    prompt_words: list  # what the encoder read, one word per id (unknown ones as [UNK])
    attention: np.ndarray  # (steps, len(prompt_words)): a row per decoded word, and [end]'s unless cut at max_reply_len
    notes: list  # what the user should know: truncation, unknown words


class ChatBot:
    """Answers text with a trained chat model.

    Args:
        model: A trained chat model (`model.build` or `rnnzoo.zoo.load("chatterbot-seq2seq")`).
        config: Its builder arguments: `vocabulary`, `max_prompt_len`,
            `max_reply_len`, `context`.
    """

    def __init__(self, model, config):
        self.tokenizer = Tokenizer(config["vocabulary"])
        self.max_prompt_len = config.get("max_prompt_len", 24)
        self.max_reply_len = config.get("max_reply_len", 40)
        self.context = bool(config.get("context", False))
        self.decoder = Decoder(model)
        self.previous = None  # the bot's last reply (ids), read as context in multi-turn mode

    def read(self, text):
        """(encoder ids, the words they stand for, notes) for `text`; ValueError
        for input the model cannot answer."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("Empty input: type a sentence")
        words = self.tokenizer.words(text)
        ids = self.tokenizer.encode(text)
        if not len(ids) or np.all(ids == UNK_ID):
            raise ValueError(f"None of the words of {text.strip()!r:.60} is in the model's vocabulary")
        notes = []
        unknown = [w for w, i in zip(words, ids) if i == UNK_ID]
        if unknown:
            notes.append(f"unknown word{'s' * (len(unknown) > 1)} read as [UNK]: {', '.join(unknown[:8])}")
        if len(ids) > self.max_prompt_len:
            notes.append(f"input of {len(ids)} words truncated: the model reads its last {self.max_prompt_len}")
        previous = self.previous if self.context else None
        full = encoder_input(ids, previous, self.max_prompt_len)
        # The words the encoder read, in order: context words, [sep], prompt words.
        read_words = ([self.tokenizer.vocabulary[i] for i in previous] + [SEP] if previous is not None and len(previous) else []) + [
            w if i != UNK_ID else "[UNK]" for w, i in zip(words, ids)]
        read_words = read_words[-len(full):]
        return full, read_words, notes

    def reply(self, text, method="beam", temperature=1.0, top_k=None, beam_width=4, alpha=0.6, seed=None):
        """The `Reply` to `text`; in multi-turn mode it becomes the next input's context."""
        check_decoding(method, self.max_reply_len, temperature, top_k, beam_width, alpha)
        ids, read_words, notes = self.read(text)
        reply_ids, attention = self.decoder.decode(
            ids, method, self.max_reply_len, temperature, top_k, beam_width, alpha, seed
        )
        self.previous = np.asarray(reply_ids, "int32")
        words = self.tokenizer.decode(reply_ids)
        return Reply(detokenize(words), words, read_words, attention, notes)


def repl(bot, read_line=input, write=print, **decoding):
    """Chat until end of input (Ctrl-D) or "quit": exit status 0. Bad lines
    get a note and the conversation goes on."""
    while True:
        try:
            line = read_line("you> ")
        except (EOFError, KeyboardInterrupt):
            write("")
            return 0
        if line.strip().lower() in ("quit", "exit"):
            return 0
        try:
            answer = bot.reply(line, **decoding)
        except ValueError as error:
            write(f"(bot: {error})")
            continue
        for note in answer.notes:
            write(f"(note: {note})")
        write(f"bot> {answer.text}")


def save_attention_heatmap(reply, path):
    """A PNG of `reply.attention`: reply words (and [end]) down, prompt words
    across. Written to a temporary file first, then renamed."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("The attention heat-map needs matplotlib: pip install 'rnnzoo[chat]'") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"The heat-map is a PNG: the path must end in .png, got {path}")
    # One row per decoded word, plus [end] when the reply ended before max_reply_len.
    rows = (reply.words + ["[end]"])[: len(reply.attention)]
    figure, axes = plt.subplots(figsize=(1 + 0.5 * len(reply.prompt_words), 1 + 0.4 * len(rows)))
    image = axes.imshow(reply.attention[: len(rows)], cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(len(reply.prompt_words)), reply.prompt_words, rotation=60, ha="right")
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xlabel("prompt")
    axes.set_ylabel("reply")
    figure.colorbar(image, ax=axes, fraction=0.05)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        partial = Path(scratch) / path.name
        figure.savefig(partial, dpi=100)
        os.replace(partial, path)
    plt.close(figure)
    return path

