"""Regenerates the README's screenshots of the whole app from the bundled examples, as a user opens them:

    python bench/readme_screenshots.py [--out docs]          # offscreen grabs of the real main window
        screenshot-app.png      the spiral example at 1920 x 1080, training in the neuron view, about half-way
        screenshot-editor.png   the course's CNN in the layer view beside the 8-6-6-4 network in the neuron view
    bash bench/readme_screenshots.sh [docs]                  # screenshot-window.png: a real X window under Xvfb
                                                             # with a window manager, the icon in its title bar

The training screenshots are bench/training_screenshots.py's, the stepper's nnviz/ui/stepper/screenshots.py's.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from training_screenshots import build, close, wait, wait_for  # noqa: E402

from nnviz import resources  # noqa: E402
from nnviz.app import identify  # noqa: E402


def open_example(window, name: str) -> None:
    assert window.open_file(str(resources.path("examples", name)), ask=False, as_example=True), name
    wait(300)


def app_shot(out: str) -> str:
    window, _ui, controller = build(size=(1920, 1080))
    open_example(window, "spiral.nnviz")
    window.set_view_mode("neurons")
    window.layer_view.select_indices([0])
    wait(300)
    controller.train()
    wait_for(controller.snapshot_ready, check=lambda s: s.epoch >= 80)   # of the example's 150
    wait(400)
    path = os.path.join(out, "screenshot-app.png")
    window.grab().save(path)
    close(window, controller)
    return path


def editor_shot(out: str) -> str:
    grabs = []
    for example, mode, selected in (("course-cnn.nnviz", "layers", 2), ("course-8-6-6-4.nnviz", "neurons", 1)):
        window, _ui, controller = build(size=(1288, 800))
        for name in (*(("dockPalette",) if mode == "neurons" else ()), "trainingCurvesDock", "decisionBoundaryDock", "weightsDock", "confusionDock", "gradientsDock",
                     "activationsDock", "dockData", "predictDock", "trainingSettingsDock", "dockStepper"):
            dock = window.docks.get(name, (None,))[0]
            if dock is not None:
                dock.hide()
        open_example(window, example)
        window.set_view_mode(mode)
        window.layer_view.select_indices([selected])
        window.fit_to_view()
        wait(400)
        grabs.append(window.grab().toImage())
        close(window, controller)
    gap = 8
    image = QImage(sum(g.width() for g in grabs) + gap, max(g.height() for g in grabs), QImage.Format.Format_RGB32)
    image.fill(0x8c959f)
    painter = QPainter(image)
    painter.drawImage(0, 0, grabs[0])
    painter.drawImage(grabs[0].width() + gap, 0, grabs[1])
    painter.end()
    path = os.path.join(out, "screenshot-editor.png")
    image.save(path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "docs"))
    parser.add_argument("--only", choices=("app", "editor"), default=None)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    identify(app)
    for name, shot in (("app", app_shot), ("editor", editor_shot)):
        if args.only in (None, name):
            print("wrote", shot(args.out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
