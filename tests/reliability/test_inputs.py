"""The CLI and the library never destroy or half-write a user's files, and
refuse degenerate values in one line naming the argument or file."""

import math
import os
import wave

import numpy as np
import pytest

from rnnzoo.zoo import cli, loading


def run(capsys, *argv):
    """(exit status, stderr) of the CLI run in this process."""
    capsys.readouterr()
    status = cli.main(list(argv))
    return status, capsys.readouterr().err


def assert_one_line_error(status, err, *needles):
    assert status == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.fixture
def recordings(tmp_path):
    rng = np.random.default_rng(0)
    primary, reference = tmp_path / "p.txt", tmp_path / "r.txt"
    np.savetxt(primary, rng.normal(size=400))
    np.savetxt(reference, rng.normal(size=400))
    return primary, reference


# --------------------------------------------------------------------------
# Files.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["--primary", "--reference"])
def test_denoise_refuses_to_write_over_its_own_input(capsys, recordings, which):
    primary, reference = recordings
    before = primary.read_bytes(), reference.read_bytes()
    out = primary if which == "--primary" else reference
    status, err = run(capsys, "denoise", "--primary", str(primary), "--reference", str(reference), "--out", str(out), "--fs", "100")
    assert_one_line_error(status, err, f"is the {which} input")
    assert (primary.read_bytes(), reference.read_bytes()) == before


def test_denoise_output_follows_the_umask(capsys, recordings, tmp_path):
    primary, reference = recordings
    old = os.umask(0o027)
    try:
        status, err = run(capsys, "denoise", "--primary", str(primary), "--reference", str(reference),
                          "--out", str(tmp_path / "out.txt"), "--fs", "100")
    finally:
        os.umask(old)
    assert status == 0, err
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o640


def test_denoise_without_soundfile_says_which_extra_before_working(capsys, recordings, tmp_path, monkeypatch):
    from rnnzoo.applications.noise_cancellation import files

    real = files.importlib.util.find_spec
    monkeypatch.setattr(files.importlib.util, "find_spec", lambda name: None if name == "soundfile" else real(name))
    primary, reference = recordings
    status, err = run(capsys, "denoise", "--primary", str(primary), "--reference", str(reference),
                      "--out", str(tmp_path / "out.wav"), "--fs", "100")
    assert_one_line_error(status, err, "pip install 'rnnzoo[audio]'")
    assert not (tmp_path / "out.wav").exists()


def test_a_failed_write_names_the_users_file_not_the_temporary_one(tmp_path):
    from rnnzoo.applications.noise_cancellation.evaluation import write_atomically

    def failing(temporary):
        raise RuntimeError(f"Error opening {temporary!r}: System error.")

    with pytest.raises(OSError) as error:
        write_atomically(tmp_path / "o.wav", failing)
    assert str(tmp_path / "o.wav") in str(error.value) and ".o.wav." not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_chat_heatmap_in_a_missing_folder_is_refused_naming_it(capsys, tmp_path):
    status, err = run(capsys, "chat", "chatterbot-seq2seq", "--once", "hello", "--heatmap", str(tmp_path / "no" / "x.png"))
    assert_one_line_error(status, err, str(tmp_path / "no"), "does not exist")
    assert not (tmp_path / "no").exists()


def test_chat_names_input_that_is_not_utf8(capsys):
    status, err = run(capsys, "chat", "chatterbot-seq2seq", "--once", b"hello \xff there".decode("utf-8", "surrogateescape"))
    assert_one_line_error(status, err, "is not UTF-8 text")


def test_an_image_that_is_not_one_is_named_without_tensorflow_internals(capsys, tmp_path):
    (tmp_path / "x.png").write_bytes(b"not an image")
    status, err = run(capsys, "caption", str(tmp_path / "x.png"))
    assert_one_line_error(status, err, "x.png", "Unknown image file format")
    assert "{{" not in err and "[Op:" not in err


# --------------------------------------------------------------------------
# Degenerate values.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("argv, needle", [
    (["generate", "shakespeare-char", "--temperature", "inf"], "temperature"),
    (["generate", "shakespeare-char", "--temperature", "nan"], "temperature"),
    (["generate", "shakespeare-char", "--length", "1000000000"], "length"),
    (["chat", "chatterbot-seq2seq", "--once", "hi", "--method", "sample", "--temperature", "inf"], "temperature"),
    (["chat", "chatterbot-seq2seq", "--once", "hi", "--method", "sample", "--top-p", "0"], "top_p"),
])
def test_degenerate_sampling_values_are_refused(capsys, argv, needle):
    status, err = run(capsys, *argv)
    assert_one_line_error(status, err, needle)


@pytest.mark.parametrize("seconds", ["0", "-5", "nan", "inf", "3"])  # 3: shorter than the figures need
def test_denoise_seconds_must_be_a_real_length(capsys, seconds):
    try:
        status = cli.main(["denoise", "--scenario", "ecg", "--seconds", seconds])
    except SystemExit as exit_:  # argparse's refusal: usage line and error line
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2 and "--seconds" in err and "Traceback" not in err


def write_wav(path, samples, rate=8000, truncate=0):
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes((np.asarray(samples) * 3000).astype("<i2").tobytes())
    if truncate:
        path.write_bytes(path.read_bytes()[:-truncate])


def test_transcribe_refuses_a_truncated_wav(capsys, tmp_path):
    write_wav(tmp_path / "cut.wav", np.sin(np.arange(8000) / 5), truncate=4000)
    status, err = run(capsys, "transcribe", str(tmp_path / "cut.wav"))
    assert_one_line_error(status, err, "cut.wav is truncated")


def test_transcribe_refuses_nan_samples(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    from rnnzoo.applications.speech_ctc import audio

    samples = np.sin(np.arange(8000) / 5).astype("float32")
    samples[100] = np.nan
    soundfile.write(tmp_path / "nan.wav", samples, 8000, subtype="FLOAT")
    with pytest.raises(ValueError, match="nan.wav holds non-finite samples"):
        audio.read_wav(tmp_path / "nan.wav")


def test_a_one_pixel_image_is_refused(tmp_path):
    from rnnzoo.applications.image_captioning import data

    import tensorflow as tf

    (tmp_path / "dot.png").write_bytes(tf.io.encode_png(np.zeros((1, 1, 3), "uint8")).numpy())
    with pytest.raises(ValueError, match=r"dot.png is 1x1 pixels: too small"):
        data.read_image(tmp_path / "dot.png", 64)


# --------------------------------------------------------------------------
# Local weights.
# --------------------------------------------------------------------------
def test_local_weights_are_checked_when_a_sha256_is_given(tmp_path):
    original = loading.WEIGHTS_DIR / "spoken-digits-ctc.weights.h5"
    expected = loading.sha256(original)
    copy = tmp_path / "digits.weights.h5"
    raw = bytearray(original.read_bytes())
    copy.write_bytes(bytes(raw))
    assert loading.load("spoken-digits-ctc", weights=copy, sha256=expected) is not None
    raw[len(raw) // 2] ^= 0x01
    copy.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="is corrupt: sha256 .* differs from the expected"):
        loading.load("spoken-digits-ctc", weights=copy, sha256=expected)
    with pytest.raises(ValueError, match="sha256 must be a 64-digit hex string"):
        loading.load("spoken-digits-ctc", weights=copy, sha256="abc")
    with pytest.raises(ValueError, match="pass weights=PATH"):
        loading.load("spoken-digits-ctc", sha256=expected)
