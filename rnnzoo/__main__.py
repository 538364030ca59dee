"""`python -m rnnzoo ...` is the `rnnzoo` command."""

from rnnzoo.zoo.cli import main

raise SystemExit(main())
