"""The main window: menus and shortcuts, project files, unsaved-changes prompts, autosave, settings, themes."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from nnviz.ui import theme
from nnviz.ui.main_window import EXAMPLES_DIR

CTRL = Qt.KeyboardModifier.ControlModifier


def menu_texts(menu):
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


# ------------------------------------------------------------------------------------------- menus
def test_menus_are_exactly_as_specified(main_window):
    w = main_window
    bar = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert bar == ["File", "Edit", "View", "Help"]
    assert menu_texts(w.menu("File")) == ["New", "Open…", "Open Recent", "Examples", "Save", "Save As…", "Export",
                                          "Quit"]
    assert w.menu("File/Export").actions() == []          # filled by the export panel
    edit = menu_texts(w.menu("Edit"))
    assert edit[0].startswith("Undo") and edit[1].startswith("Redo") and edit[2] == "Delete"
    view = menu_texts(w.menu("View"))
    assert view[:4] == ["Layers", "Inspector", "Summary", "Reset Layout"]
    assert "Layer View" in view and "Neuron View" in view and "Fit to View" in view
    assert menu_texts(w.menu("Help")) == ["Keyboard Shortcuts", "About nnviz"]


def test_actions_have_object_names_and_standard_shortcuts(main_window):
    w = main_window
    expected = {"actionNew": "Ctrl+N", "actionOpen": "Ctrl+O", "actionSave": "Ctrl+S", "actionSaveAs": "Ctrl+Shift+S",
                "actionUndo": "Ctrl+Z", "actionRedo": "Ctrl+Shift+Z", "actionDelete": "Del", "actionQuit": "Ctrl+Q",
                "actionLayerView": "Ctrl+1", "actionNeuronView": "Ctrl+2", "actionFitView": "Ctrl+Alt+0",
                "actionUiZoomIn": "Ctrl+=", "actionUiZoomOut": "Ctrl+-", "actionUiZoomReset": "Ctrl+0"}
    for name, keys in expected.items():
        action = w.findChild(type(w.actionNew), name)
        assert action is not None, name
        assert action.shortcut().toString() == keys, name
    for action in w.findChildren(type(w.actionNew)):
        if action.text() and not action.isSeparator() and action.menu() is None and action.parent() is w:
            assert action.objectName(), action.text()


def test_extension_points_for_other_panels(main_window, qtbot):
    from PySide6.QtWidgets import QLabel
    w = main_window
    dock = w.add_dock(QLabel("data"), "Data", Qt.DockWidgetArea.LeftDockWidgetArea, "dockData")
    toggle = dock.toggleViewAction()
    assert toggle in w.menu("View").actions() and toggle.objectName() == "actionToggleDockData"
    assert menu_texts(w.menu("View"))[:4] == ["Layers", "Inspector", "Summary", "Data"]
    training = w.menu("Training")
    assert [a.text() for a in w.menuBar().actions()][-1] == "&Help"     # new menus go before Help
    assert training.objectName() == "menuTraining"
    assert w.menu("File/Export") is w.menu("File/Export")
    assert w.toolbar.objectName() == "mainToolbar"
    qtbot.waitUntil(dock.isVisible)
    toggle.trigger()
    assert not dock.isVisible()
    w.reset_layout()
    assert dock.isVisible()


# ------------------------------------------------------------------------------------------- files
def _perturb(w):
    """Edits of every kind the file must keep: a setting, trained weights, training settings, history."""
    doc = w.document
    doc.set_layer_option(0, "units", 6)
    rng = np.random.default_rng(7)
    doc.set_weights([rng.normal(size=a.shape).astype(np.float32) for a in doc.model.get_weights()])
    cfg = doc.training_config
    cfg.learning_rate = 0.123
    cfg.batch_size = 17
    doc.set_training_config(cfg)
    doc.append_history({"loss": 0.7, "accuracy": 0.55})
    doc.append_history({"loss": 0.5, "accuracy": 0.75})


def _state(doc):
    return (doc.architecture_config(), doc.training_config.to_dict(), doc.dataset_spec,
            {k: list(v) for k, v in doc.history.items()}, {k: v.copy() for k, v in doc.weights().items()})


def _assert_same(a, b):
    assert a[:4] == b[:4]
    assert list(a[4]) == list(b[4])
    for k in a[4]:
        np.testing.assert_array_equal(a[4][k], b[4][k])


def test_save_then_open_restores_the_identical_project(main_window, qtbot, tmp_path):
    w = main_window
    _perturb(w)
    before = _state(w.document)
    path = str(tmp_path / "mine.nnviz")
    w.ask_save_path = lambda: path[:-len(".nnviz")]            # the extension is added
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_S, CTRL)
    assert os.path.exists(path) and w.document.path == path
    assert not w.document.is_modified and not w.isWindowModified()
    assert w.windowTitle().startswith("mine")
    # replace it with a new project, then open the file again
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_N, CTRL)
    assert w.document.path == "" and w.document.model.layers[0].units == 4
    w.ask_open_path = lambda: path
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_O, CTRL)
    assert w.document.path == path
    _assert_same(_state(w.document), before)
    assert w.recent_files()[0] == path
    assert not w.document.is_modified


def test_a_truncated_file_is_refused_with_a_message_and_the_project_is_unchanged(main_window, qtbot, tmp_path):
    w = main_window
    _perturb(w)
    good = tmp_path / "good.nnviz"
    assert w.save_to(str(good))
    data = good.read_bytes()
    bad = tmp_path / "bad.nnviz"
    bad.write_bytes(data[: len(data) // 2])
    w.document.set_layer_option(1, "activation", "relu")        # unsaved work in the open project
    before = _state(w.document)
    w.ask_save_changes = lambda: "discard"
    w.ask_open_path = lambda: str(bad)
    with qtbot.waitSignal(w.error_shown) as sig:
        w.actionOpen.trigger()
    assert "bad.nnviz" in sig.args[0] and ("truncated" in sig.args[0] or "damaged" in sig.args[0])
    box = w.findChild(QMessageBox, "errorMessageBox")
    assert box is not None and box.isVisible() and "truncated" in box.text() or "damaged" in box.text()
    _assert_same(_state(w.document), before)
    assert w.document.path == str(good) and w.document.is_modified
    box.close()


def test_a_foreign_file_is_refused(main_window, tmp_path):
    w = main_window
    foreign = tmp_path / "notes.nnviz"
    foreign.write_text("hello")
    before = _state(w.document)
    assert not w.open_file(str(foreign))
    assert "not an nnviz project" in w.last_error
    _assert_same(_state(w.document), before)


@pytest.mark.parametrize("answer, proceeds", [("cancel", False), ("discard", True)])
def test_unsaved_changes_prompt_on_new_open_and_quit(make_main_window, qtbot, tmp_path, answer, proceeds):
    w = make_main_window()
    asked = []
    w.ask_save_changes = lambda: asked.append(1) or answer
    w.ask_open_path = lambda: str(tmp_path / "never-opened.nnviz")
    w.document.add_layer(0, "Dropout")
    w.actionNew.trigger()
    assert len(asked) == 1
    assert (w.document.layer_count() == 3) == proceeds
    if not proceeds:
        w.actionOpen.trigger()
        assert len(asked) == 2 and w.last_error == ""                    # Cancel: no file dialog, nothing opened
        w.close()
        assert len(asked) == 3 and w.isVisible()                          # Cancel keeps the window open
    else:
        w.document.add_layer(0, "Dropout")
        w.close()
        assert len(asked) == 2 and not w.isVisible()


def test_save_in_the_prompt_saves_first(make_main_window, tmp_path):
    w = make_main_window()
    path = str(tmp_path / "saved-on-quit.nnviz")
    w.document.add_layer(0, "Dropout")
    w.ask_save_changes = lambda: "save"
    w.ask_save_path = lambda: path
    w.close()
    assert not w.isVisible() and os.path.exists(path)


def test_examples_menu_lists_bundled_projects_by_title_and_opens_untitled_copies(main_window):
    w = main_window
    menu = w.menu("File/Examples")
    menu.aboutToShow.emit()
    titles = menu_texts(menu)
    assert "Course: the small CNN" in titles and "XOR" in titles and len(titles) >= 6
    action = next(a for a in menu.actions() if a.text() == "Course: the small CNN")
    action.trigger()
    classes = [e["class_name"] for e in w.document.layer_configs()]
    assert classes[:3] == ["Dense", "Conv2D", "MaxPooling2D"] and "Flatten" in classes
    assert w.document.path == "" and w.document.input_shape == (20, 20, 3)
    assert w.windowTitle().startswith("Course: the small CNN")
    assert w.recent_files() == []                                    # examples are not "recent"


def test_an_examples_description_and_notes_show_in_the_inspector_until_a_layer_is_picked(main_window, qtbot):
    """Examples carry a title, a description and notes (the course's 8-6-6-4 network: 'Architecture only: ... Load
    a CSV with 8 feature columns'), and nothing in the window showed them: a user opened a network that could not
    train and was not told why. With no layer selected, the inspector shows them."""
    w = main_window
    inspector = w.inspector
    assert not inspector.project_label.isVisible()                   # the default project has no description
    w.open_example(os.path.join(EXAMPLES_DIR, "course-8-6-6-4.nnviz"))
    text = inspector.project_label.text()
    assert inspector.project_label.isVisible() and "Course: 8 → 6 → 6 → 4" in text
    assert "124 weights" in text and "Load a CSV with 8 feature columns" in text
    qtbot.mouseClick(w.layer_view.viewport(), Qt.MouseButton.LeftButton, pos=w.layer_view.block_center(0))
    assert not inspector.project_label.isVisible() and inspector.title_label.text().startswith("Dense 6")
    w.layer_view.select_indices([])
    assert inspector.project_label.isVisible()
    w.ask_save_changes = lambda: "discard"
    w.new_project()
    assert not inspector.project_label.isVisible()


def test_saving_an_example_suggests_a_file_name_without_a_colon(main_window, monkeypatch):
    """The save dialog offered 'Course: 2 → 3 → 2.nnviz' for the course example: a colon is not allowed in a
    Windows file name and confuses file managers elsewhere."""
    from PySide6.QtWidgets import QFileDialog

    w = main_window
    w.open_example(os.path.join(EXAMPLES_DIR, "course-2-3-2.nnviz"))
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda parent, caption, start, filter_: (offered.append(start), ("", ""))[1]))
    assert w.save_as() is False
    name = os.path.basename(offered[0])
    assert name == "course-2-3-2.nnviz"   # the name the example file itself has


def test_recent_files_and_layout_persist_in_settings(make_main_window, window_settings, tmp_path, qtbot):
    w = make_main_window()
    path = str(tmp_path / "r.nnviz")
    assert w.save_to(path)
    avail = w.screen().availableGeometry()                       # restoreGeometry keeps windows on screen
    w.resize(min(1300, avail.width() - 40), min(777, avail.height() - 40))
    size = (w.width(), w.height())
    w.docks["dockSummary"][0].hide()
    w.set_view_mode("neurons")
    w.close()
    w2 = make_main_window(settings=window_settings)
    assert w2.recent_files() == [path]
    recent = w2.menu("File/Open Recent")
    recent.aboutToShow.emit()
    assert any(a.toolTip() == path for a in recent.actions())
    assert abs(w2.width() - size[0]) <= 8 and abs(w2.height() - size[1]) <= 8   # window frames may differ
    assert not w2.docks["dockSummary"][0].isVisible()
    assert w2.view_mode() == "neurons"
    next(a for a in recent.actions() if a.toolTip() == path).trigger()
    assert w2.document.path == path


def test_autosave_runs_every_minute_by_default(main_window):
    assert main_window.autosave.is_active()
    assert main_window.autosave._timer.interval() == 60_000


def test_autosave_writes_every_interval_and_is_offered_back_after_a_crash(make_main_window, qtbot, tmp_path):
    autosave_dir = str(tmp_path / "autosave")
    w = make_main_window(autosave_dir=autosave_dir, autosave_interval_ms=30)
    w.document.add_layer(1, "Dropout")
    with qtbot.waitSignal(w.autosave.autosaved, timeout=3000):
        pass
    # pretend the process died: its files stay behind under a pid that no longer runs
    dead = 2 ** 22 + 4321
    shutil.copy(w.autosave.project_file, os.path.join(autosave_dir, f"autosave-{dead}.nnviz"))
    with open(w.autosave.meta_file) as f:
        meta = json.load(f)
    with open(os.path.join(autosave_dir, f"autosave-{dead}.json"), "w") as f:
        json.dump(meta, f)
    w.ask_save_changes = lambda: "discard"
    w.close()
    assert not os.path.exists(w.autosave.project_file)             # a clean exit removes its own autosave

    w2 = make_main_window(autosave_dir=autosave_dir)
    offered = []
    w2.ask_recover = lambda entry: offered.append(entry) or "recover"
    assert w2.offer_recovery()
    assert len(offered) == 1
    assert [e["class_name"] for e in w2.document.layer_configs()] == ["Dense", "Dropout", "Dense", "Dense"]
    assert w2.document.is_modified                                   # recovered work is unsaved work
    assert w2.autosave.orphans() == []
    assert not w2.offer_recovery()                                   # offered once


# ------------------------------------------------------------------------------------------- looks
def _contrast(a: QColor, b: QColor) -> float:
    def lum(c):
        def ch(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_both_themes_are_legible(main_window, qapp, name):
    w = main_window
    w.actionDarkTheme.trigger()                                   # light -> dark
    if name == "light":
        w.actionDarkTheme.trigger()                               # and back
    assert theme.current_name() == name
    pal = QApplication.palette()
    c = theme.colors()
    assert _contrast(pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)) >= 7
    assert _contrast(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)) >= 7
    assert _contrast(QColor(c["text"]), QColor(c["block"])) >= 7          # block titles
    assert _contrast(QColor(c["muted"]), QColor(c["block"])) >= 4.5       # block subtitles
    assert _contrast(QColor(c["error_text"]), QColor(c["error_bg"])) >= 4.5
    for key in ("positive", "negative"):
        assert _contrast(QColor(c[key]), QColor(c["canvas"])) >= 2.5      # edges stand out from the canvas
    assert w.settings.value("theme") == name
    img = w.grab().toImage()
    bg = img.pixelColor(img.width() // 2, img.height() // 2)             # the canvas follows the theme
    assert abs(bg.lightness() - QColor(c["canvas"]).lightness()) < 40


@pytest.mark.parametrize("name", ["light", "dark"])
def test_an_unchecked_box_and_an_empty_field_have_a_visible_outline(main_window, qtbot, name):
    """Fusion draws these outlines in the window colour made darker: on the dark theme an unchecked box (Log scale,
    Show test data, Nesterov) and a spin box were dark patches without an edge on a dark panel."""
    from PySide6.QtWidgets import QCheckBox, QSpinBox, QVBoxLayout, QWidget

    if name == "dark":
        main_window.actionDarkTheme.trigger()
    host = QWidget()
    qtbot.addWidget(host)
    lay = QVBoxLayout(host)
    box, spin = QCheckBox("Log scale"), QSpinBox()
    lay.addWidget(box)
    lay.addWidget(spin)
    host.show()
    qtbot.waitExposed(host)
    window = QColor(theme.colors()["window"])

    def edge_contrast(widget, rect):
        img = widget.grab().toImage()
        ys = range(rect.top(), rect.bottom() + 1)
        return max(_contrast(img.pixelColor(x, y), window) for y in ys for x in (rect.left(), rect.left() + 1))

    from PySide6.QtWidgets import QStyle, QStyleOptionButton
    option = QStyleOptionButton()
    option.initFrom(box)
    indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    assert edge_contrast(box, indicator) >= 1.5          # (the dark theme's were 1.1: no edge to see)
    assert edge_contrast(spin, spin.rect().adjusted(0, 2, 0, -2)) >= 1.5


def test_keyboard_shortcuts_and_about_dialogs_open_without_blocking(main_window, qtbot):
    w = main_window
    dlg = w.show_shortcuts()
    assert dlg.isVisible()
    table_text = [dlg.findChild(type(w.summary.table)).item(r, 0).text()
                  for r in range(dlg.findChild(type(w.summary.table)).rowCount())]
    assert "Undo" in " ".join(table_text) and "Save" in table_text
    dlg.close()
    box = w.show_about()
    assert box.isVisible() and "nnviz" in box.text()
    box.close()


def test_status_bar_shows_validity_and_parameter_count(main_window):
    w = main_window
    assert w.params_label.text() == "3 layers · 42 params"
    assert "valid" in w.validity_label.text()
    w.document.set_layer_option(0, "units", 10)
    assert w.params_label.text() == "3 layers · 84 params"


def test_a_ready_dock_and_a_panels_own_train_action_plug_in(main_window):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QDockWidget, QLabel
    w = main_window
    dock = QDockWidget("Curves", w)
    dock.setObjectName("dockCurves")
    dock.setWidget(QLabel("curves"))
    assert w.add_dock(dock, Qt.DockWidgetArea.BottomDockWidgetArea) is dock
    assert w.docks["dockCurves"][1] == Qt.DockWidgetArea.BottomDockWidgetArea
    assert "Curves" in menu_texts(w.menu("View"))
    theirs = QAction("Train", w)
    theirs.setObjectName("actionTrain")
    w.addAction(theirs)
    assert w.actionTrain is theirs and w.training_actions == [theirs]
    assert [a for a in w.findChildren(QAction, "actionTrain") if a is not theirs] == [] or \
        all(a.objectName() != "actionTrain" for a in w.toolbar.actions())
    w.document.remove_layers([0, 1, 2])
    assert not theirs.isEnabled()
