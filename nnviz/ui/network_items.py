"""The items of the network scene (:mod:`nnviz.ui.network_scene`): units, weights, "+N more" markers, and
the styles and colours they are drawn with."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsSimpleTextItem

from nnviz.core.trace import format_number
from nnviz.ui import theme

#: the roles of a step's highlights (the trace's ROLES) and how the stepper names them
ROLE_LABELS = {"input": "input used", "current": "computed now", "error": "error flowing back"}
_ROLE_COLORS = {
    "light": {"input": "#0f9d58", "current": "#7c3aed", "error": "#d62d20"},
    "dark": {"input": "#34d399", "current": "#b794f6", "error": "#ff6b6b"},
}


def role_color(role: str, alpha: int | None = None) -> QColor:
    """The colour of a highlight role in the current theme."""
    c = QColor(_ROLE_COLORS.get(theme.current_name(), _ROLE_COLORS["light"]).get(role, "#888888"))
    if alpha is not None:
        c.setAlpha(alpha)
    return c


def symbol_html(letter: str, sub="", sup="") -> str:
    s = letter
    if sub != "" and sub is not None:
        s += f"<sub>{sub}</sub>"
    if sup != "" and sup is not None:
        s += f"<sup>{sup}</sup>"
    return s


def weight_html(l: int, j: int, k: int) -> str:
    """``w_jk^(l)`` in HTML (``w_12,3`` once an index has two digits, so it cannot be misread)."""
    return symbol_html("w", f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}", f"({l})")


@dataclass(frozen=True)
class SceneStyle:
    """How a view draws the scene: its units' shape and spacing, its edges and what it writes."""

    shape: str = "square"            # "square" (room for a thumbnail, a bias dot) or "circle" (a value, δ below)
    size: float = 30.0               # a unit's width
    row: float = 44.0                # between units of a column
    col: float = 190.0               # between columns
    curved: bool = True              # edges as S-curves (else straight lines)
    unit_symbols: bool = False       # a_j^(l) beside every unit
    weight_labels: bool = False      # highlighted weights carry their value
    edge_width: tuple = (0.6, 5.4)   # pen width: base + extra · |w| / max |w|
    edge_alpha: tuple = (70, 185)    # pen alpha, the same way
    dim_nodes: float = 0.3           # opacity of what a highlight leaves out
    dim_edges: float = 0.12
    title_pt: float = 10.0
    max_zoom: float = 1.4


class NodeItem(QGraphicsItem):
    """A unit (a rounded square or a circle) or a whole layer (a rounded box), highlighted by role."""

    def __init__(self, node_id, style: SceneStyle, label: str = "", block_text: str = ""):
        super().__init__()
        self.node_id = node_id
        self.style = style
        self.label = label
        self.block = node_id[1] is None
        self.block_text = block_text
        self.role: str | None = None       # None, "" (emphasised) or a trace role
        self.thumbnail: QImage | None = None
        self.bias: float | None = None
        self.value: float | None = None    # a_j (x_k for inputs), written inside a circle
        self.delta: float | None = None    # δ_j, written under a circle
        self.setAcceptHoverEvents(True)
        self.setZValue(2)

    @property
    def highlighted(self) -> bool:
        return self.role is not None

    @property
    def dimmed(self) -> bool:
        return self.opacity() < 1.0

    def _shape_rect(self) -> QRectF:
        if self.block:
            return QRectF(-46, -34, 92, 68)
        s = self.style.size
        return QRectF(-s / 2, -s / 2, s, s)

    def boundingRect(self) -> QRectF:
        r = self._shape_rect().adjusted(-6, -6, 6, 6)
        return r.adjusted(-30, 0, 30, 16) if self.style.shape == "circle" and not self.block else r   # (+ δ)

    def shape(self) -> QPainterPath:
        """Hover and tool tips on the unit itself, not on the room its δ takes."""
        path = QPainterPath()
        path.addRect(self._shape_rect().adjusted(-4, -4, 4, 4))
        return path

    def _draw_shape(self, painter: QPainter, r: QRectF) -> None:
        if self.block:
            painter.drawRoundedRect(r, 8, 8)
        elif self.style.shape == "circle":
            painter.drawEllipse(r)
        else:
            painter.drawRoundedRect(r, 6, 6)

    def paint(self, painter: QPainter, option, widget=None):
        c = theme.colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self._shape_rect()
        fill = QColor(c["node"])
        if self.role:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(role_color(self.role, 60))
            self._draw_shape(painter, r.adjusted(-5, -5, 5, 5))
            tint = role_color(self.role)
            fill = QColor(int(fill.red() * 0.82 + tint.red() * 0.18), int(fill.green() * 0.82 + tint.green() * 0.18),
                          int(fill.blue() * 0.82 + tint.blue() * 0.18))
            pen = QPen(role_color(self.role), 3.0)
        elif self.role == "":
            pen = QPen(QColor(c["accent"]), 2.4)
        else:
            pen = QPen(QColor(c["node_border"]), 1.3 if self.style.shape == "circle" or self.block else 1.2)
        painter.setBrush(fill)
        painter.setPen(pen)
        self._draw_shape(painter, r)
        if self.block:
            painter.setPen(QColor(c["text"]))
            f = QFont(painter.font())
            f.setPointSizeF(8.0)
            painter.setFont(f)
            painter.drawText(r.adjusted(4, 4, -4, -4), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.block_text)
        elif self.thumbnail is not None:
            clip = QPainterPath()
            clip.addRoundedRect(r.adjusted(1.5, 1.5, -1.5, -1.5), 5, 5)
            painter.save()
            painter.setClipPath(clip)
            painter.drawImage(r, self.thumbnail)
            painter.restore()
            painter.setBrush(Qt.BrushStyle.NoBrush)
            self._draw_shape(painter, r)
        elif self.style.shape == "circle":
            self._paint_numbers(painter, r)
        elif self.bias is not None:
            # the bias as a small coloured dot: sign by colour, size by magnitude
            b = self.bias
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c["positive"] if b >= 0 else c["negative"]))
            rad = 2.0 + 5.0 * min(abs(b), 1.0)
            painter.drawEllipse(QPointF(0, 0), rad, rad)

    def _paint_numbers(self, painter: QPainter, r: QRectF) -> None:
        painter.setPen(QColor(theme.colors()["text"]))
        if self.value is not None:
            f = QFont(painter.font())
            text = format_number(self.value, 4)
            f.setPointSizeF(8.0 if len(text) <= 6 else 7.0)
            painter.setFont(f)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
        if self.delta is not None:
            f = QFont(painter.font())
            f.setPointSizeF(7.5)
            painter.setFont(f)
            painter.setPen(role_color("error"))
            painter.drawText(QRectF(r.left() - 30, r.bottom() + 2, r.width() + 60, 16), Qt.AlignmentFlag.AlignCenter,
                             f"δ {format_number(self.delta, 4)}")


class EdgeItem(QGraphicsPathItem):
    """A weight; hovering anywhere within a few pixels of it widens it and shows its value."""

    def __init__(self, edge_id, path: QPainterPath):
        super().__init__(path)
        self.edge_id = edge_id
        self.weight = 0.0
        self.role: str | None = None
        self._saved_pen: QPen | None = None
        self.setAcceptHoverEvents(True)
        self.setZValue(0)
        stroker = QPainterPathStroker()
        stroker.setWidth(7)
        self._shape = stroker.createStroke(path)

    @property
    def value(self) -> float:      # (the neuron view's name for it)
        return self.weight

    def shape(self) -> QPainterPath:
        return self._shape

    def hoverEnterEvent(self, event):
        pen = self.pen()
        self._saved_pen = QPen(pen)
        pen.setWidthF(pen.widthF() + 2)
        self.setPen(pen)
        self.setZValue(5)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event):
        if self._saved_pen is not None:
            self.setPen(self._saved_pen)
            self._saved_pen = None
        self.setZValue(1 if self.role is not None else 0)
        super().hoverLeaveEvent(event)


class MoreItem(QGraphicsSimpleTextItem):
    """The "+N more" marker under a column wider than ``MAX_NODES``."""

    def __init__(self, more: int):
        super().__init__(f"+{more} more")
        self.more = more
        self.setToolTip(f"{more:,} more units are not drawn")
