"""The bundled spoken-digits-ctc model: it loads, reproduces its recorded error rates, and `rnnzoo transcribe` works offline."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile

from rnnzoo import zoo
from rnnzoo.applications.speech_ctc import data, evaluate
from rnnzoo.applications.speech_ctc.audio import SAMPLE_RATE
from rnnzoo.zoo import cli

NAME = "spoken-digits-ctc"


@pytest.fixture(scope="module")
def model():
    return zoo.load(NAME)


@pytest.fixture(scope="module")
def test_clips():
    return data.split_fsdd(data.read_fsdd())[2]


def test_entry_records_how_it_was_made():
    entry = zoo.info(NAME)
    for key in ("description", "builder", "config", "dataset", "metric", "command", "parameters", "weights", "trained_on"):
        assert key in entry, key
    metric = entry["metric"]
    assert metric["wer_greedy"] <= 0.05 and metric["wer_beam"] <= 0.05
    assert metric["long_wer_greedy"] <= 0.10 and metric["long_wer_beam"] <= 0.10
    assert len(entry["weights"]["sha256"]) == 64


def test_bundled_model_reproduces_its_recorded_subset_error_rates(model, test_clips, shared_data):
    # The first utterances of the recorded test set (the same seed makes the same sequence).
    metric = zoo.info(NAME)["metric"]
    results, _ = evaluate.evaluate(model, test_clips, metric["subset_utterances"], metric["subset_utterances"], metric["seed"], metric["beam"])
    assert model.count_params() == zoo.info(NAME)["parameters"]
    assert results["1-7 digits"]["greedy"]["wer"] == pytest.approx(metric["subset_wer_greedy"], abs=1e-9)
    assert results["8-10 digits"]["greedy"]["wer"] == pytest.approx(metric["subset_long_wer_greedy"], abs=1e-9)


@pytest.mark.slow
def test_bundled_model_reproduces_its_recorded_test_error_rates(model, test_clips, shared_data):
    metric = zoo.info(NAME)["metric"]
    results, _ = evaluate.evaluate(model, test_clips, metric["utterances"], metric["long_utterances"], metric["seed"], metric["beam"])
    for name, prefix in (("1-7 digits", ""), ("8-10 digits", "long_")):
        for decoder in ("greedy", "beam"):
            assert results[name][decoder]["wer"] == pytest.approx(metric[f"{prefix}wer_{decoder}"], abs=5e-5)  # recorded to 4 places


def spoken(test_clips, digits_and_speakers):
    """Test-take clips of the given (digit, speaker) joined with 0.2 s pauses, and their words."""
    pause = np.zeros(int(0.2 * SAMPLE_RATE), "float32")
    pieces, words = [pause], []
    for digit, speaker in digits_and_speakers:
        clip = next(c for c in test_clips if c["digit"] == digit and c["speaker"] == speaker)
        pieces += [clip["audio"], pause]
        words.append(data.DIGIT_WORDS[digit])
    return np.concatenate(pieces), " ".join(words)


SAID = [(4, "george"), (0, "jackson"), (7, "lucas"), (2, "nicolas"), (9, "yweweler")]


def test_transcribe_command_from_the_readme_runs_offline(test_clips, tmp_path, shared_data):
    audio, words = spoken(test_clips, SAID)
    soundfile.write(tmp_path / "digits.wav", audio, SAMPLE_RATE, subtype="PCM_16")
    done = subprocess.run(
        [sys.executable, "-m", "rnnzoo", "transcribe", str(tmp_path / "digits.wav"), "--beam", "8",
         "--model", "spoken-digits-ctc"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout == words + "\n"


def test_stereo_44k_recording_is_mixed_resampled_and_noted(test_clips, tmp_path, capsys, shared_data):
    from scipy.signal import resample_poly

    audio, words = spoken(test_clips, SAID[:3])
    louder = resample_poly(audio, 441, 80).astype("float32")  # 8 kHz -> 44.1 kHz
    soundfile.write(tmp_path / "stereo.wav", np.stack([louder, 0.5 * louder], axis=1), 44100, subtype="PCM_16")
    assert cli.main(["transcribe", str(tmp_path / "stereo.wav"), "--model", "spoken-digits-ctc"]) == 0
    out, err = capsys.readouterr()
    assert out == words + "\n"
    assert "2 channels averaged to mono" in err and "from 44100 Hz" in err


@pytest.mark.parametrize("samples", [0, 8000])
def test_empty_and_silent_recordings_give_an_empty_transcript(tmp_path, capsys, samples):
    soundfile.write(tmp_path / "quiet.wav", np.zeros(samples, "float32"), SAMPLE_RATE, subtype="PCM_16")
    assert cli.main(["transcribe", str(tmp_path / "quiet.wav"), "--model", "spoken-digits-ctc"]) == 0
    assert capsys.readouterr().out == "\n"


@pytest.mark.parametrize(
    "content, flags, message",
    [
        (b"not a wav file", [], "noise.wav"),
        (None, [], "not found"),
        (b"", ["--beam", "0"], "--beam"),
        (b"", ["--model", "spoken-digits-ctc", "--lm"], "has no language model"),
    ],
)
def test_transcribe_refuses_bad_input_in_one_line(tmp_path, capsys, content, flags, message):
    path = tmp_path / "noise.wav"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["transcribe", str(path), *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnzoo: error:") and message in err and err.count("\n") == 1
