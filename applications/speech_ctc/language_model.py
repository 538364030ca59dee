"""english-ctc's language model: its text from the training transcripts, its weights chosen on validation speech.

    python -m rnnzoo.applications.speech_ctc.language_model --data-dir ~/.cache/rnnzoo/speech-english \\
        --out runs/english-ctc.lm.txt.gz --tune 300

Writes the transcripts of the training recordings (the split the training
script uses: the same `--seed`, validation left out) one per line to a gzip
file that is byte-identical run after run, and prints the character model's
perplexity on the validation transcripts. With `--tune N` it decodes N
validation recordings whose sentence the training text lacks with the zoo
model, over a grid of LM weights (alpha) and character bonuses (beta), and
prints the CER of each. The real test sets play no part in the choice.
"""

import argparse
import csv
import gzip
import itertools
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.speech_ctc import data  # noqa: E402
from rnnzoo.applications.speech_ctc.lm import CharNgramLM, prefix_beam_search  # noqa: E402
from rnnzoo.applications.speech_ctc.text import ALPHABET, cer, normalise, wer  # noqa: E402

SEED = 0  # the training script's default --seed: the same validation recordings
ORDER = 6  # 5 characters of context: on validation sentences not in the training text, orders 7 and 8 gain < 2 %
ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
BETAS = (0.0, 0.5, 1.0, 1.5, 2.0)
BEAM = 16


def transcript_rows(folder):
    """[(file, transcript)] of a corpus folder's transcripts.csv, header dropped."""
    path = Path(folder) / "transcripts.csv"
    if not path.is_file():
        raise ValueError(f"Transcript CSV not found: {path} (build the corpus with speech_ctc.synthesize)")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if rows and rows[0][0].strip().lower() == "file":
        rows = rows[1:]
    return [(row[0], normalise(row[1])) for row in rows]


def write_text(lines, path):
    """One line each, gzip with no timestamp or name inside, so the same lines give the same bytes (and sha256)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as file:
        file.write("".join(line + "\n" for line in lines).encode("utf-8"))
    os.replace(partial, path)  # never a half-written file under the real name


def log_probabilities(model, audio, rate):
    """(frames, classes) log-softmax of the network's outputs for one recording."""
    from rnnzoo.applications.speech_ctc import audio as audio_lib
    from rnnzoo.applications.speech_ctc.decode import predictor

    features = audio_lib.log_mel(audio[None], [len(audio)], rate, num_mels=model.input_shape[-1])
    logits = np.asarray(predictor(model)(features))[0].astype("float64")
    return logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)


def tune(model, rate, audios, references, lm, alphas=ALPHAS, betas=BETAS, beam=BEAM):
    """{(alpha, beta): (cer, wer)} of LM beam search on the recordings."""
    outputs = [log_probabilities(model, audio, rate) for audio in audios]
    results = {}
    for alpha, beta in itertools.product(alphas, betas):
        if alpha == 0 and beta != 0:
            continue  # without the LM a character bonus only trades deletions for insertions
        started = time.perf_counter()
        hypotheses = [prefix_beam_search(o, ALPHABET, lm, alpha, beta, beam) for o in outputs]
        results[alpha, beta] = (cer(references, hypotheses), wer(references, hypotheses))
        print(f"alpha {alpha:<5} beta {beta:<5} CER {results[alpha, beta][0]:.2%}  WER {results[alpha, beta][1]:.2%}"
              f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="the corpus folder (transcripts.csv and wavs/)")
    parser.add_argument("--out", required=True, help="where the training transcripts go (.txt.gz)")
    parser.add_argument("--seed", type=int, default=SEED, help="the training run's --seed (its validation split)")
    parser.add_argument("--order", type=positive_int, default=ORDER)
    parser.add_argument("--tune", type=positive_int, metavar="N", help="choose alpha and beta on N validation recordings")
    parser.add_argument("--model", default="english-ctc", help="zoo model whose outputs the search reads")
    parser.add_argument("--weights", help="a local .weights.h5 instead of the zoo's")
    args = parser.parse_args(argv)

    rows = transcript_rows(args.data_dir)
    held, kept = data.hold_out(len(rows), args.seed)
    write_text([rows[i][1] for i in kept], args.out)
    lm = CharNgramLM.from_file(args.out, ALPHABET, args.order)
    print(f"{args.out}: {len(kept)} training transcripts; order {args.order}, "
          f"validation perplexity {lm.perplexity([rows[i][1] for i in held]):.3f} per character")
    if args.tune:
        from rnnzoo.applications.speech_ctc import audio as audio_lib
        from rnnzoo.zoo.loading import entry, load

        rate = entry(args.model)["config"].get("sample_rate", 8000)
        model = load(args.model, weights=args.weights or True)
        # Sentences the training text also holds would flatter the LM: real speech reads new text.
        seen = {rows[i][1] for i in kept}
        chosen = [i for i in held if rows[i][1] not in seen][: args.tune]
        audios = [audio_lib.load_audio(Path(args.data_dir) / rows[i][0], rate)[0] for i in chosen]
        results = tune(model, rate, audios, [rows[i][1] for i in chosen], lm)
        (alpha, beta), (best_cer, best_wer) = min(results.items(), key=lambda item: item[1])
        print(f"best on {len(chosen)} validation recordings: alpha {alpha}, beta {beta}: CER {best_cer:.2%}, WER {best_wer:.2%}"
              f" (without the LM: CER {results[0.0, 0.0][0]:.2%})")


if __name__ == "__main__":
    main()
