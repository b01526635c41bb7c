"""The one way code finds nnviz's data files (icons, stylesheet, data sets, examples, desktop files).

The repository's top-level ``resources/`` folder is the package ``nnviz._resources``: pyproject.toml maps
it there, so an installed wheel holds it as ``site-packages/nnviz/_resources``, and a source checkout
(run in place, or installed in editable mode) loads the top-level folder under that name. Either way the
files are read through :mod:`importlib.resources`::

    from nnviz import resources
    resources.path("icons", "fit.svg")        # a pathlib.Path on disk
    resources.read_text("style.qss")

Stdlib only: core, io and the CLI use it too.
"""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import os
import sys
from pathlib import Path

PACKAGE = "nnviz._resources"


def _package():
    """Import ``nnviz._resources``: the wheel's subpackage, or a checkout's top-level ``resources/``."""
    module = sys.modules.get(PACKAGE)
    if module is not None:
        return module
    nnviz_dir = Path(__file__).resolve().parent
    checkout = nnviz_dir.parent / "resources" / "__init__.py"
    if not (nnviz_dir / "_resources").is_dir() and checkout.is_file():
        # A source checkout: the resources/ beside this very nnviz/ folder, also when an editable install
        # of another checkout (whose import hook would find *its* resources/) is on the path.
        spec = importlib.util.spec_from_file_location(PACKAGE, checkout,
                                                      submodule_search_locations=[str(checkout.parent)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(PACKAGE)


def files():
    """The resources' root as an :mod:`importlib.resources` ``Traversable``."""
    return importlib.resources.files(_package())


def path(*parts: str) -> Path:
    """The file or folder ``resources/<parts...>`` as a path on disk (it may not exist: check before use).

    nnviz is installed unzipped (wheels always are), so the resources are real files that Qt, NumPy and
    ``open`` can read by name.
    """
    return Path(os.fspath(files().joinpath(*parts)))


def read_text(*parts: str) -> str:
    return files().joinpath(*parts).read_text(encoding="utf-8")


def read_bytes(*parts: str) -> bytes:
    return files().joinpath(*parts).read_bytes()
