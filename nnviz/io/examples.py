"""The example projects bundled in ``resources/examples``: their titles and descriptions, for File ▸ Examples.

Only each project's ``project.json`` is read (bounded, see :mod:`nnviz.io.archive`); opening an example is
``nnviz.io.project.load_project(example.path)``.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass

from nnviz import resources
from nnviz.io.archive import read_member

#: the repository's ``resources/examples`` (``resources/`` is a sibling of the ``nnviz`` package)
EXAMPLES_DIR = str(resources.path("examples"))
_MAX_META_BYTES = 4 << 20


@dataclass(frozen=True)
class Example:
    """A bundled example: its title and description from its ``meta`` (the file name when it has none)."""

    title: str
    description: str
    path: str
    order: int = 1000

    @property
    def name(self) -> str:
        """The file name without ``.nnviz``: ``course-2-3-2``."""
        return os.path.splitext(os.path.basename(self.path))[0]


def read_example(path: str) -> Example:
    """The :class:`Example` of the project at ``path``; a file whose ``project.json`` cannot be read still lists,
    under its file name."""
    title, description, order = os.path.splitext(os.path.basename(path))[0].replace("_", " "), "", 1000
    try:
        with zipfile.ZipFile(path) as zf:
            raw = read_member(zf, "project.json", os.path.basename(path), _MAX_META_BYTES, ValueError,
                              "it is not an example project")
        meta = json.loads(raw.decode("utf-8")).get("meta") or {}
        title = str(meta.get("title") or title)
        description = str(meta.get("description") or "")
        order = int(meta.get("order", order))
    except (OSError, KeyError, ValueError, AttributeError, TypeError, zipfile.BadZipFile):
        pass
    return Example(title, description, path, order)


def list_examples(folder: str = EXAMPLES_DIR) -> list[Example]:
    """The ``.nnviz`` projects in ``folder``, ordered by their ``meta.order``, then title (empty when the folder
    is missing)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = [read_example(os.path.join(folder, n)) for n in names if n.endswith(".nnviz")]
    return sorted(found, key=lambda e: (e.order, e.title, e.path))
