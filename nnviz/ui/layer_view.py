"""The layer diagram: one block per layer (and the input first), connected in order.

``LayerScene`` mirrors the document and never owns the truth: on ``architecture_changed`` it redraws
every block from ``document.layer_info()``. Edits go back through the document (one undo command
each): dragging a block and releasing it moves the layer; a palette item dropped on the view inserts
a layer where it was dropped (between two blocks: there); Del (the window's Delete action) removes the
selection. Ctrl+wheel zooms, the middle button (or the wheel) pans, ``fit_to_view`` frames everything.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QApplication, QGraphicsItem, QGraphicsObject, QGraphicsPathItem, QGraphicsScene,
                               QGraphicsView)

from nnviz.core.catalog import CATALOG, activation_text  # noqa: F401  (activation_text: imported from here too)
from nnviz.core.layers.base import shape_str
from nnviz.ui import icons, theme
from nnviz.ui import zoom as ui_zoom

#: the palette's drag payload: the layer's class name
LAYER_MIME = "application/x-nnviz-layer"

BLOCK_W = 340.0
BLOCK_H = 66.0
GAP = 30.0
STEP = BLOCK_H + GAP


def describe_layer(class_name: str, options: dict) -> str:
    """The block title: "Dense 16 · relu", "Conv2D 32 3×3 same · relu", "MaxPooling2D 2×2" (the catalog's)."""
    spec = CATALOG.get(class_name)
    return class_name if spec is None else spec.describe(options)


class BlockItem(QGraphicsObject):
    """A layer (``index >= 0``) or the input (``index == -1``) drawn as a rounded card."""

    def __init__(self, index: int, layer_type: str, title: str, subtitle: str, name: str, error: str | None):
        super().__init__()
        self.index = index
        self.layer_type = layer_type
        self.title = title
        self.subtitle = subtitle
        self.name = name or ""
        self.error = error
        self._hover = False
        self._press_pos: QPointF | None = None
        self._start_y = 0.0
        self.dragging = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.OpenHandCursor if index >= 0 else Qt.CursorShape.ArrowCursor)
        tip = f"<b>{title}</b><br>{subtitle}"
        if name:
            tip += f"<br><span>name: {name}</span>"
        if error:
            tip = f"<b>{title}</b><br><span style='color:{theme.colors()['error']}'>{error}</span>"
        self.tip = tip
        self.setToolTip(tip)

    def set_locked(self, reason: str) -> None:
        """A locked block cannot be dragged; its tool tip says why."""
        self.setCursor(Qt.CursorShape.OpenHandCursor if self.index >= 0 and not reason else Qt.CursorShape.ArrowCursor)
        self.setToolTip(f"{self.tip}<br><i>{reason}</i>" if reason else self.tip)

    def boundingRect(self) -> QRectF:
        return QRectF(-6, -6, BLOCK_W + 14, BLOCK_H + 16)

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addRoundedRect(QRectF(0, 0, BLOCK_W, BLOCK_H), 9, 9)
        return p

    def paint(self, painter: QPainter, option, widget=None) -> None:
        c = theme.colors()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        body = QRectF(0, 0, BLOCK_W, BLOCK_H)
        # shadow
        shadow = QColor(c["shadow"])
        shadow.setAlpha(int(c["shadow_alpha"]) if not self.dragging else 70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shadow)
        painter.drawRoundedRect(body.translated(0, 3 if not self.dragging else 7), 9, 9)
        # body
        accent = theme.type_color(self.layer_type)
        fill = QColor(c["error_bg"]) if self.error else QColor(c["hover"] if self._hover else c["block"])
        if self.isSelected():
            border = QPen(QColor(c["selection"]), 2.2)
        elif self.error:
            border = QPen(QColor(c["error"]), 2.0)
        else:
            border = QPen(QColor(c["block_border"]), 1.0)
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(body, 9, 9)
        # type accent bar on the left
        bar = QPainterPath()
        bar.addRoundedRect(QRectF(1, 1, 12, BLOCK_H - 2), 8, 8)
        clip = QPainterPath()
        clip.addRect(QRectF(1, 1, 6, BLOCK_H - 2))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c["error"]) if self.error else accent)
        painter.drawPath(bar.intersected(clip))
        # icon
        icon_rect = QRectF(18, (BLOCK_H - 30) / 2, 30, 30)
        tint = QColor(accent)
        tint.setAlpha(36)
        painter.setBrush(tint)
        painter.drawRoundedRect(icon_rect.adjusted(-4, -4, 4, 4), 8, 8)
        painter.drawImage(icon_rect, icons.layer_image(self.layer_type, 60))
        # texts
        x = 62.0
        title_font = QFont(painter.font())
        title_font.setPointSizeF(10.5)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(QColor(c["error_text"] if self.error else c["text"]))
        fm = QFontMetricsF(title_font)
        name_font = QFont(painter.font())
        name_font.setPointSizeF(8.0)
        name_font.setBold(False)
        avail = BLOCK_W - x - 12
        title_w = fm.horizontalAdvance(self.title)
        name_w = QFontMetricsF(name_font).horizontalAdvance(self.name) + 12 if self.name else 0
        if title_w + name_w > avail:
            name_w = 0                      # the title wins; the name is in the tooltip and the inspector
        title = fm.elidedText(self.title, Qt.TextElideMode.ElideRight, avail - name_w)
        painter.drawText(QRectF(x, 10, avail - name_w, 22), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         title)
        if name_w:
            painter.setFont(name_font)
            painter.setPen(QColor(c["muted"]))
            painter.drawText(QRectF(BLOCK_W - 12 - name_w, 10, name_w, 22),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.name)
        sub_font = QFont(painter.font())
        sub_font.setPointSizeF(9.0)
        sub_font.setBold(False)
        painter.setFont(sub_font)
        painter.setPen(QColor(c["error"] if self.error else c["muted"]))
        sub = self.subtitle if not self.error else "cannot take its input: hover for why"
        sub = QFontMetricsF(sub_font).elidedText(sub, Qt.TextElideMode.ElideRight, BLOCK_W - x - 12)
        painter.drawText(QRectF(x, 34, BLOCK_W - x - 12, 20), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, sub)
        if self.error:
            painter.drawImage(QRectF(BLOCK_W - 30, 36, 18, 18), icons.image("error", 36, c["error"]))

    # ---------------------------------------------------------------- hover / drag to reorder
    def hoverEnterEvent(self, event):
        self._hover = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event):
        self._hover = False
        self.update()
        super().hoverLeaveEvent(event)

    def mousePressEvent(self, event):
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.scenePos()
            self._start_y = self.y()
            self.dragging = False
            event.accept()

    def mouseMoveEvent(self, event):
        if self.index < 0 or self._press_pos is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        dy = event.scenePos().y() - self._press_pos.y()
        if not self.dragging and abs(dy) < QApplication.startDragDistance():
            return
        scene = self.scene()
        if isinstance(scene, LayerScene) and scene.locked:
            self._press_pos = None   # (said once per press)
            scene.edit_refused.emit(scene.locked)
            return
        if not self.dragging:
            self.dragging = True
            self.setZValue(10)
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.setY(self._start_y + dy)
        scene = self.scene()
        if isinstance(scene, LayerScene):
            scene.show_drop_marker(scene.move_target(self))
        event.accept()

    def mouseReleaseEvent(self, event):
        was_dragging = self.dragging
        self._press_pos = None
        if was_dragging:
            self.dragging = False
            self.setZValue(0)
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            scene = self.scene()
            if isinstance(scene, LayerScene):
                scene.finish_move(self)
            event.accept()
            return
        super().mouseReleaseEvent(event)


class LayerScene(QGraphicsScene):
    """Draws the document's layers; reports drags and drops back as document edits."""

    edit_refused = Signal(str)   # an edit was tried while the architecture is locked: why it is locked

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.locked = ""   # why the architecture cannot be edited here ("": it can)
        self.blocks: list[BlockItem] = []      # blocks[0] is the input, blocks[i + 1] is layer i
        self._connectors: list[QGraphicsPathItem] = []
        self._marker = QGraphicsPathItem()
        self._marker.setZValue(20)
        self._marker.setVisible(False)
        self.addItem(self._marker)
        document.architecture_changed.connect(self._on_document_architecture_changed)
        document.dataset_changed.connect(self._on_document_architecture_changed)
        self._on_document_architecture_changed()

    # ---------------------------------------------------------------- mirror the document
    def block(self, index: int) -> BlockItem:
        """The block of layer ``index`` (``-1``: the input block)."""
        return self.blocks[index + 1]

    def _on_document_architecture_changed(self) -> None:
        selected = {b.name if b.index >= 0 else "<input>" for b in self.blocks if b.isSelected()}
        self.blockSignals(True)
        for item in self.blocks + self._connectors:
            self.removeItem(item)
        self.blocks, self._connectors = [], []
        doc = self.document
        shape = (None, *doc.input_shape)
        names = doc.feature_names()
        sub = shape_str(shape)
        vocabulary = getattr(doc.dataset, "vocabulary", None)
        if vocabulary:
            sub += f" · {shape[-1]} token ids of {len(vocabulary)} words"
        elif names:
            sub += " · " + ", ".join(names[:6]) + (" …" if len(names) > 6 else "")
        elif doc.dataset is not None:
            sub += f" · {doc.dataset.name}"
        blocks = [BlockItem(-1, "Input", "Input", sub, "", None)]
        infos = doc.layer_info()
        for i, info in enumerate(infos):
            options = doc.layer_options(i)
            title = describe_layer(info["type"], options)
            if info["output_shape"] is not None:
                sub = f"{shape_str(info['output_shape'])} · {info['params']:,} params"
            else:
                sub = "output shape unknown (an earlier layer fails)"
            blocks.append(BlockItem(i, info["type"], title, sub, info["name"], info["error"]))
        for k, b in enumerate(blocks):
            b.setPos(0, k * STEP)
            b.set_locked(self.locked)
            self.addItem(b)
            if (b.name if b.index >= 0 else "<input>") in selected:
                b.setSelected(True)
        self.blocks = blocks
        for k in range(len(blocks) - 1):
            conn = QGraphicsPathItem()
            conn.setZValue(-1)
            self.addItem(conn)
            self._connectors.append(conn)
        self._style_connectors()
        rect = QRectF(-2000, -1500, 4000 + BLOCK_W, 3000 + len(blocks) * STEP)
        self.setSceneRect(rect)
        self.blockSignals(False)
        self.selectionChanged.emit()

    def _style_connectors(self) -> None:
        c = theme.colors()
        for k, conn in enumerate(self._connectors):
            x = BLOCK_W / 2
            y0 = k * STEP + BLOCK_H + 3
            y1 = (k + 1) * STEP - 3
            path = QPainterPath(QPointF(x, y0))
            path.lineTo(x, y1)
            path.moveTo(x - 5, y1 - 7)
            path.lineTo(x, y1)
            path.lineTo(x + 5, y1 - 7)
            broken = self.blocks[k + 1].error is not None
            pen = QPen(QColor(c["error"] if broken else c["connector"]), 1.8)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            conn.setPen(pen)
            conn.setPath(path)

    def restyle(self) -> None:
        self._style_connectors()
        self.update()

    # ---------------------------------------------------------------- geometry of insertions
    def insertion_index(self, y: float) -> int:
        """Where a layer dropped at scene height ``y`` goes: the number of layer blocks above it."""
        return sum(1 for b in self.blocks[1:] if b.y() + BLOCK_H / 2 < y)

    def move_target(self, block: BlockItem) -> int:
        """The index ``block`` would move to if released now."""
        centre = block.y() + BLOCK_H / 2
        others = [b for b in self.blocks[1:] if b is not block]
        return sum(1 for b in others if b.y() + BLOCK_H / 2 < centre)

    def show_drop_marker(self, index: int, moving: BlockItem | None = None) -> None:
        """A line in the gap where a layer would land at ``index``."""
        # the gap above layer `index` lies between blocks[index] and blocks[index + 1]
        y = (index + 1) * STEP - GAP / 2
        path = QPainterPath(QPointF(-12, y))
        path.lineTo(BLOCK_W + 12, y)
        pen = QPen(QColor(theme.colors()["accent"]), 3)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._marker.setPen(pen)
        self._marker.setPath(path)
        self._marker.setVisible(True)

    def hide_drop_marker(self) -> None:
        self._marker.setVisible(False)

    def set_locked(self, reason: str) -> None:
        self.locked = reason
        for b in self.blocks:
            b.set_locked(reason)

    def finish_move(self, block: BlockItem) -> None:
        self.hide_drop_marker()
        target = self.move_target(block)
        if self.locked:
            target = block.index
        if target != block.index:
            self.document.move_layer(block.index, target)   # the scene redraws from the document
        else:
            block.setPos(0, (block.index + 1) * STEP)

    # ---------------------------------------------------------------- background
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        c = theme.colors()
        painter.fillRect(rect, QColor(c["canvas"]))
        step = 24
        left = int(rect.left()) - int(rect.left()) % step
        top = int(rect.top()) - int(rect.top()) % step
        painter.setPen(QPen(QColor(c["grid"]), 1.6))
        pts = []
        x = left
        while x < rect.right():
            y = top
            while y < rect.bottom():
                pts.append(QPointF(x, y))
                y += step
            x += step
        if len(pts) < 20000:
            painter.drawPoints(pts)


class LayerView(QGraphicsView):
    """The canvas: zoom with Ctrl+wheel, pan with the middle button, palette items can be dropped."""

    selection_changed = Signal(list)   # selected layer indices (-1 = the input block)
    zoom_changed = Signal(float)
    edit_refused = Signal(str)         # a drag or drop was refused: the architecture is locked (the reason)

    MIN_ZOOM, MAX_ZOOM = 0.2, 3.0

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("layerView")
        self.document = document
        self.layer_scene = LayerScene(document, self)
        self.setScene(self.layer_scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setAcceptDrops(True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        # a clean canvas: pan with the middle button or the wheel, no scroll bars
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._zoom = 1.0
        self._pan_from = None
        self.fit_on_resize = False   # presenting: the diagram fills the canvas whatever its size (until Ctrl+wheel)
        self.layer_scene.selectionChanged.connect(self._on_scene_selection_changed)
        self.layer_scene.edit_refused.connect(self.edit_refused)
        theme.state().theme_changed.connect(self._on_theme_changed)

    # ---------------------------------------------------------------- locking (the classroom)
    def set_locked(self, reason: str) -> None:
        """Lock the architecture (``reason``: why, e.g. the teacher locked it) or unlock it (``""``): blocks cannot
        be dragged and palette items cannot be dropped; selecting, zooming and panning still work."""
        self.layer_scene.set_locked(reason)

    def locked(self) -> str:
        """Why the architecture is locked; ``""`` when it can be edited."""
        return self.layer_scene.locked

    # ---------------------------------------------------------------- selection
    def selected_indices(self) -> list[int]:
        return sorted(b.index for b in self.layer_scene.blocks if b.isSelected())

    def select_indices(self, indices) -> None:
        wanted = set(indices)
        self.layer_scene.blockSignals(True)
        for b in self.layer_scene.blocks:
            b.setSelected(b.index in wanted)
        self.layer_scene.blockSignals(False)
        self._on_scene_selection_changed()
        blocks = [b for b in self.layer_scene.blocks if b.index in wanted]
        if blocks:
            self.ensureVisible(blocks[0], 20, 20)

    def block_item(self, index: int) -> BlockItem:
        return self.layer_scene.block(index)

    def block_center(self, index: int):
        """The viewport position of a block's centre (for tests and automation)."""
        b = self.layer_scene.block(index)
        return self.mapFromScene(b.mapToScene(QPointF(BLOCK_W / 2, BLOCK_H / 2)))

    def gap_point(self, index: int):
        """The viewport position of the gap where a layer would be inserted at ``index``."""
        return self.mapFromScene(QPointF(BLOCK_W / 2, (index + 1) * STEP - GAP / 2))

    def _on_scene_selection_changed(self) -> None:
        try:
            indices = self.selected_indices()
        except RuntimeError:  # scene already deleted during shutdown
            return
        self.selection_changed.emit(indices)

    def _on_theme_changed(self, _name: str) -> None:
        self.layer_scene.restyle()
        self.viewport().update()

    # ---------------------------------------------------------------- zoom and pan
    def zoom(self) -> float:
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        zoom = max(self.MIN_ZOOM, min(self.MAX_ZOOM, zoom))
        factor = zoom / self._zoom
        if abs(factor - 1) > 1e-9:
            self.scale(factor, factor)
            self._zoom = zoom
            self.zoom_changed.emit(zoom)

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self._zoom * factor)

    def fit_to_view(self) -> None:
        blocks = self.layer_scene.blocks
        if not blocks:
            return
        rect = QRectF()
        for b in blocks:
            rect = rect.united(b.sceneBoundingRect())
        rect.adjust(-30, -30, 30, 30)
        vp = self.viewport().rect()
        if rect.isEmpty() or vp.isEmpty():
            return
        zoom = min(vp.width() / rect.width(), vp.height() / rect.height(), 1.1 * ui_zoom.factor())
        self.set_zoom(zoom)
        self.centerOn(rect.center())

    def set_fit_on_resize(self, on: bool) -> None:
        """Fit the diagram to the canvas now and whenever the canvas changes size (``on``), or keep the zoom."""
        self.fit_on_resize = on
        if on and self.isVisible():
            self.fit_to_view()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.fit_on_resize and self.isVisible():
            self.fit_to_view()

    def wheelEvent(self, event):
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.fit_on_resize = False   # the user's own zoom stays
                self.zoom_by(1.15 ** (delta / 120))
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---------------------------------------------------------------- palette drops
    @staticmethod
    def _layer_type(event) -> str | None:
        mime = event.mimeData()
        if mime is None or not mime.hasFormat(LAYER_MIME):
            return None
        return bytes(mime.data(LAYER_MIME)).decode("utf-8") or None

    def dragEnterEvent(self, event):
        if self._layer_type(event) and self.locked():
            self.edit_refused.emit(self.locked())
            event.ignore()
        elif self._layer_type(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if self._layer_type(event) and not self.locked():
            y = self.mapToScene(event.position().toPoint()).y()
            self.layer_scene.show_drop_marker(self.layer_scene.insertion_index(y))
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event):
        self.layer_scene.hide_drop_marker()
        event.accept()

    def dropEvent(self, event):
        layer_type = self._layer_type(event)
        self.layer_scene.hide_drop_marker()
        if not layer_type or self.locked():
            event.ignore()
            return
        y = self.mapToScene(event.position().toPoint()).y()
        index = self.layer_scene.insertion_index(y)
        index = self.document.add_layer(index, layer_type)
        self.select_indices([index])
        event.acceptProposedAction()
        self.setFocus()
