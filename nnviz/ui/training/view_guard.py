"""A view whose update fails says so in place; the other views keep working.

The training dock updates a dozen views from one snapshot. One view's bug (a layer kind it does not
expect, a shape it did not plan for) must not stop the curves, the weights or the controls: the dock calls
each view through :func:`guarded`. A failure is drawn over that view as a short notice naming the error, and
handed to ``sys.excepthook`` — in the app that prints the traceback, in the tests pytest-qt turns it into a
failure, so a caught bug is never a hidden one. The next successful update takes the notice away.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

_NAME = "viewError"


def view_error(view: QWidget) -> str:
    """The notice shown on ``view`` ("" when its last update went well)."""
    label = view.findChild(QLabel, _NAME, Qt.FindDirectChildrenOnly)
    return label.text() if label is not None and not label.isHidden() else ""


def _show(view: QWidget, text: str) -> None:
    label = view.findChild(QLabel, _NAME, Qt.FindDirectChildrenOnly)
    if label is None:
        label = QLabel(view)
        label.setObjectName(_NAME)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        label.setStyleSheet("QLabel#viewError { background: #fff4e5; color: #7a3e00; border: 1px solid #e0a050;"
                            " border-radius: 4px; padding: 6px; }")
    label.setText(text)
    label.setFixedWidth(max(160, min(view.width() - 16, 520)))
    label.adjustSize()
    label.move(8, 8)
    label.show()
    label.raise_()


def _clear(view: QWidget) -> None:
    label = view.findChild(QLabel, _NAME, Qt.FindDirectChildrenOnly)
    if label is not None and not label.isHidden():
        label.hide()


def guarded(view: QWidget, method: str, *args, **kwargs) -> bool:
    """Call ``view.<method>(*args, **kwargs)``; True when it went well. A failure is shown on the view (what
    went wrong, in one line) and reported through ``sys.excepthook``; it never reaches the caller."""
    try:
        getattr(view, method)(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 — whatever a view's bug raises stays in that view
        what = f"{type(exc).__name__}: {exc}".strip()
        if len(what) > 300:
            what = what[:299] + "…"
        _show(view, f"This view could not update ({what}). The other views and training go on.")
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return False
    _clear(view)
    return True
