"""Screenshots of the autoencoder and the perceptron in the assembled app, 1280×720, offscreen:

    python docs/systems_screenshots.py autoencoder
    python docs/systems_screenshots.py perceptron perceptron-and 3     # example, epochs to step
    python docs/systems_screenshots.py perceptron perceptron-xor 10 2  # ... then samples to step
"""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QTimer, QSettings
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

def spin(ms):
    QTimer.singleShot(ms, app.quit); app.exec()

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
    name = sys.argv[2] if len(sys.argv) > 2 else "perceptron-and"
    w.document.load_project(load_project(f"resources/examples/{name}.nnviz"))
    spin(500)
    v = w.perceptron_view
    for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 3):
        v.step(None)
    for _ in range(int(sys.argv[4]) if len(sys.argv) > 4 else 1):
        v.step(1)
    spin(300)
    w.grab().save(f"docs/{name}.png")
c.shutdown()
