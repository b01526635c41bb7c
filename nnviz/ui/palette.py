"""The layer palette: every layer type of the core, with its icon and a tooltip saying what it does.

Drag an item onto the layer view (it carries ``LAYER_MIME`` with the class name) or double-click it
(``layer_activated``) to append the layer.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate

from nnviz.session.document import LAYER_TYPES
from nnviz.ui import icons, theme
from nnviz.ui.layer_view import LAYER_MIME

SUMMARIES = {
    "Dense": "Fully connected units",
    "Conv2D": "Learned image filters",
    "MaxPooling2D": "Downsample by window max",
    "AveragePooling2D": "Downsample by window mean",
    "Flatten": "Image → vector",
    "Dropout": "Randomly silence inputs",
    "Activation": "Apply g(x) on its own",
    "BatchNormalization": "Normalize per channel",
}

DESCRIPTIONS = {
    "Dense": "Fully connected layer: each unit j computes z_j = Σ_k w_jk·a_k + b_j over all of its inputs and "
             "outputs a_j = g(z_j) with its activation g. The building block of a multilayer perceptron.",
    "Conv2D": "2-D convolution: slides small learned filters (kernels, e.g. 3×3) over an image and produces one "
              "feature map per filter. Needs an input shaped (height, width, channels); 'same' padding keeps "
              "height and width.",
    "MaxPooling2D": "Max pooling: keeps the largest value of each window (e.g. 2×2), halving height and width. "
                    "No weights; makes features robust to small shifts.",
    "AveragePooling2D": "Average pooling: replaces each window (e.g. 2×2) by its mean, a smoother downsampling. "
                        "No weights.",
    "Flatten": "Unrolls a (height, width, channels) tensor into one long vector so Dense layers can follow "
               "convolutions. No weights.",
    "Dropout": "During training, sets a random fraction (the rate) of its inputs to zero at every step and scales "
               "the rest up, so the network cannot rely on single units. Does nothing at prediction time.",
    "Activation": "Applies an activation function (relu, sigmoid, tanh, softmax, …) element by element, without "
                  "weights.",
    "BatchNormalization": "Normalizes each channel with the batch's mean and variance, then scales (γ) and "
                          "shifts (β) it: often steadier, faster training. Keeps moving averages for prediction.",
}


class _PaletteDelegate(QStyledItemDelegate):
    """Icon, bold name and a one-line summary."""

    def sizeHint(self, option, index):
        return QSize(200, 46)

    def paint(self, painter: QPainter, option, index):
        c = theme.colors()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = option.rect.adjusted(4, 2, -4, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hover:
            bg = QColor(c["accent"] if selected else c["hover"])
            if selected:
                bg.setAlpha(40)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(r, 6, 6)
        layer_type = index.data(Qt.ItemDataRole.UserRole)
        tint = theme.type_color(layer_type)
        tint.setAlpha(36)
        icon_box = QRect(r.left() + 6, r.top() + (r.height() - 30) // 2, 30, 30)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(icon_box, 7, 7)
        painter.drawImage(icon_box.adjusted(4, 4, -4, -4), icons.layer_image(layer_type, 44))
        x = icon_box.right() + 10
        f = QFont(option.font)
        f.setBold(True)
        painter.setFont(f)
        painter.setPen(QColor(c["text"]))
        painter.drawText(QRect(x, r.top() + 4, r.right() - x, 20), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         layer_type)
        f2 = QFont(option.font)
        f2.setPointSizeF(max(7.5, option.font.pointSizeF() - 1.0))
        painter.setFont(f2)
        painter.setPen(QColor(c["muted"]))
        painter.drawText(QRect(x, r.top() + 22, r.right() - x, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         SUMMARIES.get(layer_type, ""))
        painter.restore()


class LayerPalette(QListWidget):
    layer_activated = Signal(str)   # a layer type was double-clicked (or Enter pressed)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMouseTracking(True)
        self.setItemDelegate(_PaletteDelegate(self))
        self.setFrameShape(QListWidget.Shape.NoFrame)
        self.setSpacing(1)
        for layer_type in LAYER_TYPES:
            item = QListWidgetItem(layer_type)
            item.setData(Qt.ItemDataRole.UserRole, layer_type)
            item.setToolTip(f"<b>{layer_type}</b><br>{DESCRIPTIONS[layer_type]}"
                            "<br><i>Drag onto the canvas, or double-click to append.</i>")
            item.setIcon(icons.layer_icon(layer_type))
            self.addItem(item)
        self.itemActivated.connect(self._on_item_activated)
        self.setMinimumWidth(220)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def item_for(self, layer_type: str) -> QListWidgetItem:
        for i in range(self.count()):
            if self.item(i).data(Qt.ItemDataRole.UserRole) == layer_type:
                return self.item(i)
        raise KeyError(layer_type)

    def mimeTypes(self):
        return [LAYER_MIME, "text/plain"]

    def mimeData(self, items):
        mime = QMimeData()
        if items:
            layer_type = items[0].data(Qt.ItemDataRole.UserRole)
            mime.setData(LAYER_MIME, layer_type.encode("utf-8"))
            mime.setText(layer_type)
        return mime

    def supportedDragActions(self):
        return Qt.DropAction.CopyAction

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.layer_activated.emit(item.data(Qt.ItemDataRole.UserRole))
