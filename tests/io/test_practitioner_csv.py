"""A practitioner's own CSV files: what a spreadsheet set to a language with decimal commas writes ("1,5" in a file
separated by ";" or tabs) is read as numbers, and a cell that is not a number among them is still named."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.io.csv_data import CsvError, load_csv, read_csv, to_dataset


def test_decimal_commas_in_a_semicolon_file_are_numbers(tmp_path):
    path = tmp_path / "iris_de.csv"
    path.write_text("Länge;Breite;Art\n5,1;3,5;setosa\n7,0;3,2;versicolor\n-0,5;1e3;setosa\n6,3;3,3;versicolor\n",
                    encoding="utf-8")
    table = read_csv(path)
    assert table.delimiter == ";" and table.has_header and table.decimal_comma
    assert table.numeric == [True, True, False]
    np.testing.assert_array_equal(table.column("Länge"), [5.1, 7.0, -0.5, 6.3])
    np.testing.assert_array_equal(table.column("Breite"), [3.5, 3.2, 1000.0, 3.3])
    assert table.preview(1) == [["5,1", "3,5", "setosa"]]          # the preview shows the file's own text
    ds = to_dataset(table, "Art", test_ratio=0.5)
    assert ds.class_names == ["setosa", "versicolor"] and ds.x_train.dtype == np.float32


def test_decimal_commas_without_a_header_and_in_the_target(tmp_path):
    path = tmp_path / "prices.tsv"
    path.write_text("".join(f"{i},5\t{i * 2},25\n" for i in range(30)), encoding="utf-8")
    table = read_csv(path)
    assert not table.has_header and table.delimiter == "\t" and table.numeric == [True, True]
    assert table.column("column 1")[0] == 0.5 and table.n_rows == 30
    ds = load_csv(path, "column 2", task="regression")
    assert ds.task == "regression" and sorted(np.concatenate([ds.y_train, ds.y_test]).ravel())[:2] == [0.25, 2.25]


def test_a_missing_value_among_decimal_commas_is_the_only_cell_named(tmp_path):
    path = tmp_path / "messwerte.csv"
    path.write_text("a;b;y\n1,5;2;0\nNA;2,5;1\n3,5;4;0\n4,5;;1\n5,5;6;0\n6,5;7;1\n", encoding="utf-8")
    table = read_csv(path)
    with pytest.raises(CsvError) as err:
        to_dataset(table, "y")
    message = str(err.value)
    assert "row 3, column 'a': 'NA' is not a number" in message
    assert "row 5, column 'b': the cell is empty" in message
    assert "1,5" not in message and "2,5" not in message and message.startswith("2 cells")
    ds = to_dataset(table, "y", skip_bad_rows=True, test_ratio=0.25)
    assert ds.n_train + ds.n_test == 4 and "2 bad rows skipped" in ds.description
    np.testing.assert_array_equal(np.sort(np.concatenate([ds.x_train, ds.x_test])[:, 0]), [1.5, 3.5, 5.5, 6.5])


def test_a_comma_separated_file_keeps_quoted_commas_as_text(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('name,x,y\n"1,5",1,0\n"Doe, A",2,1\n', encoding="utf-8")
    table = read_csv(path)
    assert not table.decimal_comma and table.numeric == [False, True, True]
    assert list(table.column("name")) == ["1,5", "Doe, A"]


def test_a_semicolon_file_of_decimal_commas_without_a_header_is_not_taken_for_commas(tmp_path):
    path = tmp_path / "raw.csv"
    path.write_text("5,1;3,5;0\n7,0;3,2;1\n6,3;3,3;1\n4,9;3,0;0\n", encoding="utf-8")
    table = read_csv(path)
    assert table.delimiter == ";" and not table.has_header and table.numeric == [True, True, True]
    np.testing.assert_array_equal(table.column("column 1"), [5.1, 7.0, 6.3, 4.9])


def test_scaling_advice_on_a_table_of_prices_does_not_speak_of_pixels(tmp_path):
    from nnviz.core.data.advice import scaling_advice
    path = tmp_path / "house.csv"
    rng = np.random.default_rng(0)
    rows = [f"{rng.uniform(30, 200):.1f},{rng.integers(1, 6)},{rng.uniform(1e5, 3e5):.0f}" for _ in range(50)]
    path.write_text("area_m2,rooms,price\n" + "\n".join(rows) + "\n")
    advice = scaling_advice(load_csv(path, "price"))
    assert "choose min-max or standardize scaling" in advice and "pixel" not in advice


def test_a_regression_target_far_from_0_to_1_gets_advice_that_works(tmp_path):
    """House prices as the target: the loss stayed at 3.4e10 for every epoch; divided as the advice says, it fits."""
    from nnviz.core import Dense, Sequential
    from nnviz.core.data.advice import target_advice
    rng = np.random.default_rng(0)
    area, rooms = rng.uniform(30, 200, 300), rng.integers(1, 6, 300)
    price = 1500 * area + 10000 * rooms + rng.normal(0, 5000, 300)
    path = tmp_path / "house.csv"
    path.write_text("area,rooms,price\n" + "".join(f"{a:.1f},{r},{p:.0f}\n" for a, r, p in zip(area, rooms, price)))
    ds = load_csv(path, "price", scaling="standardize")
    advice = target_advice(ds)
    assert "Divide the target column by 100,000" in advice and "the target spans" in advice
    assert target_advice(load_csv(path, "rooms", task="regression")) is None      # 1 … 5: nothing to say
    losses = {}
    for divisor in (1.0, 1e5):
        model = Sequential([Dense(4, input_shape=(2,), activation="tanh"), Dense(1)], seed=1)
        model.compile(optimizer="adam", loss="mean_squared_error")
        history = model.fit(ds.x_train, ds.y_train / divisor, epochs=60, batch_size=10, verbose=0)
        losses[divisor] = history.history["loss"][-1] / float(np.var(ds.y_train / divisor))
    assert losses[1.0] > 1.0 and losses[1e5] < 0.3           # unexplained variance: all of it, then under 30 %


def test_a_spreadsheets_unicode_text_and_windows_1252_files_read(tmp_path):
    """Excel's "Unicode text" is UTF-16 with a byte-order mark and tabs: it was refused as "not a text file (it
    contains NUL bytes)"; a Western-European "CSV" is Windows-1252, whose "€" came out as a control character."""
    from nnviz.io.csv_fast import head_text
    text = "Name\tPreis\tKlasse\r\nä\t1,5\t0\r\nb\t2,5\t1\r\nc\t3\t0\r\n"
    for i, encoding in enumerate(("utf-16", "utf-16-be")):
        path = tmp_path / f"unicode{i}.txt"
        path.write_bytes((b"\xfe\xff" if encoding == "utf-16-be" else b"") + text.encode(encoding))
        table = read_csv(path)
        assert table.columns == ["Name", "Preis", "Klasse"] and table.delimiter == "\t"
        assert list(table.column("Name")) == ["ä", "b", "c"] and table.column("Preis").tolist() == [1.5, 2.5, 3.0]
        assert read_csv(head_text(path, 1)).n_rows == 1        # a big file's first lines, cut anywhere
    path = tmp_path / "preise.csv"
    path.write_bytes("Größe;Preis €;Klasse\n1;2;0\n3;4;1\n".encode("cp1252"))
    assert read_csv(path).columns == ["Größe", "Preis €", "Klasse"]
    path.write_bytes(b"PK\x03\x04\x00\x00 a zip")
    with pytest.raises(CsvError, match="NUL bytes"):
        read_csv(path)


@pytest.mark.parametrize("quoted", [False, True])   # NumPy's parser, and the csv module's (a quote in the file)
def test_a_spreadsheets_trailing_delimiters_and_empty_rows_are_not_data(tmp_path, quoted):
    """Spreadsheets end every line with the delimiter ("a,b,label,") and write formatted empty rows as ",,": those
    made a nameless column of empty cells and rows of empty cells, which the import refused cell by cell."""
    name = '"x"' if quoted else "x"
    path = tmp_path / "export.csv"
    path.write_text(f"a,b,label,\n1,2,{name},\n3,4,y,\n,,,\n5,6,x,\n7,8,y,\n,,,\n , ,,\n")
    table = read_csv(path)
    assert table.columns == ["a", "b", "label"] and table.n_rows == 4
    assert table.line_numbers.tolist() == [2, 3, 5, 6] and table.preview(1) == [["1", "2", "x"]]
    ds = load_csv(path, "label", test_ratio=0.5)
    assert ds.feature_names == ["a", "b"] and ds.class_names == ["x", "y"]
    named = tmp_path / "named.csv"
    named.write_text("a,b,label,notes\n1,2,x,\n3,4,y,\n")       # a named column stays, empty or not
    assert read_csv(named).columns == ["a", "b", "label", "notes"]


def _pixels_with_bad_rows(path, rows: int = 300):
    """A Kaggle-format table of whole numbers with what real files have: an "n/a", a ragged row, a blank line, a
    row of delimiters, a negative and a decimal number."""
    rng = np.random.default_rng(0)
    lines = ["label," + ",".join(f"pixel{j}" for j in range(16))]
    for i in range(rows):
        cells = [str(i % 3)] + [str(v) for v in rng.integers(0, 256, 16)]
        if i == 117:
            cells[5] = "n/a"
        if i == 198:
            cells = cells[:-1]
        if i == 259:
            cells[3], cells[4] = "-3", "2.5"
        lines.append(",".join(cells))
        if i == 248:
            lines += ["", ",,,"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_few_bad_rows_in_a_big_number_table_stay_on_the_fast_path(tmp_path, monkeypatch):
    """An MNIST CSV with one bad row left the fast parser for the csv module: 14 s to say so and 28 s to import it
    with Skip bad rows (2.4 s and 3.8 s now), without a chance to cancel. The messages and the data set are the
    general reader's."""
    from nnviz.io import csv_data, csv_fast
    from nnviz.io.csv_data import skipped_rows
    path = _pixels_with_bad_rows(tmp_path / "digits.csv")
    with pytest.raises(CsvError) as general:
        load_csv(path.read_text(), "label")                          # text: the general reader
    with pytest.raises(CsvError) as fast:
        csv_fast.load_numbers(path, "label", images=False)
    assert str(fast.value) == str(general.value) == "row 200 has 16 fields, expected 17"
    slow = load_csv(path.read_text(), "label", skip_bad_rows=True)
    monkeypatch.setattr(csv_data, "read_csv", lambda *a, **k: pytest.fail("the general reader was used"))
    quick = load_csv(path, "label", skip_bad_rows=True)
    assert skipped_rows(quick) == skipped_rows(slow) == 2 and quick.params["skip_bad_rows"] is True
    assert "(first: row 200 has 16 fields, expected 17)" in quick.description
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(quick, "x_" + part), getattr(slow, "x_" + part))
        np.testing.assert_array_equal(getattr(quick, "y_" + part), getattr(slow, "y_" + part))
    assert quick.n_train + quick.n_test == 298 and -3.0 in quick.x_train[:, 2].tolist() + quick.x_test[:, 2].tolist()
    path.write_text(path.read_text().replace("1,2,", "1,X,", 1))     # two bad cells: both named, in file order
    path.write_text("\n".join(line for line in path.read_text().split("\n") if line.count(",") != 15) + "\n")
    with pytest.raises(CsvError, match=r"^2 cells cannot be used:\n  row \d+, column 'pixel\d+': 'X' is not"):
        csv_fast.load_numbers(path, "label", images=False)
    with pytest.raises(CsvError) as fast:
        csv_fast.load_numbers(path, "label", images=False)
    monkeypatch.undo()
    with pytest.raises(CsvError) as general:
        load_csv(path.read_text(), "label")
    assert str(fast.value) == str(general.value) and "row 119, column 'pixel4': 'n/a'" in str(fast.value)


def test_a_table_of_decimals_is_left_to_the_general_reader():
    from nnviz.io.csv_fast import parse_numbers
    text = ("a,b\n" + "".join(f"{i}.5,{i}\n" for i in range(500))).encode()
    bad: list = []
    assert parse_numbers(text, bad=bad) is None and not bad       # not a few irregular lines: every one of them
    text = ("a,b\n" + "".join(f"{i}{'.5' if i % 10 == 1 else ''},{i}\n" for i in range(500))).encode()
    names, m = parse_numbers(text, bad=bad)                         # 50 decimals in 500 rows: read one by one
    assert names == ["a", "b"] and m.shape == (500, 2) and m[1, 0] == 1.5 and bad[0].bad_rows == 0
