"""Audio in: WAV files to mono float32 at the model's rate, and log-mel features with `tf.signal`.

Only core dependencies: `tf.audio.decode_wav` reads 16-bit PCM WAV (what
FSDD, speech_commands and most recorders write); other formats are read with
`soundfile` when it is installed (the `audio` extra), else refused with a
clear error. Resampling is `scipy.signal.resample_poly` (a polyphase
anti-aliasing filter).

TensorFlow: this module needs it whatever the Keras backend (tf.audio reads WAV and tf.signal computes the log-mel features);
TensorFlow is a core dependency of rnnzoo. The layers never import it.
"""

import math
from pathlib import Path

import numpy as np
import tensorflow as tf
from scipy.signal import resample_poly

SAMPLE_RATE = 8000  # FSDD's rate; the zoo model's
FRAME_SECONDS = 0.025  # 25 ms analysis window (200 samples at 8 kHz)
HOP_SECONDS = 0.010  # 10 ms between frames
NUM_MELS = 40
LOG_FLOOR = 1e-6  # log(mel + floor): digital silence maps to a finite floor
SILENCE_PEAK = 1e-4  # a peak below -80 dBFS is silence: nothing to transcribe


def read_wav(path):
    """(samples, sample_rate) of a WAV file: float32 in [-1, 1], shape (time, channels)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Audio file not found: {path}")
    check_wav_complete(path)
    try:
        audio, rate = tf.audio.decode_wav(tf.io.read_file(str(path)))
        audio, rate = audio.numpy(), int(rate)
    except tf.errors.InvalidArgumentError as wav_error:
        audio, rate = _read_with_soundfile(path, wav_error)
    if not np.all(np.isfinite(audio)):
        raise ValueError(f"{path} holds non-finite samples (NaN or infinity): not audio that can be transcribed")
    return audio, rate


def check_wav_complete(path):
    """Refuse a RIFF/WAVE file whose `data` chunk is cut short: its header
    declares more audio bytes than the file holds (a copy or recording that
    stopped early). Other formats pass (their readers check them)."""
    with open(path, "rb") as file:
        header = file.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            return
        size = Path(path).stat().st_size
        while True:
            chunk = file.read(8)
            if len(chunk) < 8:
                return
            declared = int.from_bytes(chunk[4:8], "little")
            start = file.tell()
            if chunk[:4] == b"data":
                if start + declared > size:
                    raise ValueError(f"{path} is truncated: its header declares {declared:,} bytes of audio, "
                                     f"the file holds {size - start:,}")
                return
            file.seek(start + declared + (declared & 1))  # chunks are padded to even sizes


def _read_with_soundfile(path, wav_error):
    reason = str(wav_error).strip().splitlines()[0] if str(wav_error).strip() else "unreadable"
    try:
        import soundfile
    except ImportError:
        raise ValueError(
            f"{path} is not a 16-bit PCM WAV file ({reason}); other formats need `pip install soundfile`"
        ) from None
    try:
        audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as error:  # libsndfile's errors for non-audio or damaged files
        raise ValueError(f"{path} is not a readable audio file: {error}") from None
    return audio, int(rate)


def to_mono(audio):
    """Average the channels of (time, channels) audio; 1-D audio is returned as is."""
    audio = np.asarray(audio, dtype="float32")
    return audio.mean(axis=1) if audio.ndim == 2 else audio


def resample(audio, rate, target_rate=SAMPLE_RATE):
    """`audio` at `rate` Hz resampled to `target_rate` Hz (polyphase, anti-aliased)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise ValueError(f"Sample rate must be a positive integer number of Hz, got {rate!r}")
    if rate == target_rate or len(audio) == 0:
        return np.asarray(audio, dtype="float32")
    common = math.gcd(int(rate), int(target_rate))
    return resample_poly(audio, target_rate // common, rate // common).astype("float32")


def load_audio(path, target_rate=SAMPLE_RATE):
    """A WAV file as mono float32 at `target_rate`; also the channel count and rate it had."""
    audio, rate = read_wav(path)
    channels = audio.shape[1] if audio.ndim == 2 else 1
    return resample(to_mono(audio), rate, target_rate), channels, rate


def is_silent(audio):
    return len(audio) == 0 or float(np.max(np.abs(audio))) < SILENCE_PEAK


def frame_length(sample_rate=SAMPLE_RATE):
    return int(round(FRAME_SECONDS * sample_rate))


def hop_length(sample_rate=SAMPLE_RATE):
    return int(round(HOP_SECONDS * sample_rate))


def num_frames(num_samples, sample_rate=SAMPLE_RATE):
    """Frames of `num_samples` samples (the signal is padded to whole frames)."""
    hop = hop_length(sample_rate)
    return max(1, -(-max(num_samples - frame_length(sample_rate), 0) // hop) + 1)


def log_mel_spectrogram(audio, sample_rate=SAMPLE_RATE, num_mels=NUM_MELS):
    """log(mel power + LOG_FLOOR) of a batch (batch, samples): (batch, 1 + samples // hop, num_mels).

    Hann windows of FRAME_SECONDS every HOP_SECONDS; HTK mel filters from
    20 Hz to the Nyquist frequency.
    """
    audio = tf.convert_to_tensor(audio, tf.float32)
    frame, hop = frame_length(sample_rate), hop_length(sample_rate)
    fft_length = 1 << (frame - 1).bit_length()
    # Pad so the last samples fill a whole frame (tf.signal drops a partial one).
    audio = tf.pad(audio, [[0, 0], [0, frame]])
    power = tf.abs(tf.signal.stft(audio, frame, hop, fft_length, pad_end=False)) ** 2
    mel_matrix = tf.signal.linear_to_mel_weight_matrix(num_mels, fft_length // 2 + 1, sample_rate, 20.0, sample_rate / 2)
    return tf.math.log(tf.tensordot(power, mel_matrix, 1) + LOG_FLOOR)


def log_mel(audio, lengths, sample_rate=SAMPLE_RATE, num_mels=NUM_MELS):
    """Per-utterance normalised log-mel spectrograms of a zero-padded batch.

    Args:
        audio: float32 (batch, samples), each row zero-padded after its end.
        lengths: int (batch,), the samples of each row before padding.

    Returns:
        float32 (batch, frames, num_mels). The mean and deviation of each
        mel bin come from the row's own frames (not its padding), as in
        cepstral mean and variance normalisation; the padding becomes the
        normalised log of silence, like the silent gaps inside an utterance.
    """
    features = log_mel_spectrogram(audio, sample_rate, num_mels)
    frames = num_frames_tensor(lengths, sample_rate)
    features = features[:, : tf.reduce_max(frames)]
    mask = tf.sequence_mask(frames, tf.shape(features)[1], dtype=tf.float32)[:, :, None]
    count = tf.reduce_sum(mask, axis=1, keepdims=True)
    mean = tf.reduce_sum(features * mask, axis=1, keepdims=True) / count
    variance = tf.reduce_sum(((features - mean) * mask) ** 2, axis=1, keepdims=True) / count
    # A floor on the deviation: a silent or constant bin stays finite.
    return (features - mean) / tf.sqrt(variance + 1e-2)


def num_frames_tensor(lengths, sample_rate=SAMPLE_RATE):
    lengths = tf.cast(lengths, tf.int32)
    frame, hop = frame_length(sample_rate), hop_length(sample_rate)
    return tf.maximum(1, (tf.maximum(lengths - frame, 0) + hop - 1) // hop + 1)
