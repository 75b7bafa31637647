"""``python -m puhui``: the command line."""

from .cli import main

raise SystemExit(main())
