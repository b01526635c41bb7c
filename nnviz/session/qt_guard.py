"""A guard against a reference-count bug of PySide6 6.12 on Python < 3.12.

PySide6 6.12's generated wrappers return ``None`` from void C++ methods (``QPainter.setPen``,
``QWidget.update``, ``QPointF.setX``, ...) without taking a reference to it. On Python 3.12+ ``None``
is immortal and nothing happens; on 3.11 every such call lowers ``None``'s reference count by one,
and after a few thousand calls (a few seconds of pyqtgraph painting) the interpreter aborts with
"Fatal Python error: none_dealloc: deallocating None". ``True`` / ``False`` are hit the same way.

:func:`install` checks for the bug (one void call, measured) and, only when it is present, gives
``None``, ``True`` and ``False`` a reference count no program can exhaust — what Python 3.12 does by
design. Call it once, before the GUI starts (``nnviz.app`` and ``tests/conftest.py`` should).
"""

from __future__ import annotations

import sys

_installed = False


def leaks_none() -> bool:
    """True when a void PySide6 call drops a reference to ``None`` (the bug)."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QPointF
    p = QPointF()
    before = sys.getrefcount(None)
    for _ in range(16):
        p.setX(1.0)
    return before - sys.getrefcount(None) >= 16


def install() -> bool:
    """Apply the guard if this PySide6 needs it; True when it is (or was already) applied."""
    global _installed
    if _installed:
        return True
    if not leaks_none():
        return False
    import ctypes
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40  # ob_refcnt: the object's first field
    _installed = True
    return True
