"""Regenerates the training screenshots in docs/ (offscreen, the real main window with every panel): mid-training
on the spiral (neuron view with the units' pictures, decision boundary, curves, weights) and on the digits with a
CNN (filters, feature maps, a digit drawn on the predict canvas).

    python bench/training_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnviz.core.training import TrainingConfig  # noqa: E402


def wait_for(signal, ms=60_000, check=lambda *a: True):
    loop = QEventLoop()

    def slot(*args):
        if check(*args):
            loop.quit()

    signal.connect(slot)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    signal.disconnect(slot)


def wait(ms):
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def build(size=(1600, 1000)):
    """The real main window with every panel (as ``python main.py`` builds it), settings in a temp folder."""
    import tempfile

    from PySide6.QtCore import QSettings

    from nnviz.app import assemble
    from nnviz.ui import theme
    from nnviz.ui.main_window import MainWindow

    theme.apply_theme(QApplication.instance(), "light")
    tmp = tempfile.mkdtemp(prefix="nnviz-shots-")
    window = MainWindow(settings=QSettings(os.path.join(tmp, "nnviz.ini"), QSettings.Format.IniFormat),
                        autosave_dir=os.path.join(tmp, "autosave"))
    controller = assemble(window)
    window.resize(*size)
    window.show()
    wait(300)
    return window, window.training_ui, controller


def set_network(document, layers, dataset, config):
    from nnviz.session.document import layer_entry
    document.set_dataset(dataset)
    document.remove_layers(list(range(document.layer_count())))
    for i, (cls, options) in enumerate(layers):
        document.add_layer(i, layer_entry(cls, **options))
    document.set_training_config(config)


def close(window, controller):
    controller.pause()
    window.ask_save_changes = lambda: "discard"
    window.close()


def spiral(out: str) -> str:
    window, ui, controller = build()
    set_network(window.document,
                [("Dense", {"units": 8, "activation": "tanh"}), ("Dense", {"units": 8, "activation": "tanh"}),
                 ("Dense", {"units": 1, "activation": "sigmoid"})],
                {"name": "spiral", "params": {"n_points": 500, "noise": 10, "seed": 3,
                                              "features": ["x1", "x2", "sin(x1)", "sin(x2)"]}},
                TrainingConfig(optimizer="adam", learning_rate=0.01, loss="binary_crossentropy", batch_size=10,
                               epochs=0, seed=1))
    window.set_view_mode("neurons")
    wait(300)
    controller.train()
    wait_for(controller.snapshot_ready, check=lambda s: s.epoch >= 220)
    wait(300)  # mid-training: a few more redraws
    path = os.path.join(out, "screenshot-training-spiral.png")
    window.grab().save(path)
    close(window, controller)
    return path


def digits_cnn(out: str) -> str:
    window, ui, controller = build()
    set_network(window.document,
                [("Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relu", "padding": "same"}),
                 ("MaxPooling2D", {"pool_size": 2}),
                 ("Conv2D", {"filters": 16, "kernel_size": 3, "activation": "relu", "padding": "same"}),
                 ("MaxPooling2D", {"pool_size": 2}), ("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})],
                {"name": "digits", "params": {}},
                TrainingConfig(optimizer="adam", learning_rate=0.005, batch_size=32, epochs=0, seed=0))
    window.set_view_mode("layers")
    d = ui.docks
    # image data has no decision boundary: show the conv filters in that slot, the feature maps beside them
    window.tabifyDockWidget(d["boundary"], d["weights"])
    d["weights"].raise_()
    d["activations"].raise_()
    d["predict"].raise_()
    window.resizeDocks([d["curves"]], [560], Qt.Vertical)   # a tall bottom row for the filters and maps
    window.resizeDocks([d["curves"], d["activations"], d["weights"]], [470, 560, 570], Qt.Horizontal)
    window.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)   # a full-height right column ...
    inspector = window.docks.get("dockInspector", (None,))[0]
    if inspector is not None:  # ... with room for the drawing canvas
        window.resizeDocks([inspector, d["predict"]], [120, 800], Qt.Vertical)
    window.resizeDocks([d["curves"], d["activations"], d["weights"]], [400, 420, 420], Qt.Horizontal)
    wait(300)
    controller.train()
    wait_for(controller.snapshot_ready, check=lambda s: s.epoch >= 6)
    # draw a "7" on the predict canvas, as a user would
    canvas = ui.predict.canvas
    image = canvas.image.copy() * 0
    image[1, 1:7] = 1.0
    image[2, 5:7] = 0.6
    for r, c in ((2, 6), (3, 5), (4, 4), (5, 4), (6, 3), (7, 3)):
        image[r, c] = 1.0
        image[r, c - 1] = max(image[r, c - 1], 0.4)
    canvas.set_image(image)
    wait(500)
    path = os.path.join(out, "screenshot-training-digits-cnn.png")
    window.grab().save(path)
    close(window, controller)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                      "docs"))
    parser.add_argument("--only", choices=("spiral", "digits"), default=None)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("nnviz")
    if args.only in (None, "spiral"):
        print("saved", spiral(args.out))
    if args.only in (None, "digits"):
        print("saved", digits_cnn(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
