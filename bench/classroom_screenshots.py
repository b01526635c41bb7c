"""Screenshots for the classroom (issue 17): the whole window, one view filling it, and the stepper, at 1280 × 720,
at 100 % and 175 %, in the light, dark and high-contrast themes.

    QT_QPA_PLATFORM=offscreen python bench/classroom_screenshots.py OUT_DIR [theme ...] [--zoom 1.0 1.75]

Each file is ``classroom-<theme>-<zoom>-<shot>.png`` (shot: ``window``, ``view``, ``stepper``). The window trains a
few epochs first, so the plots have something to show; above 100 % it takes the layout presenting (F11) gives a
1280-wide screen (``compact_layout``).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.shot_window import close_window, open_window, settle as _settle  # noqa: E402

SHOTS = ("window", "view", "stepper")
SIZE = (1280, 720)


def save(directory: str, themes=("light", "dark", "high-contrast"), zooms=(1.0, 1.75)) -> list[str]:
    from PySide6.QtCore import QEventLoop, QTimer

    app, window, controller = open_window(SIZE)
    _settle(app)
    # a few epochs, so the curves, the boundary and the weights have something to show
    window.training_ui.panel.epochs_spin.setValue(30)
    # epoch by epoch: each pause evaluates the test split, so the test curve has a point per epoch (a free run
    # evaluates it by the clock, and on a busy machine drew it as a line from epoch 1 to 25)
    for _epoch in range(30):
        loop = QEventLoop()
        controller.paused.connect(loop.quit)
        controller.stopped.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        controller.step_epoch()
        loop.exec()
        controller.paused.disconnect(loop.quit)
        controller.stopped.disconnect(loop.quit)
    _settle(app)
    stepper = window.findChild(type(window.actionNew), "actionStepper")
    paths = []
    for name in themes:
        window.set_theme(name)
        for z in zooms:
            saved = window.saveState()
            window.set_ui_zoom(z, remember=False)
            window.resize(*SIZE)
            if SIZE[0] / z < window.COMPACT_WIDTH:   # what presenting (F11) does on a 1280-wide projector
                window.compact_layout()
            else:   # (the layout a first launch gets: after a compact one, restoreState left other proportions)
                window.reset_layout()
                window.apply_default_sizes()
            _settle(app)
            for shot in SHOTS:
                if shot == "view":
                    curves = window.docks["trainingCurvesDock"][0]
                    window.presentation.maximize(curves)
                elif shot == "stepper":
                    stepper.trigger()
                    _settle(app)
                    window.presentation.maximize(window.docks["dockStepper"][0])
                _settle(app)
                window.resize(*SIZE)
                window.statusBar().clearMessage()
                _settle(app)
                window.hide_stale_tab_bars()
                path = os.path.join(directory, f"classroom-{name}-{int(round(z * 100))}-{shot}.png")
                window.grab().save(path)
                paths.append(path)
                window.presentation.restore_all()
                if shot == "stepper":
                    window.docks["dockStepper"][0].hide()
                _settle(app)
            window.restoreState(saved)
            _settle(app)
            window.hide_stale_tab_bars()
    close_window(app, window, controller)
    return paths


if __name__ == "__main__":
    args = sys.argv[1:]
    zooms = (1.0, 1.75)
    if "--zoom" in args:
        i = args.index("--zoom")
        zooms = tuple(float(v) for v in args[i + 1:])
        args = args[:i]
    out = args[0] if args else "docs"
    themes = tuple(args[1:]) or ("light", "dark", "high-contrast")
    for p in save(out, themes, zooms):
        print(p)
