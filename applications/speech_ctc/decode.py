"""Logits to text: greedy and beam-search CTC decoding, whole datasets and single recordings.

TensorFlow: this module needs it whatever the Keras backend (tf.nn.ctc_beam_search_decoder, steps traced with tf.function);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import weakref

import numpy as np
import tensorflow as tf
from keras import ops

from rnnzoo.applications.speech_ctc import audio as audio_lib
from rnnzoo.applications.speech_ctc.model import output_frames
from rnnzoo.applications.speech_ctc.text import ALPHABET, decode

CHUNK_SECONDS = 20.0  # longer recordings are cut into pieces about this long (training saw up to ~8 s)
CUT_SEARCH_SECONDS = 4.0  # each cut falls at the quietest 10 ms in the last seconds of a piece
MAX_SECONDS = 600.0  # refused above: ten minutes

# One traced forward pass per model: recordings of any length share it (reduce_retracing),
# which runs the recurrent loops as graphs instead of op by op.
_PREDICTORS = weakref.WeakKeyDictionary()


def predictor(model):
    """`model(features, training=False)` as a tf.function, made once per model."""
    if model not in _PREDICTORS:
        held = weakref.ref(model)  # the function must not keep its own key alive
        _PREDICTORS[model] = tf.function(lambda x: held()(x, training=False), reduce_retracing=True)
    return _PREDICTORS[model]


def decode_logits(logits, lengths, alphabet=ALPHABET, beam=None):
    """Texts of a batch of logits (batch, frames, classes), each row `lengths[i]` frames long.

    beam: None or 1 for greedy decoding (best class per frame, repeats merged,
    blanks dropped); a width > 1 for CTC beam search over label prefixes
    (`tf.nn.ctc_beam_search_decoder` through `keras.ops.ctc_decode`); a
    `lm.LanguageModelSearch` for prefix beam search weighed by a language model.
    """
    lengths = np.asarray(lengths, dtype="int32")
    if callable(beam):
        log_probs = np.asarray(ops.log_softmax(ops.cast(logits, "float32"), axis=-1), dtype="float64")
        return [beam(row[:length], alphabet) for row, length in zip(log_probs, lengths)]
    if beam is None or beam <= 1:
        decoded, _ = ops.ctc_decode(logits, lengths, strategy="greedy", mask_index=0)
    else:
        decoded, _ = ops.ctc_decode(logits, lengths, strategy="beam_search", beam_width=int(beam), mask_index=0)
    return [decode(row, alphabet) for row in ops.convert_to_numpy(decoded[0])]


def transcribe_dataset(model, dataset, alphabet=ALPHABET, beams=(None,)):
    """(references, {beam: hypotheses}) over a dataset of (features, labels) batches.

    The network runs once per batch; each decoder in `beams` (None: greedy,
    else a beam width) reads its logits. Every output frame is decoded:
    batches from `data` are padded with the normalised log of silence, which
    the model reads as blanks.
    """
    references, hypotheses = [], {beam: [] for beam in beams}
    predict = predictor(model)
    for features, labels in dataset:
        logits = predict(features)
        lengths = np.full(len(labels), logits.shape[1], dtype="int32")
        for beam in beams:
            hypotheses[beam] += decode_logits(logits, lengths, alphabet, beam)
        references += [decode(row, alphabet) for row in np.asarray(labels)]
    return references, hypotheses


def transcribe_audio(model, audio, alphabet=ALPHABET, beam=None, sample_rate=audio_lib.SAMPLE_RATE):
    """The transcript of one mono recording at the model's `sample_rate`.

    Silent or empty audio gives "" without running the model. Recordings
    longer than CHUNK_SECONDS are cut at quiet points into pieces decoded
    one by one; above MAX_SECONDS they are refused.
    """
    audio = np.asarray(audio, dtype="float32")
    seconds = len(audio) / sample_rate
    if seconds > MAX_SECONDS:
        raise ValueError(f"Audio of {seconds:.0f} s is longer than the {MAX_SECONDS:.0f} s this command transcribes")
    if audio_lib.is_silent(audio):
        return ""
    texts = []
    for piece in split_at_pauses(audio, sample_rate):
        if audio_lib.is_silent(piece):
            continue
        features = audio_lib.log_mel(piece[None], [len(piece)], sample_rate, num_mels=model.input_shape[-1])
        logits = predictor(model)(features)
        texts += decode_logits(logits, [output_frames(features.shape[1])], alphabet, beam)
    return " ".join(t for t in (" ".join(text.split()) for text in texts) if t)


def split_at_pauses(audio, sample_rate=audio_lib.SAMPLE_RATE, chunk_seconds=CHUNK_SECONDS):
    """Pieces of at most `chunk_seconds`, each cut at the quietest 10 ms window of its last CUT_SEARCH_SECONDS."""
    chunk, search = int(chunk_seconds * sample_rate), int(CUT_SEARCH_SECONDS * sample_rate)
    window = audio_lib.hop_length(sample_rate)
    pieces, start = [], 0
    while len(audio) - start > chunk:
        region = audio[start + chunk - search : start + chunk]
        energy = np.convolve(region**2, np.ones(window), mode="valid")
        cut = start + chunk - search + int(np.argmin(energy)) + window // 2
        pieces.append(audio[start:cut])
        start = cut
    pieces.append(audio[start:])
    return pieces


def transcribe_file(model, path, config, beam=None):
    """(transcript, notes) of an audio file; `config` is the model's builder config.

    The file is mixed to mono and resampled to the model's rate; `notes` say
    so, for the command line to print on stderr.
    """
    rate = config.get("sample_rate", audio_lib.SAMPLE_RATE)
    audio, channels, original_rate = audio_lib.load_audio(path, rate)
    notes = []
    if channels > 1:
        notes.append(f"{path}: {channels} channels averaged to mono")
    if original_rate != rate:
        notes.append(f"{path}: resampled from {original_rate} Hz to the model's {rate} Hz")
    text = transcribe_audio(model, audio, config.get("alphabet", ALPHABET), beam, rate)
    return text, notes
