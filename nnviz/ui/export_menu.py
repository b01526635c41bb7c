"""File ▸ Export ▸ … and File ▸ Import weights…: the GUI side of ``nnviz.io``.

``attach_exports(window)`` fills the main window's ``menu("File/Export")`` and adds "Import weights…"
to File; it returns the :class:`ExportController` (also ``window.exports``):

* weights — ``.npz``, Keras 3 ``.weights.h5``, ``.json`` (:func:`nnviz.io.weights.save_weights`);
* models — ONNX, Keras ``.keras``, a stand-alone PyTorch script (``nnviz.io.*_export``);
* training history as CSV (:func:`nnviz.io.history.save_history_csv`);
* the diagram on screen (layer or neuron view) as PNG or SVG (:mod:`nnviz.ui.image_export`).

Every write goes through those functions, so it is atomic. The save dialogs default to the right
extension and to a file name taken from the project; a name typed without the extension gets it.
Actions that have nothing to export are disabled (an invalid network: every model and weights
export and the import; no history: the CSV) and follow the document's signals; their tool tips say
why. Failures — a missing optional package (h5py / onnx: "pip install nnviz[export]"), a weights
file that does not fit the architecture (the expected and found shapes), a disk error — go to
``window.show_error``; success to the status bar. Importing reads the file into a copy of the model
first and only then calls ``document.set_weights``, so a file that does not fit leaves the document
as it was.

Dialogs go through ``controller.ask_save_path(caption, default_path, name_filter)`` and
``controller.ask_open_path(caption, start_dir, name_filter)``; tests replace them.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog

from nnviz.ui import icons
from nnviz.ui.image_export import (add_image_export_action, export_scene_image, remember_dir, safe_file_name,
                                   slug_file_name, with_extension)

INSTALL_HINT = 'pip install "nnviz[export]"'


@dataclass(frozen=True)
class ExportSpec:
    """One File ▸ Export entry."""

    kind: str            # "npz", "h5", "json", "onnx", "keras", "pytorch", "history_csv", "diagram_png", ...
    object_name: str
    text: str
    ext: str             # the extension the file gets
    name_filter: str
    needs: str           # "model" | "history" | "diagram"
    what: str            # for messages: "the weights", "an ONNX model", ...
    tip: str
    icon: str | None = None
    package: str | None = None     # optional dependency, imported before writing
    suffix: str = ""               # added to the default file name ("-layers")


SPECS: list[ExportSpec] = [
    ExportSpec("npz", "actionExportNpz", "Weights (.npz)…", ".npz", "NumPy weights (*.npz)", "model",
               "the weights", "Save the weights as a NumPy .npz archive (one array per weight, keyed "
               "'layer/weight')", "save-as"),
    ExportSpec("h5", "actionExportH5", "Keras weights (.weights.h5)…", ".weights.h5",
               "Keras 3 weights (*.weights.h5)", "model", "the Keras weights",
               "Save the weights in Keras 3's .weights.h5 layout: keras.Model.load_weights reads it",
               "save-as", package="h5py"),
    ExportSpec("json", "actionExportJson", "Weights as JSON…", ".json", "JSON weights (*.json)", "model",
               "the weights as JSON", "Save the weights as readable JSON (shapes and values per layer)", "save-as"),
    ExportSpec("onnx", "actionExportOnnx", "ONNX model…", ".onnx", "ONNX models (*.onnx)", "model",
               "the ONNX model", "Save the network and its weights as an ONNX model (input 'input', output "
               "'output', any batch size) for onnxruntime, Netron and other tools", "neurons", package="onnx"),
    ExportSpec("keras", "actionExportKeras", "Keras model (.keras)…", ".keras", "Keras models (*.keras)", "model",
               "the Keras model", "Save the network as a Keras 3 .keras model file: keras.saving.load_model "
               "opens it", "neurons", package="h5py"),
    ExportSpec("pytorch", "actionExportPytorch", "PyTorch script…", ".py", "Python scripts (*.py)", "model",
               "the PyTorch script", "Save a stand-alone Python script that rebuilds the network in PyTorch "
               "with these weights", "neurons", suffix="_pytorch"),
    # an autoencoder's halves, cut after the layer with the fewest outputs (nnviz.io.systems_export)
    ExportSpec("encoder_onnx", "actionExportEncoderOnnx", "Encoder (to the code) as ONNX…", ".onnx",
               "ONNX models (*.onnx)", "model", "the encoder", "Save the layers from the input to the code (the layer "
               "with the fewest outputs) as an ONNX model: an autoencoder's encoder", "neurons", package="onnx",
               suffix="_encoder"),
    ExportSpec("decoder_onnx", "actionExportDecoderOnnx", "Decoder (from the code) as ONNX…", ".onnx",
               "ONNX models (*.onnx)", "model", "the decoder", "Save the layers after the code (the layer with the "
               "fewest outputs) as an ONNX model that takes a code: an autoencoder's decoder", "neurons",
               package="onnx", suffix="_decoder"),
    ExportSpec("history_csv", "actionExportHistoryCsv", "Training history (CSV)…", ".csv", "CSV tables (*.csv)",
               "history", "the training history", "Save the loss and metrics of every epoch as a CSV table "
               "(the layout of Keras' CSVLogger)", "train", suffix="-history"),
    ExportSpec("diagram_png", "actionExportDiagramPng", "Diagram as PNG…", ".png", "PNG images (*.png)", "diagram",
               "the diagram", "Save the diagram on screen (layer or neuron view) as a PNG image", "layers"),
    ExportSpec("diagram_svg", "actionExportDiagramSvg", "Diagram as SVG…", ".svg", "SVG vector images (*.svg)",
               "diagram", "the diagram", "Save the diagram on screen (layer or neuron view) as an SVG vector "
               "drawing", "layers"),
]
SPEC_BY_KIND = {s.kind: s for s in SPECS}
#: the separators of File ▸ Export fall before these
GROUP_STARTS = {"onnx", "history_csv", "diagram_png"}

IMPORT_FILTER = ("Weights (*.npz *.weights.h5 *.json *.keras);;NumPy weights (*.npz);;"
                 "Keras 3 weights (*.weights.h5);;JSON weights (*.json);;Keras models (*.keras);;All files (*)")

PACKAGE_USES = {"h5py": "needed for Keras .weights.h5 and .keras files", "onnx": "needed for ONNX export"}


class MissingDependency(RuntimeError):
    """An optional package (h5py, onnx) is not installed; the message says how to get it."""


def require(package: str) -> None:
    """Import ``package`` or raise :class:`MissingDependency` with the install command."""
    try:
        importlib.import_module(package)
    except ImportError:
        use = PACKAGE_USES.get(package, "needed for this export")
        raise MissingDependency(f"the optional package '{package}' ({use}) is not installed.\n\n"
                                f"Install the export extras:\n    {INSTALL_HINT}") from None


def _size_text(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return ""  # pragma: no cover


class ExportController(QObject):
    """The export and import actions of a main window (``window.exports``)."""

    exported = Signal(str, str)     # kind, path
    imported = Signal(str)          # path
    failed = Signal(str, str)       # kind ("import" for imports), message

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("exportController")
        self.window = window
        self.document = window.document
        self.actions: dict[str, QAction] = {}
        menu = window.menu("File/Export")
        menu.setToolTipsVisible(True)
        self.menu = menu
        for spec in SPECS:
            if spec.kind in GROUP_STARTS and self.actions:
                menu.addSeparator()
            action = self._make_action(spec.object_name, spec.text, spec.tip, spec.icon)
            action.triggered.connect(lambda _checked=False, k=spec.kind: self.export(k))
            menu.addAction(action)
            self.actions[spec.kind] = action
        self.import_action = self._make_action(
            "actionImportWeights", "&Import Weights…",
            "Load weights from a .npz, .weights.h5, .json or .keras file into this network (the file must fit "
            "the architecture)", "open")
        self.import_action.triggered.connect(lambda _checked=False: self.import_weights())
        file_menu = window.menu("File")
        file_menu.insertAction(menu.menuAction(), self.import_action)

        doc = self.document
        doc.validity_changed.connect(self._on_document_changed)
        doc.architecture_changed.connect(self._on_document_changed)
        doc.history_changed.connect(self._on_document_changed)
        if hasattr(window, "view_mode_changed"):
            window.view_mode_changed.connect(self._on_window_view_mode_changed)
        self.update_actions()

    def _make_action(self, name: str, text: str, tip: str, icon_name: str | None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if icon_name:
            action.setIcon(icons.icon(icon_name))
            action.setProperty("iconName", icon_name)   # the window re-tints it on a theme change
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setProperty("baseTip", tip)
        setattr(self.window, name, action)
        return action

    # ================================================================== state
    def _reason_unavailable(self, needs: str) -> str:
        doc = self.document
        if needs == "model" and (not doc.is_valid or doc.model is None):
            return "the network is not valid — fix the architecture first"
        if needs == "history" and not any(len(v) for v in doc.history.values()):
            return "there is no training history yet — train the network first"
        return ""

    def update_actions(self) -> None:
        """Enable what can be exported now; a disabled action's tool tip says why."""
        for spec in SPECS:
            self._set_available(self.actions[spec.kind], self._reason_unavailable(spec.needs))
        self._set_available(self.import_action, self._reason_unavailable("model"))

    @staticmethod
    def _set_available(action: QAction, reason: str) -> None:
        action.setEnabled(not reason)
        tip = action.property("baseTip")
        if reason:
            tip = f"{tip}\n\nNot available: {reason}."
        action.setToolTip(tip)
        action.setStatusTip(tip.replace("\n\n", " — "))

    def _on_document_changed(self, *_args) -> None:
        self.update_actions()

    def _on_window_view_mode_changed(self, mode: str) -> None:
        view = "neuron view" if mode == "neurons" else "layer view"
        for kind, fmt in (("diagram_png", "a PNG image"), ("diagram_svg", "an SVG vector drawing")):
            action = self.actions[kind]
            action.setProperty("baseTip", f"Save the diagram on screen (the {view}) as {fmt}")
        self.update_actions()

    # ================================================================== dialogs (replaceable in tests)
    def ask_save_path(self, caption: str, default_path: str, name_filter: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, caption, default_path, f"{name_filter};;All files (*)")
        return path

    def ask_open_path(self, caption: str, start_dir: str, name_filter: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, caption, start_dir, name_filter)
        return path

    def export_dir(self) -> str:
        """Where the dialogs start: the folder this project last exported to, else next to the project (when it
        was saved), else the last export folder, else home."""
        settings = getattr(self.window, "settings", None)
        last = str(settings.value("export/last_dir", "") or "") if settings is not None else ""
        project = str(settings.value("export/last_project", "") or "") if settings is not None else ""
        usable = bool(last) and os.path.isdir(last)
        if usable and self.document.path and project == self.document.path:
            return last
        if self.document.path:
            return os.path.dirname(self.document.path)
        return last if usable else os.path.expanduser("~")

    def _remember(self, path: str) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        settings = getattr(self.window, "settings", None)
        if settings is not None:
            settings.setValue("export/last_dir", folder)
            settings.setValue("export/last_project", self.document.path or "")
        remember_dir(path)

    def base_name(self) -> str:
        """The project's name for file names: the file's name, else its title, else "model"."""
        doc = self.document
        if doc.path:
            return safe_file_name(os.path.splitext(os.path.basename(doc.path))[0])
        title = doc.title   # a title (an example's "Digits: convolutional network") as "digits-convolutional-network"
        if title and title != "Untitled":
            return slug_file_name(title)
        model = doc.model
        return slug_file_name(getattr(model, "name", "") or "model")

    def default_path(self, kind: str) -> str:
        spec = SPEC_BY_KIND[kind]
        suffix = spec.suffix
        if spec.needs == "diagram":
            suffix = "-neurons" if self._diagram_mode() == "neurons" else "-layers"
        return os.path.join(self.export_dir(), self.base_name() + suffix + spec.ext)

    # ================================================================== export
    def _diagram_mode(self) -> str:
        mode = getattr(self.window, "view_mode", None)
        return mode() if callable(mode) else "layers"

    def diagram_scene(self):
        """The scene of the diagram on screen (neuron view when it is shown, else the layer view)."""
        if self._diagram_mode() == "neurons":
            return self.window.neuron_view.neuron_scene
        return self.window.layer_view.layer_scene

    def export(self, kind: str, path: str | None = None) -> bool:
        """Export ``kind`` (a key of ``SPEC_BY_KIND``) to ``path`` — asked for when ``None``.
        True when the file was written; every failure is shown, never raised."""
        spec = SPEC_BY_KIND[kind]
        reason = self._reason_unavailable(spec.needs)
        if reason:
            self._fail(kind, f"Cannot export {spec.what}", f"Nothing to export: {reason}.")
            return False
        if path is None:
            path = self.ask_save_path(f"Export {spec.what}", self.default_path(kind), spec.name_filter)
            if not path:
                return False
            path = with_extension(path, spec.ext)
        name = os.path.basename(path)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if spec.package:
                require(spec.package)
            detail = self._write(spec, path)
        except MissingDependency as exc:
            self._fail(kind, f"Cannot export {spec.what}", f"{name} was not written: {exc}")
            return False
        except Exception as exc:  # noqa: BLE001 — any failure is shown; the writers leave no partial file
            self._fail(kind, f"Cannot export {spec.what}", f"{name} was not written:\n\n{_describe(exc)}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._remember(path)
        try:
            size = _size_text(os.path.getsize(path))
        except OSError:
            size = ""
        extra = ", ".join(x for x in (detail, size) if x)
        note = ""
        if spec.needs == "model" and self._training_running():
            note = " — the weights as of the last pause (training is running)"
        self.window.status_message(f"Exported {spec.what} to {name}" + (f" ({extra})" if extra else "") + note, 8000)
        self.exported.emit(kind, path)
        return True

    def _write(self, spec: ExportSpec, path: str) -> str:
        """Write the file; returns a detail for the status bar ("" for none)."""
        doc = self.document
        kind = spec.kind
        from nnviz.io.scaling import export_note, scaling_for
        scaling = scaling_for(doc.model, doc.dataset) if doc.model is not None else None  # travels with the model
        lost = getattr(self.window, "missing_dataset_spec", None) if doc.dataset is None else None
        lost = ((lost or {}).get("params") or {}).get("scaling") not in (None, "none")
        if kind in ("npz", "h5", "json"):
            from nnviz.io.weights import save_weights
            save_weights(doc.model, path, input_scaling=scaling)
            n = doc.model.count_params()
            return f"{n:,} parameter{'s' if n != 1 else ''}"
        if kind in ("onnx", "keras", "pytorch"):
            from nnviz.io.keras_export import export_keras
            from nnviz.io.onnx_export import export_onnx
            from nnviz.io.pytorch_export import export_pytorch
            {"onnx": export_onnx, "keras": export_keras, "pytorch": export_pytorch}[kind](doc.model, path,
                                                                                         input_scaling=scaling)
            return ("without the input scaling it was trained with: its data file is missing, so it takes inputs "
                    "scaled as in training" if lost else export_note(kind, scaling))
        if kind in ("encoder_onnx", "decoder_onnx"):
            from nnviz.io.systems_export import export_autoencoder_part
            part = export_autoencoder_part(doc.model, kind.split("_")[0], path, "onnx")
            return f"input {tuple(part.input_shape[1:])} → output {tuple(part.output_shape[1:])}"
        if kind == "history_csv":
            from nnviz.io.history import save_history_csv
            save_history_csv(doc.history, path)
            n = max((len(v) for v in doc.history.values()), default=0)
            return f"{n} epoch{'s' if n != 1 else ''}"
        if kind in ("diagram_png", "diagram_svg"):
            view = "neuron view" if self._diagram_mode() == "neurons" else "layer view"
            size = export_scene_image(self.diagram_scene(), path, title=f"{self.base_name()} — {view}")
            return f"{size.width()} × {size.height()}" + (" px" if kind == "diagram_png" else "")
        raise ValueError(f"unknown export {kind!r}")  # pragma: no cover - SPECS and _write agree

    # ================================================================== import
    def import_weights(self, path: str | None = None) -> bool:
        """Load weights from ``path`` (asked for when ``None``) into the document. A file that does not
        fit the architecture is refused with the expected and found shapes; the document is then
        unchanged. True when the weights were set."""
        reason = self._reason_unavailable("model")
        if reason:
            self._fail("import", "Cannot import weights", f"Nothing to import into: {reason}.")
            return False
        if path is None:
            path = self.ask_open_path("Import weights", self.export_dir(), IMPORT_FILTER)
            if not path:
                return False
        name = os.path.basename(path)
        if self._training_running():
            self._fail("import", "Cannot import weights",
                       f"{name} was not loaded: training is running. Pause or stop it first.")
            return False
        from nnviz.io.weights import WeightsError, format_of, load_weights

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            fmt = format_of(path)
            if fmt in ("h5", "keras"):
                require("h5py")
            probe = self.document.model.clone()   # the document's model is touched only when all fits
            file_scaling = load_weights(probe, path)   # a .keras file's input scaling (its first layer)
            weights = probe.get_weights()
        except MissingDependency as exc:
            self._fail("import", "Cannot import weights", f"{name} was not loaded: {exc}")
            return False
        except WeightsError as exc:
            self._fail("import", "Cannot import weights",
                       f"{name} cannot be loaded into this network; the network is unchanged.\n\n"
                       f"{readable_weights_error(str(exc), path)}")
            return False
        except Exception as exc:  # noqa: BLE001 — anything else a damaged file can cause: shown, not raised
            self._fail("import", "Cannot import weights", f"{name} was not loaded:\n\n{_describe(exc)}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.document.set_weights(weights)
        self._remember(path)
        n = self.document.model.count_params()
        from nnviz.io.scaling import imported_scaling_note, scaling_for
        note = imported_scaling_note(file_scaling, scaling_for(self.document.model, self.document.dataset))
        self.window.status_message(f"Imported {n:,} weights from {name}" + (f" — {note}" if note else ""),
                                   15000 if note else 8000)
        self.imported.emit(path)
        return True

    def _training_running(self) -> bool:
        ui = getattr(self.window, "training_ui", None)
        controller = getattr(ui, "controller", None)
        running = getattr(controller, "is_running", False)
        return bool(running() if callable(running) else running)

    # ================================================================== errors
    def _fail(self, kind: str, title: str, message: str) -> None:
        self.window.show_error(title, message)
        self.failed.emit(kind, message)


_MARK = re.compile(r"^\s+(.*?)\s+<-- (?:mismatch|missing|unexpected)$")


def readable_weights_error(text: str, path: str) -> str:
    """A :class:`WeightsError` message for a message box: the file's name instead of its full path, and the
    per-weight lines marked ✗ / ✓ up front (short lines do not wrap in the box)."""
    text = text.replace(repr(os.fspath(path)), repr(os.path.basename(os.fspath(path))))
    lines = []
    for line in text.splitlines():
        bad = _MARK.match(line)
        if bad:
            lines.append(f"✗ {bad.group(1)}")
        elif line.startswith("  ") and ": expected " in line:
            lines.append(f"✓ {line.strip()}")
        else:
            lines.append(line)
    return "\n".join(lines)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, (ValueError, OSError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def attach_exports(window) -> ExportController:
    """Fill File ▸ Export and add File ▸ Import Weights… on ``window`` (a MainWindow); idempotent.
    Returns the controller, also kept as ``window.exports``."""
    existing = getattr(window, "exports", None)
    if isinstance(existing, ExportController):
        return existing
    controller = ExportController(window)
    window.exports = controller
    attach_plot_image_exports(window)
    return controller


#: what "Export image…" calls a dock's picture where its title does not read as a noun
PLOT_NAMES = {"predict": "predict panel", "data": "data preview"}


def attach_plot_image_exports(window) -> list:
    """Give every dock that shows pyqtgraph plots "Export image…" (PNG or SVG) and "Copy image" in its
    right-click menu; returns the export actions added (docks that already have one are skipped)."""
    import pyqtgraph as pg

    added = []
    for dock in window.findChildren(QDockWidget):
        content = dock.widget()
        if content is None or getattr(content, "image_export_hook", None) is not None:
            continue
        if isinstance(content, pg.GraphicsView) or content.findChildren(pg.GraphicsView):
            name = dock.windowTitle().replace("&", "").strip().lower() or "plot"
            name = PLOT_NAMES.get(name, name)   # "Save the predict panel as ...", not "the predict"
            added.append(add_image_export_action(content, name=name))
    return added
