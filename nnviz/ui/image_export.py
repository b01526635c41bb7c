"""PNG and SVG images of what the app draws: the diagrams, the pyqtgraph plots, any widget.

One entry point, :func:`export_widget_image`, takes whatever there is to export and a path ending in
``.png`` or ``.svg`` and writes the file atomically (temp file, then replace):

* a pyqtgraph item (``PlotItem``, a ``GraphicsLayout``, any ``pg.GraphicsObject``) — exactly that item;
* a pyqtgraph view (``PlotWidget``, ``GraphicsLayoutWidget``) — its visible area, as on screen;
* a plain ``QGraphicsScene`` / ``QGraphicsView`` (the layer and neuron diagrams) — every visible item
  with a margin, whatever part the view happens to show, on a plain background (no dot grid, no
  selection outline);
* any other ``QWidget`` — the widget with its children, as on screen.

PNGs are drawn at ``scale`` × the on-screen size (2 by default: crisp on paper and on high-DPI
screens), as on a screen with that device pixel ratio; their size is ``round(width * scale) ×
round(height * scale)`` of the source rectangle (:func:`export_rect`). SVGs are vector drawings in
the same logical pixels (``viewBox`` = the source rectangle's size); text stays text.

pyqtgraph's own ``SVGExporter`` fails on the SVG that Qt ≥ 6.10 generates (pyqtgraph issue #3485), so
plots go through ``QSvgGenerator`` (SVG 1.1, which keeps the view boxes' clipping) with pyqtgraph's
export mode switched on, as its ``ImageExporter`` does. The generator's resolution is set to the one
pyqtgraph's cached ``QPicture``\\ s (axes) were recorded at; with Qt's default of 72 dpi the axes shrink
to 75 %.

For the docks: :func:`add_image_export_action` puts "Export image…" and "Copy image" on a widget and
in its right-click menu (on pyqtgraph plots a right *click*, so right-drag zooming keeps working);
tests replace ``action.ask_path``.
"""

from __future__ import annotations

import math
import os
import re
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QEvent, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QImage, QPainter, QPicture, QRegion
from PySide6.QtWidgets import (QApplication, QFileDialog, QGraphicsItem, QGraphicsScene, QGraphicsView, QMenu,
                               QMessageBox, QWidget)

from nnviz.io.atomic import atomic_write
from nnviz.ui import theme

#: PNG pixels per on-screen pixel
DEFAULT_SCALE = 2.0
#: empty space around a diagram, in scene units
DIAGRAM_MARGIN = 24.0
#: no PNG side gets longer than this (a huge diagram is exported at a smaller scale instead)
MAX_SIDE = 16000
IMAGE_FORMATS = {"png": ".png", "svg": ".svg"}
IMAGE_FILTERS = {"png": "PNG image (*.png)", "svg": "SVG vector image (*.svg)"}
#: what the save dialog offers, PNG first
IMAGE_FILTER = ";;".join(IMAGE_FILTERS.values())


class ImageExportError(ValueError):
    """The image cannot be made (nothing to draw, unknown format); the message says why."""


def image_format(path) -> str:
    """``"png"`` or ``"svg"`` from the file name; :class:`ImageExportError` otherwise."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    for fmt, e in IMAGE_FORMATS.items():
        if ext == e:
            return fmt
    raise ImageExportError(f"cannot tell the image format of {os.fspath(path)!r}: use a name ending in .png or .svg")


# ============================================================================ sources
def _pg():
    import pyqtgraph as pg
    return pg


def _is_pg_scene(obj) -> bool:
    from pyqtgraph.GraphicsScene import GraphicsScene
    return isinstance(obj, GraphicsScene)


class _Source:
    """Something to draw: ``rect`` is its logical size, ``render`` paints it into ``target``."""

    rect = QRectF()
    background: QColor | None = None
    title = "nnviz"

    def render(self, painter: QPainter, target: QRectF) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _SceneSource(_Source):
    """A plain QGraphicsScene: every visible item plus a margin, plain background, no selection."""

    def __init__(self, scene: QGraphicsScene, margin: float, background: QColor | None):
        self.scene = scene
        rect = QRectF()
        for item in scene.items():
            if item.isVisible() and item.opacity() > 0:
                r = item.sceneBoundingRect()
                if r.isValid() and not r.isEmpty():
                    rect = rect.united(r)
        if not rect.isEmpty():
            rect.adjust(-margin, -margin, margin, margin)
        self.rect = rect
        self.background = background if background is not None else _scene_background(scene)
        self.title = type(scene).__name__

    def render(self, painter: QPainter, target: QRectF) -> None:
        scene = self.scene
        selected = list(scene.selectedItems())
        blocked = scene.blockSignals(True)
        # the canvas' own background (e.g. the layer view's dot grid) belongs to the editor, not the figure
        scene.drawBackground = lambda _painter, _rect: None
        try:
            for item in selected:
                item.setSelected(False)
            painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                                   | QPainter.RenderHint.SmoothPixmapTransform)
            scene.render(painter, target, self.rect, Qt.AspectRatioMode.IgnoreAspectRatio)
        finally:
            del scene.drawBackground
            for item in selected:
                item.setSelected(True)
            scene.blockSignals(blocked)


def _scene_background(scene: QGraphicsScene) -> QColor:
    brush = scene.backgroundBrush()
    if brush.style() != Qt.BrushStyle.NoBrush:
        return QColor(brush.color())
    return QColor(theme.colors()["canvas"])   # what the app's canvases paint


class _PlotSource(_Source):
    """A pyqtgraph item or scene, drawn with pyqtgraph's export mode on (as its ImageExporter does)."""

    def __init__(self, item, background: QColor | None):
        from pyqtgraph.exporters.Exporter import Exporter

        class _Exporter(Exporter):
            def parameters(self):
                return None

        self.exporter = _Exporter(item)
        scene = self.exporter.getScene()
        if scene is None:
            raise ImageExportError("the plot is not on screen yet, so there is nothing to export")
        self.rect = QRectF(self.exporter.getSourceRect())
        if background is None:
            views = scene.views()
            brush = views[0].backgroundBrush() if views else None
            if brush is not None and brush.style() != Qt.BrushStyle.NoBrush:
                background = QColor(brush.color())
        self.background = background
        self.title = type(item).__name__

    def render(self, painter: QPainter, target: QRectF) -> None:
        ex = self.exporter
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        try:
            ex.setExportMode(True, {"antialias": True, "background": self.background or QColor(0, 0, 0, 0),
                                    "painter": painter, "resolutionScale": 1.0})
            ex.getScene().render(painter, target, self.rect, Qt.AspectRatioMode.IgnoreAspectRatio)
        finally:
            ex.setExportMode(False)


class _WidgetSource(_Source):
    """Any widget with its children, as on screen."""

    def __init__(self, widget: QWidget, background: QColor | None):
        self.widget = widget
        self.rect = QRectF(widget.rect())
        self.background = background if background is not None else widget.palette().color(widget.backgroundRole())
        self.title = widget.windowTitle() or type(widget).__name__

    def render(self, painter: QPainter, target: QRectF) -> None:
        painter.save()
        painter.translate(target.topLeft())
        painter.scale(target.width() / self.rect.width(), target.height() / self.rect.height())
        self.widget.render(painter, QPoint(0, 0), QRegion(),
                           QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground)
        painter.restore()


def _source(target, margin: float = DIAGRAM_MARGIN, background: QColor | None = None) -> _Source:
    if callable(target) and not isinstance(target, (QObject, QGraphicsItem)):
        target = target()
    if background is not None:
        background = QColor(background)
    pg = _pg()
    if isinstance(target, pg.GraphicsItem) and isinstance(target, QGraphicsItem):
        if target.scene() is None:
            raise ImageExportError("the plot is not in a view, so there is nothing to export")
        return _PlotSource(target, background)
    if isinstance(target, pg.GraphicsView):
        return _PlotSource(target.scene(), background)
    if _is_pg_scene(target):
        if not target.views():
            raise ImageExportError("the plot is not in a view, so there is nothing to export")
        return _PlotSource(target, background)
    if isinstance(target, QGraphicsView):
        return _SceneSource(target.scene(), margin, background)
    if isinstance(target, QGraphicsScene):
        return _SceneSource(target, margin, background)
    if isinstance(target, QWidget):
        return _WidgetSource(target, background)
    raise TypeError(f"cannot export an image of a {type(target).__name__}: give a widget, a graphics scene or view, "
                    f"or a pyqtgraph item")


def _pixel_size(rect: QRectF, scale: float) -> tuple[QSize, float]:
    if rect.isEmpty() or rect.width() < 1 or rect.height() < 1:
        raise ImageExportError("there is nothing to export: the picture is empty (is its panel hidden?)")
    if scale <= 0 or not math.isfinite(scale):
        raise ImageExportError(f"the scale must be a positive number, got {scale!r}")
    longest = max(rect.width(), rect.height()) * scale
    if longest > MAX_SIDE:
        scale = MAX_SIDE / max(rect.width(), rect.height())
    return QSize(max(1, round(rect.width() * scale)), max(1, round(rect.height() * scale))), scale


def export_rect(target, margin: float = DIAGRAM_MARGIN) -> QRectF:
    """The rectangle (in logical pixels / scene units) an export of ``target`` shows."""
    return QRectF(_source(target, margin).rect)


# ============================================================================ rendering
def render_image(target, scale: float = DEFAULT_SCALE, background=None, margin: float = DIAGRAM_MARGIN) -> QImage:
    """``target`` drawn into a new ``QImage`` (ARGB32) at ``scale`` × its on-screen size."""
    src = _source(target, margin, background)
    size, scale = _pixel_size(src.rect, scale)
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(src.background if src.background is not None else QColor(0, 0, 0, 0))
    # drawn as on a high-DPI screen (device pixel ratio = scale) rather than through a scaled painter: items
    # that ignore transformations (pyqtgraph's legend texts, scatter symbols) then grow with everything else
    image.setDevicePixelRatio(scale)
    painter = QPainter(image)
    try:
        src.render(painter, QRectF(0, 0, size.width() / scale, size.height() / scale))
    finally:
        painter.end()
    image.setDevicePixelRatio(1.0)
    # fonts were laid out at 96 dpi; saying "96 dpi × scale" in the file keeps the printed size right
    dpm = round(96 / 0.0254 * scale)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise ImageExportError("the image could not be encoded as PNG")
    buf.close()
    return bytes(data)


def render_svg(target, background=None, margin: float = DIAGRAM_MARGIN, title: str | None = None) -> bytes:
    """``target`` as an SVG 1.1 document (bytes); the ``viewBox`` is its logical size."""
    return _svg_bytes(_source(target, margin, background), title)


def _svg_bytes(src: _Source, title: str | None = None) -> bytes:
    from PySide6.QtSvg import QSvgGenerator

    _pixel_size(src.rect, 1.0)  # refuses an empty picture
    w, h = src.rect.width(), src.rect.height()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)
    gen.setOutputDevice(buf)
    # the resolution cached QPictures (pyqtgraph's axes) were recorded at; else they replay scaled
    gen.setResolution(QPicture().logicalDpiX())
    gen.setSize(QSize(math.ceil(w), math.ceil(h)))
    gen.setViewBox(QRectF(0, 0, w, h))
    gen.setTitle(title or src.title)
    gen.setDescription("Exported from nnviz")
    painter = QPainter(gen)
    try:
        if src.background is not None and src.background.alpha() > 0:
            painter.fillRect(QRectF(0, 0, w, h), src.background)
        src.render(painter, QRectF(0, 0, w, h))
    finally:
        painter.end()
    buf.close()
    # Qt writes a fully clipped-away region as d="", which SVG readers warn about: an empty closed path
    # means the same and reads cleanly
    return bytes(data).replace(b' d=""', b' d="M0,0 Z"')


def export_widget_image(target, path, scale: float = DEFAULT_SCALE, background=None,
                        margin: float = DIAGRAM_MARGIN, title: str | None = None) -> QSize:
    """Write ``target`` (a widget, a scene or view, a pyqtgraph item or view, or a callable returning one)
    as PNG or SVG — chosen by ``path``'s extension — atomically. Returns the image size: pixels for a
    PNG, the ``viewBox`` size (logical pixels) for an SVG."""
    fmt = image_format(path)
    if fmt == "png":
        image = render_image(target, scale, background, margin)
        data = png_bytes(image)
        size = image.size()
    else:
        src = _source(target, margin, background)
        data = _svg_bytes(src, title)
        size = QSize(math.ceil(src.rect.width()), math.ceil(src.rect.height()))
    with atomic_write(path, "wb") as f:
        f.write(data)
    return size


#: the same for a scene or view (the diagrams); kept as its own name for readability at call sites
export_scene_image = export_widget_image


# ============================================================================ dialogs and actions
_last_dir: str = ""


def last_dir(widget: QWidget | None = None) -> str:
    """The folder of the last image or file exported this session, else the folder of the project in
    ``widget``'s window (when it was saved), else the home folder."""
    if _last_dir:
        return _last_dir
    document = getattr(widget.window(), "document", None) if widget is not None else None
    path = getattr(document, "path", "") or ""
    return os.path.dirname(path) if path else os.path.expanduser("~")


def remember_dir(path: str) -> None:
    global _last_dir
    _last_dir = os.path.dirname(os.path.abspath(path))


def with_extension(path: str, ext: str) -> str:
    """``path`` ending in ``ext`` (appended when the user typed a name without it)."""
    if path.lower().endswith(ext.lower()):
        return path
    if ext.lower() == ".weights.h5" and path.lower().endswith(".h5"):
        return path[:-3] + ext
    return path + ext


def slug_file_name(text: str, fallback: str = "model") -> str:
    """A title as a plain file name: lower case, words joined by hyphens, nothing else ("Digits: convolutional
    network" -> "digits-convolutional-network", "Course: 2 → 3 → 2" -> "course-2-3-2")."""
    name = re.sub(r"[^\w]+", "-", str(text).lower()).strip("-_")
    return name[:120] or fallback


def safe_file_name(text: str, fallback: str = "model") -> str:
    """``text`` usable as a file name on every system (no slashes, colons, control characters...)."""
    bad = '<>:"/\\|?*'
    name = "".join("_" if (c in bad or ord(c) < 32) else c for c in str(text)).strip(" .")
    return name[:120] or fallback


def ask_save_path(parent: QWidget | None, caption: str, default_path: str, name_filter: str) -> tuple[str, str]:
    """A save dialog; ``(path, selected filter)`` or ``("", "")`` when cancelled."""
    path, selected = QFileDialog.getSaveFileName(parent, caption, default_path, name_filter)
    return path, selected


def _window_of(widget: QWidget | None):
    return widget.window() if widget is not None else None


class _ImageAction(QAction):
    """An action on the picture of ``target`` (what :func:`export_widget_image` takes, or a callable
    returning it), called ``name`` in its texts and drawn at ``scale``."""

    def __init__(self, text: str, tip: str, target, parent: QObject, name: str, scale: float):
        super().__init__(text, parent)
        self.target = target
        self.name = name
        self.scale = scale
        self.setToolTip(tip)
        self.setStatusTip(tip)
        self.triggered.connect(self._on_triggered)

    def _window(self):
        """The window whose status bar and error dialog report what happened (or None)."""
        return _window_of(_widget_parent(self))

    def _on_triggered(self, _checked: bool = False) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class ImageExportAction(_ImageAction):
    """"Export image…": asks for a .png / .svg path and writes ``target`` there.

    ``target`` is what :func:`export_widget_image` takes, or a callable returning it (so a dock can
    export whichever plot it currently shows). ``ask_path(caption, default_path, name_filter) -> str``
    is the dialog; tests replace it. Success goes to the window's status bar when it has one
    (``status_message``), failures to its ``show_error`` (else a message box); ``exported(path)`` /
    ``failed(message)`` say what happened.
    """

    exported = Signal(str)
    failed = Signal(str)

    def __init__(self, target, parent: QObject, name: str = "plot", text: str = "Export image…",
                 scale: float = DEFAULT_SCALE):
        super().__init__(text, f"Save the {name} as a PNG or SVG image", target, parent, name, scale)
        self.setObjectName("actionExportImage")

    def ask_path(self, caption: str, default_path: str, name_filter: str) -> str:
        path, selected = ask_save_path(_widget_parent(self), caption, default_path, name_filter)
        if path and not os.path.splitext(path)[1]:
            path += ".svg" if "svg" in selected.lower() else ".png"
        return path

    def default_path(self) -> str:
        return os.path.join(last_dir(_widget_parent(self)), slug_file_name(self.name, "plot") + ".png")

    def export_to(self, path: str) -> bool:
        """Write the image to ``path``; True on success (errors are reported, never raised)."""
        window = self._window()
        try:
            size = export_widget_image(self.target, path, scale=self.scale)
        except (ImageExportError, OSError, TypeError) as exc:
            message = f"{os.path.basename(path)} was not written:\n\n{exc}"
            _report_error(window, "Cannot export the image", message)
            self.failed.emit(message)
            return False
        remember_dir(path)
        if window is not None and hasattr(window, "status_message"):
            window.status_message(f"Saved the {self.name} as {os.path.basename(path)} "
                                  f"({size.width()} × {size.height()})", 6000)
        self.exported.emit(path)
        return True

    def _on_triggered(self, _checked: bool = False) -> None:
        path = self.ask_path(f"Export the {self.name} as an image", self.default_path(), IMAGE_FILTER)
        if not path:
            return
        if not os.path.splitext(path)[1]:
            path += ".png"
        self.export_to(path)


class CopyImageAction(_ImageAction):
    """"Copy image": the picture to the clipboard (paste it into a document or a chat)."""

    def __init__(self, target, parent: QObject, name: str = "plot", scale: float = DEFAULT_SCALE):
        super().__init__("Copy image", f"Copy the {name} to the clipboard as an image", target, parent, name, scale)
        self.setObjectName("actionCopyImage")

    def _on_triggered(self, _checked: bool = False) -> None:
        window = self._window()
        try:
            image = render_image(self.target, self.scale)
        except (ImageExportError, TypeError) as exc:
            _report_error(window, "Cannot copy the image", str(exc))
            return
        QApplication.clipboard().setImage(image)
        if window is not None and hasattr(window, "status_message"):
            window.status_message(f"Copied the {self.name} ({image.width()} × {image.height()})")


def _widget_parent(action: QAction) -> QWidget | None:
    parent = action.parent()
    while parent is not None and not isinstance(parent, QWidget):
        parent = parent.parent()
    return parent


def _report_error(window, title: str, message: str) -> None:
    if window is not None and hasattr(window, "show_error"):
        window.show_error(title, message)
        return
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, window)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


class ContextMenuHook(QObject):
    """Shows ``actions`` in a menu on a right click anywhere in ``widget``.

    Plain child widgets: the usual context-menu event. pyqtgraph views inside ``widget``: a right
    *click* that no plot item took (pyqtgraph's own menus stay first, right-drag zooming still works).
    ``menu_shown(QMenu)`` is emitted for tests and for docks that add entries of their own.
    """

    menu_shown = Signal(QMenu)

    def __init__(self, widget: QWidget, actions: list[QAction]):
        super().__init__(widget)
        self.setObjectName("imageExportContextMenu")
        self.widget = widget
        self.actions = list(actions)
        self.menu: QMenu | None = None
        widget.installEventFilter(self)
        pg = _pg()
        views = [widget] if isinstance(widget, pg.GraphicsView) else []
        views += widget.findChildren(pg.GraphicsView)
        self._plot_viewports = set()
        for view in views:
            view.viewport().installEventFilter(self)
            self._plot_viewports.add(view.viewport())
            view.scene().sigMouseClicked.connect(self._on_plot_scene_clicked)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.ContextMenu:
            if obj in self._plot_viewports:
                return True   # pyqtgraph views: the click handler shows the menu (on release, not on press)
            if obj is self.widget:
                self.popup(event.globalPos())
                return True
        return False

    def _on_plot_scene_clicked(self, event) -> None:
        if event.button() == Qt.MouseButton.RightButton and not event.isAccepted():
            event.accept()
            self.popup(event.screenPos().toPoint())

    def popup(self, global_pos: QPoint) -> QMenu:
        if self.menu is not None:
            self.menu.close()
        menu = QMenu(self.widget)
        menu.setObjectName("imageExportMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setToolTipsVisible(True)
        for action in self.actions:
            menu.addAction(action)
        menu.destroyed.connect(self._on_menu_destroyed)
        self.menu = menu
        menu.popup(global_pos)
        self.menu_shown.emit(menu)
        return menu

    def _on_menu_destroyed(self, *_args) -> None:
        self.menu = None


def add_image_export_action(widget: QWidget, target=None, name: str = "plot", context_menu: bool = True,
                            copy_action: bool = True, scale: float = DEFAULT_SCALE) -> ImageExportAction:
    """Give ``widget`` (a dock's content) an "Export image…" action — and "Copy image" — in its
    right-click menu; ``target`` defaults to the widget itself (any of :func:`export_widget_image`'s
    targets, or a callable returning one). Returns the export action (``widget.image_export_hook`` is
    the menu hook); add it to a tool button or a menu of the dock as well if you like::

        action = add_image_export_action(self, self.loss_plot, "loss curve")
    """
    target = widget if target is None else target
    export = ImageExportAction(target, widget, name, scale=scale)
    actions: list[QAction] = [export]
    if copy_action:
        actions.append(CopyImageAction(target, widget, name, scale=scale))
    for action in actions:
        widget.addAction(action)
    if context_menu:
        widget.image_export_hook = ContextMenuHook(widget, actions)
    return export


__all__ = ["DEFAULT_SCALE", "IMAGE_FILTER", "ImageExportAction", "ImageExportError", "CopyImageAction",
           "ContextMenuHook", "add_image_export_action", "export_rect", "export_scene_image", "export_widget_image",
           "image_format", "render_image", "render_svg", "safe_file_name", "with_extension"]

