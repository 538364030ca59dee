"""Word and character error rates of a CTC model on speech it never trained on.

    python -m rnnzoo.applications.speech_ctc.evaluate                       # the zoo's spoken-digits-ctc
    python -m rnnzoo.applications.speech_ctc.evaluate --model english-ctc   # real English speech
    python -m rnnzoo.applications.speech_ctc.evaluate --model english-ctc --lm   # and with its language model
    python -m rnnzoo.applications.speech_ctc.evaluate --weights my.weights.h5

Digit test sets, both built from FSDD's test takes (0-4) with a fixed seed:
1-7 digit sequences (the lengths trained on) and 8-10 digit sequences (longer
than any training utterance: a digit classifier in disguise would fail them).

Real English sets (a model whose entry lists `test_sets`): the shared
LJSpeech clips (one woman reading non-fiction, 22 kHz), pocketsphinx's test
clips (playing cards and an audiobook, 16 kHz) and the FSDD digit strings,
and one FSDD speaker's test takes alone (`fsdd-digits:SPEAKER`),
each clip transcribed as `rnnzoo transcribe` would, greedy and beam, with the
real-time factor (seconds of computing per second of audio).
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.speech_ctc import data  # noqa: E402
from rnnzoo.applications.speech_ctc.decode import transcribe_audio, transcribe_dataset  # noqa: E402
from rnnzoo.applications.speech_ctc.lm import LanguageModelSearch  # noqa: E402
from rnnzoo.applications.speech_ctc.text import ALPHABET, cer, wer  # noqa: E402

TEST_SEED = 2026
TEST_SETS = {"1-7 digits": (1, 7), "8-10 digits": (8, 10)}
BEAM = 8


def evaluate(model, test_clips, utterances=500, long_utterances=200, seed=TEST_SEED, beam=BEAM, alphabet=ALPHABET, batch_size=32):
    """{test set: {"greedy"|"beam": {"wer", "cer"}}} and a few (said, read) samples per set."""
    results, samples = {}, {}
    for name, digits in TEST_SETS.items():
        count = utterances if digits == (1, 7) else long_utterances
        audios, transcripts = data.fixed_utterances(test_clips, count, seed, digits)
        batches = data.fixed_batches(audios, transcripts, batch_size, alphabet)
        references, by_beam = transcribe_dataset(model, batches, alphabet, beams=(None, beam))
        results[name] = {
            label: dict(wer=wer(references, by_beam[width]), cer=cer(references, by_beam[width]))
            for label, width in (("greedy", None), ("beam", beam))
        }
        samples[name] = list(zip(references, by_beam[beam]))[:3]
    return results, samples


def real_sets(names, utterances=100, seed=TEST_SEED):
    """{set name: (audios, transcripts)} of the real test sets in `names`."""
    readers = {
        "ljspeech": lambda: data.read_ljspeech()[:2],
        "pocketsphinx": lambda: data.read_pocketsphinx()[:2],
        "fsdd-digits": lambda speaker=None: fsdd_strings(utterances, seed, speaker),
    }
    sets = {}
    for name in names:
        base, _, speaker = name.partition(":")  # "fsdd-digits:lucas": that speaker's test takes alone
        if base not in readers or (speaker and base != "fsdd-digits"):
            raise ValueError(f"Unknown test set {name!r}; choose from {sorted(readers)} or fsdd-digits:SPEAKER")
        sets[name] = readers[base](speaker) if speaker else readers[base]()
    return sets


def fsdd_strings(utterances, seed, speaker=None):
    """(audios, transcripts): digit strings from FSDD's test takes, of every speaker or of `speaker` alone."""
    clips = data.split_fsdd(data.read_fsdd())[2]
    if speaker:
        speakers = sorted({c["speaker"] for c in clips})
        if speaker not in speakers:
            raise ValueError(f"Unknown FSDD speaker {speaker!r} in test set fsdd-digits:{speaker}; the speakers are {speakers}")
        clips = [c for c in clips if c["speaker"] == speaker]
    return data.fixed_utterances(clips, utterances, seed, (1, 7))


def evaluate_real(model, config, sets, beam=BEAM, samples=3, search=None):
    """{set: {"greedy"|"beam"[|"lm"]: {"wer", "cer"}, "seconds", "real_time_factor"[, "real_time_factor_lm"]}}
    and a few (said, read) pairs per set, each clip transcribed alone (long ones cut at pauses);
    `search` (an lm.LanguageModelSearch) adds the language model's decoding, and the pairs are its own."""
    alphabet, rate = config.get("alphabet", ALPHABET), config.get("sample_rate", 8000)
    results, pairs = {}, {}
    for name, (audios, references) in sets.items():
        started = time.perf_counter()
        greedy = [transcribe_audio(model, a, alphabet, None, rate) for a in audios]
        compute = time.perf_counter() - started
        beamed = [transcribe_audio(model, a, alphabet, beam, rate) for a in audios]
        seconds = sum(len(a) for a in audios) / rate
        results[name] = {"greedy": dict(wer=wer(references, greedy), cer=cer(references, greedy)),
                         "beam": dict(wer=wer(references, beamed), cer=cer(references, beamed)),
                         "clips": len(audios), "seconds": round(seconds, 1), "real_time_factor": compute / seconds}
        if search is not None:
            started = time.perf_counter()  # the network again, then the search: what `transcribe --lm` costs
            with_lm = [transcribe_audio(model, a, alphabet, search, rate) for a in audios]
            results[name]["lm"] = dict(wer=wer(references, with_lm), cer=cer(references, with_lm))
            results[name]["real_time_factor_lm"] = (time.perf_counter() - started) / seconds
            beamed = with_lm
        pairs[name] = list(zip(references, beamed))[:samples]
    return results, pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description="WER/CER of a CTC model on speech it never trained on.")
    parser.add_argument("--model", "--name", dest="name", default="spoken-digits-ctc",
                        help="zoo model (architecture, and weights unless --weights)")
    parser.add_argument("--weights", help="a local .weights.h5 file instead of the zoo's")
    parser.add_argument("--utterances", type=positive_int, default=500, help="1-7 digit test utterances")
    parser.add_argument("--long-utterances", type=positive_int, default=200, help="8-10 digit test utterances")
    parser.add_argument("--seed", type=int, default=TEST_SEED)
    parser.add_argument("--beam", type=positive_int, default=BEAM)
    parser.add_argument("--lm", action="store_true",
                        help="also decode with the model's character language model (english-ctc: its entry's weights)")
    args = parser.parse_args(argv)

    from rnnzoo.zoo.loading import entry, load

    model = load(args.name, weights=args.weights or True)
    test_sets = entry(args.name).get("test_sets")
    if test_sets:
        search = LanguageModelSearch.from_zoo(args.name) if args.lm else None
        results, samples = evaluate_real(model, entry(args.name)["config"], real_sets(test_sets, args.utterances), args.beam,
                                         search=search)
        for name, result in results.items():
            print(f"{name:<13} {result['clips']} clips, {result['seconds']} s, real-time factor {result['real_time_factor']:.3f}"
                  + (f" (with the LM {result['real_time_factor_lm']:.3f})" if search else ""))
            labels = {"greedy": "greedy", "beam": f"beam {args.beam}"}
            if search:
                labels["lm"] = f"beam {search.beam} + LM (alpha {search.alpha}, beta {search.beta})"
            for decoder, label in labels.items():
                print(f"    {label:<7} WER {result[decoder]['wer']:.2%}  CER {result[decoder]['cer']:.2%}")
            for said, read in samples[name]:
                print(f"    said {said!r}\n    read {read!r}")
        return results
    _, _, test_clips = data.split_fsdd(data.read_fsdd())
    results, samples = evaluate(
        model, test_clips, args.utterances, args.long_utterances, args.seed, args.beam, entry(args.name)["config"]["alphabet"]
    )
    for name, by_decoder in results.items():
        for decoder, rates in by_decoder.items():
            label = decoder if decoder == "greedy" else f"beam {args.beam}"
            print(f"{name:<12} {label:<7} WER {rates['wer']:.2%}  CER {rates['cer']:.2%}")
        for said, read in samples[name]:
            print(f"    said {said!r}\n    read {read!r}")
    return results


if __name__ == "__main__":
    main()
