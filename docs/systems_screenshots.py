"""Screenshots of the autoencoder and the perceptron in the assembled app, 1280×720, offscreen:

    python docs/systems_screenshots.py autoencoder
    python docs/systems_screenshots.py perceptron perceptron-and            # trained with Train, then Ctrl+B
    python docs/systems_screenshots.py perceptron perceptron-xor 1920x1080  # at another window size
"""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QEventLoop, QTimer, QSettings
app = QApplication([])
from nnviz.ui import theme
theme.apply_theme(app, "light")
from nnviz.ui.main_window import MainWindow
from nnviz.app import assemble
from nnviz.io.project import load_project
from nnviz.core import training
from nnviz.core.data import catalog
import tempfile
tmp = tempfile.mkdtemp()
settings = QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat)
w = MainWindow(settings=settings, autosave_dir=os.path.join(tmp, "auto"))
c = assemble(w)
w.resize(1280, 720)
w.show()
which = sys.argv[1]

def spin(ms):   # a loop of its own: app.quit would emit aboutToQuit, which shuts the training down
    loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()

spin(300)
if which == "autoencoder":
    project = load_project("resources/examples/autoencoder-digits.nnviz")
    model = project.build_model()
    ds = catalog.load(project.dataset["name"], **project.dataset["params"])
    result = training.fit(model, ds, project.training_config())
    project.history = result.history
    project.weights = dict(zip(model.weight_keys(), model.get_weights()))
    w.document.load_project(project)
    spin(800)
    ui = w.training_ui
    ui.docks["reconstruction"].raise_()
    spin(300)
    ui.reconstruction.update_snapshot(None, force=True)
    spin(300)
    w.grab().save("docs/autoencoder-reconstructions.png")
    ui.docks["code_space"].raise_()
    spin(300)
    ui.code_space.update_snapshot(None, force=True)
    spin(300)
    w.grab().save("docs/autoencoder-code-space.png")
else:
    # the main Train runs the perceptron rule in the training engine; the dock draws it; Ctrl+B explains a sample
    name = sys.argv[2] if len(sys.argv) > 2 else "perceptron-and"
    size = tuple(int(v) for v in sys.argv[3].split("x")) if len(sys.argv) > 3 else (1280, 720)
    suffix = "" if size == (1280, 720) else f"-{size[0]}x{size[1]}"
    w.resize(*size)
    w.document.load_project(load_project(f"resources/examples/{name}.nnviz"))
    spin(300)
    w.apply_default_sizes()
    from nnviz.ui.training.perceptron_view import room_for
    room_for(w, w.perceptron_dock)
    spin(300)
    w.training_ui.controls.action_train.trigger()
    for _ in range(600):                   # until the run has ended (converged, cycling or out of epochs)
        spin(100)
        snap = c.latest_snapshot
        if snap is not None and snap.step and snap.state == "stopped":
            break
    print(name, snap.epoch, "epochs:", snap.message)
    spin(500)
    w.statusBar().clearMessage()
    w.grab().save(f"docs/{name}{suffix}.png")
    w.document.undo()                      # back to zero weights: the stepper explains the first mistake
    spin(300)
    w.stepper_ui.open()
    spin(500)
    w.resize(*size)
    spin(300)
    w.statusBar().clearMessage()
    w.grab().save(f"docs/{name}-stepper{suffix}.png")
c.shutdown()
