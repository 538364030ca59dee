"""The `rnnzoo` command line.

Each subcommand imports what it needs when it runs, so `rnnzoo list` answers
without loading TensorFlow. User mistakes end in one line on stderr and exit
status 2, never a traceback.
"""

import argparse
import contextlib
import json
import math
import os
import sys


def _list(args):
    from rnnzoo.zoo.loading import entry, list_models

    names = list_models()
    if not names:
        print("no models yet")
        return 0
    width = max(len(n) for n in names)
    for name in names:
        print(f"{name:<{width}}  {entry(name).get('description', '')}")
    return 0


def _info(args):
    from rnnzoo.zoo.loading import info

    details = info(args.name)
    # A word vocabulary has thousands of entries: the count and the first ones
    # here; `rnnzoo.info(name)["vocabulary"]` has them all.
    for holder in (details, details["config"]):
        words = holder.get("vocabulary")
        if isinstance(words, list) and len(words) > 50:
            holder["vocabulary"] = f"{len(words)} entries, the first: {json.dumps(words[:20], ensure_ascii=False)}"
    print(json.dumps(details, indent=2, ensure_ascii=False))
    return 0


def _generate(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from rnnzoo.applications.char_shakespeare.generate import check_sampling, generate_text
    from rnnzoo.zoo.loading import entry, load

    check_sampling(args.length, args.temperature, args.top_k)  # before the slow model load
    model_entry = entry(args.name)
    if model_entry.get("task") != "text-generation":
        raise ValueError(f"{args.name!r} is not a text-generation model")
    model = load(args.name, weights=args.weights or True)
    text = generate_text(model, model_entry["config"], args.prompt, args.length, args.temperature, args.top_k, args.seed)
    print(text)
    return 0


def _require_tensorflow_backend(command):
    """chat, transcribe and caption decode step by step through tf.function
    (their modules say so); on another backend they would fail deep inside."""
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ValueError(
            f"`rnnzoo {command}` decodes with TensorFlow functions and needs the TensorFlow backend; "
            f"KERAS_BACKEND is {backend!r} (unset it or set it to 'tensorflow'). "
            "`rnnzoo generate` and the layers run on every backend."
        )


def _chat(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _require_tensorflow_backend("chat")
    from rnnzoo.applications.seq2seq_chat.chat import ChatBot, repl, save_attention_heatmap
    from rnnzoo.applications.seq2seq_chat.decoding import check_decoding
    from rnnzoo.zoo.loading import entry, load

    model_entry = entry(args.name)
    if model_entry.get("task") != "chat":
        raise ValueError(f"{args.name!r} is not a chat model")
    # The entry's decoding settings are the defaults; flags override them.
    defaults = {"method": "beam", "beam_width": 4, "alpha": 0.6, "mmi_lambda": 0.5, **model_entry.get("decoding", {})}
    decoding = dict(method=args.method or defaults["method"], temperature=args.temperature, top_k=args.top_k,
                    top_p=args.top_p, beam_width=_or(args.beam_width, defaults["beam_width"]),
                    alpha=_or(args.alpha, defaults["alpha"]), mmi_lambda=_or(args.mmi_lambda, defaults["mmi_lambda"]),
                    mmi_samples=defaults.get("mmi_samples", 0), seed=args.seed,
                    ranking_weight=_or(args.ranking_weight, defaults.get("ranking_weight", 0.0)))
    check_decoding(**{k: v for k, v in decoding.items() if k not in ("seed", "mmi_samples")})  # before the slow model load
    if args.ranking_weight is not None and decoding["method"] != "mmi":
        raise ValueError(f"--ranking-weight reranks MMI's candidates: it needs --method mmi, got --method {decoding['method']}")
    if decoding["method"] == "mmi" and "reply_lm" not in model_entry:
        raise ValueError(f"--method mmi needs a reply-only language model, and {args.name!r} names none; "
                         "use --method beam, greedy or sample")
    if args.once is not None and not args.once.strip():
        raise ValueError("Empty input: --once needs a sentence")
    if args.heatmap and args.once is None:
        raise ValueError("--heatmap goes with --once (the heat-map of that one reply)")
    if args.heatmap:
        _check_output_folder("--heatmap", args.heatmap)
    reply_lm = load(model_entry["reply_lm"]) if decoding["method"] == "mmi" else None
    bot = ChatBot(load(args.name, weights=args.weights or True), model_entry["config"], reply_lm=reply_lm)
    if args.once is None:
        if hasattr(sys.stdin, "reconfigure"):
            # A line that is not UTF-8 then reaches the bot (as surrogates), which says so and goes on.
            sys.stdin.reconfigure(errors="surrogateescape")
        return repl(bot, **decoding)
    answer = bot.reply(args.once, **decoding)
    for note in answer.notes:
        print(f"rnnzoo: note: {note}", file=sys.stderr)
    print(answer.text)
    if args.heatmap:
        try:
            save_attention_heatmap(answer, args.heatmap)
        except ImportError as error:
            raise ValueError(str(error)) from None
        print(f"rnnzoo: attention heat-map written to {args.heatmap}", file=sys.stderr)
    return 0


def _or(value, default):
    return default if value is None else value


def _check_output_folder(flag, path):
    """An output file's folder must exist: like other tools, we do not create
    folders the user did not ask for."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"{flag}: the folder {folder} of {path} does not exist")


def _positive_seconds(text):
    """argparse type of --seconds: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text!r}")
    return value


def _denoise(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.primary or args.reference or args.out:
        if not (args.primary and args.reference and args.out):
            raise ValueError("--primary, --reference and --out go together (or use --scenario)")
        from rnnzoo.applications.noise_cancellation.files import denoise_files

        fs = denoise_files(args.primary, args.reference, args.out, method=args.method or "nlms", fs=args.fs)
        print(f"wrote {args.out} ({fs:g} Hz, method {args.method or 'nlms'})")
        return 0
    from rnnzoo.applications.noise_cancellation import denoise

    if args.seconds is not None:
        denoise.check_seconds(args.seconds)
    argv = ["--scenario", args.scenario or "ecg"] + (["--methods", args.method] if args.method else [])
    argv += (["--plot", args.plot] if args.plot else []) + (["--seconds", str(args.seconds)] if args.seconds is not None else [])
    denoise.main(argv + (["--smoke"] if args.smoke else []))
    return 0


def _transcribe(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _require_tensorflow_backend("transcribe")
    if args.beam is not None and args.beam < 1:
        raise ValueError(f"--beam must be a positive integer, got {args.beam}")
    if not os.path.isfile(args.file):  # before the slow model load
        raise FileNotFoundError(f"Audio file not found: {args.file}")
    from rnnzoo.applications.speech_ctc.decode import transcribe_file
    from rnnzoo.zoo.loading import entry, load

    model_entry = entry(args.name)
    if model_entry.get("task") != "speech-recognition":
        raise ValueError(f"{args.name!r} is not a speech-recognition model")
    beam = args.beam
    if args.lm:  # the entry's character language model, its weights chosen on validation speech
        import dataclasses

        from rnnzoo.applications.speech_ctc.lm import LanguageModelSearch

        beam = LanguageModelSearch.from_zoo(args.name)
        beam = dataclasses.replace(beam, beam=args.beam) if args.beam else beam
    model = load(args.name, weights=args.weights or True)
    text, notes = transcribe_file(model, args.file, model_entry["config"], beam=beam)
    for note in notes:
        print(f"rnnzoo: note: {note}", file=sys.stderr)
    print(text)
    return 0


def _caption(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _require_tensorflow_backend("caption")
    from rnnzoo.applications.image_captioning import caption, data
    from rnnzoo.applications.image_captioning.evaluate import is_blank
    from rnnzoo.zoo.loading import entry, load

    caption.check_beam_size(args.beam)  # before the slow model load
    if args.demo == bool(args.image):
        raise ValueError("give an IMAGE file to caption, or --demo (not both)")
    # --demo draws a shapes scene, so it defaults to the model of shapes scenes.
    name = args.name or ("shapes-captioner" if args.demo else "drawings-captioner")
    model_entry = entry(name)
    if model_entry.get("task") != "image-captioning":
        raise ValueError(f"{name!r} is not an image-captioning model")
    config = model_entry["config"]
    # How the model was trained to see images: drawings on white with their aspect kept, shapes on black.
    inference = model_entry.get("inference", {})
    image = None if args.demo else data.read_image(  # bad files fail fast
        args.image, config["image_size"], background=inference.get("background", 0), keep_aspect=inference.get("keep_aspect", False))
    for flag, path in (("--out", args.out if args.demo else None), ("--attention", args.attention)):
        caption.check_png_path(flag, path)
    if args.attention and not caption.has_matplotlib():
        raise ValueError("--attention needs matplotlib: python -m pip install matplotlib")
    if image is not None and is_blank(image):
        print("no confident caption (the image is blank: a single colour)")
        return 0
    captioner = caption.Captioner(load(name, weights=args.weights or True), config)
    if args.demo:
        text, references = caption.demo(captioner, args.out, seed=args.seed, beam_size=args.beam)
        print(text)
        print(f"(a reference: {references[0]}; picture with its caption saved to {args.out})")
        return 0
    (text,), (confidence,) = captioner.caption_with_confidence(image[None], args.beam)
    threshold = inference.get("confidence_threshold")
    if threshold is not None and confidence < threshold:
        print(f"no confident caption (best guess: {text!r}, confidence {confidence:.2f} < {threshold:.2f})")
        return 0
    print(text)
    print(f"(confidence {confidence:.2f})")
    if args.attention:
        ids, alphas = captioner.caption_ids(image[None], args.beam)
        words = [captioner.vocabulary.tokens[i] for i in ids[0]]
        caption.save_attention_maps(args.attention, image, words, alphas[0])
        print(f"(attention maps saved to {args.attention})")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="rnnzoo", description="Recurrent models for Keras 3: the zoo's pretrained models.")
    parser.add_argument(
        "--verbose", action="store_true",
        help="show the backend's start-up lines on stderr (TensorFlow, CUDA), hidden by default",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    commands.add_parser("list", help="list the pretrained models").set_defaults(run=_list)

    info = commands.add_parser("info", help="show a model's entry: metric, training command, weights")
    info.add_argument("name")
    info.set_defaults(run=_info)

    generate = commands.add_parser("generate", help="generate text with a char-level model")
    generate.add_argument("name", help="e.g. shakespeare-char")
    generate.add_argument("--prompt", default="\n", help="priming text (default: a newline)")
    generate.add_argument("--length", type=int, default=500, help="characters to generate")
    generate.add_argument("--temperature", type=float, default=0.8, help="> 0; lower is more conservative")
    generate.add_argument("--top-k", type=int, default=None, help="sample among the k likeliest characters")
    generate.add_argument("--seed", type=int, default=None, help="seed for repeatable samples")
    generate.add_argument("--weights", default=None, help="a local .weights.h5 or .keras file instead of the zoo's")
    generate.set_defaults(run=_generate)

    chat = commands.add_parser("chat", help="talk to a chat model (Ctrl-D to quit), or answer one line with --once")
    chat.add_argument("name", nargs="?", default="chitchat-seq2seq",
                      help="default chitchat-seq2seq; chatterbot-seq2seq is the older, smaller one")
    chat.add_argument("--once", metavar="TEXT", help="answer TEXT and exit (for scripts)")
    chat.add_argument("--method", choices=["greedy", "sample", "beam", "mmi"],
                      help="decoding; default: the model's (mmi for chitchat-seq2seq: beam search reranked by "
                           "log p(reply | prompt) - lambda log p(reply), with its reply-only LM; beam otherwise)")
    chat.add_argument("--beam-width", type=int, default=None, help="hypotheses kept by beam search (default: the model's)")
    chat.add_argument("--alpha", type=float, default=None, help="beam search's length-penalty exponent (0: none)")
    chat.add_argument("--mmi-lambda", type=float, default=None, help="mmi: the weight lambda of log p(reply), in [0, 1]")
    chat.add_argument("--ranking-weight", type=float, default=None,
                      help="mmi: the weight of the model's ranking-head score added to each candidate's "
                           "(default: the model's; 0 turns it off)")
    chat.add_argument("--temperature", type=float, default=1.0, help="sampling: > 0 and finite; lower is more conservative")
    chat.add_argument("--top-k", type=int, default=None, help="sampling: among the k likeliest words")
    chat.add_argument("--top-p", type=float, default=None, help="sampling: nucleus, the likeliest words holding this much probability, in (0, 1]")
    chat.add_argument("--seed", type=int, default=None, help="sampling: seed for repeatable replies")
    chat.add_argument("--heatmap", metavar="PNG", help="with --once: save the reply's attention over the prompt")
    chat.add_argument("--weights", default=None, help="a local .weights.h5 or .keras file instead of the zoo's")
    chat.set_defaults(run=_chat)

    denoise = commands.add_parser("denoise", help="adaptive noise cancellation: a scenario's table of methods, or your own recordings")
    denoise.add_argument("--scenario", choices=["ecg", "ecg-linear", "ecg50hz", "helicopter"], help="built-in scenario (default ecg)")
    denoise.add_argument("--method", help="notch, lms, nlms, rls, volterra, esn or rnn (rnn: scenarios only, it trains on their calibration "
                              "stretch; scenario: default all, comma-separated; files: default nlms)")
    denoise.add_argument("--plot", help="scenario: write waveform, spectrum and learning curves to this PNG")
    denoise.add_argument("--seconds", type=_positive_seconds, help="scenario length in seconds (> 0)")
    denoise.add_argument("--smoke", action="store_true", help="scenario: a few seconds only")
    denoise.add_argument("--primary", help="your recording: signal + noise (WAV, or CSV / one value per line with --fs)")
    denoise.add_argument("--reference", help="your reference recording: the noise's source, same length and rate")
    denoise.add_argument("--out", help="where to write the cleaned signal (.wav, or one value per line); "
                                       "an existing file is replaced, as cp would, unless it is one of the inputs")
    denoise.add_argument("--fs", type=float, help="sampling rate in Hz of text files")
    denoise.set_defaults(run=_denoise)

    transcribe = commands.add_parser("transcribe", help="speech to text with a CTC model (WAV; resampled, mixed to mono)")
    transcribe.add_argument("file", help="a WAV file (16-bit PCM; other formats with soundfile installed)")
    transcribe.add_argument("--model", "--name", dest="name", default="english-ctc",
                            help="zoo model (default english-ctc; spoken-digits-ctc reads digit strings)")
    transcribe.add_argument("--beam", type=int, default=None, help="beam-search width (default: greedy decoding)")
    transcribe.add_argument("--weights", default=None, help="a local .weights.h5 file instead of the zoo's")
    transcribe.add_argument("--lm", action="store_true",
                            help="beam search with the model's character language model (english-ctc; --beam sets its width)")
    transcribe.set_defaults(run=_transcribe)

    caption = commands.add_parser("caption", help="caption an image (PNG, JPEG, BMP, GIF), or --demo on a generated scene")
    caption.add_argument("image", nargs="?", help="the image file (any size; grayscale and RGBA are converted)")
    caption.add_argument("--demo", action="store_true", help="draw a shapes scene, caption it, save it with its caption")
    caption.add_argument("--beam", type=int, default=1, help="beam size; 1 is greedy (default)")
    caption.add_argument("--model", "--name", dest="name", default=None,
                         help="zoo model (default drawings-captioner; shapes-captioner for --demo)")
    caption.add_argument("--attention", help="save one attention map per generated word to this PNG (needs matplotlib)")
    caption.add_argument("--out", default="caption_demo.png", help="--demo: where to save the picture (PNG)")
    caption.add_argument("--seed", type=int, default=0, help="--demo: which scene")
    caption.add_argument("--weights", default=None, help="a local .weights.h5 file instead of the zoo's")
    caption.set_defaults(run=_caption)
    return parser


@contextlib.contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null: the backends' C++ start-up lines
    (absl's "All log messages before absl::InitializeLog()", CUDA probes) are
    written there directly, past Python and past TF_CPP_MIN_LOG_LEVEL."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _start_backend_quietly():
    # Keras imports its backend once, here, and so does TensorFlow, which the
    # applications' data code imports whatever the backend (and which prints
    # its start-up then). Errors still surface, as exceptions, once stderr is back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _stderr_to_devnull():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.run not in (_list, _info) and not args.verbose:
        _start_backend_quietly()
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"rnnzoo: error: {first_line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
