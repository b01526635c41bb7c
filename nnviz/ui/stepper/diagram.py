"""The stepper's diagram: the shared :class:`~nnviz.ui.network_scene.NetworkScene`, built from a trace.

The diagram is built from a :class:`~nnviz.core.trace.BackpropTrace` (the layers it numbers, the input
it was made for, the weights before the step), so it works on any network the trace can step through,
with or without a document. Its ids are the scene's, which are the trace's: ``(l, j)`` is unit j of
layer l (l = 0 is the input, l = 1 the first layer), ``(l, None)`` a layer drawn as one block (images,
feature maps); ``(l, j, k)`` the weight ``w_jk^(l)`` from unit k of layer l − 1 into unit j of layer l.

``highlight(nodes, edges)`` takes the trace's ``NodeHighlight`` / ``EdgeHighlight`` tuples: the main
window's neuron view offers the same method with the same ids, so the stepper drives both alike.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView, QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnviz.ui import theme
from nnviz.ui.network_scene import (MAX_NODES, ROLE_LABELS, Column, NetworkScene, SceneStyle, fit_view,  # noqa: F401
                                    role_color, symbol_html)

#: circles with their value inside and δ under them, straight edges labelled while highlighted
STEPPER_STYLE = SceneStyle(shape="circle", size=48.0, row=74.0, col=190.0, curved=False, unit_symbols=True,
                           weight_labels=True, edge_width=(0.8, 3.2), edge_alpha=(90, 150), dim_nodes=0.3,
                           dim_edges=0.25, title_pt=9.5, max_zoom=1.5)


def trace_columns(trace, feature_names=None) -> tuple[list[Column], dict]:
    """The columns a trace's network is drawn with (the input, then every layer), and its kernels by layer
    (``{l: (kernel, bias)}``, the weights before the step)."""
    x = np.asarray(trace.x)
    if x.ndim == 2:
        n = x.shape[1]
        names = list(feature_names) if feature_names and len(feature_names) == n else None
        cols = [Column(0, "Input", f"{n} value{'s' if n != 1 else ''}", units=n, names=names)]
    else:
        shape = "×".join(str(s) for s in x.shape[1:])
        cols = [Column(0, "Input", shape, block_text=f"Input\n{shape}")]
    params: dict = {}
    for key, w in zip(trace.weight_keys, trace.old_weights):
        name, _, param = key.rpartition("/")
        params.setdefault(name, {})[param] = np.asarray(w)
    kernels = {}
    for info in trace.layers:
        p = params.get(info.name, {})
        kernel = p.get("kernel")
        weighted = bool(info.unitwise) and kernel is not None and kernel.ndim == 2
        if weighted:
            kernels[info.index] = (kernel, p.get("bias"))
        shape = "×".join(str(s) for s in info.output_shape)
        cols.append(Column(info.index, f"Layer {info.index} · {info.name}",
                           info.layer_type + (f", {info.activation}" if info.activation else ""), units=info.units,
                           block_text=f"{info.layer_type}\n{shape}", weighted=weighted, layer_name=info.name,
                           activation=info.activation))
    return cols, kernels


class StepDiagram(QGraphicsView):
    """The network of a trace, drawn as units and weights; see the module docstring for the ids."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("stepperDiagram")
        self.network_scene = NetworkScene(STEPPER_STYLE, self)
        self.setScene(self.network_scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(260, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        theme.state().theme_changed.connect(self._on_theme_changed)

    @property
    def nodes(self) -> dict:
        return self.network_scene.nodes

    @property
    def edges(self) -> dict:
        return self.network_scene.edges

    @property
    def columns(self) -> list[dict]:
        return self.network_scene.columns

    def set_trace(self, trace, feature_names=None) -> None:
        """Draw the network ``trace`` was made for (its weights before the step)."""
        scene = self.network_scene
        if trace is None:
            scene.reset()
            return
        columns, kernels = trace_columns(trace, feature_names)
        scene.build(columns)
        scene.set_weights(kernels)
        self.fit()

    def set_values(self, rows) -> None:
        """Show each unit's value (a, or x for the input) and δ once known: the trace's ``UnitRow``s."""
        self.network_scene.set_values(rows)

    def highlight(self, nodes, edges, labels: dict | None = None) -> None:
        """Emphasise ``nodes`` (``(layer, unit, role)``; unit None = the whole layer) and ``edges``
        (``(layer, j, k, role)``) in their role's colour; everything else is dimmed. The highlighted
        edges are labelled with their weight, or with ``labels[(layer, j, k)]`` when given."""
        self.network_scene.highlight(nodes, edges, labels)

    def clear_highlight(self) -> None:
        self.network_scene.clear_highlight()

    def highlighted(self) -> tuple[frozenset, frozenset]:
        """``(frozenset of (node_id, role), frozenset of (edge_id, role))`` now shown."""
        return self.network_scene.highlighted()

    def fit(self) -> None:
        fit_view(self, self.network_scene.sceneRect(), STEPPER_STYLE.max_zoom)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event):
        super().showEvent(event)
        self.fit()

    def _on_theme_changed(self, _name: str) -> None:
        self.network_scene.restyle()
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
        self.diagram.setMinimumHeight(90)
        lay.addWidget(self.diagram, 1)
        lay.addWidget(self.legend)
        self.update_legend()
        theme.state().theme_changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, _name: str) -> None:
        self.update_legend()

    #: below this height the legend would squeeze (or cover) the diagram: it moves into the diagram's tool tip
    LEGEND_FROM_HEIGHT = 230

    def resizeEvent(self, event):
        super().resizeEvent(event)
        show = self.height() >= self.LEGEND_FROM_HEIGHT
        if show != self.legend.isVisibleTo(self):
            self.legend.setVisible(show)
            self.diagram.setToolTip("" if show else self.legend.text())

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
