"""The layer palette: every layer type of the core's catalog (``nnviz.core.catalog.CATALOG``, in its order) as a
compact tile (icon and name) in a two-column grid, with a tool tip saying what it does (the catalog's summary and
description).

Drag an item onto the layer view (it carries ``LAYER_MIME`` with the class name) or double-click it
(``layer_activated``) to append the layer.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QListView, QListWidget, QListWidgetItem, QSizePolicy, QStyle,
                               QStyledItemDelegate)

from nnviz.core.catalog import CATALOG
from nnviz.ui import icons, theme
from nnviz.ui.layer_view import LAYER_MIME

COLUMNS = 2          # tiles per row: the layer types fit the left column without scrolling
TILE_HEIGHT = 32
ICON_BOX = 26


def _split_name(name: str, fits) -> list[str]:
    """``name`` on one line when ``fits(name)``, else on two, broken before a capital so that the longer line is
    as short as can be ("Batch" / "Normalization", "Average" / "Pooling2D"; never inside "2D")."""
    if fits(name):
        return [name]
    cuts = [i for i in range(1, len(name)) if name[i].isupper() and not name[i - 1].isdigit()
            and not name[i - 1].isupper()]
    if not cuts:
        return [name]
    best = min(cuts, key=lambda i: (not (fits(name[:i]) and fits(name[i:])), max(len(name[:i]), len(name[i:]))))
    return [name[:best], name[best:]]


def tile_height() -> int:
    """A tile's height at the UI zoom: room for two lines of a zoomed name, less than the zoom itself (the palette is
    as tall as its tiles, and on a 720-pixel projector the plots under it need the height)."""
    from nnviz.ui import zoom
    return round(TILE_HEIGHT * zoom.factor() ** 0.8)


class _PaletteDelegate(QStyledItemDelegate):
    """A tile: the type's icon on a tinted square and its name (the summary and the description are in the
    tool tip)."""

    def sizeHint(self, option, index):
        view = self.parent()
        grid = view.gridSize() if view is not None else QSize()
        height = tile_height()
        return QSize(grid.width() - 4, height) if grid.isValid() else QSize(170, height)

    def paint(self, painter: QPainter, option, index):
        c = theme.colors()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = option.rect.adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        bg = QColor(c["hover"] if hover else c["alt_base"])
        border = QColor(c["accent"] if selected else c["border"])
        if selected:
            bg = QColor(c["accent"])
            bg.setAlpha(40)
        painter.setPen(border)
        painter.setBrush(bg)
        painter.drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        layer_type = index.data(Qt.ItemDataRole.UserRole)
        tint = theme.type_color(layer_type)
        tint.setAlpha(40)
        icon_box = QRect(r.left() + 6, r.top() + (r.height() - ICON_BOX) // 2, ICON_BOX, ICON_BOX)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(icon_box, 6, 6)
        painter.drawImage(icon_box.adjusted(4, 4, -4, -4), icons.layer_image(layer_type, 40))
        x = icon_box.right() + 8
        text_rect = QRect(x, r.top(), r.right() - x - 4, r.height())
        f = QFont(option.font)
        f.setBold(True)
        fm = QFontMetrics(f)
        lines = _split_name(layer_type, lambda t: fm.horizontalAdvance(t) <= text_rect.width())
        if len(lines) > 1 and 2 * fm.height() > text_rect.height() - 2:
            # two lines in a tile sized for the whole catalog: a slightly smaller font keeps both inside it
            f.setPointSizeF(f.pointSizeF() * (text_rect.height() - 2) / (2 * fm.height()))
        painter.setFont(f)
        painter.setPen(QColor(c["text"]))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "\n".join(lines))
        painter.restore()


class LayerPalette(QListWidget):
    """The layer types as a grid of tiles (``COLUMNS`` a row), as tall as its tiles: nothing to scroll."""

    layer_activated = Signal(str)   # a layer type was double-clicked (or Enter pressed)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMouseTracking(True)
        self.setItemDelegate(_PaletteDelegate(self))
        self.setFrameShape(QListWidget.Shape.NoFrame)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        # after setMovement: a Static list view turns dragging off, and the tiles are there to be dragged
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setUniformItemSizes(True)
        self.setSpacing(0)
        for layer_type, spec in CATALOG.items():
            item = QListWidgetItem(layer_type)
            item.setData(Qt.ItemDataRole.UserRole, layer_type)
            item.setToolTip(f"<b>{layer_type}</b> — {spec.summary.lower()}<br>{spec.description}"
                            "<br><i>Drag onto the canvas, or double-click to append.</i>")
            item.setIcon(icons.layer_icon(layer_type))
            self.addItem(item)
        self.itemActivated.connect(self._on_item_activated)
        self.setMinimumWidth(COLUMNS * 150)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._update_grid()

    def _rows(self) -> int:
        return -(-self.count() // COLUMNS)

    def _chrome(self) -> int:
        """Frame and stylesheet padding around the tiles, top plus bottom."""
        return self.height() - self.viewport().height() if self.isVisible() else 2 * self.frameWidth() + 8

    def sizeHint(self) -> QSize:
        return QSize(COLUMNS * 180, self._rows() * tile_height() + self._chrome() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self.sizeHint().height())

    def _update_grid(self) -> None:
        width = max(self.viewport().width() - 1, COLUMNS * 60)
        self.setGridSize(QSize(width // COLUMNS, tile_height()))
        height = self.sizeHint().height()
        self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_grid()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:   # the UI zoom: taller tiles
            self._update_grid()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._update_grid()

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

    def startDrag(self, _actions) -> None:
        """Drag the pressed tile (its picture under the pointer) with the layer type as ``LAYER_MIME``."""
        items = self.selectedItems()
        if not items:
            return
        item = items[0]
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        rect = self.visualItemRect(item)
        pixmap = self.viewport().grab(rect)
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(ICON_BOX, rect.height() // 2))   # the pointer on the tile's icon
        drag.exec(Qt.DropAction.CopyAction)

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.layer_activated.emit(item.data(Qt.ItemDataRole.UserRole))
