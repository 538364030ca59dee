"""A chat bot around a trained model: input checks, decoding, the REPL and the
attention heat-map."""

import dataclasses
import os
import tempfile
from pathlib import Path

import numpy as np

from rnnzoo.applications.seq2seq_chat.decoding import Decoder, Ranker, ReplyLM, check_decoding
from rnnzoo.applications.seq2seq_chat.model import context_turns
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
        model: A trained chat model (`model.build` or `rnnzoo.zoo.load("chitchat-seq2seq")`).
        config: Its builder arguments: `vocabulary`, `max_prompt_len`,
            `max_reply_len`, `context` (how many earlier turns it reads).
        reply_lm: Optional reply-only language model over the same
            vocabulary, for `method="mmi"`.

    A model with a ranking head (built with `ranking` > 0) can also rerank MMI's
    candidates by it (`ranking_weight`).
    """

    def __init__(self, model, config, reply_lm=None):
        self.tokenizer = Tokenizer(config["vocabulary"])
        self.max_prompt_len = config.get("max_prompt_len", 24)
        self.max_reply_len = config.get("max_reply_len", 40)
        self.context = context_turns(config.get("context", False))
        self.decoder = Decoder(model)
        self.reply_lm = ReplyLM(reply_lm, self.max_reply_len) if reply_lm is not None else None
        self.ranker = Ranker(model, self.max_reply_len) if config.get("ranking") else None
        # The conversation so far, as id arrays (user and bot turns in turn);
        # the last `context` of them are read before each new prompt.
        self.history = []

    def reset(self):
        """Forget the conversation: the next prompt is read without context."""
        self.history = []

    def read(self, text):
        """(encoder ids, the words they stand for, notes) for `text`; ValueError
        for input the model cannot answer."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("Empty input: type a sentence")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes from argv or a file arrive as surrogates
            raise ValueError(f"The input {text.strip()!r:.60} is not UTF-8 text") from None
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
        previous = [turn for turn in self.history[-self.context:] if len(turn)] if self.context else []
        full = encoder_input(ids, previous, self.max_prompt_len)
        # The words the encoder read, in order: context turns each with [sep], prompt words.
        read_words = [word for turn in previous for word in [self.tokenizer.vocabulary[i] for i in turn] + [SEP]]
        read_words += [w if i != UNK_ID else "[UNK]" for w, i in zip(words, ids)]
        read_words = read_words[-len(full):]
        return full, read_words, notes

    def reply(self, text, method="beam", temperature=1.0, top_k=None, beam_width=4, alpha=0.6, seed=None,
              top_p=None, mmi_lambda=0.5, mmi_samples=0, ranking_weight=0.0):
        """The `Reply` to `text`; in multi-turn mode the prompt and the reply
        become the next input's context."""
        check_decoding(method, self.max_reply_len, temperature, top_k, beam_width, alpha, top_p, mmi_lambda,
                       ranking_weight)
        if ranking_weight and self.ranker is None:
            raise ValueError(f"ranking_weight={ranking_weight!r} needs a model with a ranking head (built with ranking > 0)")
        if method == "mmi" and self.reply_lm is None:
            raise ValueError("method='mmi' needs the reply-only language model: ChatBot(model, config, reply_lm=...)")
        ids, read_words, notes = self.read(text)
        reply_ids, attention = self.decoder.decode(
            ids, method, self.max_reply_len, temperature, top_k, beam_width, alpha, seed,
            top_p=top_p, reply_lm=self.reply_lm, mmi_lambda=mmi_lambda, mmi_samples=mmi_samples,
            ranker=self.ranker, ranking_weight=ranking_weight,
        )
        self.history += [self.tokenizer.encode(text), np.asarray(reply_ids, "int32")]
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

