"""The stepper's own neuron diagram: one node per unit, one edge per weight, highlighted by role.

The diagram is built from a :class:`~nnviz.core.trace.BackpropTrace` (the layers it numbers, the input
it was made for, the weights before the step), so it works on any network the trace can step through,
with or without a document. Node ids follow the trace: ``(l, j)`` is unit j of layer l (l = 0 is the
input, l = 1 the first layer), ``(l, None)`` a layer drawn as one block (images, feature maps); edge
ids are ``(l, j, k)``: the weight ``w_jk^(l)`` from unit k of layer l − 1 into unit j of layer l.

``highlight(nodes, edges)`` takes the trace's ``NodeHighlight`` / ``EdgeHighlight`` tuples (anything
with ``layer, unit, role`` / ``layer, j, k, role``): the shared neuron view offers the same method, so
the stepper can drive either through the same call.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsLineItem, QGraphicsRectItem, QGraphicsScene,
                               QGraphicsSimpleTextItem, QGraphicsTextItem, QGraphicsView, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from nnviz.core.trace import format_number
from nnviz.ui import theme

#: units drawn per column; wider layers get a "+N more" marker
MAX_NODES = 8
RADIUS = 24.0
ROW = 74.0
COL = 190.0

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


class _NodeItem(QGraphicsItem):
    """A unit (circle) or a whole layer (rounded box), with its value inside and δ below."""

    def __init__(self, node_id, block_text: str = ""):
        super().__init__()
        self.node_id = node_id
        self.block = node_id[1] is None
        self.block_text = block_text
        self.role: str | None = None
        self.dimmed = False
        self.value: float | None = None      # a_j (or x_k for inputs)
        self.delta: float | None = None      # δ_j
        self.setAcceptHoverEvents(True)
        self.setZValue(2)

    def _shape_rect(self) -> QRectF:
        if self.block:
            return QRectF(-46, -34, 92, 68)
        return QRectF(-RADIUS, -RADIUS, 2 * RADIUS, 2 * RADIUS)

    def boundingRect(self) -> QRectF:
        return self._shape_rect().adjusted(-6, -6, 6, 22)

    def paint(self, painter: QPainter, option, widget=None):
        c = theme.colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setOpacity(0.3 if self.dimmed else 1.0)
        r = self._shape_rect()
        if self.role:
            halo = role_color(self.role, 60)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(halo)
            if self.block:
                painter.drawRoundedRect(r.adjusted(-5, -5, 5, 5), 12, 12)
            else:
                painter.drawEllipse(r.adjusted(-5, -5, 5, 5))
        fill = QColor(c["node"])
        if self.role:
            tint = role_color(self.role)
            fill = QColor(int(fill.red() * 0.82 + tint.red() * 0.18), int(fill.green() * 0.82 + tint.green() * 0.18),
                          int(fill.blue() * 0.82 + tint.blue() * 0.18))
        painter.setBrush(fill)
        painter.setPen(QPen(role_color(self.role) if self.role else QColor(c["node_border"]),
                            3.0 if self.role else 1.3))
        if self.block:
            painter.drawRoundedRect(r, 8, 8)
        else:
            painter.drawEllipse(r)
        painter.setPen(QColor(c["text"]))
        if self.block:
            f = QFont(painter.font())
            f.setPointSizeF(8.0)
            painter.setFont(f)
            painter.drawText(r.adjusted(4, 4, -4, -4), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.block_text)
            return
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
            painter.drawText(QRectF(-RADIUS - 30, RADIUS + 2, 2 * RADIUS + 60, 16), Qt.AlignmentFlag.AlignCenter,
                             f"δ {format_number(self.delta, 4)}")


class _EdgeItem(QGraphicsLineItem):
    def __init__(self, edge_id, p0: QPointF, p1: QPointF):
        super().__init__(p0.x(), p0.y(), p1.x(), p1.y())
        self.edge_id = edge_id
        self.weight = 0.0
        self.role: str | None = None
        self.setZValue(0)


class StepDiagram(QGraphicsView):
    """The network of a trace, drawn as units and weights; see the module docstring for the ids."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("stepperDiagram")
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(260, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.nodes: dict[tuple, _NodeItem] = {}
        self.edges: dict[tuple, _EdgeItem] = {}
        self.columns: list[dict] = []
        self._labels: list[QGraphicsItem] = []
        self._weight_labels: list[QGraphicsItem] = []
        self._edge_texts: dict = {}
        self._highlight: tuple[frozenset, frozenset] | None = None
        self._max_abs = 0.0
        theme.state().theme_changed.connect(self._on_theme_changed)

    # ------------------------------------------------------------------ building
    def set_trace(self, trace, feature_names=None) -> None:
        """Draw the network ``trace`` was made for (its weights before the step)."""
        scene = self.scene()
        scene.clear()
        self.nodes, self.edges, self.columns, self._labels = {}, {}, [], []
        self._weight_labels = []
        self._highlight = None
        if trace is None:
            return
        c = theme.colors()
        x = np.asarray(trace.x)
        cols = []
        if x.ndim == 2:
            n = x.shape[1]
            names = list(feature_names) if feature_names and len(feature_names) == n else None
            cols.append(dict(layer=0, title="Input", subtitle=f"{n} value{'s' if n != 1 else ''}", units=n,
                             names=names, type="Input"))
        else:
            cols.append(dict(layer=0, title="Input", subtitle="×".join(str(s) for s in x.shape[1:]), units=None,
                             names=None, type="Input"))
        for info in trace.layers:
            sub = info.layer_type + (f", {info.activation}" if info.activation else "")
            cols.append(dict(layer=info.index, title=f"Layer {info.index} · {info.name}", subtitle=sub,
                             units=info.units, names=None, type=info.layer_type,
                             shape="×".join(str(s) for s in info.output_shape), dense=info.unitwise))
        kernels = {}
        for key, w in zip(trace.weight_keys, trace.old_weights):
            name, _, param = key.rpartition("/")
            kernels.setdefault(name, {})[param] = np.asarray(w)
        max_shown = max((min(col["units"], MAX_NODES) if col["units"] else 1) for col in cols)
        height = (max_shown - 1) * ROW
        positions = []
        for ci, col in enumerate(cols):
            l = col["layer"]
            xpos = ci * COL
            pts = {}
            if col["units"] is None:
                node = _NodeItem((l, None), f"{col['type']}\n{col.get('shape', col['subtitle'])}")
                node.setPos(xpos, height / 2)
                scene.addItem(node)
                self.nodes[(l, None)] = node
                pts[None] = QPointF(xpos, height / 2)
                col["shown"] = 0
            else:
                shown = min(col["units"], MAX_NODES)
                col["shown"] = shown
                top = (height - (shown - 1) * ROW) / 2
                for j in range(shown):
                    y = top + j * ROW
                    node = _NodeItem((l, j))
                    node.setPos(xpos, y)
                    scene.addItem(node)
                    self.nodes[(l, j)] = node
                    pts[j] = QPointF(xpos, y)
                    # the unit's symbol, a_j^(l) (x_k with its name for the input)
                    label = QGraphicsTextItem()
                    label.setDefaultTextColor(QColor(c["muted"]))
                    f = QFont()
                    f.setPointSizeF(8.5)
                    label.setFont(f)
                    if l == 0 and col["names"]:
                        label.setHtml(f"{col['names'][j]}")
                    else:
                        label.setHtml(symbol_html("a", j, f"({l})"))
                    br = label.boundingRect()
                    if ci == 0:
                        label.setPos(xpos - RADIUS - 6 - br.width(), y - br.height() / 2)
                    else:
                        label.setPos(xpos + RADIUS + 2, y - RADIUS - br.height() + 8)
                    scene.addItem(label)
                    self._labels.append(label)
                if col["units"] > shown:
                    more = QGraphicsSimpleTextItem(f"+{col['units'] - shown} more")
                    f = QFont()
                    f.setPointSizeF(8.5)
                    more.setFont(f)
                    more.setBrush(QColor(c["muted"]))
                    br = more.boundingRect()
                    more.setPos(xpos - br.width() / 2, top + (shown - 1) * ROW + RADIUS + 18)
                    scene.addItem(more)
            positions.append(pts)
            for text, size, bold, dy in ((col["title"], 9.5, True, -RADIUS - 50), (col["subtitle"], 8.5, False,
                                                                                     -RADIUS - 30)):
                item = QGraphicsSimpleTextItem(text)
                f = QFont()
                f.setPointSizeF(size)
                f.setBold(bold)
                item.setFont(f)
                item.setBrush(QColor(c["text"] if bold else c["muted"]))
                br = item.boundingRect()
                item.setPos(xpos - br.width() / 2, dy)
                scene.addItem(item)
            self.columns.append({k: v for k, v in col.items() if k != "names"})
        # connections
        for ci in range(1, len(cols)):
            col, prev = cols[ci], cols[ci - 1]
            l = col["layer"]
            p_prev, p_cur = positions[ci - 1], positions[ci]
            kernel = kernels.get(self._layer_name(trace, l), {}).get("kernel")
            if col.get("dense") and kernel is not None and kernel.ndim == 2:
                for j, p1 in p_cur.items():
                    for k, p0 in p_prev.items():
                        if j is None or k is None:
                            continue
                        a = QPointF(p0.x() + RADIUS + 1, p0.y())
                        b = QPointF(p1.x() - RADIUS - 1, p1.y())
                        edge = _EdgeItem((l, j, k), a, b)
                        edge.weight = float(kernel[k, j])
                        scene.addItem(edge)
                        self.edges[(l, j, k)] = edge
            else:
                # no weights: a plain connector (one-to-one for element-wise layers, one arrow for blocks)
                pen = QPen(QColor(c["connector"]), 1.2, Qt.PenStyle.DashLine)
                pairs = ([(p_prev[j], p_cur[j]) for j in p_cur if j in p_prev and j is not None]
                         if None not in p_cur and None not in p_prev and len(p_cur) == len(p_prev)
                         else [(self._center(p_prev), self._center(p_cur))])
                for p0, p1 in pairs:
                    line = QGraphicsLineItem(p0.x() + RADIUS + 4, p0.y(), p1.x() - RADIUS - 4, p1.y())
                    line.setPen(pen)
                    line.setZValue(-1)
                    scene.addItem(line)
        self._max_abs = max((abs(e.weight) for e in self.edges.values()), default=0.0)
        self._style_edges()
        self._update_tooltips()
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self.fit()

    @staticmethod
    def _layer_name(trace, l):
        for info in trace.layers:
            if info.index == l:
                return info.name
        return None

    @staticmethod
    def _center(points: dict) -> QPointF:
        pts = list(points.values())
        return QPointF(sum(p.x() for p in pts) / len(pts), sum(p.y() for p in pts) / len(pts))

    # ------------------------------------------------------------------ values
    def set_values(self, rows) -> None:
        """Show each unit's value (a, or x for the input) and δ once known: the trace's ``UnitRow``s."""
        for node in self.nodes.values():
            node.value = node.delta = None
        for row in rows:
            node = self.nodes.get((row.layer, row.unit))
            if node is None:
                continue
            node.value = row.a
            node.delta = row.delta
            node.update()
        self._update_tooltips()

    # ------------------------------------------------------------------ highlighting
    def highlight(self, nodes, edges, labels: dict | None = None) -> None:
        """Emphasise ``nodes`` (``(layer, unit, role)``; unit None = the whole layer) and ``edges``
        (``(layer, j, k, role)``) in their role's colour; everything else is dimmed. The highlighted
        edges are labelled with their weight, or with ``labels[(layer, j, k)]`` when given."""
        self._edge_texts = dict(labels or {})
        node_roles: dict = {}
        for n in nodes or ():
            layer, unit, role = n[0], n[1], n[2]
            ids = [i for i in self.nodes if i[0] == layer] if unit is None else [(layer, unit)]
            for i in ids:
                if i in self.nodes:
                    node_roles.setdefault(i, role)
        edge_roles = {}
        for e in edges or ():
            eid = (e[0], e[1], e[2])
            if eid in self.edges:
                edge_roles.setdefault(eid, e[3])
        self._highlight = (frozenset(node_roles.items()), frozenset(edge_roles.items()))
        for i, node in self.nodes.items():
            node.role = node_roles.get(i)
            node.dimmed = node.role is None
            node.update()
        for i, edge in self.edges.items():
            edge.role = edge_roles.get(i)
        self._style_edges()
        self._place_weight_labels()

    def clear_highlight(self) -> None:
        self._highlight = None
        self._edge_texts = {}
        for node in self.nodes.values():
            node.role = None
            node.dimmed = False
            node.update()
        for edge in self.edges.values():
            edge.role = None
        self._style_edges()
        self._place_weight_labels()

    def highlighted(self) -> tuple[frozenset, frozenset]:
        """``(frozenset of (node_id, role), frozenset of (edge_id, role))`` now shown."""
        return self._highlight or (frozenset(), frozenset())

    def _style_edges(self) -> None:
        c = theme.colors()
        active = self._highlight is not None
        for edge in self.edges.values():
            t = abs(edge.weight) / self._max_abs if self._max_abs > 0 else 0.0
            if edge.role:
                col = role_color(edge.role)
                pen = QPen(col, 2.6 + 2.4 * t)
                edge.setZValue(1)
            else:
                col = QColor(c["positive"] if edge.weight >= 0 else c["negative"])
                col.setAlpha(45 if active else int(90 + 150 * t))
                pen = QPen(col, 0.8 + 3.2 * t)
                edge.setZValue(0)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            edge.setPen(pen)

    def _place_weight_labels(self) -> None:
        """The highlighted weights' values on their edges, at the end where the edges fan out."""
        scene = self.scene()
        for item in self._weight_labels:
            scene.removeItem(item)
        self._weight_labels = []
        hot = [e for e in self.edges.values() if e.role]
        if not hot or len(hot) > 12:
            return
        # per layer: edges converging on one unit get their label near the sources, edges fanning out
        # of one unit near the targets, where they are apart
        where = {}
        for l in {e.edge_id[0] for e in hot}:
            group = [e for e in hot if e.edge_id[0] == l]
            js = {e.edge_id[1] for e in group}
            ks = {e.edge_id[2] for e in group}
            where[l] = 0.42 if len(js) == 1 and len(ks) > 1 else 0.62 if len(ks) == 1 and len(js) > 1 else 0.5
        c = theme.colors()
        f = QFont()
        f.setPointSizeF(7.5)
        for e in hot:
            line = e.line()
            p = line.p1() + (line.p2() - line.p1()) * where[e.edge_id[0]]
            sign_col = QColor(c["positive"] if e.weight >= 0 else c["negative"])
            text = QGraphicsSimpleTextItem(self._edge_texts.get(e.edge_id, format_number(e.weight, 3)))
            text.setFont(f)
            text.setBrush(QColor(c["text"]))
            br = text.boundingRect()
            box = QGraphicsRectItem(QRectF(-br.width() / 2 - 3, -br.height() / 2 - 1, br.width() + 6, br.height() + 2))
            box.setBrush(QColor(c["base"]))
            box.setPen(QPen(sign_col, 1.0))
            box.setPos(p)
            box.setZValue(4)
            text.setParentItem(box)
            text.setPos(-br.width() / 2, -br.height() / 2)
            scene.addItem(box)
            self._weight_labels.append(box)

    def _update_tooltips(self) -> None:
        for (l, j, k), edge in self.edges.items():
            edge.setToolTip(f"w<sub>{j}{k}</sub><sup>({l})</sup> = {format_number(edge.weight)}"
                            f"<br>full precision: {edge.weight!r}"
                            f"<br>from unit {k} of layer {l - 1} to unit {j} of layer {l}")
        for (l, j), node in self.nodes.items():
            if j is None:
                node.setToolTip(f"layer {l}: {node.block_text}")
                continue
            name = "x" if l == 0 else "a"
            tip = f"{name}<sub>{j}</sub><sup>({l})</sup>" + (f" = {node.value!r}" if node.value is not None else
                                                               " (not computed yet)")
            if node.delta is not None:
                tip += f"<br>δ<sub>{j}</sub><sup>({l})</sup> = {node.delta!r}"
            node.setToolTip(tip)

    # ------------------------------------------------------------------ view
    def fit(self) -> None:
        rect = self.scene().sceneRect()
        vp = self.viewport().rect()
        if rect.isEmpty() or vp.width() < 10 or vp.height() < 10:
            return
        zoom = min(vp.width() / rect.width(), vp.height() / rect.height(), 1.5)
        self.resetTransform()
        self.scale(zoom, zoom)
        self.centerOn(rect.center())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event):
        super().showEvent(event)
        self.fit()

    def drawBackground(self, painter, rect):
        painter.fillRect(rect, QColor(theme.colors()["canvas"]))

    def _on_theme_changed(self, _name: str) -> None:
        self._style_edges()
        self._place_weight_labels()
        for node in self.nodes.values():
            node.update()
        self.viewport().update()


class DiagramPanel(QWidget):
    """The diagram with its legend (role colours, weight colours) underneath."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.diagram = StepDiagram(self)
        self.legend = QLabel(self)
        self.legend.setObjectName("stepperLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        f = self.legend.font()
        f.setPointSizeF(max(f.pointSizeF() - 0.5, 8.0))
        self.legend.setFont(f)
        self.legend.setContentsMargins(6, 0, 6, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.diagram, 1)
        lay.addWidget(self.legend)
        self.update_legend()
        theme.state().theme_changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, _name: str) -> None:
        self.update_legend()

    def update_legend(self) -> None:
        c = theme.colors()
        dot = "<span style='color:{}; font-size:12pt'>●</span>&nbsp;{}"
        roles = " &nbsp;&nbsp;".join(dot.format(role_color(r).name(), label) for r, label in ROLE_LABELS.items())
        weights = (f"<span style='color:{c['positive']}'><b>━━</b></span>&nbsp;w&nbsp;&gt;&nbsp;0 &nbsp;&nbsp;"
                   f"<span style='color:{c['negative']}'><b>━━</b></span>&nbsp;w&nbsp;&lt;&nbsp;0 &nbsp;&nbsp;"
                   f"<span style='color:{c['muted']}'>thicker&nbsp;=&nbsp;larger&nbsp;|w| · in&nbsp;a&nbsp;unit:&nbsp;"
                   f"its&nbsp;a · under&nbsp;it:&nbsp;<span style='color:{role_color('error').name()}'>δ</span>"
                   f"</span>")   # (a narrow panel wraps between the phrases, never inside one: "under / it: δ")
        self.legend.setText(roles + "<br>" + weights)
