"""The real English test sets' readers (on small folders the tests make) and
the English evaluation's figures."""

import wave

import numpy as np
import pytest

from rnnzoo.applications.speech_ctc import data, evaluate, model as ctc_model


def write_wav(path, seconds=0.5, rate=16000, frequency=440.0):
    samples = (0.3 * np.sin(2 * np.pi * frequency * np.arange(int(seconds * rate)) / rate) * 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())


def test_ljspeech_reader_takes_the_normalized_column_in_spoken_form(tmp_path):
    (tmp_path / "metadata.csv").write_text("LJ1|Dr. Smith, 1st.|Doctor Smith, first.\nLJ2|In 1850|In eighteen fifty\n")
    write_wav(tmp_path / "wavs" / "LJ1.wav", rate=22050)
    write_wav(tmp_path / "wavs" / "LJ2.wav", 1.0, rate=22050)
    audios, transcripts, sources = data.read_ljspeech(tmp_path)
    assert transcripts == ["doctor smith first", "in eighteen fifty"]
    assert [len(a) for a in audios] == [4000, 8000]  # resampled to the model's 8 kHz
    assert sources[1].endswith("LJ2.wav")


def test_malformed_ljspeech_metadata_is_named_with_its_line(tmp_path):
    (tmp_path / "metadata.csv").write_text("LJ1|a|a\nLJ2 only an id\n")
    write_wav(tmp_path / "wavs" / "LJ1.wav")
    with pytest.raises(ValueError, match=r"metadata.csv line 2: expected id\|text\|normalized text"):
        data.read_ljspeech(tmp_path)


def test_pocketsphinx_reader_pairs_each_transcription_line_with_its_clip(tmp_path):
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "cards.transcription").write_text("<s> ten of clubs  </s> (001)\n<s> five five </s> (002)\n")
    write_wav(tmp_path / "cards" / "001.wav")
    write_wav(tmp_path / "cards" / "002.wav")
    audios, transcripts, sources = data.read_pocketsphinx(tmp_path)
    assert transcripts == ["ten of clubs", "five five"] and len(audios) == 2
    with pytest.raises(FileNotFoundError, match="pocketsphinx-testdata"):
        data.read_pocketsphinx(tmp_path / "nothing")


def test_english_evaluation_reports_rates_and_real_time_factor_per_set():
    model = ctc_model.build(units=8, num_layers=1, conv_filters=8)
    tone = (0.3 * np.sin(np.arange(8000) * 0.3)).astype("float32")
    sets = {"made": ([tone, tone[:4000]], ["one two", "three"])}
    results, pairs = evaluate.evaluate_real(model, {"sample_rate": 8000}, sets, beam=4)
    result = results["made"]
    assert result["clips"] == 2 and result["seconds"] == 1.5 and result["real_time_factor"] > 0
    for decoder in ("greedy", "beam"):
        assert 0.0 <= result[decoder]["cer"] and 0.0 <= result[decoder]["wer"]
    assert [said for said, _ in pairs["made"]] == ["one two", "three"]
    from rnnzoo.applications.speech_ctc.lm import CharNgramLM, LanguageModelSearch

    search = LanguageModelSearch(CharNgramLM.from_lines(["one two", "three"], order=3), alpha=0.5, beta=1.0, beam=4)
    results, pairs = evaluate.evaluate_real(model, {"sample_rate": 8000}, sets, beam=4, search=search)
    assert 0.0 <= results["made"]["lm"]["cer"] and results["made"]["real_time_factor_lm"] > 0
    with pytest.raises(ValueError, match="Unknown test set 'timit'"):
        evaluate.real_sets(["timit"])


def test_one_fsdd_speakers_test_set_holds_only_that_speakers_test_takes(shared_data):
    sets = evaluate.real_sets(["fsdd-digits", "fsdd-digits:lucas"], utterances=5)
    assert [len(sets[name][0]) for name in sets] == [5, 5]
    clips = [c for c in data.split_fsdd(data.read_fsdd())[2] if c["speaker"] == "lucas"]
    assert sets["fsdd-digits:lucas"][1] == data.fixed_utterances(clips, 5, evaluate.TEST_SEED, (1, 7))[1]
    for bad in ("fsdd-digits:nobody", "ljspeech:lucas"):
        with pytest.raises(ValueError, match=repr(bad.split(":")[1] if "nobody" in bad else bad)):
            evaluate.real_sets([bad], utterances=5)
