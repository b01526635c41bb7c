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

Ids are the course's, as in the backprop stepper and :mod:`nnviz.core.trace` (see
:mod:`nnviz.ui.network_scene`): node ``(l, j)`` is unit j of layer l (``model.layers[l − 1]``; 0 is the
input), edge ``(l, j, k)`` the weight ``w_jk^(l)`` = ``kernel[k, j]`` of layer l. The source column is
the output of the layer feeding the first Dense layer (layer 0 when that is the data); a column also
stands for the element-wise layers after its Dense layer (Dropout, Activation...), so their highlights
land on it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsView, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from nnviz.core.trace import format_number
from nnviz.ui import icons, theme
from nnviz.ui.network_scene import (MAX_NODES, ROLE_LABELS, Column, EdgeItem, NetworkScene, NodeItem,  # noqa: F401
                                    SceneStyle, fit_view, role_color)

#: rounded squares with room for a thumbnail, S-curved edges
NEURON_STYLE = SceneStyle(shape="square", size=30.0, row=44.0, col=190.0, curved=True, edge_width=(0.6, 5.4),
                          edge_alpha=(70, 185), dim_nodes=0.3, dim_edges=0.12, title_pt=10.0, max_zoom=1.4)


class NeuronView(QWidget):
    """The neuron canvas with its legend; observes the document's architecture and weights."""

    node_hovered = Signal(object)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("neuronView")
        self.document = document
        self.neuron_scene = NetworkScene(NEURON_STYLE, self)
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
        self._highlight: tuple[tuple, tuple] | None = None
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
            for col, arrays in zip(self.neuron_scene.column_list, images):
                for k in range(min(col.shown, len(arrays))):
                    by_node[(col.layer, k)] = np.asarray(arrays[k])[::-1]
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
        """Emphasise ``nodes`` (``(l, j)`` or the trace's ``(l, j, role)``; j None = the whole layer) and
        ``edges`` (``(l, j, k)`` or ``(l, j, k, role)``), in their role's colour; the rest is dimmed."""
        self._highlight = (tuple(nodes or ()), tuple(edges or ()))
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
        """Per column: ``layer`` (the course's l), ``layer_index`` (into ``model.layers``; None for the
        source), ``title``, ``subtitle``, ``units``, ``shown``."""
        return self.neuron_scene.columns

    def fit_to_view(self) -> None:
        zoom = fit_view(self.view, self.neuron_scene.content_rect.adjusted(-30, -30, 30, 30), NEURON_STYLE.max_zoom)
        if zoom:
            self._zoom = zoom

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

    def _columns(self, model, start: int, dense: list[int]) -> list[Column]:
        """The source column, then one per Dense layer, numbered as the course (l = model index + 1)."""
        layers = model.layers
        n_in = layers[dense[0]].input_shape[0]
        if start == 0:
            names = self.document.feature_names() or [f"x{k + 1}" for k in range(n_in)]
            title, subtitle = "Input", f"{n_in} feature{'s' if n_in != 1 else ''}"
        else:
            src = layers[dense[0] - 1]
            names = [f"{src.name}[{k}]" for k in range(n_in)]
            title, subtitle = src.name, f"{n_in:,} values"
        # the source column is the output of layer dense[0] (model.layers[dense[0] - 1], or the data when 0);
        # the vectors of the same width before it (the inputs under a Dropout) show on it too
        def shape(l):
            return tuple(model.input_shape[1:]) if l == 0 else tuple(layers[l - 1].output_shape[1:])

        cols = [Column(dense[0], title, subtitle, units=n_in, names=names, extra={"layer_index": None},
                       covers=tuple(l for l in range(start, dense[0]) if shape(l) == (n_in,)))]
        prev = start
        for i, end in zip(dense, dense[1:] + [len(layers)]):
            layer = layers[i]
            extras = [l for l in layers[prev:i] if l.layer_type != "Dense"]
            sub = f"{layer.units} unit{'s' if layer.units != 1 else ''} · {layer.activation.name}"
            if extras:
                sub += " · after " + ", ".join(l.layer_type.lower() for l in extras)
            covers = []       # the element-wise layers right after it (Dropout, Activation...): the same units
            for l in range(i + 2, end + 1):
                if shape(l) != (layer.units,):
                    break
                covers.append(l)
            cols.append(Column(i + 1, layer.name, sub, units=layer.units, weighted=True, layer_name=layer.name,
                               activation=layer.activation.name, covers=tuple(covers), extra={"layer_index": i}))
            prev = i + 1
        return cols

    def _rebuild(self) -> None:
        scene = self.neuron_scene
        model = self.document.model
        self._weights = {}
        if model is None:
            scene.show_message("The architecture is invalid.\nFix it in the layer view to see the neurons.")
            self._update_legend()
            return
        part = self._dense_part(model)
        if part is None:
            scene.show_message("This network has no Dense layers on vector inputs to draw as neurons.\n"
                               "Switch to the layer view to see all of its layers.")
            self._update_legend()
            return
        scene.build(self._columns(model, *part))
        for node_id, node in scene.nodes.items():
            node.thumbnail = self._thumbnails.get(node_id)
        scene.setSceneRect(scene.content_rect.adjusted(-1500, -1000, 1500, 1000))   # room to pan
        self._weights = self.document.weights()
        self._apply_weights()
        self._apply_highlight()
        self._needs_fit = True
        if self.isVisible():
            self.fit_to_view()
            self._needs_fit = False

    def _apply_weights(self) -> None:
        scene = self.neuron_scene
        model = self.document.model
        if model is None or not scene.edges:
            return
        kernels = {}
        for col in scene.column_list[1:]:
            name = model.layers[col.layer - 1].name
            kernels[col.layer] = (self._weights.get(f"{name}/kernel"), self._weights.get(f"{name}/bias"))
        scene.set_weights(kernels)
        self._update_legend()

    def _apply_highlight(self) -> None:
        if self._highlight is None:
            self.neuron_scene.clear_highlight()
        else:
            self.neuron_scene.highlight(*self._highlight)
        self._update_legend()

    def _update_legend(self) -> None:
        c = theme.colors()
        self.legend.setText(
            f"<span style='color:{c['muted']}'>Weights</span> &nbsp;"
            f"<span style='color:{c['positive']}; font-weight:bold'>━━ positive</span> &nbsp; "
            f"<span style='color:{c['negative']}; font-weight:bold'>━━ negative</span> &nbsp; "
            f"<span style='color:{c['muted']}'>thicker = larger |w| · dot = bias · hover for values</span>"
            + self._roles_legend())
        if self.neuron_scene.edges:
            self.legend.setToolTip(f"Edge widths are relative to the largest |w| drawn: "
                                   f"{format_number(self.neuron_scene.max_abs)}")

    def _roles_legend(self) -> str:
        """While the stepper's step is mirrored here: what its colours mean (as in the stepper's legend)."""
        roles = {role for _, role in self.neuron_scene.highlighted()[0]}
        shown = [(r, label) for r, label in ROLE_LABELS.items() if r in roles]
        if not shown:
            return ""
        dot = "<span style='color:{}'>●</span>&nbsp;{}"
        return "<br>Backprop step: &nbsp;" + " &nbsp; ".join(dot.format(role_color(r).name(), label)
                                                            for r, label in shown)

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
