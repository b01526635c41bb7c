"""File ▸ Examples' list, read by io without Qt (task "split")."""

from __future__ import annotations

import json
import os
import zipfile

from nnviz.io.examples import EXAMPLES_DIR, list_examples, read_example
from nnviz.io.project import load_project


def test_the_bundled_examples_list_with_titles_and_descriptions():
    found = list_examples()
    names = {e.name for e in found}
    assert {"course-2-3-2", "spiral", "digits-mlp"} <= names
    assert len(found) == len([n for n in os.listdir(EXAMPLES_DIR) if n.endswith(".nnviz")])
    for e in found:
        assert e.title and e.description and e.title != e.name
    course = next(e for e in found if e.name == "course-2-3-2")
    assert load_project(course.path).meta["title"] == course.title


def test_order_then_title_and_a_damaged_file_lists_under_its_name(tmp_path):
    def write(name, meta):
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            zf.writestr("project.json", json.dumps({"format_version": 1, "meta": meta}))

    write("b.nnviz", {"title": "Zebra", "order": 1})
    write("a.nnviz", {"title": "Apple"})
    write("c.nnviz", {"title": "Mango", "order": 1, "description": "fruit"})
    (tmp_path / "broken_file.nnviz").write_bytes(b"not a zip")
    (tmp_path / "notes.txt").write_text("ignored")
    found = list_examples(str(tmp_path))
    assert [e.title for e in found] == ["Mango", "Zebra", "Apple", "broken file"]
    assert found[0].description == "fruit" and found[-1].description == ""
    assert read_example(str(tmp_path / "b.nnviz")).order == 1
    assert list_examples(str(tmp_path / "missing")) == []
