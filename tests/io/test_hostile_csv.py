"""Hostile and odd CSV files (issue 12): clear CsvErrors that list every problem (the first ten, and their
count), values beyond float32 refused by row and column, bad rows skippable with their count said, devices
and oversized files never read, and wide files in linear time."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz.core.data import catalog
from nnviz.io import csv_data, csv_parse
from nnviz.io.csv_data import CsvError, read_csv, skipped_rows, to_dataset


@pytest.mark.parametrize("text", ['" "', '" "\n', '""\n""\n', ' \n\n '])
def test_a_file_of_blank_quoted_cells_is_a_csv_error(text):
    with pytest.raises(CsvError, match="no data|empty"):
        read_csv(text.encode())


@pytest.mark.parametrize("value", ["1e308", "-1e308", "3.5e38", "inf", "nan"])
def test_values_beyond_float32_name_row_and_column(value):
    text = f"a,b\n1,2\n3,{value}\n5,6\n7,8\n"
    with pytest.raises(CsvError, match=r"row 3, column 'b': .* (beyond the range of 32-bit floats|not a finite)"):
        to_dataset(read_csv(text), "a", test_ratio=0)


def test_every_bad_cell_is_counted_and_the_first_ten_listed_in_file_order():
    lines = ["x,y,label"] + [f"{'n/a' if i % 4 == 0 else i},{'?' if i % 5 == 0 else i},{i % 2}" for i in range(100)]
    with pytest.raises(CsvError) as info:
        to_dataset(read_csv("\n".join(lines) + "\n"), "label")
    msg = str(info.value)
    first, *listed = msg.splitlines()
    assert first == "45 cells cannot be used; the first:"   # 25 'n/a' and 20 '?'
    assert listed[0] == "  row 2, column 'x': 'n/a' is not a number"
    assert listed[1] == "  row 2, column 'y': '?' is not a number"
    assert len(listed) == 11 and listed[-1] == "  ... and 35 more"
    rows = [int(line.split()[1].rstrip(",")) for line in listed[:-1]]
    assert rows == sorted(rows)


def test_all_ragged_rows_are_listed():
    text = "a,b,c\n1,2,3\n1,2\n4,5,6\n1,2,3,4\n7,8,9\n"
    with pytest.raises(CsvError, match=r"^2 rows have the wrong number of fields:\n  row 3 has 2 fields, expected 3\n"
                                       r"  row 5 has 4 fields, expected 3$"):
        read_csv(text)


def test_bad_rows_can_be_skipped_and_the_count_is_said(tmp_path):
    lines = ["x,y,label"] + [f"{i},{i * 2},{i % 2}" for i in range(40)]
    lines[5] = "n/a,3,1"           # a bad cell
    lines[9] = "1,2"               # a ragged row
    lines[12] = "4,1e300,0"        # beyond float32
    lines[20] = "5,6,"             # an empty label in a number column
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CsvError):
        csv_data.load_csv(path, "label")
    ds = catalog.load("csv", path=str(path), label_column="label", skip_bad_rows=True, test_ratio=0.0)
    assert ds.n_train == 36 and skipped_rows(ds) == 4
    assert "4 bad rows skipped (first: row 10 has 2 fields, expected 3)" in ds.description
    assert ds.params["skip_bad_rows"] is True
    assert np.all(np.abs(ds.x_train) < 1e6)
    # a table read without skipping still refuses the ragged row, and skipping only in to_dataset says the rest
    table = read_csv(path.read_text().replace("1,2\n", "1,2,1\n"))
    ds = to_dataset(table, "label", test_ratio=0.0, skip_bad_rows=True)
    assert skipped_rows(ds) == 3


def test_a_table_whose_every_row_is_bad_is_refused_even_when_skipping():
    with pytest.raises(CsvError, match="every row"):
        to_dataset(read_csv("x,label\nn/a,1\n?,0\n"), "label", skip_bad_rows=True)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_never_read(tmp_path):
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(CsvError, match="not a regular file"):
        read_csv(link)
    with pytest.raises(CsvError, match="not a regular file"):
        catalog.load("csv", path=str(link), label_column="x")


def test_a_file_over_the_size_bound_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_parse, "MAX_CSV_BYTES", 1000)   # where the reader reads its bound
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "1,2\n" * 400)
    with pytest.raises(CsvError, match="implausibly large"):
        read_csv(path)


def test_a_wide_table_loads_and_names_columns_by_dict(tmp_path):
    n = 20_001
    header = ",".join(f"c{j}" for j in range(n))
    rows = [",".join(str((i + j) % 7) for j in range(n)) for i in range(12)]
    table = read_csv(header + "\n" + "\n".join(rows) + "\n")
    assert table.n_columns == n and table.index("c20000") == 20_000
    ds = to_dataset(table, "c0", test_ratio=0.25)
    assert ds.input_shape == (n - 1,)
    assert len(ds.description) < 400   # the features are summarised, not all 20,000 named
    with pytest.raises(CsvError, match=r"unknown column 'nope'.*\(19,981 more\)"):
        table.index("nope")
