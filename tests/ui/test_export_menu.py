"""File ▸ Export ▸ … and File ▸ Import Weights…, driven through the real actions (and once through the
menus with the mouse and keyboard), plus the image export helper the plot docks use."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMenu

from nnviz.io.weights import load_weights
from nnviz.ui.export_menu import SPECS, attach_exports
from nnviz.ui.image_export import DIAGRAM_MARGIN, add_image_export_action, export_rect, export_widget_image, render_image

EXPORT_NAMES = ["actionExportNpz", "actionExportH5", "actionExportJson", "actionExportOnnx", "actionExportKeras",
                "actionExportPytorch", "actionExportEncoderOnnx", "actionExportDecoderOnnx", "actionExportHistoryCsv",
                "actionExportDiagramPng", "actionExportDiagramSvg"]
MODEL_EXPORTS = EXPORT_NAMES[:8]
SVG_NS = "{http://www.w3.org/2000/svg}"


# ------------------------------------------------------------------------------------------ helpers
@pytest.fixture
def window(main_window):
    attach_exports(main_window)
    return main_window


def action(window, name):
    a = getattr(window, name)
    assert a.objectName() == name
    return a


class Dialogs:
    """Stands in for the file dialogs: records what they were asked and answers with ``answer``."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def __call__(self, caption, default, name_filter):
        self.calls.append((caption, default, name_filter))
        return str(self.answer) if self.answer else ""


def save_dialog(window, monkeypatch, answer) -> Dialogs:
    d = Dialogs(answer)
    monkeypatch.setattr(window.exports, "ask_save_path", d)
    return d


def open_dialog(window, monkeypatch, answer) -> Dialogs:
    d = Dialogs(answer)
    monkeypatch.setattr(window.exports, "ask_open_path", d)
    return d


def trained_looking_weights(window, seed=0):
    """Give the document distinctive (non-initial) weights, as after training."""
    rng = np.random.default_rng(seed)
    model = window.document.model
    new = [rng.normal(size=w.shape).astype(w.dtype) for w in model.get_weights()]
    window.document.set_weights(new)
    return [w.copy() for w in window.document.model.get_weights()]


def pixels(image: QImage) -> np.ndarray:
    """The image as a (height, width) array of 0xAARRGGBB values."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint32, count=image.width() * image.height()).reshape(
        image.height(), image.width()).copy()


def make_invalid(window):
    """A Conv2D after the Dense layers of the default 2-feature network cannot be built."""
    doc = window.document
    doc.add_layer(doc.layer_count(), "Conv2D")
    assert not doc.is_valid


# ------------------------------------------------------------------------------------------ the menu
def test_export_menu_has_every_format_with_names_icons_and_tips(window):
    export = window.menu("File/Export")
    items = [a for a in export.actions() if not a.isSeparator()]
    assert [a.objectName() for a in items] == EXPORT_NAMES
    assert [a.text() for a in items] == [
        "Weights (.npz)…", "Keras weights (.weights.h5)…", "Weights as JSON…", "ONNX model…",
        "Keras model (.keras)…", "PyTorch script…", "Encoder (to the code) as ONNX…", "Decoder (from the code) as ONNX…",
        "Training history (CSV)…", "Diagram as PNG…", "Diagram as SVG…"]
    # grouped: weights | models | history | diagram
    kinds = ["S" if a.isSeparator() else "a" for a in export.actions()]
    assert "".join(kinds) == "aaaSaaaaaSaSaa"
    for a in items:
        assert a.toolTip() and a.statusTip(), a.objectName()
        assert not a.icon().isNull(), a.objectName()
    assert export.toolTipsVisible()
    # Import sits in File, right before the Export submenu
    file_actions = window.menu("File").actions()
    imp = action(window, "actionImportWeights")
    assert file_actions[file_actions.index(export.menuAction()) - 1] is imp
    assert not imp.icon().isNull() and ".npz" in imp.toolTip()
    assert attach_exports(window) is window.exports           # idempotent
    assert len([a for a in export.actions() if not a.isSeparator()]) == 11


def test_actions_follow_the_validity_of_the_network(window, qtbot, tmp_path):
    doc = window.document
    for name in MODEL_EXPORTS + ["actionImportWeights", "actionExportDiagramPng", "actionExportDiagramSvg"]:
        assert action(window, name).isEnabled(), name
    make_invalid(window)
    for name in MODEL_EXPORTS + ["actionImportWeights"]:
        a = action(window, name)
        assert not a.isEnabled(), name
        assert "not valid" in a.toolTip()
    # the diagram of a broken network is still worth a picture (its red block shows what is wrong)
    assert action(window, "actionExportDiagramPng").isEnabled()
    assert action(window, "actionExportDiagramSvg").isEnabled()
    with qtbot.waitSignal(window.error_shown) as blocker:     # from a script: refused the same way
        assert not window.exports.export("onnx", str(tmp_path / "x.onnx"))
    assert "not valid" in blocker.args[0] and list(tmp_path.iterdir()) == []
    doc.undo_stack.undo()
    assert doc.is_valid
    for name in MODEL_EXPORTS + ["actionImportWeights"]:
        a = action(window, name)
        assert a.isEnabled() and "not valid" not in a.toolTip(), name


def test_history_csv_needs_a_history_and_writes_the_keras_columns(window, qtbot, monkeypatch, tmp_path):
    doc = window.document
    csv_action = action(window, "actionExportHistoryCsv")
    assert not csv_action.isEnabled() and "no training history" in csv_action.toolTip()
    logs = [{"loss": 0.69, "accuracy": 0.5, "val_loss": 0.70, "val_accuracy": 0.48},
            {"loss": 0.41, "accuracy": 0.81, "val_loss": 0.45, "val_accuracy": 0.79},
            {"loss": 0.22, "accuracy": 0.93, "val_loss": 0.25, "val_accuracy": 0.91}]
    for entry in logs:
        doc.append_history(entry)
    assert csv_action.isEnabled()
    dialogs = save_dialog(window, monkeypatch, tmp_path / "history")      # typed without the extension
    with qtbot.waitSignal(window.exports.exported):
        csv_action.trigger()
    assert dialogs.calls[0][1].endswith(".csv") and "*.csv" in dialogs.calls[0][2]
    with open(tmp_path / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert [float(r["val_loss"]) for r in rows] == [0.70, 0.45, 0.25]
    assert "history.csv" in window.statusBar().currentMessage() and "3 epochs" in window.statusBar().currentMessage()
    doc.reset_history()
    assert not csv_action.isEnabled()


# ------------------------------------------------------------------------------------------ weights
@pytest.mark.parametrize("name, ext", [("actionExportNpz", ".npz"), ("actionExportH5", ".weights.h5"),
                                       ("actionExportJson", ".json")])
def test_weights_exports_round_trip_bit_exact(window, qtbot, monkeypatch, tmp_path, name, ext):
    expected = trained_looking_weights(window)
    dialogs = save_dialog(window, monkeypatch, tmp_path / f"trained{ext}")
    with qtbot.waitSignal(window.exports.exported) as blocker:
        action(window, name).trigger()
    path = tmp_path / f"trained{ext}"
    kind = {"actionExportNpz": "npz", "actionExportH5": "h5", "actionExportJson": "json"}[name]
    assert blocker.args == [kind, str(path)]
    caption, default, name_filter = dialogs.calls[0]
    assert default.endswith(ext) and f"*{ext}" in name_filter
    probe = window.document.model.clone()
    for w in probe.layers:
        for key in w.params:
            w.params[key][...] = 0
    load_weights(probe, path)
    got = probe.get_weights()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape
        assert np.array_equal(g, e)                           # bit-exact
    assert path.name in window.statusBar().currentMessage()
    assert window.last_error == ""
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp files left next to it


def test_default_file_names_come_from_the_project_and_get_the_extension(window, monkeypatch, tmp_path):
    assert window.save_to(str(tmp_path / "spiral net.nnviz"))
    dialogs = save_dialog(window, monkeypatch, "")               # cancelled: nothing written, no message
    exports = window.exports
    for a in exports.actions.values():
        a.trigger()
    defaults = [os.path.basename(call[1]) for call in dialogs.calls]
    assert defaults == ["spiral net.npz", "spiral net.weights.h5", "spiral net.json", "spiral net.onnx",
                        "spiral net.keras", "spiral net_pytorch.py", "spiral net_encoder.onnx", "spiral net_decoder.onnx",
                        "spiral net-layers.png", "spiral net-layers.svg"]
    assert all(os.path.dirname(call[1]) == str(tmp_path) for call in dialogs.calls)
    assert window.last_error == "" and sorted(p.name for p in tmp_path.iterdir()) == ["spiral net.nnviz"]
    # a name typed without the extension gets it; "x.h5" becomes Keras 3's "x.weights.h5"
    out = tmp_path / "out"
    out.mkdir()
    save_dialog(window, monkeypatch, out / "plain")
    action(window, "actionExportOnnx").trigger()
    save_dialog(window, monkeypatch, out / "keras.h5")
    action(window, "actionExportH5").trigger()
    assert sorted(p.name for p in out.iterdir()) == ["keras.weights.h5", "plain.onnx"]
    # the next dialog starts in the folder used last
    dialogs = save_dialog(window, monkeypatch, "")
    action(window, "actionExportNpz").trigger()
    assert os.path.dirname(dialogs.calls[0][1]) == str(out)


# ------------------------------------------------------------------------------------------ models
def test_onnx_export_predicts_like_the_model_in_onnxruntime(window, qtbot, monkeypatch, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    trained_looking_weights(window, seed=3)
    save_dialog(window, monkeypatch, tmp_path / "net.onnx")
    with qtbot.waitSignal(window.exports.exported):
        action(window, "actionExportOnnx").trigger()
    model = window.document.model
    x = np.random.default_rng(1).normal(size=(64, *model.input_shape[1:])).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "net.onnx"), providers=["CPUExecutionProvider"])
    (y,) = session.run(["output"], {"input": x})
    np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)


def test_keras_export_is_a_keras_archive(window, qtbot, monkeypatch, tmp_path):
    save_dialog(window, monkeypatch, tmp_path / "net.keras")
    with qtbot.waitSignal(window.exports.exported):
        action(window, "actionExportKeras").trigger()
    with zipfile.ZipFile(tmp_path / "net.keras") as zf:
        assert {"config.json", "metadata.json", "model.weights.h5"} <= set(zf.namelist())
        config = json.loads(zf.read("config.json"))
    assert config["class_name"] == "Sequential"
    layer_names = [layer["config"]["name"] for layer in config["config"]["layers"]]
    for layer in window.document.model.layers:
        assert layer.name in layer_names


def test_pytorch_export_is_a_script_that_builds_the_network(window, qtbot, monkeypatch, tmp_path):
    save_dialog(window, monkeypatch, tmp_path / "net.py")
    with qtbot.waitSignal(window.exports.exported):
        action(window, "actionExportPytorch").trigger()
    text = (tmp_path / "net.py").read_text(encoding="utf-8")
    compile(text, "net.py", "exec")                            # valid Python
    assert "class ChannelsLastConv2d(nn.Module)" in text and "nn.Sequential(OrderedDict([" in text
    assert "def build_model():" in text
    for layer in window.document.model.layers:
        assert repr(layer.name) in text


# ------------------------------------------------------------------------------------------ failures
@pytest.mark.parametrize("name, package, ext", [("actionExportOnnx", "onnx", ".onnx"),
                                                ("actionExportH5", "h5py", ".weights.h5"),
                                                ("actionExportKeras", "h5py", ".keras")])
def test_missing_optional_package_says_how_to_install_it(window, qtbot, monkeypatch, tmp_path, name, package, ext):
    monkeypatch.setitem(sys.modules, package, None)              # "import onnx" now raises ImportError
    save_dialog(window, monkeypatch, tmp_path / f"net{ext}")
    with qtbot.waitSignal(window.error_shown) as blocker:
        action(window, name).trigger()
    message = blocker.args[0]
    assert f"'{package}'" in message and 'pip install "nnviz[export]"' in message
    assert f"net{ext} was not written" in message
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_is_reported_and_keeps_the_previous_file(window, qtbot, monkeypatch, tmp_path):
    import nnviz.io.weights as weights_io
    real_atomic_write = weights_io.atomic_write

    @contextlib.contextmanager
    def disk_full_half_way(path, mode="wb", **kwargs):
        with real_atomic_write(path, mode, **kwargs) as f:
            class HalfWriter:
                def write(self, data):
                    f.write(data[: len(data) // 2])
                    raise OSError(28, "No space left on device")
            yield HalfWriter()

    target = tmp_path / "w.npz"
    target.write_bytes(b"previous")
    monkeypatch.setattr(weights_io, "atomic_write", disk_full_half_way)
    save_dialog(window, monkeypatch, target)
    with qtbot.waitSignal(window.error_shown) as blocker:
        action(window, "actionExportNpz").trigger()
    assert "w.npz was not written" in blocker.args[0] and "No space left on device" in blocker.args[0]
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]          # the half-written temp file is gone
    monkeypatch.setattr(weights_io, "atomic_write", real_atomic_write)
    save_dialog(window, monkeypatch, tmp_path / "no such folder" / "w.npz")
    with qtbot.waitSignal(window.error_shown) as blocker:
        action(window, "actionExportNpz").trigger()
    assert "w.npz was not written" in blocker.args[0] and "does not exist" in blocker.args[0]


# ------------------------------------------------------------------------------------------ import
def test_import_weights_sets_them_on_the_document(window, qtbot, monkeypatch, tmp_path):
    doc = window.document
    trained = trained_looking_weights(window, seed=7)
    save_dialog(window, monkeypatch, tmp_path / "trained.json")
    action(window, "actionExportJson").trigger()
    doc.reinitialize_weights()
    assert not np.array_equal(doc.model.get_weights()[0], trained[0])
    dialogs = open_dialog(window, monkeypatch, tmp_path / "trained.json")
    with qtbot.waitSignals([doc.weights_changed, window.exports.imported]):
        action(window, "actionImportWeights").trigger()
    assert "*.npz" in dialogs.calls[0][2] and "*.weights.h5" in dialogs.calls[0][2]
    for got, want in zip(doc.model.get_weights(), trained):
        assert np.array_equal(got, want)
    assert doc.is_modified
    assert "Imported" in window.statusBar().currentMessage() and "trained.json" in window.statusBar().currentMessage()
    # the neuron view (observing the document) shows the imported weights: its thickest edge is the largest |w|
    view = window.neuron_view
    kernel = doc.model.layers[0].params["kernel"]
    k, j = np.unravel_index(np.argmax(np.abs(kernel)), kernel.shape)
    widths = {e: view.edge_item(e).pen().widthF() for e in view.edge_ids() if e[0] == 1}
    assert max(widths, key=widths.get) == (1, int(j), int(k))


def test_import_of_a_mismatched_file_is_refused_with_the_shapes(window, qtbot, monkeypatch, tmp_path):
    doc = window.document
    before = trained_looking_weights(window, seed=11)
    named = dict(zip(doc.model.weight_keys(), doc.model.get_weights()))
    first = next(iter(named))                                  # dense/kernel, (2, 4)
    exp_shape = named[first].shape
    named[first] = np.zeros((exp_shape[0] + 1, exp_shape[1]), np.float32)
    np.savez(tmp_path / "other.npz", **named)
    open_dialog(window, monkeypatch, tmp_path / "other.npz")
    changes = []
    doc.weights_changed.connect(lambda: changes.append(1))
    with qtbot.waitSignal(window.error_shown) as blocker:
        action(window, "actionImportWeights").trigger()
    message = blocker.args[0]
    assert "other.npz cannot be loaded into this network; the network is unchanged" in message
    rows, cols = exp_shape
    assert f"✗ {first}: expected ({rows}, {cols}), found ({rows + 1}, {cols})" in message
    assert str(tmp_path) not in message                        # the file by its name, not its full path
    assert window.last_error == message
    assert changes == []
    for got, want in zip(doc.model.get_weights(), before):
        assert np.array_equal(got, want)
    # damaged files are refused just as cleanly
    (tmp_path / "broken.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)
    open_dialog(window, monkeypatch, tmp_path / "broken.weights.h5")
    with qtbot.waitSignal(window.error_shown) as blocker:
        action(window, "actionImportWeights").trigger()
    assert "broken.weights.h5" in blocker.args[0] and changes == []


def test_import_is_refused_while_the_network_is_invalid(window, qtbot, monkeypatch, tmp_path):
    make_invalid(window)
    dialogs = open_dialog(window, monkeypatch, tmp_path / "x.npz")
    with qtbot.waitSignal(window.error_shown) as blocker:
        window.exports.import_weights()                         # e.g. from a script: still refused
    assert "not valid" in blocker.args[0] and dialogs.calls == []


# ------------------------------------------------------------------------------------------ diagram images
@pytest.mark.parametrize("mode", ["layers", "neurons"])
def test_diagram_png_is_the_whole_diagram_at_twice_the_size(window, qtbot, monkeypatch, tmp_path, mode):
    window.set_view_mode(mode)
    window.layer_view.select_indices([0])                      # a selection outline is not part of the figure
    scene = window.exports.diagram_scene()
    assert scene is (window.neuron_view.neuron_scene if mode == "neurons" else window.layer_view.layer_scene)
    rect = export_rect(scene)
    save_dialog(window, monkeypatch, tmp_path / "diagram.png")
    with qtbot.waitSignal(window.exports.exported):
        action(window, "actionExportDiagramPng").trigger()
    image = QImage(str(tmp_path / "diagram.png"))
    assert not image.isNull()
    assert (image.width(), image.height()) == (round(rect.width() * 2), round(rect.height() * 2))
    assert image.width() > 300 and image.height() > 200
    px = pixels(image)
    assert len(np.unique(px)) > 20                             # a picture, not a blank canvas
    # every item is inside the picture, and the margin around them is plain background (no dot grid)
    band = 2 * int(DIAGRAM_MARGIN) - 8
    assert (px[:band] == px[0, 0]).all() and (px[-band:] == px[0, 0]).all()
    assert (px[:, :band] == px[0, 0]).all() and (px[:, -band:] == px[0, 0]).all()
    assert window.layer_view.selected_indices() == [0]          # the selection is back
    assert "diagram.png" in window.statusBar().currentMessage()


def test_diagram_svg_is_valid_xml_with_the_layer_titles(window, qtbot, monkeypatch, tmp_path):
    rect = export_rect(window.layer_view.layer_scene)
    save_dialog(window, monkeypatch, tmp_path / "diagram.svg")
    with qtbot.waitSignal(window.exports.exported):
        action(window, "actionExportDiagramSvg").trigger()
    root = ET.parse(tmp_path / "diagram.svg").getroot()
    assert root.tag == SVG_NS + "svg"
    box = [float(v) for v in root.get("viewBox").split()]
    assert box[2] == pytest.approx(rect.width()) and box[3] == pytest.approx(rect.height())
    texts = " ".join(t.text or "" for t in root.iter(SVG_NS + "text"))
    assert "Input" in texts and "Dense 4 · tanh" in texts and "softmax" in texts


# ------------------------------------------------------------------------------------------ through the menus
def test_export_through_the_menus_with_mouse_and_keyboard(window, qtbot, qtlog, monkeypatch, tmp_path):
    trained_looking_weights(window)
    bar = window.menuBar()
    file_menu = window.menu("File")
    export_menu = window.menu("File/Export")
    # Qt's offscreen platform warns that it cannot raise a popup or grab the keyboard for it; those say
    # nothing about our code, so they are not captured for the popups below
    with qtlog.disabled():
        # the mouse: click File, hover Export, click "Weights (.npz)…"
        save_dialog(window, monkeypatch, tmp_path / "clicked.npz")
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(file_menu.menuAction()).center())
        qtbot.waitUntil(file_menu.isVisible)
        qtbot.mouseMove(file_menu, file_menu.actionGeometry(export_menu.menuAction()).center())
        qtbot.waitUntil(export_menu.isVisible)
        target = action(window, "actionExportNpz")
        pos = export_menu.actionGeometry(target).center()
        qtbot.mouseMove(export_menu, pos)
        with qtbot.waitSignal(window.exports.exported):
            qtbot.mouseClick(export_menu, Qt.MouseButton.LeftButton, pos=pos)
        qtbot.waitUntil(lambda: not file_menu.isVisible())
        assert (tmp_path / "clicked.npz").exists()
        # the keyboard only: Alt+F, X (E&xport opens its submenu), Down, Down, Return
        save_dialog(window, monkeypatch, tmp_path / "typed.json")
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(file_menu.isVisible)
        qtbot.keyClick(file_menu, Qt.Key.Key_X)
        qtbot.waitUntil(export_menu.isVisible)
        assert file_menu.activeAction() is export_menu.menuAction()
        assert export_menu.activeAction() is target
        qtbot.keyClick(export_menu, Qt.Key.Key_Down)
        qtbot.keyClick(export_menu, Qt.Key.Key_Down)
        assert export_menu.activeAction() is action(window, "actionExportJson")
        with qtbot.waitSignal(window.exports.exported):
            qtbot.keyClick(export_menu, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not file_menu.isVisible())
    assert (tmp_path / "typed.json").exists()


# ------------------------------------------------------------------------------------------ plots (pyqtgraph)
@pytest.fixture
def loss_plot(qtbot):
    import pyqtgraph as pg
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    plot = widget.addPlot()
    plot.setMenuEnabled(False)                 # as the training plots have it (nnviz.ui.training.common.style_plot)
    plot.setLabel("left", "loss")
    plot.setLabel("bottom", "epoch")
    plot.addLegend()
    x = np.arange(30)
    plot.plot(x, np.exp(-x / 10), pen=pg.mkPen((0, 114, 178), width=2.5), name="training")
    plot.plot(x, np.exp(-x / 12) + 0.05, pen=pg.mkPen((213, 94, 0), width=2.5), name="validation")
    widget.resize(480, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, plot


def test_plot_images_png_and_svg(loss_plot, tmp_path):
    widget, plot = loss_plot
    for target in (plot, widget):
        rect = export_rect(target)
        size = export_widget_image(target, tmp_path / "plot.png")
        image = QImage(str(tmp_path / "plot.png"))
        assert (image.width(), image.height()) == (size.width(), size.height()) \
            == (round(rect.width() * 2), round(rect.height() * 2))
        assert ((pixels(image) & 0xFFFFFF) == 0x0072B2).sum() > 40      # the training curve's colour
        export_widget_image(target, tmp_path / "plot.svg")
        root = ET.parse(tmp_path / "plot.svg").getroot()
        assert root.tag == SVG_NS + "svg"
        texts = [(t.text or "").strip() for t in root.iter(SVG_NS + "text")]
        assert "loss" in texts and "epoch" in texts and "training" in texts      # text stays text
        assert b'd=""' not in (tmp_path / "plot.svg").read_bytes()
    assert render_image(plot, scale=1.0).size() == export_rect(plot).size().toSize()
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        export_widget_image(plot, tmp_path / "plot.bmp")


def right_click(widget, pos):
    """A right press and release (what pyqtgraph turns into a click), sent as the window system would."""
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtCore import QPointF
    glob = QPointF(widget.mapToGlobal(pos))
    for kind, buttons in ((QMouseEvent.Type.MouseButtonPress, Qt.MouseButton.RightButton),
                          (QMouseEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
        QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), glob, Qt.MouseButton.RightButton, buttons,
                                                   Qt.KeyboardModifier.NoModifier))


def test_plot_export_action_and_right_click_menu(loss_plot, qtbot, qtlog, tmp_path):
    widget, plot = loss_plot
    export = add_image_export_action(widget, plot, "loss curve")
    assert export.objectName() == "actionExportImage" and export in widget.actions()
    assert [a.text() for a in widget.actions()] == ["Export image…", "Copy image"]
    asked = []
    export.ask_path = lambda caption, default, name_filter: asked.append((default, name_filter)) or \
        str(tmp_path / "curve.svg")
    # a right click on the plot (press and release, no drag) opens the menu
    hook = widget.image_export_hook
    view_pos = widget.mapFromScene(plot.vb.sceneBoundingRect().center())
    with qtlog.disabled(), qtbot.waitSignal(hook.menu_shown) as shown:   # offscreen: "cannot raise()"
        right_click(widget.viewport(), view_pos)
    menu = shown.args[0]
    assert [a.text() for a in menu.actions()] == ["Export image…", "Copy image"]
    with qtbot.waitSignal(export.exported):
        menu.actions()[0].trigger()
    menu.close()
    assert asked[0][0].endswith("loss-curve.png") and "*.svg" in asked[0][1]
    assert ET.parse(tmp_path / "curve.svg").getroot().tag == SVG_NS + "svg"
    # Copy image puts the picture on the clipboard
    widget.actions()[1].trigger()
    assert QApplication.clipboard().image().size() == render_image(plot).size()
    # a failure is reported, not raised
    export.ask_path = lambda *args: str(tmp_path / "missing" / "x.png")
    with qtbot.waitSignal(export.failed) as failed:
        export.trigger()
    assert "x.png was not written" in failed.args[0]
    QApplication.processEvents()
    for box in widget.findChildren(QMenu):
        box.close()


def test_plain_widget_right_click_menu_and_image(qtbot, qtlog, tmp_path):
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
    panel = QWidget()
    layout = QVBoxLayout(panel)
    label = QLabel("accuracy 93.4 %")
    layout.addWidget(label)
    panel.resize(240, 120)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    add_image_export_action(panel, name="panel")
    hook = panel.image_export_hook
    with qtlog.disabled(), qtbot.waitSignal(hook.menu_shown) as shown:
        # the context-menu event of a child bubbles up to the panel
        from PySide6.QtGui import QContextMenuEvent
        QApplication.sendEvent(label, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5),
                                                        label.mapToGlobal(QPoint(5, 5))))
    shown.args[0].close()
    size = export_widget_image(panel, tmp_path / "panel.png", scale=1.5)
    assert (size.width(), size.height()) == (360, 180)
    assert not QImage(str(tmp_path / "panel.png")).isNull()
    export_widget_image(panel, tmp_path / "panel.svg")
    texts = [t.text for t in ET.parse(tmp_path / "panel.svg").getroot().iter(SVG_NS + "text")]
    assert any("93.4" in (t or "") for t in texts)


def test_every_spec_has_a_file_filter_matching_its_extension():
    for spec in SPECS:
        assert f"*{spec.ext}" in spec.name_filter, spec.kind


def test_every_plot_dock_exports_its_image_as_png_and_svg(main_window, monkeypatch, tmp_path):
    from xml.etree import ElementTree

    from PySide6.QtGui import QImage

    from nnviz.ui.export_menu import attach_plot_image_exports
    from nnviz.ui.training.integration import attach_training

    window = main_window
    controller = attach_training(window, window.document)
    try:
        added = attach_plot_image_exports(window)
        names = {a.name for a in added}
        assert {"loss and accuracy", "weights", "decision boundary", "predict panel"} <= names, names
        predict = next(a for a in added if a.name == "predict panel")   # not "Save the predict as ..."
        assert predict.toolTip() == "Save the predict panel as a PNG or SVG image"
        assert attach_plot_image_exports(window) == []  # idempotent: no second menu entry
        loss = next(a for a in added if a.name == "loss and accuracy")
        for suffix in ("png", "svg"):
            path = tmp_path / f"curves.{suffix}"
            monkeypatch.setattr(loss, "ask_path", lambda *args, p=path: str(p))
            loss.trigger()
            assert path.exists() and path.stat().st_size > 0
        image = QImage(str(tmp_path / "curves.png"))
        assert not image.isNull() and image.width() > 100 and image.height() > 100
        assert ElementTree.parse(tmp_path / "curves.svg").getroot().tag.endswith("svg")
    finally:
        controller.shutdown()
