"""Caption images with a trained model: greedy and beam search, BLEU, attention maps, the demo.

Inference runs the trained model's own layers one word at a time: the
encoder once per image, then `decoder.step` per word, each a `tf.function`.

TensorFlow: this module needs it whatever the Keras backend (tf.io and tf.image decode and resize the image, decoder steps are traced with tf.function);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import tempfile
from pathlib import Path

import numpy as np
import tensorflow as tf
from keras import ops

from rnnzoo.applications.image_captioning import data, scenes
from rnnzoo.applications.image_captioning.data import Vocabulary

# Words a caption may never contain: <pad>, <unk>, <start>.
_NEVER = (0, 1, 2)
END = 3


def check_beam_size(beam_size):
    if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size <= 0:
        raise ValueError(f"beam size must be a positive integer (1 is greedy), got {beam_size!r}")
    return beam_size


class Captioner:
    """Greedy and beam-search captions from a model built by `model.build`.

    Args:
        model: The trained captioning model (it shares its layers; nothing is copied).
        config: Its builder arguments (`vocabulary`, `max_length`, `image_size`).
    """

    def __init__(self, model, config):
        self.encoder = model.get_layer("encoder")
        self.decoder = model.get_layer("decoder")
        self.vocabulary = Vocabulary(config["vocabulary"])
        self.max_length = config.get("max_length", 18)
        self.image_size = config.get("image_size", 64)
        self.has_attention = self.decoder.attention is not None
        self._encode = tf.function(self._encode_images, reduce_retracing=True)
        self._step = tf.function(self._decode_step, reduce_retracing=True)

    def _encode_images(self, images):
        features = self.encoder(ops.cast(images, "float32"), training=False)
        return features, self.decoder.keys(features), self.decoder.initial_states(features)

    def _decode_step(self, word_ids, states, features, keys):
        logits, states, alpha = self.decoder.step(word_ids, states, features, keys, training=False)
        # The distribution over the words a caption may hold: the others are masked before the softmax.
        never = tf.reduce_sum(tf.one_hot(_NEVER, tf.shape(logits)[-1]), axis=0) * -1e9
        log_probs = tf.nn.log_softmax(logits + never)
        if alpha is None:
            alpha = tf.zeros(tf.shape(features)[:2])
        return log_probs, states, alpha

    def _check_images(self, images):
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        expected = (self.image_size, self.image_size, 3)
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"Images must have shape (batch, {self.image_size}, {self.image_size}, 3). Received: {images.shape}")
        return images

    def greedy(self, images):
        """(word id lists, attention (batch, words, L)) of the likeliest next word at each step."""
        ids, alphas, _ = self._greedy(images)
        return ids, alphas

    def _greedy(self, images):
        """`greedy`'s ids and attention, and each caption's mean log-probability per word (<end> included)."""
        images = self._check_images(images)
        features, keys, states = self._encode(images)
        word = tf.fill([len(images)], 2)  # <start>
        chosen, alphas, chosen_log_probs = [], [], []
        for _ in range(self.max_length):
            log_probs, states, alpha = self._step(word, states, features, keys)
            word = tf.argmax(log_probs, axis=-1, output_type=tf.int32)
            chosen.append(word.numpy())
            alphas.append(alpha.numpy())
            chosen_log_probs.append(tf.reduce_max(log_probs, axis=-1).numpy())
        chosen, alphas, chosen_log_probs = np.stack(chosen, 1), np.stack(alphas, 1), np.stack(chosen_log_probs, 1)
        lengths = [list(ids).index(END) if END in ids else len(ids) for ids in chosen]
        # The score counts the <end> step when there is one: a confident caption must also know where it stops.
        means = [float(np.mean(lp[: min(n + 1, len(lp))])) for lp, n in zip(chosen_log_probs, lengths)]
        return [list(ids[:n]) for ids, n in zip(chosen, lengths)], [a[:n] for a, n in zip(alphas, lengths)], means

    def beam_search(self, image, beam_size):
        """(word ids, attention (words, L)) of the likeliest caption found by a beam of `beam_size`."""
        words, maps, _ = self._beam(image, beam_size)
        return words, maps

    def _beam(self, image, beam_size):
        """`beam_search`'s caption and attention, and its mean log-probability per word (<end> included).

        Score: the sum of the words' log-probabilities (Vinyals et al. 2015). The
        search stops once the best finished caption beats every open one, since
        adding words can only lower a score.
        """
        check_beam_size(beam_size)
        features, keys, states = self._encode(self._check_images(image)[:1])
        features, keys = tf.repeat(features, beam_size, 0), tf.repeat(keys, beam_size, 0)
        states = [tf.repeat(s, beam_size, 0) for s in states]
        # Every beam starts as <start>; only the first is open, so step one expands a single caption.
        scores = np.full(beam_size, -np.inf)
        scores[0] = 0.0
        beams = [([], []) for _ in range(beam_size)]
        finished = []
        for _ in range(self.max_length):
            last = [b[0][-1] if b[0] else 2 for b in beams]
            log_probs, new_states, alpha = self._step(tf.constant(last, tf.int32), states, features, keys)
            log_probs, alpha = log_probs.numpy().astype("float64"), alpha.numpy()
            totals = (scores[:, None] + log_probs).ravel()
            # The beam_size best continuations: those ending in <end> finish, the others stay open
            # (so a beam of 1 is exactly greedy decoding).
            order = np.argsort(-totals, kind="stable")[:beam_size]
            keep, new_scores, new_beams = [], [], []
            for flat in order:
                b, word = divmod(int(flat), log_probs.shape[1])
                if not np.isfinite(totals[flat]):
                    break
                words, maps = beams[b][0] + [word], beams[b][1] + [alpha[b]]
                if word == END:
                    finished.append((totals[flat], words[:-1], maps[:-1]))
                else:
                    keep.append(b)
                    new_scores.append(totals[flat])
                    new_beams.append((words, maps))
            if not keep or (finished and max(f[0] for f in finished) >= max(new_scores)):
                break
            keep += [keep[0]] * (beam_size - len(keep))  # pad with copies that can never win
            new_scores += [-np.inf] * (beam_size - len(new_scores))
            new_beams += [new_beams[0]] * (beam_size - len(new_beams))
            scores, beams = np.array(new_scores), new_beams
            states = [tf.gather(s, keep) for s in new_states]
        else:  # max_length words reached: the open captions end there and compete too
            finished += [(score, words, maps) for score, (words, maps) in zip(scores, beams) if np.isfinite(score)]
        score, words, maps = max(finished, key=lambda f: f[0])
        # Mean log-probability per word, <end> included when the caption finished with one.
        mean = float(score) / (len(words) + (1 if len(words) < self.max_length else 0))
        return words, np.array(maps).reshape(len(words), int(features.shape[1])), mean

    def caption_ids(self, images, beam_size=1):
        """Word ids and attention maps of each image: greedy for beam_size 1, else beam search."""
        check_beam_size(beam_size)
        images = self._check_images(images)
        if beam_size == 1:
            return self.greedy(images)
        found = [self.beam_search(image, beam_size) for image in images]
        return [f[0] for f in found], [f[1] for f in found]

    def caption_with_confidence(self, images, beam_size=1, batch_size=256):
        """(captions, confidences): each confidence is the caption's geometric-mean word
        probability, exp(mean log p), in (0, 1]; a zoo entry's `confidence_threshold`
        says below which value `rnnzoo caption` reports no confident caption."""
        check_beam_size(beam_size)
        images = self._check_images(images)
        captions, confidences = [], []
        for start in range(0, len(images), batch_size):
            batch = images[start:start + batch_size]
            if beam_size == 1:
                ids, _, means = self._greedy(batch)
            else:
                found = [self._beam(image, beam_size) for image in batch]
                ids, means = [f[0] for f in found], [f[2] for f in found]
            captions += [self.vocabulary.decode(i) for i in ids]
            confidences += [float(np.exp(m)) for m in means]
        return captions, confidences

    def caption(self, images, beam_size=1, batch_size=256):
        """One caption string per image."""
        images = self._check_images(images)
        captions = []
        for start in range(0, len(images), batch_size):
            ids, _ = self.caption_ids(images[start:start + batch_size], beam_size)
            captions += [self.vocabulary.decode(i) for i in ids]
        return captions


# ---------------------------------------------------------------------------
# Quality.
# ---------------------------------------------------------------------------
def bleu_scores(hypotheses, references):
    """Corpus BLEU-1 .. BLEU-4 (sacrebleu, multi-reference), as {"bleu1": .., "bleu4": ..}."""
    from rnnzoo.applications.common.metrics import corpus_bleu

    return {f"bleu{n}": round(corpus_bleu(hypotheses, references, max_order=n), 4) for n in range(1, 5)}


def evaluate(captioner, images, references, beam_size=1):
    """(BLEU-1..4, captions) of `captioner` on images with their reference lists."""
    captions = captioner.caption(images, beam_size)
    return bleu_scores(captions, references), captions


# ---------------------------------------------------------------------------
# Pictures: attention maps and the demo.
# ---------------------------------------------------------------------------
def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def has_matplotlib():
    return _pyplot() is not None


def check_png_path(flag, path):
    """A PNG path whose folder exists (None passes)."""
    if path is None:
        return
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{flag} must name a .png file, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{flag}: folder not found: {path.parent}")


def _save_figure(figure, path):
    """Save through a temporary file in the same folder, then rename: never half-written."""
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        partial = Path(scratch) / path.name
        figure.savefig(partial, dpi=100, bbox_inches="tight")
        partial.replace(path)


def save_attention_maps(path, image, words, alphas):
    """A PNG: the image, then one panel per generated word with its attention weights over the image."""
    plt = _pyplot()
    if plt is None:
        raise ImportError("Attention maps need matplotlib: python -m pip install matplotlib")
    alphas = np.asarray(alphas)
    if len(words) == 0 or alphas.shape[0] != len(words) or not np.any(alphas):
        raise ValueError("No attention maps to draw: the model has no attention (decoder='init-state') or the caption is empty")
    grid = int(round(np.sqrt(alphas.shape[1])))
    size = image.shape[0]
    columns = min(6, len(words) + 1)
    rows = -(-(len(words) + 1) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2 * columns, 2.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    axes[0, 0].imshow(image)
    axes[0, 0].set_title("image")
    for k, (word, alpha) in enumerate(zip(words, alphas), 1):
        ax = axes.ravel()[k]
        heat = tf.image.resize(alpha.reshape(grid, grid, 1), (size, size), method="bilinear").numpy()[..., 0]
        ax.imshow(image)
        ax.imshow(heat, cmap="magma", alpha=0.6, extent=(-0.5, size - 0.5, size - 0.5, -0.5))
        ax.set_title(word)
    _save_figure(figure, path)
    plt.close(figure)


def save_captioned_image(path, image, caption, scale=4):
    """The image (enlarged `scale` times) with its caption under it; without matplotlib, the image alone."""
    big = np.kron(np.asarray(image, "uint8"), np.ones((scale, scale, 1), "uint8"))
    plt = _pyplot()
    if plt is None:
        data.write_png(path, big)
        return False
    figure, ax = plt.subplots(figsize=(big.shape[1] / 100 + 0.4, big.shape[0] / 100 + 0.8))
    ax.imshow(big)
    ax.axis("off")
    figure.text(0.5, 0.02, caption, ha="center", va="bottom", wrap=True, fontsize=9)
    _save_figure(figure, path)
    plt.close(figure)
    return True


def demo(captioner, path, seed=0, beam_size=1):
    """Draw a test scene, caption it, save the picture with its caption; (caption, references)."""
    image, _, references = scenes.scene("test", seed, captioner.image_size)
    (caption,) = captioner.caption(image[None], beam_size)
    save_captioned_image(path, image, caption)
    return caption, references
