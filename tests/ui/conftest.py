"""Fixtures for the GUI tests: isolated settings, a ``make_main_window`` factory modelled on napari's
``make_napari_viewer``, and a check that no test leaves a Qt warning in the log."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QStandardPaths, QtMsgType

# Qt's offscreen platform prints this for every top-level window it shows; it says nothing about our code.
IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


@pytest.fixture(scope="session", autouse=True)
def _isolated_qt_paths(tmp_path_factory):
    """No test reads or writes the user's real settings or data folder."""
    path = tmp_path_factory.mktemp("qt-user")
    QStandardPaths.setTestModeEnabled(True)
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    yield


@pytest.fixture(autouse=True)
def _no_qt_warnings(qtlog):
    yield
    bad = [r for r in qtlog.records
           if r.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
           and r.message.strip() not in IGNORED_QT_MESSAGES]
    assert not bad, "Qt warnings: " + "; ".join(r.message for r in bad)


@pytest.fixture
def window_settings(tmp_path):
    """A settings file of the test's own; pass the same object to a second window to test persistence."""
    return QSettings(str(tmp_path / "nnviz.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_main_window(qtbot, qapp, tmp_path, window_settings):
    """Factory: ``make_main_window(show=True, **MainWindow kwargs)``; every window is closed after the test."""
    from nnviz.ui import theme
    from nnviz.ui.main_window import MainWindow

    theme.apply_theme(qapp, "light")
    windows = []

    def make(show: bool = True, **kwargs):
        kwargs.setdefault("settings", window_settings)
        kwargs.setdefault("autosave_dir", str(tmp_path / "autosave"))
        window = MainWindow(**kwargs)
        windows.append(window)
        if show:
            window.show()
            window.activateWindow()
            qtbot.waitExposed(window)
            qtbot.waitUntil(lambda: QCoreApplication.instance().activeWindow() is window, timeout=2000)
        return window

    yield make
    for window in windows:
        window.ask_save_changes = lambda: "discard"
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    theme.apply_theme(qapp, "light")


@pytest.fixture
def main_window(make_main_window):
    """A shown main window with the default project (the circle data set, a small Dense network)."""
    return make_main_window()


#: how long the assembled window's worker may take to publish its first snapshot
ASSEMBLED_TIMEOUT = 20_000


@pytest.fixture
def app_window(make_main_window, qtbot):
    """The assembled window (every dock and plot) at 1280 × 720, a lecture projector, in its default layout, the
    training worker set up: ``(window, controller)``."""
    from nnviz.app import assemble

    window = make_main_window(show=False)
    controller = assemble(window)
    window.resize(1280, 720)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=ASSEMBLED_TIMEOUT):
        window.show()
        qtbot.waitExposed(window)
    window.apply_default_sizes()
    yield window, controller
    window.ask_save_changes = lambda: "discard"
    controller.shutdown()
