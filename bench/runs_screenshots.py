"""Regenerates the run screenshots in docs/ (offscreen, the real main window with every panel):

* docs/screenshot-runs-learning-rates.png — the spiral trained with three learning rates, the runs ticked in the
  Runs panel and their curves overlaid ("lr 0.003", "lr 0.03", "lr 0.3");
* docs/screenshot-landscape-zigzag.png — the loss landscape of a run with a too-high learning rate (plain SGD):
  the path zigzags across the valley.

    python bench/runs_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.training_screenshots import build, wait  # noqa: E402
from nnviz.core.training import TrainingConfig  # noqa: E402
from nnviz.io.project import load_project  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")


def train_run(window, controller, **settings) -> None:
    d = window.document
    cfg = d.training_config.to_dict()
    cfg.update(settings)
    d.set_training_config(TrainingConfig.from_dict(cfg))
    d.reset_weights()
    wait(300)
    ended = []
    for signal in (controller.stopped, controller.diverged):
        signal.connect(lambda *a: ended.append(1))
    controller.train()
    while not ended:
        wait(100)
    wait(500)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs")
    ap.add_argument("--zigzag-lr", type=float, default=2.0)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    window, _ui, controller = build((1600, 1000))
    path = os.path.join(EXAMPLES, "spiral.nnviz")
    window.document.load_project(load_project(path), path)
    wait(500)
    for lr in (0.003, 0.03, 0.3):
        train_run(window, controller, learning_rate=lr, epochs=60)
    panel = window.runs_panel
    panel.set_ticked([r.run_id for r in window.document.runs])
    curves = window.training_ui.docks["curves"]
    runs = window.findChild(type(curves), "runsDock")
    runs.raise_()
    wait(800)
    shot = combine(curves, runs)
    shot.save(os.path.join(args.out, "screenshot-runs-learning-rates.png"))

    # full-batch gradient descent with a learning rate too high for the valley: it jumps from side to side
    train_run(window, controller, optimizer="sgd", learning_rate=args.zigzag_lr, batch_size=250, epochs=40)
    land = window.findChild(type(curves), "landscapeDock")
    land.setFloating(True)
    land.resize(760, 560)
    land.show()
    view = window.landscape_view
    wait(300)
    done = []
    view.computed.connect(lambda: done.append(1))
    view.compute(window.document)
    while not done:
        wait(100)
    wait(300)
    land.grab().save(os.path.join(args.out, "screenshot-landscape-zigzag.png"))
    window.ask_save_changes = lambda: "discard"
    window.close()
    app.processEvents()


def combine(*widgets):
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtCore import Qt
    shots = [w.grab() for w in widgets]
    width = sum(s.width() for s in shots)
    height = max(s.height() for s in shots)
    out = QPixmap(width, height)
    out.fill(Qt.white)
    p = QPainter(out)
    x = 0
    for s in shots:
        p.drawPixmap(x, 0, s)
        x += s.width()
    p.end()
    return out


if __name__ == "__main__":
    main()
