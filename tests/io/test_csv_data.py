"""CSV import: good files become data sets; each kind of bad file is named precisely.

Row numbers in messages are the file's 1-based line numbers as an editor shows them (header and blank
lines included).
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.data import catalog
from nnviz.io.csv_data import CsvError, read_csv, to_dataset

IRIS_LIKE = """sepal,petal,species
5.1,1.4,setosa
7.0,4.7,versicolor
6.3,6.0,virginica
4.9,1.4,setosa
6.4,4.5,versicolor
5.8,5.1,virginica
5.0,1.5,setosa
6.9,4.9,versicolor
7.1,5.9,virginica
"""


def numeric_csv(rows: int, seed: int = 0, header: bool = True) -> str:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3)).round(4)
    y = (x[:, 0] > 0).astype(int)
    lines = (["a,b,c,label"] if header else []) + [f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(x, y)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- good files
def test_header_and_string_labels_become_sorted_classes():
    table = read_csv(IRIS_LIKE)
    assert table.has_header and table.columns == ["sepal", "petal", "species"]
    assert table.numeric == [True, True, False] and table.n_rows == 9
    assert table.line_numbers.tolist() == list(range(2, 11))
    assert table.preview(2) == [["5.1", "1.4", "setosa"], ["7.0", "4.7", "versicolor"]]
    ds = to_dataset(table, "species", test_ratio=0.0)
    assert ds.task == "multiclass" and ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.feature_names == ["sepal", "petal"] and ds.input_shape == (2,)
    # each row keeps its own label: petal < 2 is exactly the setosa rows
    assert set(ds.y_train[ds.x_train[:, 1] < 2].tolist()) == {0}
    assert np.bincount(ds.y_train).tolist() == [3, 3, 3]
    assert ds.suggested_output()["text"] == "3 classes: use Dense(3, softmax) with sparse_categorical_crossentropy"


def test_file_without_header():
    table = read_csv(numeric_csv(10, header=False))
    assert not table.has_header and table.n_rows == 10
    assert table.columns == ["column 1", "column 2", "column 3", "column 4"]
    assert table.line_numbers[0] == 1  # the first line is data
    ds = to_dataset(table, "column 4", test_ratio=0.2, seed=0)
    assert ds.task == "binary" and ds.class_names == ["0", "1"] and ds.n_train + ds.n_test == 10


def test_regression_is_detected_and_overridable():
    text = "x,y\n" + "".join(f"{i},{i * 0.37 + 1:.3f}\n" for i in range(40))
    ds = to_dataset(read_csv(text), "y", test_ratio=0.25, seed=1)
    assert ds.task == "regression" and ds.class_names is None
    assert ds.y_train.shape == (30, 1) and ds.y_train.dtype == np.float32
    np.testing.assert_allclose(ds.y_train[:, 0], ds.x_train[:, 0] * 0.37 + 1, atol=1e-3)
    assert ds.suggested_output()["text"] == "regression: use Dense(1) with mean_squared_error"
    # whole numbers with many values: regression; with few: classes; both overridable
    many = "x,y\n" + "".join(f"{i},{i * 3}\n" for i in range(60))
    assert to_dataset(read_csv(many), "y").task == "regression"
    few = "x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(60))
    assert to_dataset(read_csv(few), "y").task == "multiclass"
    assert to_dataset(read_csv(few), "y", task="regression").task == "regression"
    binary = to_dataset(read_csv(numeric_csv(20)), "label", task="multiclass")
    assert binary.task == "multiclass" and binary.num_classes == 2


def test_numeric_class_labels_keep_their_values_as_names():
    text = "f,grade\n" + "".join(f"{i},{[3, 5, 9][i % 3]}\n" for i in range(30))
    ds = to_dataset(read_csv(text), "grade", test_ratio=0.0)
    assert ds.class_names == ["3", "5", "9"]
    np.testing.assert_array_equal(ds.y_train, [[3, 5, 9].index(v) for v in
                                               [[3, 5, 9][int(f) % 3] for f in ds.x_train[:, 0]]])


def test_delimiters_line_endings_bom_quotes_and_paths(tmp_path):
    semi = "a;b;label\r\n1,5;2;x\r\n3;4;y\r\n"  # a comma inside a ';' file is not a delimiter but a decimal comma
    assert read_csv(semi).column("a").tolist() == [1.5, 3.0]
    table = read_csv("a;b;label\r\n1.5;2;x\r\n3;4;y\r\n")
    assert table.delimiter == ";" and table.columns == ["a", "b", "label"]
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xef\xbb\xbf" + IRIS_LIKE.encode())  # UTF-8 with a byte-order mark
    table = read_csv(path)
    assert table.columns[0] == "sepal" and table.source == str(path) and table.name == "data"
    quoted = 'sepal,petal,species\n5.1,1.4,"setosa, wild"\n7.0,4.7,"versicolor"\n6.3,6.0,virginica\n'
    ds = to_dataset(read_csv(quoted), "species", test_ratio=0.0)
    assert ds.class_names == ["setosa, wild", "versicolor", "virginica"]
    assert read_csv(IRIS_LIKE.encode()).n_rows == 9  # bytes work too
    tabs = read_csv(IRIS_LIKE.replace(",", "\t"))
    assert tabs.delimiter == "\t" and tabs.n_rows == 9


def test_fast_and_general_parsers_agree():
    text = numeric_csv(300)
    plain = read_csv(text)
    quoted = read_csv(text.replace("a,b", '"a","b"'))  # a quote anywhere sends the file through csv
    assert plain.columns == quoted.columns and plain.numeric == quoted.numeric
    for a, b in zip(plain.data, quoted.data):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain.line_numbers, quoted.line_numbers)


def test_catalog_loads_csv(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(IRIS_LIKE)
    assert "csv" in catalog.names("csv")
    ds = catalog.load("csv", path=str(path), label_column="species", scaling="minmax", seed=2)
    assert ds.kind == "csv" and ds.name == "people" and ds.num_classes == 3
    assert ds.params["label_column"] == "species"


# ----------------------------------------------------------------------------------------------- splits
def test_minmax_scaling_is_fitted_on_the_training_split_only():
    rng = np.random.default_rng(0)
    x = rng.uniform(-50, 50, size=(200, 20)).round(3)
    text = ",".join(f"f{j}" for j in range(20)) + ",y\n" + "".join(
        ",".join(map(str, r)) + f",{int(r[0] > 0)}\n" for r in x)
    ds = to_dataset(read_csv(text), "y", scaling="minmax", test_ratio=0.3, val_ratio=0.1, seed=4)
    np.testing.assert_array_equal(ds.x_train.min(axis=0), np.zeros(20))
    np.testing.assert_array_equal(ds.x_train.max(axis=0), np.ones(20))
    outside = (ds.x_test < 0) | (ds.x_test > 1)
    assert outside.any()  # some test values lie outside the training range: nothing leaked from test
    # the fitted parameters are the training rows' raw range ...
    raw_train = ds.scaler.inverse_transform(ds.x_train)
    np.testing.assert_allclose(ds.scaler.offset, raw_train.min(axis=0), atol=1e-4)
    np.testing.assert_allclose(ds.scaler.offset + ds.scaler.scale, raw_train.max(axis=0), atol=1e-4)
    # ... and applying them to the file's raw rows gives exactly the data set's rows
    every = np.concatenate([ds.x_train, ds.x_val, ds.x_test])
    key = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(key(ds.scaler.transform(x)), key(every))

    std = to_dataset(read_csv(text), "y", scaling="standardize", test_ratio=0.3, seed=4)
    np.testing.assert_allclose(std.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(std.x_train.std(axis=0), 1, atol=1e-4)
    assert np.abs(std.x_test.mean(axis=0)).max() > 1e-3


def test_splits_are_reproducible_and_stratified():
    table = read_csv(numeric_csv(500, seed=1))
    a = to_dataset(table, "label", test_ratio=0.2, val_ratio=0.2, seed=9)
    b = to_dataset(table, "label", test_ratio=0.2, val_ratio=0.2, seed=9)
    c = to_dataset(table, "label", test_ratio=0.2, val_ratio=0.2, seed=10)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x_test, c.x_test)
    assert (a.n_train, a.n_val, a.n_test) == (300, 100, 100)
    share = np.bincount(np.concatenate([a.y_train, a.y_val, a.y_test]))[1] / 500
    for part in ("train", "val", "test"):
        counts = a.class_counts(part)
        assert abs(counts[1] / counts.sum() - share) <= 0.011


def test_feature_columns_can_be_chosen():
    ds = to_dataset(read_csv(numeric_csv(20)), "label", feature_columns=["c", "a"], test_ratio=0.0)
    assert ds.feature_names == ["c", "a"] and ds.input_shape == (2,)


# -------------------------------------------------------------------------------------------- bad files
def test_bad_cell_is_named_by_row_column_and_value():
    lines = numeric_csv(900).split("\n")
    assert lines[811].count(",") == 3
    lines[811] = "n/a" + lines[811][lines[811].index(","):]  # file line 812
    table = read_csv("\n".join(lines).replace("a,b,c,label", "age,b,c,label", 1))
    with pytest.raises(CsvError) as err:
        to_dataset(table, "label")
    assert str(err.value) == "row 812, column 'age': 'n/a' is not a number"
    assert isinstance(err.value, ValueError)


def test_row_numbers_count_blank_lines_like_an_editor():
    text = "x,y,label\n1,2,0\n\n3,4,1\n5,,0\n"  # line 3 is blank, the empty cell is on line 5
    with pytest.raises(CsvError, match=r"^row 5, column 'y': the cell is empty, expected a number$"):
        to_dataset(read_csv(text), "label")
    assert read_csv("x,y,label\n1,2,0\n\n3,4,1\n").line_numbers.tolist() == [2, 4]
    assert read_csv("\nx,y,label\n1,2,0\n   \n3,4,1\n\n").line_numbers.tolist() == [3, 5]


def test_bad_label_cell_and_non_finite_values():
    text = "x,y\n" + "".join(f"{i},{i * 1.5}\n" for i in range(30)) + "30,?\n"
    with pytest.raises(CsvError, match=r"^row 32, column 'y': '\?' is not a number$"):
        to_dataset(read_csv(text), "y")
    with pytest.raises(CsvError, match=r"^row 3, column 'x': 'nan' is not a finite number$"):
        to_dataset(read_csv("x,y\n1,0\nnan,1\n2,1\n"), "y")
    with pytest.raises(CsvError, match=r"row 2, column 'species': 'setosa' is not a number"):
        to_dataset(read_csv(IRIS_LIKE), "species", task="regression")


def test_ragged_rows():
    with pytest.raises(CsvError, match=r"^row 5 has 3 fields, expected 4$"):
        read_csv("a,b,c,d\n1,2,3,4\n5,6,7,8\n1,2,3,4\n1,2,3\n")
    # a ragged row far below the first rows, with one field too many
    lines = numeric_csv(300).split("\n")
    lines[250] += ",9"
    with pytest.raises(CsvError, match=r"^row 251 has 5 fields, expected 4$"):
        read_csv("\n".join(lines))
    with pytest.raises(CsvError, match=r"^row 3 has 2 fields, expected 3$"):
        read_csv('a,b,c\n"1",2,3\n4,"5"\n')
    # one row too long and a later one too short, with text columns: still named
    lines = ("a,b,c,d\n" + "".join(f"{i},{i},x{i % 2},y\n" for i in range(200))).split("\n")
    lines[150], lines[160] = "1,2,x,y,z", "1,2,x"
    with pytest.raises(CsvError, match=r"^2 rows have the wrong number of fields:\n  row 151 has 5 fields, "
                                       r"expected 4\n  row 161 has 3 fields, expected 4$"):
        read_csv("\n".join(lines))


def test_empty_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CsvError, match="^the file is empty"):
        read_csv(empty)
    with pytest.raises(CsvError, match="^the file is empty"):
        read_csv(" \n\n  \n")
    with pytest.raises(CsvError, match="^the file has a header but no data rows$"):
        read_csv("a,b,label\n")
    with pytest.raises(CsvError, match="no such file"):
        read_csv(tmp_path / "missing.csv")


def test_label_with_one_class():
    with pytest.raises(CsvError, match=r"^the label column 'label' has only one class \('yes'\)"):
        to_dataset(read_csv("x,label\n1,yes\n2,yes\n3,yes\n"), "label")
    with pytest.raises(CsvError, match="task 'binary' needs exactly 2 classes"):
        to_dataset(read_csv(IRIS_LIKE), "species", task="binary")


def test_fewer_rows_than_the_batch_size():
    with pytest.raises(CsvError) as err:
        to_dataset(read_csv(numeric_csv(40)), "label", test_ratio=0.25, batch_size=32)
    assert str(err.value).startswith("only 30 training rows (of 40 rows) but the batch size is 32")
    assert to_dataset(read_csv(numeric_csv(40)), "label", test_ratio=0.2, batch_size=32).n_train == 32


def test_unknown_and_duplicate_column_names():
    table = read_csv(numeric_csv(10))
    with pytest.raises(CsvError, match=r"^unknown column 'lable'; the columns are: 'a', 'b', 'c', 'label'$"):
        to_dataset(table, "lable")
    with pytest.raises(CsvError, match="unknown column 'd'"):
        to_dataset(table, "label", feature_columns=["a", "d"])
    with pytest.raises(CsvError, match="cannot also be a feature"):
        to_dataset(table, "label", feature_columns=["a", "label"])
    with pytest.raises(CsvError, match=r"^duplicate column name 'age' \(columns 1 and 3\)$"):
        read_csv("age,height,age\n1,2,3\n4,5,6\n")


def test_text_feature_column_is_refused():
    text = "name,x,label\n" + "".join(f"p{i},{i},{i % 2}\n" for i in range(10))
    with pytest.raises(CsvError, match=r"^10 cells cannot be used:\n  row 2, column 'name': 'p0' is not a number\n"):
        to_dataset(read_csv(text), "label")
    assert to_dataset(read_csv(text), "label", feature_columns=["x"]).input_shape == (1,)


def test_too_few_rows_for_the_split():
    with pytest.raises(CsvError, match="2 data rows"):
        to_dataset(read_csv("x,label\n1,0\n2,1\n"), "label", test_ratio=0.5, val_ratio=0.4)
