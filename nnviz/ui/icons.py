"""Icons from ``resources/icons/*.svg``, tinted for the current theme.

The SVGs draw with ``currentColor``; ``icon(name, color)`` substitutes a colour and renders them with
QSvgRenderer (crisp at every size, one source for light and dark themes).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

from nnviz import resources
from nnviz.ui import theme

ICON_DIR = str(resources.path("icons"))

@lru_cache(maxsize=None)
def _svg_text(name: str) -> str:
    return resources.read_text("icons", name + ".svg")


def _render(name: str, color: str, size: int, accent: str | None = None) -> QImage:
    from PySide6.QtSvg import QSvgRenderer
    text = _svg_text(name).replace("currentColor", color)
    if accent:
        text = text.replace("#ACCENT", accent)
    else:
        text = text.replace("#ACCENT", color)
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


@lru_cache(maxsize=512)
def _icon(name: str, color: str, accent: str | None, _theme: str = "") -> QIcon:
    ic = QIcon()
    for size in (16, 20, 24, 32, 48):
        ic.addPixmap(QPixmap.fromImage(_render(name, color, size, accent)))
    # disabled: the colour mixed 60 % towards the window background (SVG colours have no alpha here)
    fg, bg = QColor(color), QColor(theme.colors()["window"])
    mix = QColor(int(fg.red() * 0.4 + bg.red() * 0.6), int(fg.green() * 0.4 + bg.green() * 0.6),
                 int(fg.blue() * 0.4 + bg.blue() * 0.6)).name()
    for size in (16, 20, 24, 32):
        ic.addPixmap(QPixmap.fromImage(_render(name, mix, size, mix if accent else None)), QIcon.Mode.Disabled)
    return ic


def icon(name: str, color: str | QColor | None = None) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` drawn in ``color`` (the theme's text colour by default)."""
    if isinstance(color, QColor):
        color = color.name()
    return _icon(name, color or theme.colors()["text"], None, theme.current_name())


def layer_icon(layer_type: str) -> QIcon:
    """A layer type's icon in its type colour."""
    name, c = theme.layer_look(layer_type)
    return _icon(name, c, c, theme.current_name())


def layer_image(layer_type: str, size: int) -> QImage:
    name, c = theme.layer_look(layer_type)
    return _render(name, c, size, c)


def image(name: str, size: int, color: str | None = None) -> QImage:
    return _render(name, color or theme.colors()["text"], size)


def icon_size(px: int = 20) -> QSize:
    return QSize(px, px)
