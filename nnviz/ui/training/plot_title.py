"""A plot's one-line title that gives its room to the plot where there is little: the long form when it fits the
width, a short form when it does not, and none in a short dock, where the title becomes the plot's tool tip (at
1280 × 720 the Weights dock's "dense kernel" line took 20 of the matrix's 150 px; the dock's tab and the layer
box above say what it shows). Used by the Weights view (``nnviz/ui/training/weights_view.py``)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from nnviz.ui import zoom as ui_zoom
from nnviz.ui.theme import ui_font

TITLE_HEIGHT = 20   # pyqtgraph gives a title 30 px; a 10-point line needs 20, and a short dock needs the rest
#: a view shorter than this (at 100 % zoom; × the zoom) draws no titles (as the decision boundary does)
SHORT_HEIGHT = 300


def set_title(plot: pg.PlotItem, text: str) -> None:
    """``text`` on one line of :data:`TITLE_HEIGHT` px; an empty ``text`` takes no line at all."""
    if not text:
        plot.titleLabel.setText("")
        plot.setTitle(None)   # (pyqtgraph hides the label and gives its row no height)
        return
    plot.setTitle(text)
    plot.titleLabel.setMaximumHeight(TITLE_HEIGHT)
    plot.layout.setRowFixedHeight(0, TITLE_HEIGHT)


def is_short(height: float) -> bool:
    """Whether a view ``height`` px tall is too short for its plots' titles at the current zoom."""
    return height < ui_zoom.scaled(SHORT_HEIGHT)


def fit_title(plot: pg.PlotItem, long: str, short: str, room: float, short_view: bool = False) -> str:
    """Title ``plot`` with ``long`` when it fits ``room`` px, else ``short``; in a short view (``short_view``) with
    nothing, the text going to the plot's tool tip. Returns the text chosen (\"\" for none)."""
    text = long if QFontMetricsF(ui_font(10)).horizontalAdvance(long) <= room else short
    shown = "" if short_view else text
    if shown != plot.titleLabel.text or bool(shown) != plot.titleLabel.isVisible():
        set_title(plot, shown)
    plot.setToolTip(long if short_view else "")
    return shown
