"""Builds the QApplication and the main window: the one place everything is wired together.

    nnviz [PROJECT.nnviz]                   # or nnviz-gui, python -m nnviz, python main.py; --open PROJECT.nnviz
"""

from __future__ import annotations

import argparse
import os
import sys

from nnviz import resources


def _limit_blas_threads() -> None:
    # A training thread using 2 BLAS threads next to the GUI thread makes the GUI late and trains no
    # faster on small machines; one BLAS thread it is, and a CNN's batches are not split between threads
    # either (core.conv_front). Must happen before NumPy and nnviz.core are imported.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NNVIZ_BATCH_THREADS"):
        os.environ.setdefault(var, "1")


def no_display() -> str | None:
    """Why the app cannot open a window here, or None: on Linux, Qt's xcb and wayland platforms need an
    X11 or a Wayland display, and without one Qt aborts the process (a core dump and a plugin hint).
    Platforms that need none (QT_QPA_PLATFORM=offscreen, minimal, vnc, ...) are left to Qt."""
    if not sys.platform.startswith("linux"):
        return None
    wanted = [entry.split(":")[0].strip() for entry in os.environ.get("QT_QPA_PLATFORM", "").split(";")]
    if any(name and not name.startswith(("xcb", "wayland")) for name in wanted):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("there is no display to open the app on (neither DISPLAY nor WAYLAND_DISPLAY is set); start it "
            "from a desktop session, or use a command: nnviz summary | train | export (see nnviz --help)")


def qt_problem() -> str | None:
    """Why Qt cannot start here for want of system libraries (one line naming the Debian packages), or None.

    Checked before any window exists: a missing library makes importing PySide6's GUI modules fail with a
    traceback, and a missing xcb library makes Qt abort the process."""
    from nnviz import system_libs

    try:
        import PySide6.QtGui  # noqa: F401
        import PySide6.QtWidgets  # noqa: F401
    except ImportError as exc:
        return system_libs.missing_message(exc)
    if system_libs.uses_xcb():
        return system_libs.missing_message(xcb=True)
    return None


def _parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(prog="nnviz", description="Draw, train and step through small neural networks.")
    parser.add_argument("project", nargs="?", help="a .nnviz project to open")
    parser.add_argument("--open", dest="open_path", metavar="FILE", help="a .nnviz project to open")
    parser.add_argument("--theme", choices=("light", "dark", "high-contrast"),
                        help="colour theme (default: the last one used)")
    parser.add_argument("--no-recovery", action="store_true", help="do not offer autosaved work after a crash")
    return parser.parse_known_args(argv)


def assemble(window):
    """Plug every panel into a MainWindow: data, training, the backprop stepper, exports, lessons.

    Each part only knows the window's hooks (``add_dock``, ``menu``, ``toolbar``) and the document;
    this is the one place they meet. Returns the training controller.
    """
    from nnviz.ui.data_integration import attach_data_panel
    from nnviz.ui.export_menu import attach_exports
    from nnviz.ui.lessons_panel import attach_lessons
    from nnviz.ui.stepper.integration import attach_stepper
    from nnviz.ui.training.integration import attach_training

    attach_data_panel(window, window.document)
    controller = attach_training(window, window.document)
    attach_stepper(window, window.document, controller)
    attach_exports(window)
    attach_lessons(window, window.document)
    return controller


def identify(app) -> None:
    """The application's names and icon: every window shows the icon, desktops match it to nnviz.desktop."""
    from PySide6.QtGui import QIcon

    app.setApplicationName("nnviz")
    app.setOrganizationName("nnviz")
    app.setApplicationDisplayName("nnviz")
    app.setDesktopFileName("nnviz")   # Wayland's app id: the installed nnviz.desktop (nnviz install-desktop)
    app.setWindowIcon(QIcon(str(resources.path("desktop", "nnviz.svg"))))


def build(argv: list[str] | None = None):
    """Create (or reuse) the QApplication and a shown MainWindow; returns ``(app, window, args)``."""
    _limit_blas_threads()
    argv = list(sys.argv if argv is None else argv)
    args, qt_args = _parse_args(argv[1:])
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([argv[0] if argv else "nnviz", *qt_args])
    identify(app)

    from nnviz.ui import theme
    from nnviz.ui.main_window import MainWindow

    settings = QSettings("nnviz", "nnviz")
    theme.apply_theme(app, args.theme or str(settings.value("theme", "light")))
    window = MainWindow(settings=settings)
    assemble(window)
    if not window.has_saved_layout():   # the first launch: the whole screen, the default dock layout
        window.fit_to_screen()
    window.show()
    window.lessons_ui.offer()           # the first start (per user) opens the Lessons dock once
    path = args.open_path or args.project
    if path:
        window.open_file(path, ask=False)
    return app, window, args


def main(argv: list[str] | None = None) -> int:
    problem = no_display() or qt_problem()
    if problem:
        print(f"nnviz: error: {problem}", file=sys.stderr)
        return 1
    _limit_blas_threads()
    app, window, args = build(argv)
    if not (args.open_path or args.project or args.no_recovery):
        from PySide6.QtCore import QTimer
        QTimer.singleShot(300, window.offer_recovery)
    return app.exec()
