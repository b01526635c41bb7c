"""The core and io layers are a plain NumPy library: importing them must not pull in Qt."""

import subprocess
import sys


def test_core_and_io_import_no_qt():
    code = (
        "import sys, pkgutil, importlib, nnviz.core, nnviz.io\n"
        "for pkg in (nnviz.core, nnviz.io):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6', 'PyQt5', 'PyQt6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"nnviz.core / nnviz.io imported Qt modules: {out.stdout}"
