"""Utterances to (features, labels) batches: spoken-digit sequences from FSDD, a folder of your own, or tfds.

FSDD (Free Spoken Digit Dataset) holds single digits; a CTC task needs
sequences, so an utterance here is 1-7 clips joined with short random gaps
and gains, transcribed as words ("seven three one"). The dataset's standard
split holds: takes 0-4 of every speaker and digit are test, never trained on.
From the training takes 5-49 we hold out 45-49 for validation.

TensorFlow: this module needs it whatever the Keras backend (tf.data pipelines of utterances);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import csv
import re
from pathlib import Path

import numpy as np
import tensorflow as tf

from rnnzoo.applications.common.data import data_path
from rnnzoo.applications.speech_ctc import audio as audio_lib
from rnnzoo.applications.speech_ctc.text import ALPHABET, DIGIT_WORDS, encode, normalise

FSDD_NAME = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")
TEST_TAKES = range(0, 5)  # FSDD's official test split
VALIDATION_TAKES = range(45, 50)  # held out of the training takes 5-49, for epoch-end WER
GAP_SECONDS = (0.03, 0.3)  # silence between two digits
EDGE_SECONDS = (0.0, 0.25)  # silence before the first and after the last digit
GAIN_DB = (-6.0, 6.0)  # per-clip loudness change
NOISE_RMS = (1e-4, 3e-3)  # a faint noise floor over the utterance (FSDD clips are trimmed to speech)
SORT_GROUP = 4  # batches generated together and sorted by length, so padding stays short


# ---------------------------------------------------------------- FSDD clips
def read_fsdd(root=None):
    """Every FSDD clip as a dict(audio, digit, speaker, take), audio float32 at 8 kHz."""
    root = Path(root) if root is not None else data_path("fsdd", "recordings")
    clips = []
    for path in sorted(root.glob("*.wav")):
        match = FSDD_NAME.match(path.name)
        if not match:
            continue
        audio, _, _ = audio_lib.load_audio(path, audio_lib.SAMPLE_RATE)
        clips.append(dict(audio=audio, digit=int(match[1]), speaker=match[2], take=int(match[3])))
    if not clips:
        raise FileNotFoundError(f"No FSDD recordings ({{digit}}_{{speaker}}_{{take}}.wav) found in {root}")
    return clips


def split_fsdd(clips):
    """(train, validation, test) lists of clips by take: 5-44, 45-49, 0-4."""
    test = [c for c in clips if c["take"] in TEST_TAKES]
    validation = [c for c in clips if c["take"] in VALIDATION_TAKES]
    train = [c for c in clips if c["take"] not in TEST_TAKES and c["take"] not in VALIDATION_TAKES]
    return train, validation, test


def make_utterance(clips, rng, digits=(1, 7), sample_rate=audio_lib.SAMPLE_RATE):
    """(audio, transcript): `digits[0]`..`digits[1]` random clips joined with random gaps and gains."""
    count = int(rng.integers(digits[0], digits[1] + 1))
    chosen = [clips[i] for i in rng.integers(0, len(clips), size=count)]
    pieces = [_silence(rng, EDGE_SECONDS, sample_rate)]
    for k, clip in enumerate(chosen):
        if k:
            pieces.append(_silence(rng, GAP_SECONDS, sample_rate))
        pieces.append(clip["audio"] * np.float32(10 ** (rng.uniform(*GAIN_DB) / 20)))
    pieces.append(_silence(rng, EDGE_SECONDS, sample_rate))
    utterance = np.concatenate(pieces)
    utterance += rng.normal(0.0, np.exp(rng.uniform(*np.log(NOISE_RMS))), len(utterance)).astype("float32")
    return np.clip(utterance, -1.0, 1.0), " ".join(DIGIT_WORDS[c["digit"]] for c in chosen)


def _silence(rng, seconds_range, sample_rate):
    return np.zeros(int(rng.uniform(*seconds_range) * sample_rate), dtype="float32")


def fixed_utterances(clips, count, seed, digits=(1, 7)):
    """`count` utterances, the same for the same seed: the evaluation sets."""
    rng = np.random.default_rng(seed)
    pairs = [make_utterance(clips, rng, digits) for _ in range(count)]
    return [a for a, _ in pairs], [t for _, t in pairs]


# ---------------------------------------------------------------- batches
def pad_batch(audios, transcripts, alphabet=ALPHABET, sources=None):
    """Zero-padded float32 audio (batch, samples), lengths (batch,), labels (batch, max_label) padded with 0."""
    sources = sources or [None] * len(audios)
    labels = [encode(t, alphabet, source) for t, source in zip(transcripts, sources)]
    lengths = np.array([len(a) for a in audios], dtype="int32")
    padded = np.zeros((len(audios), max(1, lengths.max())), dtype="float32")
    for row, a in zip(padded, audios):
        row[: len(a)] = a
    label_array = np.zeros((len(labels), max(1, max(len(x) for x in labels))), dtype="int32")
    for row, x in zip(label_array, labels):
        row[: len(x)] = x
    return padded, lengths, label_array


def to_features(padded, lengths, labels):
    return audio_lib.log_mel(padded, lengths), labels


def _typed(dataset):
    return dataset.map(
        lambda a, n, y: (tf.ensure_shape(a, [None, None]), tf.ensure_shape(n, [None]), tf.ensure_shape(y, [None, None]))
    )


def fsdd_training_batches(clips, batch_size, seed, digits=(1, 7)):
    """An endless stream of fresh (features, labels) batches, the same stream for the same seed.

    Batch k is drawn from a generator seeded with (seed, k // SORT_GROUP): a
    group of SORT_GROUP batches is made together, sorted by length and cut,
    so a batch holds utterances of similar length (little padding) and a
    resumed run regenerates exactly the batches it skipped.
    """

    def batch(k):
        k = int(k)
        rng = np.random.default_rng([seed, k // SORT_GROUP])
        pairs = [make_utterance(clips, rng, digits) for _ in range(batch_size * SORT_GROUP)]
        pairs.sort(key=lambda pair: len(pair[0]))
        part = pairs[(k % SORT_GROUP) * batch_size :][:batch_size]
        return pad_batch([a for a, _ in part], [t for _, t in part])

    indices = tf.data.Dataset.range(2**62)
    batches = indices.map(
        lambda k: tf.numpy_function(batch, [k], [tf.float32, tf.int32, tf.int32], stateful=False),
        num_parallel_calls=1,
        deterministic=True,
    )
    return _typed(batches).map(to_features).prefetch(2)


def fixed_batches(audios, transcripts, batch_size, alphabet=ALPHABET, sources=None, shuffle_seed=None):
    """(features, labels) batches of given utterances, sorted by length (shuffled batch order if a seed is given)."""
    order = sorted(range(len(audios)), key=lambda i: len(audios[i]))
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    sources = sources or [None] * len(audios)
    batches = [
        pad_batch([audios[i] for i in g], [transcripts[i] for i in g], alphabet, [sources[i] for i in g]) for g in groups
    ]
    dataset = tf.data.Dataset.from_generator(
        lambda: iter(batches),
        output_signature=(
            tf.TensorSpec([None, None], tf.float32),
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None, None], tf.int32),
        ),
    )
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(batches), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.map(to_features).prefetch(2)


# ---------------------------------------------------------------- your own data
def read_transcribed_folder(folder, transcripts_csv=None, alphabet=ALPHABET, sample_rate=audio_lib.SAMPLE_RATE):
    """(audios, transcripts, sources) from a folder of audio files and a CSV of `file,transcript` rows.

    The CSV (default `transcripts.csv` in the folder) may start with a header
    row `file,transcript`; file paths are relative to the folder. Audio is
    mixed to mono and resampled to `sample_rate`; every transcript is checked
    against `alphabet` (an error names the file and the character).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Data folder not found: {folder}")
    csv_path = Path(transcripts_csv) if transcripts_csv else folder / "transcripts.csv"
    if not csv_path.is_file():
        raise FileNotFoundError(f"Transcript CSV not found: {csv_path} (rows: file,transcript)")
    with open(csv_path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if rows and rows[0][0].strip().lower() in ("file", "filename", "path"):
        rows = rows[1:]
    audios, transcripts, sources = [], [], []
    for line, row in enumerate(rows, start=1):
        if len(row) < 2:
            raise ValueError(f"{csv_path} row {line}: expected `file,transcript`, got {row!r}")
        path = folder / row[0].strip()
        encode(row[1], alphabet, source=path)  # before decoding audio: a bad transcript fails fast
        audio, _, _ = audio_lib.load_audio(path, sample_rate)
        audios.append(audio)
        transcripts.append(normalise(row[1]))
        sources.append(str(path))
    if not audios:
        raise ValueError(f"{csv_path} lists no files")
    return audios, transcripts, sources


def hold_out(count, seed):
    """(held, kept) indices: a random tenth of `count` recordings (at least one) to validate on, drawn
    with `seed`; a single recording is all kept. The training script and the language model's text agree on it."""
    order = np.random.default_rng(seed).permutation(count)
    cut = max(1, count // 10) if count > 1 else 0
    return order[:cut], order[cut:]


# ---------------------------------------------------------------- real English speech, for evaluation
POCKETSPHINX_DATA = Path("/usr/share/pocketsphinx/test/data")  # Debian's pocketsphinx-testdata


def read_ljspeech(folder=None, sample_rate=audio_lib.SAMPLE_RATE):
    """(audios, transcripts, sources) of LJSpeech clips: `metadata.csv` rows
    `id|text|normalized text` and `wavs/<id>.wav`; the normalized text, in
    spoken form (`text.spoken_form`), is the reference. Default: the shared
    data's 32 clips."""
    from rnnzoo.applications.speech_ctc.text import spoken_form

    folder = Path(folder) if folder else data_path("ljspeech")
    metadata = folder / "metadata.csv"
    if not metadata.is_file():
        raise FileNotFoundError(f"LJSpeech metadata not found: {metadata} (rows: id|text|normalized text)")
    audios, transcripts, sources = [], [], []
    for line, row in enumerate(metadata.read_text(encoding="utf-8").splitlines(), start=1):
        fields = row.split("|")
        if len(fields) != 3:
            raise ValueError(f"{metadata} line {line}: expected id|text|normalized text, got {row[:80]!r}")
        path = folder / "wavs" / f"{fields[0]}.wav"
        transcripts.append(spoken_form(fields[2], source=f"{metadata} line {line}"))
        audios.append(audio_lib.load_audio(path, sample_rate)[0])
        sources.append(str(path))
    return audios, transcripts, sources


def read_pocketsphinx(root=POCKETSPHINX_DATA, sample_rate=audio_lib.SAMPLE_RATE):
    """(audios, transcripts, sources) of pocketsphinx-testdata's transcribed
    WAV clips: `cards/` (playing cards, 5 clips) and `librivox/` (Sense and
    Sensibility, 5 clips), each listed as `<s> words </s> (file id)`."""
    root = Path(root)
    listings = [(root / "cards", "cards.transcription"), (root / "librivox", "transcription")]
    if not any((folder / name).is_file() for folder, name in listings):
        raise FileNotFoundError(f"No pocketsphinx test transcriptions under {root} (apt-get install pocketsphinx-testdata)")
    audios, transcripts, sources = [], [], []
    for folder, name in listings:
        if not (folder / name).is_file():
            continue
        for line, row in enumerate((folder / name).read_text(encoding="utf-8").splitlines(), start=1):
            found = re.fullmatch(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*", row)
            if not row.strip():
                continue
            if not found:
                raise ValueError(f"{folder / name} line {line}: expected `<s> words </s> (id)`, got {row[:80]!r}")
            path = folder / f"{Path(found.group(2)).name}.wav"
            audios.append(audio_lib.load_audio(path, sample_rate)[0])
            transcripts.append(normalise(found.group(1)))
            sources.append(str(path))
    return audios, transcripts, sources


# ---------------------------------------------------------------- tensorflow_datasets (internet)
def read_tfds(name, split, sample_rate=audio_lib.SAMPLE_RATE, limit=None):
    """(audios, transcripts, sources) of a tfds speech corpus: "speech_commands" or "librispeech".

    Downloads on first use (librispeech is large: pick a split such as
    "dev_clean" or "train_clean100"). Audio is 16 kHz int16 there and is
    resampled to `sample_rate`. speech_commands' "_silence_" clips get an
    empty transcript and its "_unknown_" clips (words outside its 10) are
    skipped, since their words are not known.
    """
    import tensorflow_datasets as tfds

    dataset, info = tfds.load(name, split=split, with_info=True)
    rate = info.features["audio" if name == "speech_commands" else "speech"].sample_rate
    audios, transcripts, sources = [], [], []
    for k, example in enumerate(tfds.as_numpy(dataset)):
        if limit is not None and len(audios) >= limit:
            break
        if name == "speech_commands":
            word = info.features["label"].int2str(example["label"])
            if word == "_unknown_":
                continue
            text, samples = ("" if word == "_silence_" else word), example["audio"]
        elif name == "librispeech":
            text, samples = example["text"].decode("utf-8"), example["speech"]
        else:
            raise ValueError(f"Unknown tfds corpus {name!r}; choose speech_commands or librispeech")
        audios.append(audio_lib.resample(samples.astype("float32") / 32768.0, int(rate), sample_rate))
        transcripts.append(normalise(text))
        sources.append(f"{name}/{split}#{k}")
    return audios, transcripts, sources
