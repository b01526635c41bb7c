"""One network scene: layers of units and the weights between them, for the neuron view and the stepper.

Both the main window's neuron view and the backprop stepper's diagram draw through
:class:`NetworkScene`, and both speak the course's numbering, the one :mod:`nnviz.core.trace` uses:

* layer ``l`` counts from 1 (``model.layers[l − 1]``); 0 is the input;
* node ``(l, j)`` is unit j of layer l (0-based, as the stepper's ``a_j^(l)``); ``(l, None)`` a layer
  drawn as one block (an image, feature maps);
* edge ``(l, j, k)`` is the weight ``w_jk^(l)`` = ``kernel[k, j]`` of layer l, from unit k of layer
  l − 1 into unit j of layer l.

A view describes its columns (:class:`Column`) and picks a :class:`SceneStyle`; the scene places the
nodes, titles, "+N more" markers and edges, colours the edges by sign (thicker for larger |w|) with
:meth:`NetworkScene.set_weights`, and takes highlights as the trace gives them
(:meth:`NetworkScene.highlight`: ``(layer, unit, role)`` and ``(layer, j, k, role)`` tuples such as
``NodeHighlight`` / ``EdgeHighlight``; without a role an item is emphasised in the accent colour).
The items themselves and the styles are in :mod:`nnviz.ui.network_items`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem,
                               QGraphicsTextItem, QGraphicsView)

from nnviz.core.trace import format_number
from nnviz.ui import theme, zoom
from nnviz.ui.network_items import (ROLE_LABELS, EdgeItem, MoreItem, NodeItem, SceneStyle, role_color,  # noqa: F401
                                    symbol_html, weight_html)

#: units drawn per column; wider layers get a "+N more" marker
MAX_NODES = 8


@dataclass
class Column:
    """One column of the scene: the output of layer ``layer`` (0 = the input)."""

    layer: int
    title: str
    subtitle: str = ""
    units: int | None = None         # None: the layer is drawn as one block
    names: list | None = None        # labels left of the units (the input features)
    block_text: str = ""
    weighted: bool = False           # one edge per weight from the previous column (a Dense layer on vectors)
    layer_name: str = ""             # the model's name of the layer, for tool tips
    activation: str | None = None
    covers: tuple = ()               # further layers this column stands for (e.g. a Dropout after a Dense)
    extra: dict = field(default_factory=dict)   # what the view keeps with the column (its own indices)
    shown: int = 0                   # units drawn (set by the scene)

    def info(self) -> dict:
        return {"layer": self.layer, "title": self.title, "subtitle": self.subtitle, "units": self.units,
                "shown": self.shown, **self.extra}


class NetworkScene(QGraphicsScene):
    """Columns of units and the weights between them; see the module docstring for the ids."""

    def __init__(self, style: SceneStyle | None = None, parent=None):
        super().__init__(parent)
        self.style = style or SceneStyle()
        self.nodes: dict[tuple, NodeItem] = {}
        self.edges: dict[tuple, EdgeItem] = {}
        self.column_list: list[Column] = []
        self.message = ""
        self.max_abs = 0.0
        self.content_rect = QRectF()
        self._alias: dict[int, int] = {}
        self._highlight: tuple[frozenset, frozenset] | None = None
        self._edge_texts: dict = {}
        self._weight_labels: list[QGraphicsItem] = []
        self._kernels: dict = {}
        # every text item with its colour role ("text" / "muted"), size at 100 % and placement, which restyle() applies
        # again for a new theme or UI zoom. Kept here, not found through items(): iterating scene.items() from
        # Python and touching text items made PySide drop them
        self._texts: list[_SceneText] = []
        self._built_at = 1.0   # the UI zoom the columns were laid out for

    @property
    def columns(self) -> list[dict]:
        """Per column: ``layer``, ``title``, ``subtitle``, ``units``, ``shown`` and the view's extras."""
        return [col.info() for col in self.column_list]

    def drawBackground(self, painter, rect):
        painter.fillRect(rect, QColor(theme.colors()["canvas"]))

    # ------------------------------------------------------------------ building
    def reset(self) -> None:
        self.clear()
        self.nodes, self.edges, self.column_list, self._alias = {}, {}, [], {}
        self.message, self.max_abs = "", 0.0
        self._highlight, self._edge_texts, self._weight_labels, self._kernels = None, {}, [], {}
        self._texts = []
        self.content_rect = QRectF()

    def show_message(self, text: str) -> None:
        """Nothing to draw: say why, in the middle of the canvas."""
        self.reset()
        t = self._text(text, 11, color="muted")
        self.message = text
        self.content_rect = t.boundingRect()
        self.setSceneRect(self.content_rect.adjusted(-40, -40, 40, 40))

    def build(self, columns: list[Column]) -> None:
        """Draw ``columns`` left to right (their first ``MAX_NODES`` units each), with one edge per weight
        into every ``weighted`` column and a dashed connector into the others."""
        self.reset()
        st = self.style
        half = st.size / 2
        self.column_list = list(columns)
        self._built_at = zoom.factor()
        max_shown = max((min(col.units, MAX_NODES) if col.units else 1) for col in columns)
        height = (max_shown - 1) * st.row
        # columns apart by the style's spacing, or wider where the titles (at a large UI zoom) would run together
        title, sub = QFontMetricsF(self._font(st.title_pt, True)), QFontMetricsF(self._font(8.5))
        step = max([st.col] + [max(title.horizontalAdvance(c.title), sub.horizontalAdvance(c.subtitle)) + 24
                               for c in columns])
        positions: list[dict] = []
        for ci, col in enumerate(columns):
            for other in col.covers:
                self._alias[other] = col.layer
            x = ci * step
            pts = {}
            if col.units is None:
                node = self._add_node((col.layer, None), QPointF(x, height / 2), block_text=col.block_text)
                pts[None] = node.pos()
                col.shown = 0
            else:
                col.shown = min(col.units, MAX_NODES)
                top = (height - (col.shown - 1) * st.row) / 2
                for j in range(col.shown):
                    p = QPointF(x, top + j * st.row)
                    name = col.names[j] if col.names and j < len(col.names) else ""
                    self._add_node((col.layer, j), p, label=name)
                    pts[j] = p
                    self._add_unit_label(col, ci, j, p, name)
                if col.units > col.shown:
                    gap = 20 if st.shape == "circle" else 14
                    below = top + (col.shown - 1) * st.row + half + gap
                    self._add_text(MoreItem(col.units - col.shown), 8.5, color="muted",
                                   place=lambda it, x=x, y=below: it.setPos(x - _w(it) / 2, y - _h(it) / 2))
            positions.append(pts)
            # the subtitle's bottom and the title's top keep their distance from the units at any UI zoom
            self._text(col.title, st.title_pt, bold=True, place=lambda it, x=x: it.setPos(
                x - _w(it) / 2, -half - 14 - 34 * zoom.factor()))
            self._text(col.subtitle, 8.5, color="muted", place=lambda it, x=x: it.setPos(
                x - _w(it) / 2, -half - 14 - 14 * zoom.factor()))
        for ci in range(1, len(columns)):
            self._connect(columns[ci], positions[ci - 1], positions[ci])
        self.content_rect = self.itemsBoundingRect()
        self.setSceneRect(self.content_rect.adjusted(-20, -20, 20, 20))
        self._update_tooltips()

    def _add_node(self, node_id, pos: QPointF, label: str = "", block_text: str = "") -> NodeItem:
        node = NodeItem(node_id, self.style, label, block_text)
        node.setPos(pos)
        self.addItem(node)
        self.nodes[node_id] = node
        return node

    def _add_unit_label(self, col: Column, ci: int, j: int, p: QPointF, name: str) -> None:
        """An input's name on its left; with ``unit_symbols`` each unit's a_j^(l) at its upper right."""
        half = self.style.size / 2
        left = lambda it, gap: it.setPos(p.x() - half - gap - _w(it), p.y() - _h(it) / 2)  # noqa: E731
        if name and self.style.unit_symbols:
            self._html(name, place=lambda it: left(it, 6))
        elif name:
            self._text(name, 9.5, place=lambda it: left(it, 8))
        elif self.style.unit_symbols and ci == 0:
            self._html(symbol_html("a", j, f"({col.layer})"), place=lambda it: left(it, 6))
        elif self.style.unit_symbols:
            self._html(symbol_html("a", j, f"({col.layer})"),
                       place=lambda it: it.setPos(p.x() + half + 2, p.y() - half - _h(it) + 8))

    def _html(self, html: str, size: float = 8.5, color: str = "muted", place=None) -> QGraphicsTextItem:
        label = QGraphicsTextItem()
        label.setHtml(html)
        return self._add_text(label, size, color=color, place=place)

    def _connect(self, col: Column, prev: dict, cur: dict) -> None:
        half = self.style.size / 2
        if col.weighted and None not in prev and None not in cur:
            for j, p1 in cur.items():
                for k, p0 in prev.items():
                    a, b = QPointF(p0.x() + half + 1, p0.y()), QPointF(p1.x() - half - 1, p1.y())
                    path = QPainterPath(a)
                    if self.style.curved:
                        dx = (b.x() - a.x()) * 0.45
                        path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
                    else:
                        path.lineTo(b)
                    edge = EdgeItem((col.layer, j, k), path)
                    self.addItem(edge)
                    self.edges[(col.layer, j, k)] = edge
            return
        # no weights: a plain connector (one-to-one for element-wise layers, one arrow for blocks)
        pen = QPen(QColor(theme.colors()["connector"]), 1.2, Qt.PenStyle.DashLine)
        one_to_one = None not in cur and None not in prev and len(cur) == len(prev)
        pairs = [(prev[j], cur[j]) for j in cur if j in prev] if one_to_one else [(_center(prev), _center(cur))]
        for p0, p1 in pairs:
            line = self.addLine(p0.x() + half + 4, p0.y(), p1.x() - half - 4, p1.y(), pen)
            line.setZValue(-1)

    def _font(self, size: float, bold: bool = False) -> QFont:
        """``size`` points at 100 %, at the UI zoom (:mod:`nnviz.ui.zoom`)."""
        f = QFont()
        f.setPointSizeF(size * zoom.factor())
        f.setBold(bold)
        return f

    def _text(self, text: str, size: float, bold: bool = False, color: str = "text",
              place=None) -> QGraphicsSimpleTextItem:
        return self._add_text(QGraphicsSimpleTextItem(text), size, bold, color, place)

    def _add_text(self, item, size: float, bold: bool = False, color: str = "text", place=None):
        """Add a text item, styled and placed (``place(item)`` positions it from its size) now and on restyle."""
        entry = _SceneText(item, color, size, bold, place)
        self._texts.append(entry)
        entry.apply(self)
        self.addItem(item)
        return item

    def text_items(self) -> list[tuple[QGraphicsItem, str]]:
        """The titles, subtitles, unit labels and "+N more" markers with their colour role ("text" / "muted")."""
        return [(t.item, t.role) for t in self._texts]

    # ------------------------------------------------------------------ weights and values
    def set_weights(self, kernels: dict) -> None:
        """Colour the edges by their weights: ``kernels[l] = (kernel (inputs, units) or None, bias or None)``
        for every weighted layer l; the biases go to the units (a dot, and their tool tips)."""
        if not self.edges and not self.nodes:
            return
        values = []
        for (l, j, k), edge in self.edges.items():
            kernel = kernels.get(l, (None, None))[0]
            edge.weight = float(kernel[k, j]) if kernel is not None else 0.0
            values.append(abs(edge.weight))
        self.max_abs = max(values, default=0.0)
        for (l, j), node in self.nodes.items():
            bias = kernels.get(l, (None, None))[1]
            node.bias = float(bias[j]) if bias is not None and j is not None and j < len(bias) else None
            node.update()
        self._kernels = kernels
        self._style_edges()
        self._place_weight_labels()
        self._update_tooltips()

    def set_values(self, rows) -> None:
        """Each unit's value (a, or x for the input) and δ once known: the trace's ``UnitRow``s."""
        for node in self.nodes.values():
            node.value = node.delta = None
        for row in rows:
            node = self.nodes.get((self._alias.get(row.layer, row.layer), row.unit))
            if node is not None:
                node.value, node.delta = row.a, row.delta
                node.update()
        self._update_tooltips()

    def _style_edges(self) -> None:
        c = theme.colors()
        st = self.style
        for edge in self.edges.values():
            t = abs(edge.weight) / self.max_abs if self.max_abs > 0 else 0.0
            if edge.role:
                pen = QPen(role_color(edge.role), 2.6 + 2.4 * t)
            else:
                col = QColor(c["positive"] if edge.weight >= 0 else c["negative"])
                col.setAlpha(int(st.edge_alpha[0] + st.edge_alpha[1] * t))
                pen = QPen(col, st.edge_width[0] + st.edge_width[1] * t)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            edge.setPen(pen)
            edge._saved_pen = None
            edge.setZValue(1 if edge.role is not None else 0)
            edge.setOpacity(1.0 if self._highlight is None or edge.role is not None else st.dim_edges)

    def _update_tooltips(self) -> None:
        cols = {col.layer: (ci, col) for ci, col in enumerate(self.column_list)}
        for (l, j, k), edge in self.edges.items():
            ci, col = cols[l]
            prev = self.column_list[ci - 1]
            src = self._unit_name(prev, k)
            w = edge.weight
            edge.setToolTip(f"<b>{weight_html(l, j, k)} = {format_number(w)}</b>"
                            f"<br>from {src} to unit {j} of layer {l}"
                            + (f" ({col.layer_name})<br>{col.layer_name} kernel[{k}, {j}]" if col.layer_name else "")
                            + f"<br>full precision: {w!r}")
        for (l, j), node in self.nodes.items():
            ci, col = cols.get(l, (0, None))
            if j is None:
                node.setToolTip(f"layer {l}: {node.block_text}")
                continue
            node.setToolTip(self._node_tip(node, col, l, j))

    def _unit_name(self, col: Column, k: int) -> str:
        name = col.names[k] if col.names and k < len(col.names) else ""
        sym = symbol_html("x" if col.layer == 0 else "a", k, f"({col.layer})")
        return f"{sym} ({name})" if name else f"unit {k} of layer {col.layer} ({sym})"

    def _node_tip(self, node: NodeItem, col: Column | None, l: int, j: int) -> str:
        sym = symbol_html("x" if l == 0 else "a", j, f"({l})")
        where = f"input {j} of {col.units}" if l == 0 and col is not None else \
            f"unit {j} of layer {l}" + (f" ({col.layer_name})" if col is not None and col.layer_name else "")
        tip = f"<b>{sym}" + (f" · {node.label}" if node.label else "") + f"</b> · {where}"
        tip += f"<br>= {node.value!r}" if node.value is not None else ""
        if node.delta is not None:
            tip += f"<br>δ<sub>{j}</sub><sup>({l})</sup> = {node.delta!r}"
        if col is not None and col.activation:
            tip += f"<br>activation {col.activation}"
        if node.bias is not None:
            tip += f"<br>bias b<sub>{j}</sub><sup>({l})</sup> = {format_number(node.bias)}"
        kernel = self._kernels.get(l, (None, None))[0]
        if kernel is not None and j < kernel.shape[1]:
            w = kernel[:, j]
            tip += f"<br>{len(w)} incoming weights, |w| max {format_number(float(np.abs(w).max()))}"
        return tip

    # ------------------------------------------------------------------ highlighting
    def highlight(self, nodes, edges, labels: dict | None = None) -> None:
        """Emphasise ``nodes`` (``(layer, unit[, role])``; unit None = the whole layer) and ``edges``
        (``(layer, j, k[, role])``) in their role's colour (the accent without one) and dim the rest.
        With ``weight_labels`` the highlighted edges carry their weight, or ``labels[(layer, j, k)]``."""
        self._edge_texts = dict(labels or {})
        node_roles: dict = {}
        for n in nodes or ():
            layer, unit = self._alias.get(n[0], n[0]), n[1]
            role = n[2] if len(n) > 2 else ""
            ids = [i for i in self.nodes if i[0] == layer] if unit is None else [(layer, unit)]
            for i in ids:
                if i in self.nodes:
                    node_roles.setdefault(i, role)
        edge_roles: dict = {}
        for e in edges or ():
            eid = (e[0], e[1], e[2])
            if eid in self.edges:
                edge_roles.setdefault(eid, e[3] if len(e) > 3 else "")
        self._highlight = (frozenset(node_roles.items()), frozenset(edge_roles.items()))
        self._apply_roles(node_roles, edge_roles)

    def clear_highlight(self) -> None:
        self._highlight = None
        self._edge_texts = {}
        self._apply_roles({}, {})

    def highlighted(self) -> tuple[frozenset, frozenset]:
        """``(frozenset of (node_id, role), frozenset of (edge_id, role))`` now shown."""
        return self._highlight or (frozenset(), frozenset())

    def _apply_roles(self, node_roles: dict, edge_roles: dict) -> None:
        active = self._highlight is not None
        for i, node in self.nodes.items():
            node.role = node_roles.get(i)
            node.setOpacity(1.0 if not active or node.role is not None else self.style.dim_nodes)
            node.update()
        for i, edge in self.edges.items():
            edge.role = edge_roles.get(i)
        self._style_edges()
        self._place_weight_labels()

    def _relayout(self) -> None:
        """Build the same columns again (a new UI zoom: wider titles need wider columns) with what they showed."""
        shown = {i: (n.value, n.delta, n.thumbnail) for i, n in self.nodes.items()}
        highlight, labels, kernels = self._highlight, self._edge_texts, self._kernels
        self.build(list(self.column_list))
        if kernels:
            self.set_weights(kernels)
        for i, (value, delta, thumbnail) in shown.items():
            if i in self.nodes:
                self.nodes[i].value, self.nodes[i].delta, self.nodes[i].thumbnail = value, delta, thumbnail
        if highlight is not None:
            self._highlight, self._edge_texts = highlight, labels
            self._apply_roles(dict(highlight[0]), dict(highlight[1]))
        self._update_tooltips()
        for view in self.views():   # (a view that fits the scene, the stepper's diagram, fits the new one)
            getattr(view, "fit", _noop)()

    def _place_weight_labels(self) -> None:
        """The highlighted weights' values on their edges, at the end where the edges fan out."""
        for item in self._weight_labels:
            self.removeItem(item)
        self._weight_labels = []
        hot = [e for e in self.edges.values() if e.role is not None]
        if not self.style.weight_labels or not hot or len(hot) > 12:
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
        for e in hot:
            p = e.path().pointAtPercent(where[e.edge_id[0]])
            text = QGraphicsSimpleTextItem(self._edge_texts.get(e.edge_id, format_number(e.weight, 3)))
            text.setFont(self._font(7.5))
            text.setBrush(QColor(c["text"]))
            br = text.boundingRect()
            box = QGraphicsRectItem(QRectF(-br.width() / 2 - 3, -br.height() / 2 - 1, br.width() + 6, br.height() + 2))
            box.setBrush(QColor(c["base"]))
            box.setPen(QPen(QColor(c["positive"] if e.weight >= 0 else c["negative"]), 1.0))
            box.setPos(p)
            box.setZValue(4)
            text.setParentItem(box)
            text.setPos(-br.width() / 2, -br.height() / 2)
            self.addItem(box)
            self._weight_labels.append(box)

    def restyle(self) -> None:
        """The theme or the UI zoom changed: repaint with its colours and text sizes (items that carry colours are
        recoloured; at a new zoom the columns are laid out again, keeping values, weights and highlights)."""
        if self.column_list and abs(self._built_at - zoom.factor()) > 1e-9:
            self._relayout()
        for text in self._texts:   # (colours, and sizes for a new UI zoom)
            text.apply(self)
        if self._texts and not self.message:
            self.content_rect = self.itemsBoundingRect()
            self.setSceneRect(self.content_rect.adjusted(-20, -20, 20, 20))
        self._style_edges()
        self._place_weight_labels()
        for node in self.nodes.values():
            node.update()
        self.update()


@dataclass
class _SceneText:
    """A text item of the scene and how it looks: colour role, point size at 100 %, bold, and its placement."""

    item: QGraphicsItem
    role: str
    size: float
    bold: bool = False
    place: object = None   # place(item): position it from its (new) size

    def apply(self, scene: NetworkScene) -> None:
        color = QColor(theme.colors()[self.role])
        self.item.setFont(scene._font(self.size, self.bold))
        if isinstance(self.item, QGraphicsTextItem):
            self.item.setDefaultTextColor(color)
        else:
            self.item.setBrush(color)
        if self.place is not None:
            self.place(self.item)


def _w(item: QGraphicsItem) -> float:
    return item.boundingRect().width()


def _h(item: QGraphicsItem) -> float:
    return item.boundingRect().height()


def _noop(*_args):
    return None


def fit_view(view: QGraphicsView, rect: QRectF, max_zoom: float) -> float:
    """Scale and centre ``view`` so that ``rect`` fits (at most ``max_zoom``); returns the zoom (0: not fitted)."""
    vp = view.viewport().rect()
    if rect.isEmpty() or vp.width() < 10 or vp.height() < 10:
        return 0.0
    zoom = min(vp.width() / rect.width(), vp.height() / rect.height(), max_zoom)
    view.resetTransform()
    view.scale(zoom, zoom)
    view.centerOn(rect.center())
    return zoom


def _center(points: dict) -> QPointF:
    pts = list(points.values())
    return QPointF(sum(p.x() for p in pts) / len(pts), sum(p.y() for p in pts) / len(pts))
