"""Checks an installed nnviz the way a user meets it: run by .ci/run with a clean virtual environment that
has only the wheel in it, from a folder outside the checkout.

    python .ci/check_install.py CHECKOUT        # CHECKOUT: the source tree the wheel was built from

It checks that ``nnviz`` is imported from the installation (not the checkout), that every resource the
code names is in the installed package (found through importlib.resources), that the digits data set
loads, that File ▸ Examples lists every example of the checkout and each opens, and that the main window
opens offscreen with its icon and with every action's icon. ``named_resources`` is also used by
tests/test_install.py on the checkout. Prints one line per check and exits 1 on the first failure.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

ICON_PARAMETERS = ("icon_name", "icon")
RESOURCE_FUNCTIONS = ("path", "read_text", "read_bytes", "joinpath")


def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee(node: ast.Call) -> str | None:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def _icon_slots(trees) -> dict[str, int]:
    """``{callable name: positional index of its icon argument}``: functions with a parameter, and
    dataclasses with a field, named ``icon_name`` or ``icon`` — plus local aliases (``A = self._action``)."""
    slots = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                names = names[1:] if names[:1] in (["self"], ["cls"]) else names
            elif isinstance(node, ast.ClassDef):
                names = [s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            else:
                continue
            for p in ICON_PARAMETERS:
                if p in names:
                    slots[node.name] = names.index(p)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value
                name = v.attr if isinstance(v, ast.Attribute) else v.id if isinstance(v, ast.Name) else None
                if name in slots:
                    slots[node.targets[0].id] = slots[name]
    return slots


def named_resources(package_dir: str | os.PathLike) -> dict[str, list[str]]:
    """Every resource the code under ``package_dir`` names, as ``{"icons/fit.svg": ["nnviz/ui/x.py:12", ...]}``.

    Found by reading the code (ast): the constant arguments of ``resources.path/read_text/read_bytes``, of
    ``icons.icon/image``, icon parameters (``icon_name=``, ``icon=``, and their positions in calls to functions
    and dataclasses that take one) and the icon names in the ui's tables (dicts named ``*ICONS*`` or ``*LOOKS*``,
    whose values are an icon name or a tuple starting with one).
    """
    package_dir = Path(package_dir)
    files = sorted(p for p in package_dir.rglob("*.py") if "_resources" not in p.parts)
    trees = {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in files}
    slots = _icon_slots(trees.values())
    found: dict[str, list[str]] = {}

    def add(name: str, path: Path, node) -> None:
        where = f"{path.relative_to(package_dir.parent)}:{node.lineno}"
        found.setdefault(name, []).append(where)

    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                    isinstance(t, ast.Name) and ("ICONS" in t.id or "LOOKS" in t.id) for t in node.targets):
                for value in node.value.values:     # {"Dense": "dense"} or {"Dense": ("dense", "#2563eb")}
                    first = value.elts[0] if isinstance(value, ast.Tuple) and value.elts else value
                    if _constant(first):
                        add(f"icons/{first.value}.svg", path, first)
            if not isinstance(node, ast.Call):
                continue
            callee, owner = _callee(node), node.func.value if isinstance(node.func, ast.Attribute) else None
            owner_name = owner.id if isinstance(owner, ast.Name) else None
            args = [_constant(a) for a in node.args]
            if callee in RESOURCE_FUNCTIONS and owner_name == "resources" and args and all(args):
                add("/".join(args), path, node)
            elif callee in ("icon", "image") and owner_name == "icons" and args and args[0]:
                add(f"icons/{args[0]}.svg", path, node)
            else:
                index = slots.get(callee)
                if index is not None and index < len(args) and args[index]:
                    add(f"icons/{args[index]}.svg", path, node)
            for kw in node.keywords:
                if kw.arg in ICON_PARAMETERS and _constant(kw.value):
                    add(f"icons/{kw.value.value}.svg", path, node)
    return found


def missing_resources(package_dir) -> dict[str, list[str]]:
    """The named resources that ``importlib.resources`` cannot find in ``nnviz._resources``."""
    from nnviz import resources

    root = resources.files()
    return {name: where for name, where in named_resources(package_dir).items()
            if not root.joinpath(*name.split("/")).is_file() and not root.joinpath(*name.split("/")).is_dir()}


def main(checkout: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import nnviz

    def check(ok: bool, text: str) -> None:
        print(("ok    " if ok else "FAIL  ") + text, flush=True)
        if not ok:
            raise SystemExit(1)

    package_dir = Path(nnviz.__file__).resolve().parent
    checkout = Path(checkout).resolve()
    check(checkout not in package_dir.parents, f"nnviz is imported from the installation: {package_dir}")
    from nnviz import resources

    check(package_dir / "_resources" in [resources.path(), *resources.path().parents],
          f"its resources are the installed ones: {resources.path()}")
    names = named_resources(package_dir)
    check(len(names) > 20, f"the code names {len(names)} resources")
    gone = missing_resources(package_dir)
    check(not gone, "every one is in the installed package" + (f"; missing: {gone}" if gone else ""))

    from nnviz.core.data import catalog
    digits = catalog.load("digits")
    check(len(digits.x_train) > 1000 and digits.num_classes == 10,
          f"the digits data set loads: {len(digits.x_train)} training images, {digits.num_classes} classes")

    from nnviz.app import build
    from nnviz.io.project import load_project

    try:   # File > Examples' list: nnviz.io.examples since the ui split, main_window's before it
        from nnviz.io.examples import list_examples
        examples = [(e.title, e.path) for e in list_examples()]
    except ImportError:
        from nnviz.ui.main_window import example_files
        examples = example_files()
    shipped = sorted(p.name for p in (checkout / "resources" / "examples").glob("*.nnviz"))
    check(sorted(os.path.basename(p) for _, p in examples) == shipped,
          f"File > Examples lists all {len(shipped)} examples: " + ", ".join(t for t, _ in examples))
    for title, p in examples:
        load_project(p)
    check(True, "each example opens")

    app, window, _ = build(["nnviz", "--no-recovery"])
    app.processEvents()
    check(window.isVisible() and not app.windowIcon().isNull() and not window.windowIcon().isNull(),
          "the main window opens offscreen, with the app icon")
    from PySide6.QtGui import QAction
    blank = [a.objectName() for a in window.findChildren(QAction) if a.property("iconName") and a.icon().isNull()]
    check(not blank, "every action with an icon name shows its icon" + (f"; blank: {blank}" if blank else ""))
    window.open_file(examples[0][1], ask=False)
    app.processEvents()
    check(window.document.is_valid, f"the window opens an installed example: {examples[0][0]}")
    window.ask_save_changes = lambda: "discard"   # no dialog about the example's unsaved state
    window.close()
    app.processEvents()
    check(not window.isVisible(), "the window closes")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))
