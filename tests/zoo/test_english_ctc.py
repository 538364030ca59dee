"""The bundled english-ctc model reproduces its recorded error rates on the real LJSpeech clips."""

import pytest

from rnnzoo import zoo
from rnnzoo.applications.speech_ctc import evaluate
from rnnzoo.applications.speech_ctc.lm import LanguageModelSearch

NAME = "english-ctc"


def test_entry_records_its_real_set_figures_and_how_it_was_made():
    entry = zoo.info(NAME)
    for key in ("description", "config", "dataset", "metric", "command", "parameters", "weights", "trained_on"):
        assert key in entry, key
    metric = entry["metric"]
    assert set(entry["test_sets"]) == {"ljspeech", "pocketsphinx", "fsdd-digits", "fsdd-digits:yweweler"}
    assert metric["real_time_factor"] <= 0.1 and entry["weights"]["bytes"] <= 25 * 2**20


def test_bundled_model_reproduces_its_ljspeech_error_rates(shared_data):
    # Each of the 32 clips transcribed alone, as `rnnzoo transcribe` does; a margin for CPUs that
    # round differently (a changed character or two among ~3,400).
    entry = zoo.info(NAME)
    search = LanguageModelSearch.from_zoo(NAME)
    results, _ = evaluate.evaluate_real(zoo.load(NAME), entry["config"], evaluate.real_sets(["ljspeech"]), beam=8,
                                        search=search)
    assert results["ljspeech"]["clips"] == 32
    assert results["ljspeech"]["greedy"]["cer"] == pytest.approx(entry["metric"]["ljspeech_cer_greedy"], abs=0.01)
    assert results["ljspeech"]["beam"]["cer"] == pytest.approx(entry["metric"]["ljspeech_cer_beam"], abs=0.01)
    assert results["ljspeech"]["lm"]["cer"] == pytest.approx(entry["metric"]["ljspeech_cer_lm"], abs=0.01)
    assert results["ljspeech"]["lm"]["wer"] == pytest.approx(entry["metric"]["ljspeech_wer_lm"], abs=0.02)


def test_transcribe_with_the_language_model_prints_what_the_search_reads(shared_data, capsys):
    from rnnzoo.applications.common.data import data_path
    from rnnzoo.applications.speech_ctc.decode import transcribe_file
    from rnnzoo.zoo import cli

    clip = data_path("ljspeech", "wavs", "LJ001-0001.wav")
    assert cli.main(["transcribe", str(clip), "--lm"]) == 0
    expected, _ = transcribe_file(zoo.load(NAME), clip, zoo.info(NAME)["config"], beam=LanguageModelSearch.from_zoo(NAME))
    assert capsys.readouterr().out.strip() == expected and len(expected.split()) > 10
