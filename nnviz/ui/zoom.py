"""One UI zoom for the whole window: fonts, stylesheet sizes, plot axes, ticks, legends, line widths, the canvas.

A teacher on a 1280×720 projector presses Ctrl+= a few times and everything grows together; Ctrl+0 is 100 %.
The zoom is a process-wide factor (75–250 %) held by :func:`state`; :func:`set_zoom` applies it:

* the application font is the base font times the factor (every widget without a font of its own follows);
* widgets that set a font of their own (a bold title, a smaller note) are scaled from the size they had at 100 %;
* the stylesheet's ``pt`` sizes are scaled (:func:`nnviz.ui.theme.stylesheet` asks :func:`factor`);
* every pyqtgraph plot under the top-level windows gets tick, label, title and legend fonts and line widths for the
  factor (:func:`style_graphics`; plots created later get them from ``style_plot`` / ``restyle_graphics``);
* then the theme is re-applied, so views that render rich text with point sizes (the stepper's formulas) render
  again, asking :func:`pt` for their sizes.

The zoom is remembered per screen (``QSettings`` key ``zoom/<screen name> <w>x<h>``): a laptop at 100 % and the
projector at 175 % each get theirs back. Qt-only and pyqtgraph-only; no document state.
"""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

MIN_ZOOM, MAX_ZOOM = 0.75, 2.5
#: the steps Ctrl+= and Ctrl+− walk through
STEPS = (0.75, 0.85, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5)
#: plot fonts relative to the (zoomed) application font
TICK_SCALE, LABEL_SCALE, TITLE_SCALE, LEGEND_SCALE = 0.95, 1.0, 1.1, 0.95

_BASE_PT = "nnvizZoomBasePt"        # a widget property: its own font's size at 100 %
_PEN_BASE = "_nnviz_zoom_pen_width"  # a pyqtgraph item attribute: its pen width at 100 %
_SIZE_SET = 0x0002                     # QFont::SizeResolved (PySide does not expose the enum)


class _ZoomState(QObject):
    zoom_changed = Signal(float)

    def __init__(self):
        super().__init__()
        self.factor = 1.0
        self.base_point_size: float | None = None   # the application font at 100 %


_state: _ZoomState | None = None


def state() -> _ZoomState:
    """The process-wide zoom holder; connect to ``state().zoom_changed`` to re-lay out."""
    global _state
    if _state is None:
        _state = _ZoomState()
    return _state


def factor() -> float:
    return state().factor


def pt(size: float) -> str:
    """``size`` points at the current zoom, as a CSS length for rich text: ``f"font-size:{zoom.pt(13)}"``."""
    return f"{size * factor():.3g}pt"


def scaled(size: float) -> float:
    return size * factor()


def clamp(value: float) -> float:
    return max(MIN_ZOOM, min(MAX_ZOOM, float(value)))


def step(current: float, direction: int) -> float:
    """The next zoom step up (``direction`` > 0) or down from ``current``."""
    if direction > 0:
        return next((s for s in STEPS if s > current + 1e-6), MAX_ZOOM)
    return next((s for s in reversed(STEPS) if s < current - 1e-6), MIN_ZOOM)


def base_point_size() -> float:
    st = state()
    if st.base_point_size is None:
        app = QApplication.instance()
        size = app.font().pointSizeF() if app is not None else 9.5
        st.base_point_size = (size if size > 0 else 9.5) / st.factor
    return st.base_point_size


def screen_key(screen) -> str:
    """The settings key of the zoom on ``screen`` (its name and size: the same projector gets its zoom back)."""
    if screen is None:
        return "zoom/default"
    size = screen.size()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", screen.name() or "screen")
    return f"zoom/{name} {size.width()}x{size.height()}"


def set_zoom(value: float, app: QApplication | None = None) -> float:
    """Zoom the whole UI to ``value`` (clamped to 75–250 %); returns the zoom applied."""
    app = app or QApplication.instance()
    st = state()
    new = clamp(value)
    base = base_point_size()
    old = st.factor
    if abs(new - old) < 1e-9:
        return new
    st.factor = new
    if app is not None:
        font = app.font()
        font.setPointSizeF(base * new)
        app.setFont(font)
        from nnviz.ui import theme   # the stylesheet's pt sizes, own fonts, views that render rich text again
        theme.apply_theme(app, theme.current_name(), _zoomed_from=old)
        for top in app.topLevelWidgets():
            style_graphics(top)
    st.zoom_changed.emit(new)
    return new


def _live_widgets():
    """Every widget of the windows: each top-level one and its children, skipping windows closed for deletion.
    (Walking ``QApplication.allWidgets()`` instead aborted the full test suite once, in a theme change after
    hundreds of windows had come and gone; this walk touches only widgets that belong to a window.)"""
    for top in QApplication.topLevelWidgets():
        if top.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose) and not top.isVisible():
            continue   # closed and about to be deleted
        yield top
        yield from top.findChildren(QWidget)


def scale_own_fonts(old: float | None = None) -> None:
    """Widgets with a font of their own (bold titles, small notes) keep their size relative to the app font.

    ``old``: the zoom their fonts were made at (the current one when not given). The theme calls this after every
    stylesheet change: Qt then puts back the fonts widgets had when the stylesheet first polished them."""
    new = factor()
    old = new if old is None else old
    for w in _live_widgets():
        if not w.testAttribute(Qt.WidgetAttribute.WA_SetFont):
            continue
        f = w.font()
        if f.pointSizeF() <= 0 or not f.resolveMask() & _SIZE_SET:
            continue   # (a font of its own that only makes the text bold follows the app font already)
        base = w.property(_BASE_PT)
        if base is None:
            base = f.pointSizeF() / old
            w.setProperty(_BASE_PT, base)
        f.setPointSizeF(float(base) * new)
        w.setFont(f)


def plot_font(scale: float = 1.0) -> QFont:
    f = QFont()
    f.setPointSizeF(base_point_size() * factor() * scale)
    return f


def style_axis(axis: pg.AxisItem) -> None:
    """Tick and label fonts for the current zoom (the axis makes room for them)."""
    axis.setStyle(tickFont=plot_font(TICK_SCALE))
    axis.labelStyle["font-size"] = f"{base_point_size() * factor() * LABEL_SCALE:.3g}pt"
    if axis.label.isVisible():
        axis._updateLabel()   # (its public setLabel would reset the units and prefix)
    _scale_pen(axis, axis.pen(), axis.setPen)


def _scale_pen(item, pen, setter) -> None:
    """``pen`` at the zoom: its width at 100 % (what the view created it with; a hair line counts as 1) times the
    factor. The width at 100 % is kept on the item, so zooming back restores it exactly."""
    if pen is None or pen.style() == Qt.PenStyle.NoPen:
        return
    base = getattr(item, _PEN_BASE, None)
    if base is None:
        base = pen.widthF() or 1.0
        setattr(item, _PEN_BASE, base)
    if abs(pen.widthF() - base * factor()) < 1e-6:
        return
    pen = pg.mkPen(pen)
    pen.setWidthF(base * factor())
    setter(pen)


def style_graphics(root: QWidget) -> None:
    """Every pyqtgraph view inside ``root`` at the current zoom: axes (ticks, labels, pens), plot titles, legends
    and curve widths."""
    views = [root] if isinstance(root, pg.GraphicsView) else []
    for view in views + root.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                style_axis(item)
            elif isinstance(item, pg.LegendItem):
                size = f"{base_point_size() * factor() * LEGEND_SCALE:.3g}pt"
                item.setLabelTextSize(size)
                for _sample, label in item.items:
                    label.setText(label.text)
            elif isinstance(item, pg.PlotItem):
                title = item.titleLabel
                if title.isVisible() and title.text:
                    title.setText(title.text, size=f"{base_point_size() * factor() * TITLE_SCALE:.3g}pt")
            elif isinstance(item, pg.PlotDataItem) and item.opts.get("pen") is not None:
                _scale_pen(item, pg.mkPen(item.opts["pen"]), item.setPen)   # (its curve takes the pen on setData)
            elif (isinstance(item, pg.PlotCurveItem) and item.opts.get("pen") is not None
                  and not isinstance(item.parentItem(), (pg.PlotDataItem, pg.LegendItem))):
                _scale_pen(item, pg.mkPen(item.opts["pen"]), item.setPen)


def load_for_screen(settings, screen) -> float:
    """The zoom remembered for ``screen`` (1.0 when none)."""
    try:
        return clamp(float(settings.value(screen_key(screen), 1.0)))
    except (TypeError, ValueError):
        return 1.0


def save_for_screen(settings, screen, value: float) -> None:
    settings.setValue(screen_key(screen), float(value))
