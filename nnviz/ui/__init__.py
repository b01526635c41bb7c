"""The widgets (QtWidgets + pyqtgraph)."""

import nnviz.session  # noqa: F401  (applies the PySide6 None-refcount guard before any widget exists)
