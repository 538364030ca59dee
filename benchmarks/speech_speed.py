"""Speech CTC speed: training throughput of our recurrent layer against keras.layers.LSTM, and inference real-time factor.

Both training models are the application's own (`rnnzoo.applications.speech_ctc.model.build`),
the same size, on the same batch of FSDD digit sequences (log-mel features,
CTC loss), timed in interleaved rounds (see benchmarks/timing.py). Throughput
is seconds of audio trained on per wall-clock second. The real-time factor
is the zoo model's transcription time (features, network, greedy decoding)
over the audio's duration, one recording at a time: below 1 is faster than
real time.

    python benchmarks/speech_speed.py                  # PeepholeLSTM vs LSTM, zoo-sized (2 x 96 units)
    python benchmarks/speech_speed.py --rnn leaky      # any other layer against LSTM
"""

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run as a script from anywhere

import keras  # noqa: E402

from rnnzoo.applications.common.arguments import positive_int  # noqa: E402
from rnnzoo.applications.speech_ctc import data, model as ctc_model  # noqa: E402
from rnnzoo.applications.speech_ctc.audio import SAMPLE_RATE  # noqa: E402
from rnnzoo.applications.speech_ctc.decode import transcribe_audio  # noqa: E402
from benchmarks.timing import interleaved_medians  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rnn", default="peephole", choices=sorted(set(ctc_model.RECURRENT_LAYERS) - {"lstm"}))
    parser.add_argument("--units", type=positive_int, default=96)
    parser.add_argument("--layers", type=positive_int, default=2)
    parser.add_argument("--batch", type=positive_int, default=32)
    parser.add_argument("--rounds", type=positive_int, default=5)
    parser.add_argument("--iters", type=positive_int, default=3)
    parser.add_argument("--recordings", type=positive_int, default=10, help="8-10 digit recordings for the real-time factor")
    return parser.parse_args(argv)


def training_throughput(args, clips):
    """{rnn: audio seconds per wall second} of one training step on a fixed batch."""
    audios, transcripts = data.fixed_utterances(clips, args.batch, seed=0, digits=(1, 7))
    features, labels = next(iter(data.fixed_batches(audios, transcripts, args.batch)))
    models = {
        rnn: ctc_model.build(rnn=rnn, units=args.units, num_layers=args.layers, conv_filters=args.units)
        for rnn in (args.rnn, "lstm")
    }
    seconds = interleaved_medians(models, features, labels, args.rounds, args.iters)
    audio_seconds = sum(len(a) for a in audios) / SAMPLE_RATE
    return {rnn: audio_seconds / s for rnn, s in seconds.items()}, audio_seconds


def real_time_factor(clips, recordings):
    """(compute seconds / audio seconds, audio seconds) of the zoo model, one recording at a time."""
    from rnnzoo import zoo

    model = zoo.load("spoken-digits-ctc")
    audios, _ = data.fixed_utterances(clips, recordings, seed=1, digits=(8, 10))
    transcribe_audio(model, audios[0])  # warm-up: tracing stays out of the figure
    start = time.perf_counter()
    for audio in audios:
        transcribe_audio(model, audio)
    elapsed = time.perf_counter() - start
    duration = sum(len(a) for a in audios) / SAMPLE_RATE
    return elapsed / duration, duration


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(0)
    train_clips, _, test_clips = data.split_fsdd(data.read_fsdd())
    throughput, batch_seconds = training_throughput(args, train_clips)
    print(f"# speech CTC training, conv + {args.layers} x Bidirectional({args.units} units), batch of {args.batch} utterances = {batch_seconds:.1f} s of audio")
    print(f"# keras {keras.__version__} ({keras.backend.backend()}), {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    for rnn, rate in throughput.items():
        print(f"{rnn:<10}{rate:>8.1f} audio s per wall s")
    print(f"throughput ratio {args.rnn} / lstm: {throughput[args.rnn] / throughput['lstm']:.2f}")
    rtf, duration = real_time_factor(test_clips, args.recordings)
    print(f"inference real-time factor (spoken-digits-ctc, {args.recordings} recordings, {duration:.0f} s, one at a time): {rtf:.4f}")
    return throughput, rtf


if __name__ == "__main__":
    main()
