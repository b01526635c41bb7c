"""The session layer (QtCore only): the project document, undo commands, autosave, the training worker."""

from nnviz.session import qt_guard as _qt_guard

# PySide6 6.12 on Python 3.11 over-releases None / True / False; guard before any Qt object is used.
_qt_guard.install()
