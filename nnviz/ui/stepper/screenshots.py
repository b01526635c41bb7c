"""Screenshots of the stepper for the docs: the course's 2-3-2 network mid-forward and mid-backward (the
stepper alone at 1280×720, as it floats), and docked in the main window at 1280×720 with Predict first on.

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
    # predict-then-reveal after a wrong guess
    w.check_bar.predict_check.setChecked(True)
    w.go_to(next(i for i, s in enumerate(w.trace) if isinstance(s, ForwardUnit) and s.layer_index == 2 and s.unit == 1))
    w.check_bar.answer_edit.setText("0.5")
    w.check_bar.check_button.click()
    app.processEvents()
    path = os.path.join(directory, "screenshot-stepper-predict.png")
    w.grab().save(path)
    paths.append(path)
    w.close()
    w.deleteLater()
    return paths


def save_docked(directory: str, theme_name: str = "light", size=(1280, 720)) -> str:
    """The main window at ``size`` with the stepper docked in its bottom row, mid-backward."""
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from nnviz.core.trace import BackwardUnit
    from nnviz.ui import theme
    from nnviz.ui.data_integration import attach_data_panel
    from nnviz.ui.main_window import MainWindow
    from nnviz.ui.stepper.integration import attach_stepper
    from nnviz.ui.training.integration import attach_training

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply_theme(app, theme_name)
    tmp = tempfile.mkdtemp()
    window = MainWindow(settings=QSettings(os.path.join(tmp, "layout.ini"), QSettings.Format.IniFormat),
                        autosave_dir=os.path.join(tmp, "autosave"))
    # the panels the window shows at this size (ui does not import nnviz.app, where they are all put together)
    attach_data_panel(window, window.document)
    attach_stepper(window, window.document, attach_training(window, window.document))
    window.resize(*size)
    window.show()
    app.processEvents()
    window.resize(*size)
    ui = window.stepper_ui
    ui.open()
    for _ in range(5):
        app.processEvents()
    st = ui.stepper
    st.go_to(next(i for i, s in enumerate(st.trace) if isinstance(s, BackwardUnit) and s.layer_index == 2))
    for _ in range(5):
        app.processEvents()
    path = os.path.join(directory, "screenshot-stepper-docked.png")
    window.grab().save(path)
    window.close()
    window.deleteLater()
    return path


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for p in save(sys.argv[1] if len(sys.argv) > 1 else "docs", *(sys.argv[2:3] or [])):
        print(p)
    print(save_docked(sys.argv[1] if len(sys.argv) > 1 else "docs", *(sys.argv[2:3] or [])))
