"""The neuron view: TensorFlow-Playground-style nodes and edges for the dense part of the network.

Columns from left to right: the inputs of the first Dense layer whose input is a vector (named input
features when they come straight from the data set, else the units of e.g. Flatten), then one column
per Dense layer. Each node is a unit; each edge a weight ``w_jk``, blue for positive and orange for
negative, thicker for larger ``|w|``. Wide layers show their first ``MAX_NODES`` units and a "+N more"
marker. Hover a node or an edge for its values.

Hooks for the training and backprop views:

* ``set_weights(weights)`` — recolour the edges from a list aligned with ``model.get_weights()`` or a
  dict keyed by ``model.weight_keys()`` (e.g. a training snapshot), without touching the document;
* ``set_node_thumbnails({node_id: QImage})`` — draw an image in each node (e.g. a hidden unit's output
  over the input plane); ``{}`` clears them;
* ``highlight(nodes, edges)`` / ``clear_highlight()`` — emphasise some nodes and edges, dim the rest.

Node ids are ``("input", k)`` for the source column and ``(layer_index, j)`` for unit ``j`` of
``model.layers[layer_index]``; edge ids are ``(layer_index, k, j)`` for ``kernel[k, j]`` of that layer.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (QGraphicsObject, QGraphicsPathItem, QGraphicsScene,
                               QGraphicsSimpleTextItem, QGraphicsView, QHBoxLayout, QLabel, QToolButton, QVBoxLayout,
                               QWidget)

from nnviz.ui import icons, theme

MAX_NODES = 8
NODE = 30.0
ROW = 44.0
COL = 190.0


def _fmt(v: float) -> str:
    return f"{v:.4g}"


class NodeItem(QGraphicsObject):
    """One unit: a rounded square (room for a thumbnail), with a label on the left for inputs."""

    def __init__(self, node_id, label: str = "", more: int = 0):
        super().__init__()
        self.node_id = node_id
        self.label = label
        self.more = more           # > 0: the "+N more" marker
        self.thumbnail: QImage | None = None
        self.highlighted = False
        self.bias: float | None = None
        self.setAcceptHoverEvents(True)

    def boundingRect(self) -> QRectF:
        if self.more:
            return QRectF(-NODE, -12, 2 * NODE, 24)
        return QRectF(-NODE / 2 - 3, -NODE / 2 - 3, NODE + 6, NODE + 6)

    def paint(self, painter: QPainter, option, widget=None):
        c = theme.colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.more:
            painter.setPen(QColor(c["muted"]))
            f = QFont(painter.font())
            f.setPointSizeF(8.5)
            painter.setFont(f)
            painter.drawText(self.boundingRect(), Qt.AlignmentFlag.AlignCenter, f"+{self.more} more")
            return
        r = QRectF(-NODE / 2, -NODE / 2, NODE, NODE)
        fill = QColor(c["node"])
        painter.setBrush(fill)
        pen = QPen(QColor(c["accent"] if self.highlighted else c["node_border"]), 2.4 if self.highlighted else 1.2)
        painter.setPen(pen)
        painter.drawRoundedRect(r, 6, 6)
        if self.thumbnail is not None:
            clip = QPainterPath()
            clip.addRoundedRect(r.adjusted(1.5, 1.5, -1.5, -1.5), 5, 5)
            painter.save()
            painter.setClipPath(clip)
            painter.drawImage(r, self.thumbnail)
            painter.restore()
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(r, 6, 6)
        elif self.bias is not None:
            # the bias as a small coloured dot: sign by colour, size by magnitude
            b = self.bias
            col = QColor(c["positive"] if b >= 0 else c["negative"])
            rad = 2.0 + 5.0 * min(abs(b), 1.0)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(col)
            painter.drawEllipse(QPointF(0, 0), rad, rad)


class EdgeItem(QGraphicsPathItem):
    """A weight; hovering anywhere within a few pixels of the curve shows its value."""

    def __init__(self, edge_id, path: QPainterPath):
        super().__init__(path)
        self.edge_id = edge_id
        self.value = 0.0
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        stroker = QPainterPathStroker()
        stroker.setWidth(7)
        self._shape = stroker.createStroke(path)

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
        if getattr(self, "_saved_pen", None) is not None:
            self.setPen(self._saved_pen)
            self._saved_pen = None
        self.setZValue(-1)
        super().hoverLeaveEvent(event)


class NeuronScene(QGraphicsScene):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.nodes: dict[object, NodeItem] = {}
        self.edges: dict[tuple, EdgeItem] = {}
        self.columns: list[dict] = []
        self.message = ""
        self.max_abs = 0.0

    def drawBackground(self, painter, rect):
        painter.fillRect(rect, QColor(theme.colors()["canvas"]))


class NeuronView(QWidget):
    """The neuron canvas with its legend; observes the document's architecture and weights."""

    node_hovered = Signal(object)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("neuronView")
        self.document = document
        self.neuron_scene = NeuronScene(self)
        self.view = QGraphicsView(self.neuron_scene, self)
        self.view.setObjectName("neuronCanvas")
        self.view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                                 | QPainter.RenderHint.SmoothPixmapTransform)
        self.view.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.view.wheelEvent = self._wheel  # Ctrl+wheel zoom, as in the layer view
        self.legend = QLabel(self)
        self.legend.setObjectName("neuronLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setMinimumWidth(120)
        self.fit_button = QToolButton(self)
        self.fit_button.setObjectName("neuronFitButton")
        self.fit_button.setIcon(icons.icon("fit"))
        self.fit_button.setToolTip("Fit the network into the view")
        self.fit_button.setAutoRaise(True)
        self.fit_button.clicked.connect(self.fit_to_view)
        bar = QHBoxLayout()
        bar.setContentsMargins(10, 4, 6, 4)
        bar.addWidget(self.legend, 1)
        bar.addWidget(self.fit_button)
        header = QWidget(self)
        header.setObjectName("neuronHeader")
        header.setLayout(bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.view, 1)
        self._weights: dict[str, np.ndarray] = {}
        self._thumbnails: dict = {}
        self._highlight: tuple[set, set] | None = None
        self._zoom = 1.0
        self._needs_fit = True
        document.architecture_changed.connect(self._on_document_architecture_changed)
        document.weights_changed.connect(self._on_document_weights_changed)
        document.dataset_changed.connect(self._on_document_architecture_changed)
        theme.state().theme_changed.connect(self._on_theme_changed)
        self._rebuild()

    # ================================================================== public hooks
    def set_weights(self, weights) -> None:
        """Recolour the edges from ``weights`` (list aligned with ``model.get_weights()`` or dict by key)."""
        model = self.document.model
        if model is None:
            return
        if not isinstance(weights, dict):
            weights = dict(zip(model.weight_keys(), weights))
        self._weights = {k: np.asarray(v) for k, v in weights.items()}
        self._apply_weights()

    def set_node_thumbnails(self, images) -> None:
        """Draw an image in the nodes. ``images`` is a dict ``{node_id: QImage or 2-D array}``, or a list
        with one array per column (``(units, r, r)``: the source column, then each Dense layer, row 0 at
        the bottom of the plane), as the decision-boundary view computes them. Arrays are drawn with the
        weight colours: orange negative, blue positive, pale at zero. ``None`` or ``{}`` clears them."""
        if images is None:
            images = {}
        if not isinstance(images, dict):
            by_node = {}
            for col, arrays in zip(self.neuron_scene.columns, images):
                li = col["layer_index"]
                for k in range(min(col["shown"], len(arrays))):
                    by_node[("input", k) if li is None else (li, k)] = np.asarray(arrays[k])[::-1]
            images = by_node
        self._thumbnails = {k: (v if isinstance(v, QImage) else self._array_image(v)) for k, v in images.items()}
        for node_id, node in self.neuron_scene.nodes.items():
            node.thumbnail = self._thumbnails.get(node_id)
            node.update()

    @staticmethod
    def _array_image(values) -> QImage:
        a = np.asarray(values, dtype=np.float64)
        scale = float(np.abs(a).max()) if a.size else 0.0
        t = np.clip(a / scale, -1.0, 1.0) if scale > 0 else np.zeros_like(a)
        c = theme.colors()
        base = np.array(QColor(c["node"]).getRgb()[:3], dtype=np.float64)
        pos = np.array(QColor(c["positive"]).getRgb()[:3], dtype=np.float64)
        neg = np.array(QColor(c["negative"]).getRgb()[:3], dtype=np.float64)
        w = np.abs(t)[..., None]
        rgb = np.where(t[..., None] >= 0, base + (pos - base) * w, base + (neg - base) * w)
        rgb = np.ascontiguousarray(rgb.astype(np.uint8))
        h, wd = rgb.shape[:2]
        return QImage(rgb.data, wd, h, 3 * wd, QImage.Format.Format_RGB888).copy()

    def highlight(self, nodes, edges) -> None:
        self._highlight = (set(nodes or ()), set(edges or ()))
        self._apply_highlight()

    def clear_highlight(self) -> None:
        self._highlight = None
        self._apply_highlight()

    def node_item(self, node_id) -> NodeItem:
        return self.neuron_scene.nodes[node_id]

    def edge_item(self, edge_id) -> EdgeItem:
        return self.neuron_scene.edges[edge_id]

    def node_ids(self) -> list:
        return list(self.neuron_scene.nodes)

    def edge_ids(self) -> list:
        return list(self.neuron_scene.edges)

    def columns(self) -> list[dict]:
        """Per column: ``layer_index`` (None for the source), ``title``, ``units``, ``shown``."""
        return [dict(c) for c in self.neuron_scene.columns]

    def fit_to_view(self) -> None:
        rect = self.neuron_scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        vp = self.view.viewport().rect()
        if rect.isEmpty() or vp.isEmpty():
            return
        zoom = min(vp.width() / rect.width(), vp.height() / rect.height(), 1.4)
        self.view.resetTransform()
        self.view.scale(zoom, zoom)
        self._zoom = zoom
        self.view.centerOn(rect.center())

    # ================================================================== building
    def _dense_part(self, model):
        """(first layer index of the vector part, list of Dense layer indices) or None."""
        layers = model.layers
        start = None
        for i in range(len(layers) - 1, -1, -1):  # the layers from the last one on a non-vector input
            if len(layers[i].input_shape) != 1:   # (Embedding -> Flatten -> Dense: only the Dense part)
                break
            start = i
        if start is None:
            return None
        dense = [i for i in range(start, len(layers)) if layers[i].layer_type == "Dense"]
        if not dense:
            return None
        return start, dense

    def _rebuild(self) -> None:
        scene = self.neuron_scene
        scene.clear()
        scene.nodes, scene.edges, scene.columns = {}, {}, []
        model = self.document.model
        self._weights = {}
        if model is None:
            self._show_message("The architecture is invalid.\nFix it in the layer view to see the neurons.")
            self._update_legend()
            return
        part = self._dense_part(model)
        if part is None:
            self._show_message("This network has no Dense layers on vector inputs to draw as neurons.\n"
                               "Switch to the layer view to see all of its layers.")
            self._update_legend()
            return
        start, dense = part
        layers = model.layers
        c = theme.colors()
        # source column
        n_in = layers[dense[0]].input_shape[0]
        if start == 0:
            names = self.document.feature_names() or [f"x{k + 1}" for k in range(n_in)]
            title = "Input"
            subtitle = f"{n_in} feature{'s' if n_in != 1 else ''}"
        else:
            src = layers[dense[0] - 1]
            names = [f"{src.name}[{k}]" for k in range(n_in)]
            title = src.name
            subtitle = f"{n_in:,} values"
        cols = [{"layer_index": None, "title": title, "subtitle": subtitle, "units": n_in, "names": names}]
        for i in dense:
            layer = layers[i]
            extras = [l for l in layers[cols[-1]["layer_index"] + 1 if cols[-1]["layer_index"] is not None else start:i]
                      if l.layer_type != "Dense"]
            sub = f"{layer.units} unit{'s' if layer.units != 1 else ''} · {layer.activation.name}"
            if extras:
                sub += " · after " + ", ".join(l.layer_type.lower() for l in extras)
            cols.append({"layer_index": i, "title": layer.name, "subtitle": sub, "units": layer.units,
                         "names": None})
        positions: list[list[QPointF]] = []
        max_shown = max(min(col["units"], MAX_NODES) for col in cols)
        for ci, col in enumerate(cols):
            shown = min(col["units"], MAX_NODES)
            col["shown"] = shown
            x = ci * COL
            top = (max_shown - shown) * ROW / 2
            pts = []
            for k in range(shown):
                y = top + k * ROW
                node_id = ("input", k) if col["layer_index"] is None else (col["layer_index"], k)
                node = NodeItem(node_id, col["names"][k] if col["names"] else "")
                node.setPos(x, y)
                scene.addItem(node)
                scene.nodes[node_id] = node
                node.thumbnail = self._thumbnails.get(node_id)
                if col["names"]:
                    label = QGraphicsSimpleTextItem(col["names"][k])
                    f = QFont()
                    f.setPointSizeF(9.5)
                    label.setFont(f)
                    label.setBrush(QColor(c["text"]))
                    br = label.boundingRect()
                    label.setPos(x - NODE / 2 - 8 - br.width(), y - br.height() / 2)
                    scene.addItem(label)
                pts.append(QPointF(x, y))
            if col["units"] > shown:
                more = NodeItem(("more", ci), more=col["units"] - shown)
                more.setPos(x, top + shown * ROW - ROW / 2 + 14)
                more.setToolTip(f"{col['units'] - shown:,} more units are not drawn")
                scene.addItem(more)
            positions.append(pts)
            # header
            t = QGraphicsSimpleTextItem(col["title"])
            f = QFont()
            f.setPointSizeF(10)
            f.setBold(True)
            t.setFont(f)
            t.setBrush(QColor(c["text"]))
            br = t.boundingRect()
            t.setPos(x - br.width() / 2, -NODE / 2 - 46)
            scene.addItem(t)
            s = QGraphicsSimpleTextItem(col["subtitle"])
            f2 = QFont()
            f2.setPointSizeF(8.5)
            s.setFont(f2)
            s.setBrush(QColor(c["muted"]))
            br = s.boundingRect()
            s.setPos(x - br.width() / 2, -NODE / 2 - 26)
            scene.addItem(s)
        # edges
        for ci in range(1, len(cols)):
            li = cols[ci]["layer_index"]
            for k, p0 in enumerate(positions[ci - 1]):
                for j, p1 in enumerate(positions[ci]):
                    a = QPointF(p0.x() + NODE / 2 + 1, p0.y())
                    b = QPointF(p1.x() - NODE / 2 - 1, p1.y())
                    path = QPainterPath(a)
                    dx = (b.x() - a.x()) * 0.45
                    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
                    edge = EdgeItem((li, k, j), path)
                    scene.addItem(edge)
                    scene.edges[(li, k, j)] = edge
        scene.columns = [{k: v for k, v in col.items() if k != "names"} for col in cols]
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-1500, -1000, 1500, 1000))
        self._weights = self.document.weights()
        self._apply_weights()
        self._apply_highlight()
        self._needs_fit = True
        if self.isVisible():
            self.fit_to_view()
            self._needs_fit = False

    def _show_message(self, text: str) -> None:
        t = QGraphicsSimpleTextItem(text)
        f = QFont()
        f.setPointSizeF(11)
        t.setFont(f)
        t.setBrush(QColor(theme.colors()["muted"]))
        self.neuron_scene.addItem(t)
        self.neuron_scene.message = text
        self.neuron_scene.setSceneRect(t.boundingRect().adjusted(-40, -40, 40, 40))

    def _apply_weights(self) -> None:
        scene = self.neuron_scene
        model = self.document.model
        if model is None or not scene.edges:
            return
        c = theme.colors()
        kernels = {}
        for li in {e[0] for e in scene.edges}:
            name = model.layers[li].name
            kernel = self._weights.get(f"{name}/kernel")
            bias = self._weights.get(f"{name}/bias")
            kernels[li] = (kernel, bias, name)
        shown = [abs(float(kernels[li][0][k, j])) for (li, k, j) in scene.edges if kernels[li][0] is not None]
        max_abs = max(shown) if shown else 0.0
        scene.max_abs = max_abs
        pos, neg = QColor(c["positive"]), QColor(c["negative"])
        # what feeds each drawn Dense layer: the source column's names, or the previous Dense layer's units
        sources = {}
        for ci in range(1, len(scene.columns)):
            prev = scene.columns[ci - 1]
            li = scene.columns[ci]["layer_index"]
            if prev["layer_index"] is None:
                names = [scene.nodes[("input", k)].label for k in range(prev["shown"])]
                sources[li] = lambda k, names=names: names[k] if k < len(names) and names[k] else f"input {k + 1}"
            else:
                pname = model.layers[prev["layer_index"]].name
                sources[li] = lambda k, pname=pname: f"{pname} unit {k + 1}"
        for (li, k, j), edge in scene.edges.items():
            kernel, _, name = kernels[li]
            w = float(kernel[k, j]) if kernel is not None else 0.0
            edge.value = w
            t = abs(w) / max_abs if max_abs > 0 else 0.0
            col = QColor(pos if w >= 0 else neg)
            col.setAlpha(int(70 + 185 * t))
            pen = QPen(col, 0.6 + 5.4 * t)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            edge.setPen(pen)
            edge._saved_pen = None
            src_label = sources.get(li, lambda k: f"a_{k + 1}")(k)
            edge.setToolTip(f"<b>w<sub>{j + 1},{k + 1}</sub> = {_fmt(w)}</b><br>{name} kernel[{k}, {j}]"
                            f"<br>from {src_label} to unit {j + 1}<br>full: {w!r}")
        for li, (kernel, bias, name) in kernels.items():
            layer = model.layers[li]
            for j in range(layer.units):
                node = scene.nodes.get((li, j))
                if node is None:
                    continue
                b = float(bias[j]) if bias is not None else None
                node.bias = b
                tip = f"<b>{name} · unit {j + 1}</b><br>activation {layer.activation.name}"
                if b is not None:
                    tip += f"<br>bias b<sub>{j + 1}</sub> = {_fmt(b)}"
                if kernel is not None:
                    col = kernel[:, j]
                    tip += f"<br>{len(col)} incoming weights, |w| max {_fmt(float(np.abs(col).max()))}"
                node.setToolTip(tip)
                node.update()
        first = scene.columns[0] if scene.columns else None
        if first is not None and first["layer_index"] is None:
            for k in range(first["shown"]):
                node = scene.nodes[("input", k)]
                node.setToolTip(f"<b>{node.label}</b><br>input {k + 1} of {first['units']}")
        self._update_legend()

    def _apply_highlight(self) -> None:
        scene = self.neuron_scene
        hl = self._highlight
        for node_id, node in scene.nodes.items():
            node.highlighted = hl is not None and node_id in hl[0]
            node.setOpacity(1.0 if hl is None or node_id in hl[0] else 0.3)
            node.update()
        for edge_id, edge in scene.edges.items():
            edge.setOpacity(1.0 if hl is None or edge_id in hl[1] else 0.12)

    def _update_legend(self) -> None:
        c = theme.colors()
        self.legend.setText(
            f"<span style='color:{c['muted']}'>Weights</span> &nbsp;"
            f"<span style='color:{c['positive']}; font-weight:bold'>━━ positive</span> &nbsp; "
            f"<span style='color:{c['negative']}; font-weight:bold'>━━ negative</span> &nbsp; "
            f"<span style='color:{c['muted']}'>thicker = larger |w| · dot = bias · hover for values</span>")
        if self.neuron_scene.edges:
            self.legend.setToolTip(f"Edge widths are relative to the largest |w| drawn: "
                                   f"{_fmt(self.neuron_scene.max_abs)}")

    # ================================================================== slots and events
    def _on_document_architecture_changed(self) -> None:
        self._rebuild()

    def _on_document_weights_changed(self) -> None:
        model = self.document.model
        if model is None:
            return
        # the structure may be unchanged: recolour only
        if self.neuron_scene.edges or not self.neuron_scene.message:
            self._weights = self.document.weights()
            self._apply_weights()

    def _on_theme_changed(self, _name: str) -> None:
        self.fit_button.setIcon(icons.icon("fit"))
        self._rebuild()

    def _wheel(self, event):
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            factor = 1.15 ** (delta / 120)
            new = max(0.2, min(4.0, self._zoom * factor))
            self.view.scale(new / self._zoom, new / self._zoom)
            self._zoom = new
            event.accept()
            return
        QGraphicsView.wheelEvent(self.view, event)

    def showEvent(self, event):
        super().showEvent(event)
        if self._needs_fit:
            self.fit_to_view()
            self._needs_fit = False

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.isVisible():
            self.fit_to_view()
