"""No module under nnviz/ grows past 600 lines: a longer file holds several jobs (DESIGN.md, "Files stay small");
split it by job, as the main window, the document, the trace and the training engine were."""

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nnviz"
LIMIT = 600
MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_found():
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_module_is_over_600_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= LIMIT, f"{path.relative_to(PACKAGE.parent)} has {n} lines; split it by job"
