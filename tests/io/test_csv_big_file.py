"""io for big CSV files: the head a dialog previews, the line count, the hand-over of a data set loaded in a
thread, and the fast parser still refusing what it cannot read without whole-file scans."""

from __future__ import annotations

import numpy as np

from nnviz.core.data import catalog
from nnviz.io import csv_fast
from nnviz.io.csv_data import load_csv


def _table(path, rows=300, extra=""):
    lines = ["label," + ",".join(f"pixel{j}" for j in range(16))]
    lines += [",".join([str(i % 3)] + [str((i * 7 + j) % 256) for j in range(16)]) for i in range(rows)]
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def test_head_and_line_count(tmp_path):
    path = _table(tmp_path / "t.csv")
    assert csv_fast.count_lines(path) == 301
    assert csv_fast.head_text(path, 10).count("\n") == 11
    (tmp_path / "no_break.csv").write_bytes(b"a,b\n1,2")
    assert csv_fast.count_lines(tmp_path / "no_break.csv") == 2


def test_blank_lines_and_late_windows_line_ends_go_to_the_general_reader(tmp_path):
    path = _table(tmp_path / "t.csv", rows=5000)
    assert csv_fast.parse_numbers(path) is not None
    text = path.read_bytes()
    for bad in (b"\n\n", b"\r\n"):
        cut = text.rindex(b"\n", 0, len(text) - 100)
        (tmp_path / "bad.csv").write_bytes(text[:cut] + bad + text[cut + 1:])
        assert csv_fast.parse_numbers(tmp_path / "bad.csv", block_bytes=4096) is None


def test_a_data_set_loaded_ahead_is_taken_once_by_the_same_load(tmp_path, monkeypatch):
    path = _table(tmp_path / "t.csv")
    params = {"path": str(path), "label_column": "label", "images": True}
    spec = catalog.get_spec("csv")
    args = {**spec.defaults(), **{k: spec.params[[p.name for p in spec.params].index(k)].check(v)
                                  for k, v in params.items()}}
    ds = load_csv(**args)
    assert ds.x_train.shape[1:] == (4, 4, 1) and ds.params["images"] is True
    csv_fast.offer_loaded(args, ds)
    assert catalog.load("csv", **{**params, "seed": 1}) is not ds     # other settings: read again
    csv_fast.offer_loaded(args, ds)
    assert catalog.load("csv", **params) is ds                         # the same: taken, at once
    again = catalog.load("csv", **params)                              # once only
    assert again is not ds and np.array_equal(again.x_train, ds.x_train)
    csv_fast.offer_loaded(args, ds)
    path.write_text(path.read_text() + "1," + ",".join(["0"] * 16) + "\n")   # the file changed
    assert catalog.load("csv", **params) is not ds
    csv_fast.forget_loaded()


def test_min_max_scaling_a_block_at_a_time_gives_the_scalers_numbers(tmp_path, monkeypatch):
    from nnviz.core.data.dataset import Scaler, split_indices

    path = _table(tmp_path / "t.csv", rows=100)
    monkeypatch.setattr(csv_fast, "SCALE_ROWS", 7)
    ds = csv_fast.load_numbers(path, "label", scaling="minmax", images=False)
    _names, m = csv_fast.parse_numbers(path)
    x, y = m[:, 1:], np.unique(m[:, 0], return_inverse=True)[1]
    tr, _va, te = split_indices(len(x), 0.2, 0.0, 0, stratify=y)
    ref = Scaler.fit("minmax", x[tr])
    assert np.array_equal(ref.offset, ds.scaler.offset) and np.array_equal(ref.scale, ds.scaler.scale)
    assert np.array_equal(ref.transform(x[tr]), ds.x_train) and np.array_equal(ref.transform(x[te]), ds.x_test)
