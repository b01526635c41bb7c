"""The layers of the house, checked over the source: every ``import`` of every module under ``nnviz/``.

Dependencies point one way (``app -> ui -> session -> core``, ``io -> core``, ``session -> io``, ``ui -> io``,
``cli -> core, io``); ``core`` and ``io`` never import Qt; ``session`` uses QtCore and QtGui (its undo framework),
never QtWidgets or pyqtgraph. The one reach inwards is named: the model's Keras-style ``save_weights`` /
``load_weights`` / ``export`` methods import ``nnviz.io`` lazily, inside the method.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "nnviz"

#: which nnviz layers each layer must not import
FORBIDDEN = {
    "core": {"io", "session", "ui", "app", "cli"},
    "io": {"session", "ui", "app", "cli"},
    "session": {"ui", "app", "cli"},
    "ui": {"app", "cli"},
    "cli": {"ui", "session"},   # (cli's "gui" command starts the app: cli -> app is its way to the window)
}
#: third-party packages a layer must not import
FORBIDDEN_PACKAGES = {
    "core": {"PySide6", "pyqtgraph", "shiboken6"},
    "io": {"PySide6", "pyqtgraph", "shiboken6"},
    "session": {"PySide6.QtWidgets", "pyqtgraph"},
}
#: session modules that are Qt-free by design (the document's architecture and weight store, the training engine)
QT_FREE = {"nnviz.session.architecture", "nnviz.session.training_engine", "nnviz.session.series",
           "nnviz.session.snapshot", "nnviz.session.wire", "nnviz.session.engine_process",
           "nnviz.session.stepper_session"}
#: the named exceptions: (module, enclosing function, imported module prefix)
ALLOWED = {
    ("nnviz.core.model", "Sequential.save_weights", "nnviz.io"),
    ("nnviz.core.model", "Sequential.load_weights", "nnviz.io"),
    ("nnviz.core.model", "Sequential.export", "nnviz.io"),
}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    """``nnviz.core.data.catalog`` -> ``core``; ``nnviz.app`` -> ``app``; ``nnviz`` itself -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "nnviz" else None


def imports(path: pathlib.Path, source: str | None = None) -> list[tuple[str, str, int]]:
    """``(imported module, enclosing function ("" at module level), line)`` for every import in ``path``, relative
    imports resolved; ``from nnviz import ui`` counts as an import of ``nnviz.ui``."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source, str(path))
    found: list[tuple[str, str, int]] = []

    def visit(node, scope: list[str]):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, scope + [child.name])
                continue
            where = ".".join(scope)
            if isinstance(child, ast.Import):
                found.extend((a.name, where, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                found.append((target, where, child.lineno))
                found.extend((f"{target}.{a.name}", where, child.lineno) for a in child.names if a.name != "*")
            visit(child, scope)

    visit(tree, [])
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_found():
    names = {module_name(p) for p in MODULES}
    assert {"nnviz.core.model", "nnviz.io.project", "nnviz.session.document", "nnviz.ui.main_window",
            "nnviz.app", "nnviz.cli"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path):
    module = module_name(path)
    layer = layer_of(module)
    bad = []
    for target, where, line in imports(path):
        target_layer = layer_of(target) if target.startswith("nnviz.") else None
        if target_layer in FORBIDDEN.get(layer, ()):
            if not any(module == m and where == f and target.startswith(t) for m, f, t in ALLOWED):
                bad.append(f"line {line}: {target}" + (f" (in {where})" if where else ""))
        if target_layer == "ui" and layer not in ("ui", "app"):
            bad.append(f"line {line}: {target}: nothing but nnviz.app imports nnviz.ui")
        if module in QT_FREE and target.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"):
            bad.append(f"line {line}: {target}: {module} is Qt-free")
        for pkg in FORBIDDEN_PACKAGES.get(layer, ()):
            if target == pkg or target.startswith(pkg + "."):
                bad.append(f"line {line}: {target}: {layer} does not use {pkg}")
    assert not bad, f"{module} ({layer}) imports across the layers:\n" + "\n".join(bad)


def test_the_named_reach_into_io_is_lazy_and_still_there():
    """The exceptions are real (a stale one would allow a future reach silently) and sit inside the methods."""
    path = PACKAGE / "core" / "model.py"
    seen = {(module_name(path), where, target.split(".")[0] + "." + target.split(".")[1])
            for target, where, _line in imports(path) if target.startswith("nnviz.io")}
    assert seen == ALLOWED


def test_the_checker_sees_a_forbidden_import():
    """A test that cannot fail is a defect: imports written every way, at module level or lazily, are seen."""
    fake = PACKAGE / "core" / "data" / "_probe.py"   # (never written: its source is given)
    source = ("import numpy\nfrom PySide6 import QtWidgets\n\nclass A:\n    def f(self):\n"
              "        from nnviz.ui import theme\n        from ...session import document\n"
              "        from ... import io\n        import nnviz.app\n")
    found = {(t, w) for t, w, _l in imports(fake, source)}
    assert {("PySide6.QtWidgets", ""), ("nnviz.ui", "A.f"), ("nnviz.session", "A.f"), ("nnviz.io", "A.f"),
            ("nnviz.app", "A.f")} <= found
    assert {layer_of(t) for t, _w in found} >= {"ui", "session", "app", "io"}
