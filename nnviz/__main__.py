"""``python -m nnviz``: the same as the ``nnviz`` command (the app, or a headless command)."""

from nnviz.cli import main

raise SystemExit(main())
