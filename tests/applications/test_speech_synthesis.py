"""The synthetic English speech corpus: spoken-form text, the perturbations
(each against its closed form), the engines' discovery and the resumable,
seeded corpus builder (with a stand-in engine: CI has no synthesiser)."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from rnnzoo.applications.speech_ctc import augment, data, engines, synthesize
from rnnzoo.applications.speech_ctc.text import spoken_form


# --------------------------------------------------------------------------
# Text as it is spoken.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("written, spoken", [
    ("Hello, World!", "hello world"),
    ("I have 3 cats & 12 dogs.", "i have three cats and twelve dogs"),
    ("the 1st and 22nd", "the first and twenty second"),
    ("In 1984 it cost $7.", "in nineteen eighty four it cost seven dollars"),
    ("50% — “quoted” café", "fifty percent quoted cafe"),
    ("don’t 'quote' me", "don't quote me"),
])
def test_spoken_form_reads_numbers_and_symbols_as_words(written, spoken):
    assert spoken_form(written) == spoken


@pytest.mark.parametrize("bad", ["日本", "smile 😀", "x ± y"])
def test_text_that_cannot_be_spoken_in_the_alphabet_is_named(bad):
    with pytest.raises(ValueError, match="cannot be spoken") as error:
        spoken_form(bad, source="line 7")
    assert "line 7" in str(error.value)


# --------------------------------------------------------------------------
# Perturbations.
# --------------------------------------------------------------------------
def tone(frequency, seconds=1.0, rate=8000):
    return np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate).astype("float32")


@pytest.mark.parametrize("factor", [0.9, 1.0, 1.1])
def test_speed_perturbation_changes_duration_and_pitch_by_the_factor(factor):
    out = augment.speed(tone(500.0), factor)
    assert len(out) == pytest.approx(8000 / factor, abs=2)
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    peak_hz = np.argmax(spectrum) * 8000 / len(out)  # played faster at the same rate: 500 * factor Hz
    assert peak_hz == pytest.approx(500.0 * factor, abs=3.0)


def test_room_impulse_response_decays_by_60_db_in_rt60():
    rate, rt60 = 16000, 0.4
    response = augment.room_impulse_response(rate, rt60, np.random.default_rng(0))
    assert response[0] == 1.0 and len(response) == int(rt60 * rate)
    window = int(0.02 * rate)
    early = np.mean(response[40 : 40 + window] ** 2)  # just after the first reflections
    late = np.mean(response[-window:] ** 2)
    # exp(-6.9 t / rt60) in amplitude: 60 dB of power between t = 0 and t = rt60, less the windows' offsets.
    assert 10 * np.log10(early / late) == pytest.approx(60 * (len(response) - 40 - 1.5 * window) / len(response), abs=4.0)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 25.0])
def test_noise_is_added_at_the_requested_signal_to_noise_ratio(snr_db):
    rng = np.random.default_rng(1)
    speech, noise = tone(300.0), rng.standard_normal(8000).astype("float32")
    mixed = augment.add_noise(speech, noise, snr_db)
    measured = 10 * np.log10(np.mean(speech**2) / np.mean((mixed - speech) ** 2))
    assert measured == pytest.approx(snr_db, abs=0.01)


def test_pink_noise_power_falls_as_one_over_frequency():
    noise = augment.pink_noise(2**16, np.random.default_rng(2))
    power = np.abs(np.fft.rfft(noise)) ** 2
    f = np.arange(len(power))
    bands = np.logspace(1, np.log10(len(power) - 1), 20).astype(int)
    means = [power[a:b].mean() for a, b in zip(bands[:-1], bands[1:])]
    centres = [np.sqrt(a * b) for a, b in zip(bands[:-1], bands[1:])]
    slope = np.polyfit(np.log(centres), np.log(means), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.15) and len(f)


def test_telephone_band_passes_speech_frequencies_and_cuts_the_rest():
    gain = lambda hz: np.std(augment.telephone(tone(hz), 8000)[2000:]) / np.std(tone(hz)[2000:])  # noqa: E731
    assert gain(1000.0) > 0.9
    assert gain(100.0) < 0.1 and gain(3900.0) < 0.3


def test_perturb_ends_at_the_model_rate_and_repeats_with_the_seed():
    speech = tone(220.0, 2.0, 22050)
    first, done = augment.perturb(speech, 22050, np.random.default_rng(5))
    again, done_again = augment.perturb(speech, 22050, np.random.default_rng(5))
    np.testing.assert_array_equal(first, again)
    assert done == done_again
    assert len(first) == pytest.approx(2.0 * 8000 / done["speed"], rel=0.01)
    assert 10 * np.log10(np.max(np.abs(first))) * 2 == pytest.approx(done["peak_dbfs"], abs=0.1)


# --------------------------------------------------------------------------
# Engines.
# --------------------------------------------------------------------------
def test_a_missing_engine_is_skipped_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    found, notes = engines.find(["espeak-ng", "flite"])
    assert [e.name for e in found] == []
    assert "apt-get install espeak-ng" in notes[0] and "flite" in notes[1]
    with pytest.raises(engines.EngineMissing, match="apt-get install flite"):
        engines.require("flite")
    with pytest.raises(ValueError, match="Unknown text-to-speech engine 'say'"):
        engines.find(["say"])


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_espeak_speaks_a_sentence_at_its_rate_and_faster_when_asked():
    engine = engines.require("espeak-ng")
    normal, rate = engine.speak("the quick brown fox", "en-us+m3")
    fast, _ = engine.speak("the quick brown fox", "en-us+m3", rate=1.5)
    assert rate == 22050 and np.max(np.abs(normal)) > 0.05
    assert len(fast) < 0.8 * len(normal)


def test_synthesize_without_any_engine_fails_in_one_line(tmp_path):
    env = {**os.environ, "PATH": os.path.dirname(sys.executable)}
    done = subprocess.run([sys.executable, "-m", "rnnzoo.applications.speech_ctc.synthesize", "--engines", "flite",
                           "--utterances", "2", "--out", str(tmp_path / "c")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("synthesize: error: No text-to-speech engine is installed")
    assert "apt-get install flite" in done.stderr


# --------------------------------------------------------------------------
# The corpus builder, with a stand-in engine.
# --------------------------------------------------------------------------
class ToneEngine:
    """Speaks a sentence as one tone per word (pitch by voice, length by rate)."""

    name = "tone"

    def __init__(self):
        self.calls = 0

    def available(self):
        return True

    def voices(self):
        return ["low", "high"]

    def speak(self, text, voice, rate=1.0, pitch=1.0):
        self.calls += 1
        if "silent" in text:
            return np.zeros(1600, "float32"), 16000
        base = 150.0 if voice == "low" else 300.0
        words = [tone(base * pitch * (1 + 0.1 * k), 0.2 / rate, 16000) for k in range(len(text.split()))]
        return np.concatenate(words), 16000


@pytest.fixture
def stand_in(monkeypatch):
    engine = ToneEngine()
    monkeypatch.setitem(engines.ENGINES, "tone", engine)
    pools = {"chitchat": ["hello there", "how are you today", "this is silent speech"],
             "shakespeare": ["to be or not to be"], "numbers": ["four two seven"]}
    monkeypatch.setattr(synthesize, "text_pools", lambda seed: pools)
    monkeypatch.setattr(synthesize, "noise_recordings", lambda: [])
    return engine


def test_corpus_is_seeded_resumable_and_reads_back_as_a_training_folder(stand_in, tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    records = synthesize.build(whole, 10, ["tone"], seed=3, workers=2, progress=False)
    synthesize.build(part, 6, ["tone"], seed=3, progress=False)
    calls = stand_in.calls
    extended = synthesize.build(part, 10, ["tone"], seed=3, progress=False)  # resumes: makes only the 4 new ones
    assert stand_in.calls - calls == 4
    assert extended == records
    for record in records:
        if "error" not in record:
            assert (whole / record["file"]).read_bytes() == (part / record["file"]).read_bytes()
    failed = [r for r in records if "error" in r]
    assert all("silent" in r["text"] and "silence" in r["error"] for r in failed)
    audios, transcripts, _ = data.read_transcribed_folder(whole)
    assert transcripts == [r["text"] for r in records if "error" not in r]
    assert all(np.max(np.abs(a)) > 0.05 for a in audios)
    assert not list(whole.rglob("*.partial"))


def test_a_cut_manifest_line_and_a_lost_clip_are_made_again(stand_in, tmp_path):
    records = synthesize.build(tmp_path, 5, ["tone"], seed=1, progress=False)
    manifest = tmp_path / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])  # killed mid-line
    made = [r for r in records if "error" not in r]
    (tmp_path / made[0]["file"]).unlink()
    calls = stand_in.calls
    assert synthesize.build(tmp_path, 5, ["tone"], seed=1, progress=False) == records
    assert stand_in.calls - calls == 2


def test_extending_a_corpus_with_other_settings_is_refused(stand_in, tmp_path):
    synthesize.build(tmp_path, 2, ["tone"], seed=1, progress=False)
    with pytest.raises(ValueError, match="made with seed=1, not 2"):
        synthesize.build(tmp_path, 2, ["tone"], seed=2, progress=False)
