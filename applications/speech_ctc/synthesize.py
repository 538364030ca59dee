"""
Title: English training speech from text-to-speech engines
Author: rnnzoo
Description: No large English speech corpus can be downloaded here, but
several speech synthesisers can be installed. This script reads sentences
(Chit-Chat messages, Shakespeare lines, numbers and digit strings), speaks
each with a voice drawn from every installed engine (`engines.py`), perturbs
it (speed, room, noise, telephone line, level: `augment.py`) and writes an
8 kHz WAV and its transcript. The folder it fills is what
`train.py --data-dir` reads (`transcripts.csv`).

Run it:

    python -m rnnzoo.applications.speech_ctc.synthesize --utterances 24000     # the english-ctc corpus
    python -m rnnzoo.applications.speech_ctc.synthesize --engines espeak-ng,flite --out my_corpus
    python -m rnnzoo.applications.speech_ctc.synthesize --smoke                # a few clips, for tests

Deterministic: utterance k is made from (seed, k) alone, so an interrupted run
resumes where it stopped (finished clips are listed in `manifest.jsonl`) and a
larger --utterances extends a corpus. It lives in the cache
($RNNZOO_CACHE_DIR, default ~/.cache/rnnzoo/speech-english), never in git.
"""

# ## Setup

import argparse
import csv
import json
import os
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from rnnzoo.applications.common.arguments import positive_int
from rnnzoo.applications.common.data import cache_dir, data_path
from rnnzoo.applications.speech_ctc import audio as audio_lib, augment, engines as tts
from rnnzoo.applications.speech_ctc.text import DIGIT_WORDS, spoken_form

UTTERANCES = 24000  # about 20 hours of speech
ENGINE_SHARE = {"espeak-ng": 0.3, "flite": 0.2, "festival": 0.2, "piper": 0.3}  # of the utterances, among installed engines
TEXT_SHARE = {"chitchat": 0.55, "shakespeare": 0.3, "numbers": 0.15}
WORDS = (2, 20)  # words per sentence: up to about 8 seconds of speech
RATE, PITCH = (0.8, 1.25), (0.75, 1.3)  # speaking-rate and pitch factors, drawn uniformly
WORKERS = 2  # engines run as subprocesses: one per core
SEED = 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Build a synthetic English speech corpus with the installed TTS engines.")
    parser.add_argument("--out", help="corpus folder (default: $RNNZOO_CACHE_DIR/speech-english)")
    parser.add_argument("--utterances", type=positive_int, default=UTTERANCES)
    parser.add_argument("--engines", default=",".join(ENGINE_SHARE),
                        help=f"comma-separated, from {sorted(tts.ENGINES)}; missing ones are skipped with a note")
    parser.add_argument("--workers", type=positive_int, default=WORKERS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--smoke", action="store_true", help="8 utterances into a temporary folder, for tests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.utterances = min(args.utterances, 8)
        args.out = args.out or tempfile.mkdtemp(prefix="rnnzoo-speech-smoke-")
    return args


# ## Data: sentences to speak

def chitchat_sentences():
    """Every Chit-Chat turn (the chat extra's corpus), as spoken text."""
    from rnnzoo.applications.seq2seq_chat.data import read_chitchat

    return [turn for conversation in read_chitchat() for turn in conversation]


def shakespeare_sentences(path=None):
    """tiny-shakespeare's speeches, without the speakers' names, one line each."""
    path = Path(path) if path else data_path("tinyshakespeare", "input.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.rstrip().endswith(":")]


def number_sentences(count=5000, seed=SEED):
    """Digit strings read digit by digit and numbers in sentences (years, prices, counts, ordinals)."""
    rng = np.random.default_rng([seed, 1])
    templates = ["{n}", "in {year}", "it costs ${n}", "about {n} people", "the {n}th of may", "call {digits}",
                 "room {n}", "{n} percent", "page {n} of {m}", "{digits}"]
    sentences = []
    for _ in range(count):
        template = templates[rng.integers(len(templates))]
        n, m = int(rng.choice([rng.integers(0, 20), rng.integers(20, 1000), rng.integers(1000, 100000)])), int(rng.integers(1, 999))
        digits = " ".join(DIGIT_WORDS[d] for d in rng.integers(0, 10, size=rng.integers(2, 9)))
        sentences.append(template.format(n=n, m=m, year=int(rng.integers(1800, 2030)), digits=digits))
    return sentences


def spoken_pool(sentences):
    """Distinct sentences in spoken form, with WORDS words; ones that cannot
    be spoken in the alphabet (another script, emoji) are left out."""
    kept = set()
    for sentence in sentences:
        try:
            text = spoken_form(sentence)
        except ValueError:
            continue
        if WORDS[0] <= len(text.split()) <= WORDS[1]:
            kept.add(text)
    return sorted(kept)


def text_pools(seed):
    pools = {"chitchat": spoken_pool(chitchat_sentences()), "shakespeare": spoken_pool(shakespeare_sentences()),
             "numbers": spoken_pool(number_sentences(seed=seed))}
    for name, pool in pools.items():
        if not pool:
            raise ValueError(f"No {name} sentences to speak")
    return pools


# ## Plan: what utterance k is, from (seed, k) alone

def plan(k, seed, pools, found):
    """(text, engine name, voice, rate, pitch, rng for the perturbations) of utterance k."""
    rng = np.random.default_rng([seed, 2, k])
    sources = list(TEXT_SHARE)
    source = sources[rng.choice(len(sources), p=np.array(list(TEXT_SHARE.values())) / sum(TEXT_SHARE.values()))]
    text = pools[source][rng.integers(len(pools[source]))]
    shares = np.array([ENGINE_SHARE.get(engine.name, 0.1) for engine in found])
    engine = found[rng.choice(len(found), p=shares / shares.sum())]
    voices = engine.voices()
    return dict(text=text, source=source, engine=engine.name, voice=voices[rng.integers(len(voices))],
                rate=round(float(rng.uniform(*RATE)), 3), pitch=round(float(rng.uniform(*PITCH)), 3)), rng


def noise_recordings():
    """The helicopter clips (ESC-10) at the engines' common working rate, if the shared data has them."""
    try:
        folder = data_path("helicopter")
    except FileNotFoundError:
        return []
    recordings = []
    for path in sorted(folder.glob("*.ogg")):
        try:
            recordings.append(audio_lib.load_audio(path, 16000)[0])
        except (ValueError, ImportError):  # OGG needs soundfile (the audio extra)
            return []
    return recordings


# ## Make one utterance

def write_wav(path, samples, rate=audio_lib.SAMPLE_RATE):
    """16-bit PCM, written beside and renamed: a killed run leaves no half file."""
    partial = path.with_name(path.name + ".partial")
    with wave.open(str(partial), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    os.replace(partial, path)


def make(k, seed, pools, found, recordings, folder):
    """Speak, perturb and write utterance k; its manifest record (or one with an error)."""
    record, rng = plan(k, seed, pools, found)
    record["file"] = f"wavs/{k:06d}.wav"
    try:
        samples, rate = tts.ENGINES[record["engine"]].speak(record["text"], record["voice"], record["rate"], record["pitch"])
        if audio_lib.is_silent(samples):
            raise ValueError("the engine produced silence")
        # Noise recordings are at 16 kHz: bring the speech there first when it is not.
        if recordings and rate != 16000:
            samples, rate = audio_lib.resample(samples, rate, 16000), 16000
        samples, record["augment"] = augment.perturb(samples, rate, rng, recordings)
    except ValueError as error:
        return {**record, "error": str(error)}
    write_wav(folder / record["file"], samples)
    record["seconds"] = round(len(samples) / audio_lib.SAMPLE_RATE, 2)
    return record


# ## Run: resume, build, list

def finished_records(manifest):
    """The records of `manifest.jsonl` whose WAV is there; a line cut by a kill is ignored."""
    records = {}
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "error" in record or (manifest.parent / record["file"]).is_file():
                records[int(Path(record["file"]).stem)] = record
    return records


def check_settings(folder, settings):
    """Refuse to extend a corpus made with other settings (its clips would not be what this run plans)."""
    path = folder / "corpus.json"
    if path.is_file():
        earlier = json.loads(path.read_text(encoding="utf-8"))
        for key in ("seed", "engines", "version"):
            if earlier.get(key) != settings[key]:
                raise ValueError(f"{folder} was made with {key}={earlier.get(key)!r}, not {settings[key]!r}: "
                                 f"use another --out, or the same settings")
    path.write_text(json.dumps(settings, indent=2), encoding="utf-8")


def write_transcripts(folder, records):
    """transcripts.csv (file,transcript) of the clips made, in order: written beside and renamed."""
    partial = folder / "transcripts.csv.partial"
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "transcript"])
        for k in sorted(records):
            if "error" not in records[k]:
                writer.writerow([records[k]["file"], records[k]["text"]])
    os.replace(partial, folder / "transcripts.csv")


def build(folder, utterances, engine_names, seed=SEED, workers=WORKERS, progress=True):
    """Make utterances 0..utterances-1 in `folder` (resuming); returns the records."""
    import keras

    found, notes = tts.find(engine_names)
    for note in notes:
        print(f"note: {note}", flush=True)
    if not found:
        raise ValueError("No text-to-speech engine is installed: " + "; ".join(notes))
    folder = Path(folder)
    (folder / "wavs").mkdir(parents=True, exist_ok=True)
    check_settings(folder, {"seed": seed, "engines": [e.name for e in found], "version": 1})
    pools, recordings = text_pools(seed), noise_recordings()
    print(f"sentences: {', '.join(f'{len(p)} {name}' for name, p in pools.items())}; "
          f"{len(recordings)} noise recordings; engines: {', '.join(e.name for e in found)}", flush=True)
    manifest = folder / "manifest.jsonl"
    records = finished_records(manifest)
    todo = [k for k in range(utterances) if k not in records]
    if records:
        print(f"resuming: {len(records)} of {utterances} utterances already made", flush=True)
    bar = keras.utils.Progbar(len(todo), unit_name="utterance") if progress and todo else None
    with open(manifest, "a", encoding="utf-8") as log, ThreadPoolExecutor(workers) as pool:
        for done, record in enumerate(pool.map(lambda k: make(k, seed, pools, found, recordings, folder), todo), 1):
            log.write(json.dumps(record) + "\n")
            log.flush()
            records[int(Path(record["file"]).stem)] = record
            if bar:
                bar.update(done)
    write_transcripts(folder, {k: r for k, r in records.items() if k < utterances})
    return [records[k] for k in range(utterances)]


def main(argv=None):
    args = parse_args(argv)
    folder = Path(args.out) if args.out else cache_dir() / "speech-english"
    records = build(folder, args.utterances, [n.strip() for n in args.engines.split(",") if n.strip()],
                    args.seed, args.workers, progress=not args.smoke)
    made = [r for r in records if "error" not in r]
    failed = len(records) - len(made)
    hours = sum(r["seconds"] for r in made) / 3600
    by_engine = {name: sum(r["engine"] == name for r in made) for name in dict.fromkeys(r["engine"] for r in made)}
    print(f"{len(made)} utterances ({hours:.1f} h) in {folder}: " + ", ".join(f"{n} {c}" for n, c in by_engine.items())
          + (f"; {failed} failed (see manifest.jsonl)" if failed else ""))
    if not made:
        raise ValueError(f"No utterance could be made; the first error: {records[0].get('error')}")
    return folder


if __name__ == "__main__":
    try:
        main()
    except (ValueError, FileNotFoundError, ImportError) as error:  # the user's setup: one line, no traceback
        sys.exit(f"synthesize: error: {error}")
