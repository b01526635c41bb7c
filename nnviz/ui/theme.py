"""Light, dark and high-contrast palettes, the type colours of the diagram, and the stylesheet loader.

``apply_theme(app, "light" | "dark" | "high-contrast")`` sets the Fusion style, a QPalette and ``resources/style.qss``
with its ``@name`` placeholders filled from the palette below. Widgets that paint themselves (the
layer and neuron views) read ``colors()`` when they paint, so a theme switch only needs a repaint
(``theme_changed`` tells them).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont, QPalette

from nnviz import resources
from nnviz.core.catalog import CATALOG

RESOURCES = str(resources.path())   # kept for callers that join paths themselves; new code uses nnviz.resources

LIGHT = {
    "window": "#f3f4f6", "base": "#ffffff", "alt_base": "#f6f8fa", "text": "#1f2328", "muted": "#59636e",
    "border": "#d0d7de", "accent": "#2563eb", "accent_text": "#ffffff", "canvas": "#eef1f5", "grid": "#d9dee5",
    "block": "#ffffff", "block_border": "#c5ccd5", "shadow": "#000000", "shadow_alpha": "34",
    "selection": "#2563eb", "error": "#d1242f", "error_bg": "#ffebe9", "error_text": "#82071e",
    "positive": "#2563eb", "negative": "#ea7317", "node": "#ffffff", "node_border": "#9aa4b1",
    "tooltip_bg": "#ffffff", "toolbar": "#fbfbfc", "connector": "#8c959f", "hover": "#e7ecf3",
    "accent_soft": "#c7d8fb", "warning": "#9a6700", "warning_bg": "#fff8c5", "warning_border": "#d4a72c",
    "warning_text": "#4d2d00",
}

DARK = {
    "window": "#1e2126", "base": "#16181c", "alt_base": "#23272e", "text": "#e6e8eb", "muted": "#9aa3ad",
    "border": "#3a4049", "accent": "#5b9bff", "accent_text": "#0b1220", "canvas": "#1a1d22", "grid": "#2c3139",
    "block": "#262b33", "block_border": "#434b57", "shadow": "#000000", "shadow_alpha": "90",
    "selection": "#5b9bff", "error": "#ff6b6b", "error_bg": "#3d1f22", "error_text": "#ffb3b3",
    "positive": "#5b9bff", "negative": "#ff9a3c", "node": "#2b3038", "node_border": "#6b7480",
    "tooltip_bg": "#2b3038", "toolbar": "#23272e", "connector": "#6b7480", "hover": "#2c323b",
    "accent_soft": "#284a7e", "warning": "#d29922", "warning_bg": "#3a2f12", "warning_border": "#9e6a03",
    "warning_text": "#f2d98d",
}

#: black on white with strong edges and saturated colours: what survives a washed-out projector (no pale greys)
HIGH_CONTRAST = {
    "window": "#ffffff", "base": "#ffffff", "alt_base": "#f0f0f0", "text": "#000000", "muted": "#262626",
    "border": "#000000", "accent": "#0033cc", "accent_text": "#ffffff", "canvas": "#ffffff", "grid": "#9e9e9e",
    "block": "#ffffff", "block_border": "#000000", "shadow": "#000000", "shadow_alpha": "0",
    "selection": "#0033cc", "error": "#b00000", "error_bg": "#ffe0e0", "error_text": "#600000",
    "positive": "#0033cc", "negative": "#c04000", "node": "#ffffff", "node_border": "#000000",
    "tooltip_bg": "#ffffff", "toolbar": "#ffffff", "connector": "#000000", "hover": "#dde6ff",
    "accent_soft": "#b3c6ff", "warning": "#7a4f00", "warning_bg": "#fff3b0", "warning_border": "#000000",
    "warning_text": "#3a2400",
}

THEMES = {"light": LIGHT, "dark": DARK, "high-contrast": HIGH_CONTRAST}
#: what the View ▸ Theme menu shows
THEME_TITLES = {"light": "&Light", "dark": "&Dark", "high-contrast": "&High Contrast"}

#: how each layer type looks: (icon file in resources/icons, accent colour for the block's bar, its icon and the
#: palette tile); the one ui table per layer class
LAYER_LOOKS = {
    "Input": ("input", "#64748b"), "Dense": ("dense", "#2563eb"), "Conv2D": ("conv2d", "#7c3aed"),
    "MaxPooling2D": ("maxpooling2d", "#0d9488"), "AveragePooling2D": ("averagepooling2d", "#0891b2"),
    "Flatten": ("flatten", "#c27c0e"), "Dropout": ("dropout", "#db2777"), "Activation": ("activation", "#16a34a"),
    "BatchNormalization": ("batchnormalization", "#9333ea"), "Embedding": ("embedding", "#65a30d"),
    "SimpleRNN": ("simplernn", "#ea580c"), "LSTM": ("lstm", "#dc2626"), "GRU": ("gru", "#be185d"),
}

#: a layer type without an entry above looks like the others of its catalog category
CATEGORY_LOOKS = {
    "core": ("dense", "#2563eb"), "convolution": ("conv2d", "#7c3aed"), "pooling": ("maxpooling2d", "#0d9488"),
    "reshaping": ("flatten", "#b45309"), "regularization": ("dropout", "#db2777"),
    "normalization": ("batchnormalization", "#9333ea"), "recurrent": ("simplernn", "#ea580c"),
}


def layer_look(layer_type: str) -> tuple[str, str]:
    """``(icon name, colour)`` of a layer type: its own entry, else its category's, else a neutral one."""
    if layer_type in LAYER_LOOKS:
        return LAYER_LOOKS[layer_type]
    spec = CATALOG.get(layer_type)
    return CATEGORY_LOOKS.get(spec.category if spec is not None else "", ("dense", "#64748b"))


#: accent colour per layer type (kept for callers of the old name)
TYPE_COLORS = {name: look[1] for name, look in LAYER_LOOKS.items()}


class _ThemeState(QObject):
    theme_changed = Signal(str)

    def __init__(self):
        super().__init__()
        self.name = "light"


_state: _ThemeState | None = None


def state() -> _ThemeState:
    """The process-wide theme holder; connect to ``state().theme_changed`` to repaint."""
    global _state
    if _state is None:
        _state = _ThemeState()
    return _state


def current_name() -> str:
    return state().name


def colors(name: str | None = None) -> dict[str, str]:
    return THEMES[name or current_name()]


def color(key: str, alpha: int | None = None) -> QColor:
    c = QColor(colors()[key])
    if alpha is not None:
        c.setAlpha(alpha)
    return c


def type_color(layer_type: str) -> QColor:
    return QColor(layer_look(layer_type)[1])


def make_palette(name: str) -> QPalette:
    c = THEMES[name]
    p = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    p.setColor(role.Window, QColor(c["window"]))
    p.setColor(role.WindowText, QColor(c["text"]))
    p.setColor(role.Base, QColor(c["base"]))
    p.setColor(role.AlternateBase, QColor(c["alt_base"]))
    p.setColor(role.Text, QColor(c["text"]))
    p.setColor(role.Button, QColor(c["alt_base"]))
    p.setColor(role.ButtonText, QColor(c["text"]))
    p.setColor(role.BrightText, QColor(c["error"]))
    p.setColor(role.Highlight, QColor(c["accent"]))
    p.setColor(role.HighlightedText, QColor(c["accent_text"]))
    p.setColor(role.ToolTipBase, QColor(c["tooltip_bg"]))
    p.setColor(role.ToolTipText, QColor(c["text"]))
    p.setColor(role.PlaceholderText, QColor(c["muted"]))
    p.setColor(role.Link, QColor(c["accent"]))
    p.setColor(role.Mid, QColor(c["border"]))
    p.setColor(role.Midlight, QColor(c["alt_base"]))
    p.setColor(role.Dark, QColor(c["border"]))
    p.setColor(role.Shadow, QColor(c["shadow"]))
    muted = QColor(c["muted"])
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, muted)
    return p


#: the training toolbar sits in one row with the main toolbar and looks like it; its progress bar, and the tab
#: bars under tabbed docks (appended to ``resources/style.qss``, same ``@name`` placeholders)
EXTRA_QSS = """
QToolBar#trainingToolBar {
    background: @toolbar; border: none; border-bottom: 1px solid @border; padding: 4px 8px; spacing: 4px;
}
QToolBar#trainingToolBar QToolButton {
    border: 1px solid transparent; border-radius: 6px; padding: 4px 6px; color: @text;
}
QToolBar#trainingToolBar QToolButton:hover { background: @hover; border-color: @border; }
QToolBar#trainingToolBar QToolButton:checked { background: @hover; border-color: @accent; color: @accent; }
QToolBar#trainingToolBar QToolButton:disabled { color: @muted; }
QToolBar#trainingToolBar::separator { background: @border; width: 1px; margin: 4px 6px; }
QProgressBar#trainingProgress {
    background: @base; color: @text; border: 1px solid @border; border-radius: 5px; text-align: center;
    min-height: 20px; margin: 0 4px;
}
QProgressBar#trainingProgress::chunk { background: @accent_soft; border-radius: 4px; }
QMainWindow > QTabBar::tab {
    background: @window; color: @muted; border: 1px solid @border; border-top: none; padding: 4px 10px;
    min-width: 40px;
}
QMainWindow > QTabBar::tab:selected { background: @base; color: @text; border-top: 2px solid @accent; }
QMainWindow > QTabBar::tab:hover:!selected { background: @hover; }
QMainWindow > QTabBar { qproperty-elideMode: ElideNone; qproperty-usesScrollButtons: true; }
QLabel#inspectorLocked {
    color: @warning_text; background: @warning_bg; border: 1px solid @warning_border; border-radius: 6px; padding: 6px;
}
"""


def stylesheet(name: str) -> str:
    """``resources/style.qss`` (and ``EXTRA_QSS``) with ``@key`` replaced by the theme's colours."""
    try:
        text = resources.read_text("style.qss") + EXTRA_QSS
    except OSError:
        return ""
    from nnviz.ui import zoom   # every pt size at the UI zoom; @base_pt is the app font at 100 %
    c = dict(THEMES[name], base_pt=f"{zoom.base_point_size():.3g}pt")
    text = re.sub(r"@([a-z_]+)", lambda m: c.get(m.group(1), m.group(0)), text)
    f = zoom.factor()
    return re.sub(r"(\d+(?:\.\d+)?)pt\b", lambda m: f"{float(m.group(1)) * f:.3g}pt", text)


def _make_style():
    """Fusion, with outlines round check boxes, radio buttons and input fields that show on the dark theme too.

    Fusion draws those outlines in the window colour made darker: on a dark window they vanish, and an unchecked
    box or an empty field is a dark patch on a dark panel. In the dark theme they get the border colour of the
    diagram's nodes on top."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QPainter, QPen
    from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleFactory

    pe, cc = QStyle.PrimitiveElement, QStyle.ComplexControl
    boxes = (pe.PE_IndicatorCheckBox, pe.PE_IndicatorRadioButton, pe.PE_FrameLineEdit)
    fields = (cc.CC_SpinBox, cc.CC_ComboBox)

    class Style(QProxyStyle):
        def _outline(self, painter, rect, round_: bool) -> None:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(colors()["node_border"]), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            r = QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5)
            if round_:
                painter.drawEllipse(r)
            else:
                painter.drawRoundedRect(r, 2.0, 2.0)
            painter.restore()

        def drawPrimitive(self, element, option, painter, widget=None):
            super().drawPrimitive(element, option, painter, widget)
            if current_name() != "light" and element in boxes and option.rect.isValid():
                self._outline(painter, option.rect, element == pe.PE_IndicatorRadioButton)

        def drawComplexControl(self, control, option, painter, widget=None):
            super().drawComplexControl(control, option, painter, widget)
            if current_name() != "light" and control in fields and option.rect.isValid():
                self._outline(painter, option.rect, False)

    return Style(QStyleFactory.create("Fusion"))


def apply_theme(app, name: str = "light", _zoomed_from: float | None = None) -> None:
    """Fusion style, the palette and the stylesheet for ``name`` ("light", "dark" or "high-contrast"), at the UI
    zoom (:mod:`nnviz.ui.zoom`; ``_zoomed_from``: the zoom widgets' own fonts were made at, when it changes)."""
    from nnviz.ui import zoom
    if name not in THEMES:
        name = "light"
    app.setStyle(_make_style())
    app.setPalette(make_palette(name))
    font = app.font()
    if font.pointSizeF() < 9.5 * zoom.factor():
        font.setPointSizeF(9.5 * zoom.factor())
        app.setFont(font)
    app.setStyleSheet(stylesheet(name))
    zoom.scale_own_fonts(_zoomed_from)
    st = state()
    st.name = name
    st.theme_changed.emit(name)


def ui_font(point_size: float, bold: bool = False) -> QFont:
    """A font of ``point_size`` at 100 %, at the current UI zoom."""
    from nnviz.ui import zoom
    f = QFont()
    f.setPointSizeF(point_size * zoom.factor())
    f.setBold(bold)
    return f
