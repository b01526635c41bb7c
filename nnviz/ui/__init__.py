"""The widgets (QtWidgets + pyqtgraph)."""
