"""Malformed autosave files and killed saves (issue 12): recovery at start-up never crashes, reports what
it skipped, and the next save of a file removes the temporary files killed saves left."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from nnviz.io.atomic import atomic_write_bytes, remove_stale_temporaries
from nnviz.session.autosave import AutosaveManager
from nnviz.session.document import ProjectDocument

DEAD = 2 ** 22 + 777  # beyond Linux's pid_max: no such process


@pytest.fixture
def doc(qapp):
    d = ProjectDocument()
    yield d
    d.deleteLater()


@pytest.fixture
def manager(doc, tmp_path, qtbot):
    m = AutosaveManager(doc, str(tmp_path / "autosave"), interval_ms=60_000)
    doc.add_layer(1, "Dropout")
    assert m.autosave_now()
    yield m
    m.discard_own()
    m.deleteLater()


def leave_behind(manager, pid, meta) -> None:
    folder = manager.directory
    shutil.copy(manager.project_file, os.path.join(folder, f"autosave-{pid}.nnviz"))
    with open(os.path.join(folder, f"autosave-{pid}.json"), "w", encoding="utf-8") as f:
        f.write(meta if isinstance(meta, str) else json.dumps(meta))


@pytest.mark.parametrize("saved_at", ["yesterday", None, -5, 1e300, float("nan"), True, [1]])
def test_a_bad_saved_at_falls_back_to_the_file_time_and_is_reported(manager, saved_at):
    leave_behind(manager, DEAD, {"saved_at": saved_at, "title": "Mine", "original_path": "/x.nnviz"})
    entries = manager.orphans()
    assert [e.title for e in entries] == ["Mine"]
    assert "2" in entries[0].describe()   # a date: describe() no longer crashes on the time
    assert len(manager.malformed) == (0 if saved_at is None else 1)
    if saved_at is not None:
        assert f"autosave-{DEAD}.json" in manager.malformed[0] and "saved_at" in manager.malformed[0]


@pytest.mark.parametrize("pid", ["1" + "0" * 30, "-1", "0", "12abc", "１２"])
def test_a_name_without_a_valid_pid_is_skipped_and_reported(manager, pid, caplog):
    leave_behind(manager, pid, {"saved_at": 1.0})
    assert manager.orphans() == []
    assert manager.malformed == [f"autosave-{pid}.json: its name holds no valid process id"]
    assert f"autosave-{pid}.json" in caplog.text   # and in the log


@pytest.mark.parametrize("meta", ["{not json", "[1, 2]", '{"title": 5, "original_path": ["x"]}', "[" * 5000])
def test_unreadable_meta_still_offers_the_project(manager, meta):
    leave_behind(manager, DEAD, meta)
    entries = manager.orphans()
    assert len(entries) == 1 and entries[0].title == "Untitled" and entries[0].original_path == ""
    assert len(manager.malformed) == 1


def test_the_next_save_removes_what_killed_saves_left(tmp_path):
    target = tmp_path / "p.nnviz"
    left = [tmp_path / f".p.nnviz.{h}.tmp" for h in ("0badcafe", "12345678")]
    for path in left:
        path.write_bytes(b"half a project")
    other = tmp_path / ".q.nnviz.0badcafe.tmp"   # another file's: not ours to remove
    other.write_bytes(b"x")
    atomic_write_bytes(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert not any(p.exists() for p in left) and other.exists()
    assert sorted(os.listdir(tmp_path)) == [".q.nnviz.0badcafe.tmp", "p.nnviz"]


def test_a_save_still_writing_keeps_its_temporary_file(tmp_path):
    pytest.importorskip("fcntl")
    from nnviz.io.atomic import atomic_write

    with atomic_write(tmp_path / "p.nnviz") as f:
        f.write(b"in progress")
        (tmp,) = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        assert remove_stale_temporaries(str(tmp_path), "p.nnviz") == []   # locked by this save
        assert (tmp_path / tmp).exists()
    assert (tmp_path / "p.nnviz").read_bytes() == b"in progress"
