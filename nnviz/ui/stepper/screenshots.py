"""Screenshots of the stepper for the docs: the course's 2-3-2 network mid-forward and mid-backward.

    QT_QPA_PLATFORM=offscreen python -m nnviz.ui.stepper.screenshots docs/
"""

from __future__ import annotations

import os
import sys


def course_setup():
    """The course's 2 → Dense(3, relu) → Dense(2, softmax) on the circle data set, compiled with SGD."""
    from nnviz.core import SGD, Dense, Sequential
    from nnviz.core.data import catalog

    dataset = catalog.load("circle")
    model = Sequential([Dense(3, activation="relu", input_shape=(2,), name="hidden"),
                        Dense(2, activation="softmax", name="output")], dtype="float64", seed=7)
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, dataset


def save(directory: str, theme_name: str = "light", size=(1280, 720)) -> list[str]:
    from PySide6.QtWidgets import QApplication

    from nnviz.core.trace import BackwardUnit, ForwardUnit
    from nnviz.ui import theme
    from nnviz.ui.stepper import StepperWidget

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app, theme_name)
    model, dataset = course_setup()
    w = StepperWidget()
    w.setWindowTitle("Backprop stepper")
    w.resize(*size)
    w.set_model(model, dataset)
    # a sample whose hidden units are all active (ReLU passes them), so every number says something
    W1, b1 = model.get_weights()[:2]
    index = next(i for i, x in enumerate(dataset.x_train) if (x @ W1 + b1 > 0).all() and dataset.y_train[i] == 1)
    w.select_sample("train", index)
    w.show()
    app.processEvents()
    paths = []
    shots = {
        "forward": lambda s: isinstance(s, ForwardUnit) and s.layer_index == 2 and s.unit == 0,
        "backward": lambda s: isinstance(s, BackwardUnit) and s.layer_index == 1 and s.unit == 1,
    }
    for name, pred in shots.items():
        w.go_to(next(i for i, s in enumerate(w.trace) if pred(s)))
        app.processEvents()
        path = os.path.join(directory, f"screenshot-stepper-{name}.png")
        w.grab().save(path)
        paths.append(path)
    w.close()
    w.deleteLater()
    return paths


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for p in save(sys.argv[1] if len(sys.argv) > 1 else "docs", *(sys.argv[2:3] or [])):
        print(p)
