"""Word and character error rates of a CTC model on FSDD's test takes (0-4), never trained on.

    python -m rnnzoo.applications.speech_ctc.evaluate                       # the zoo's spoken-digits-ctc
    python -m rnnzoo.applications.speech_ctc.evaluate --weights my.weights.h5

Two test sets, both built from the test takes with a fixed seed: 1-7 digit
sequences (the lengths trained on) and 8-10 digit sequences (longer than
any training utterance: a digit classifier in disguise would fail them).
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.speech_ctc import data  # noqa: E402
from rnnzoo.applications.speech_ctc.decode import transcribe_dataset  # noqa: E402
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


def main(argv=None):
    parser = argparse.ArgumentParser(description="WER/CER of a spoken-digit CTC model on FSDD's test takes.")
    parser.add_argument("--name", default="spoken-digits-ctc", help="zoo model (architecture, and weights unless --weights)")
    parser.add_argument("--weights", help="a local .weights.h5 file instead of the zoo's")
    parser.add_argument("--utterances", type=positive_int, default=500, help="1-7 digit test utterances")
    parser.add_argument("--long-utterances", type=positive_int, default=200, help="8-10 digit test utterances")
    parser.add_argument("--seed", type=int, default=TEST_SEED)
    parser.add_argument("--beam", type=positive_int, default=BEAM)
    args = parser.parse_args(argv)

    from rnnzoo.zoo.loading import entry, load

    model = load(args.name, weights=args.weights or True)
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
