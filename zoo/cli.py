"""The `rnnzoo` command line.

Each subcommand imports what it needs when it runs, so `rnnzoo list` answers
without loading TensorFlow.
"""

import argparse
import sys


def _list(args):
    from zoo import MODELS, list_models

    names = list_models()
    if not names:
        print("no models yet")
        return 0
    width = max(len(n) for n in names)
    for name in names:
        print(f"{name:<{width}}  {MODELS[name].get('description', '')}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="rnnzoo",
        description="Recurrent models for Keras 3: list the zoo's pretrained models.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    commands.add_parser("list", help="list the pretrained models").set_defaults(run=_list)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
