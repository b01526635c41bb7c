"""The isolated main window the screenshot scripts drive (``classroom_screenshots``, ``lessons_screenshots``).

The real window as ``nnviz`` builds it (``assemble``), light theme, its settings and autosave in a temporary folder
(so a user's remembered zoom, layout and lesson progress never leak into a screenshot), shown at ``size``; and
its tidy close. Import it after putting the repository on ``sys.path``; it sets the offscreen platform and one
BLAS thread unless told otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def settle(app, rounds: int = 30) -> None:
    """Let queued events (layouts, deferred rebuilds) run."""
    for _ in range(rounds):
        app.processEvents()


def open_window(size=(1280, 720), prefix: str = "nnviz-shots-"):
    """``(app, window, controller)``: the assembled window, shown and laid out at ``size`` with its default dock
    sizes (resized after show: offscreen the screen is 800 × 800)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from nnviz.app import assemble
    from nnviz.ui import theme
    from nnviz.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app, "light")
    tmp = tempfile.mkdtemp(prefix=prefix)
    settings = QSettings(os.path.join(tmp, "nnviz.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_dir=os.path.join(tmp, "autosave"))
    controller = assemble(window)
    window.ask_save_changes = lambda: "discard"
    window.resize(*size)
    window.show()
    settle(app)
    window.resize(*size)
    window.apply_default_sizes()
    settle(app)
    return app, window, controller


def close_window(app, window, controller) -> None:
    """Stop training, close the window and delete it now (left to the interpreter's exit, Qt crashed tearing it
    down), zoom back to 100 %."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from nnviz.ui import zoom

    window.set_ui_zoom(1.0, remember=False)
    window.set_theme("light")
    controller.shutdown()
    settle(app)   # (what the zoom and theme changes queued, before the window goes)
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    zoom.set_zoom(1.0)
