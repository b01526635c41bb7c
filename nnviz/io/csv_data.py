"""CSV import: a user's table to a :class:`~nnviz.core.data.Dataset` (NumPy and the ``csv`` module only).

Two steps, so a dialog can show the table before choosing what to learn::

    table = read_csv("patients.csv")          # header detection, per-column number detection
    ds = to_dataset(table, label_column="side_effects", scaling="minmax", test_ratio=0.2, seed=1)

**Row numbers in messages** are the file's line numbers as an editor shows them, counting from 1 and
including the header line and blank lines: in a file with a header, the first data row is "row 2".
(A quoted field spanning several lines is reported at the line where its record starts.)

Every problem raises :class:`CsvError` (a ``ValueError``) with a message naming it precisely, e.g.
``row 812, column 'age': 'n/a' is not a number`` or ``row 5 has 3 fields, expected 4``.

Speed: a file without quote characters goes through NumPy's C parser (``np.loadtxt``) for its numeric
columns and plain string methods for its text columns: 100,000 rows x 20 columns load in about a quarter
of a second (``bench/csv_load.py``). Files with quotes, and files the fast path finds irregular (which is
how it finds the bad cell or ragged row to report), go through :mod:`csv` and ``float`` per column, about
four times slower.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnviz.core.data import catalog
from nnviz.core.data.dataset import Dataset, Scaler, split_indices
from nnviz.io.csv_parse import (DELIMITERS, MAX_CSV_BYTES, MAX_LISTED, PREVIEW_ROWS, CsvError,  # noqa: F401
                                _format_number, _is_number, _not_a_number, _parse_fast, _parse_floats, _parse_general,
                                _read_source, _sniff_delimiter, _text_array, _unusable_number, comma_to_point, listing,
                                read_decimal_commas)

TASKS = ("auto", "binary", "multiclass", "regression")
SCALINGS = ("none", "minmax", "standardize")
#: numeric labels with at most this many distinct integer values count as classes under task="auto"
MAX_AUTO_CLASSES = 20
#: more distinct labels than this cannot be a classification
MAX_CLASSES = 1000
#: the largest magnitude a feature or target may have: the network computes in float32
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class CsvTable:
    """A parsed CSV file: column names and one array per column.

    ``numeric[j]`` says whether every cell of column ``j`` is a number; numeric columns are float64
    arrays, the others object arrays of str (cells stripped of surrounding spaces). ``line_numbers[i]`` is the
    1-based file line of data row ``i``. ``head`` keeps the first rows' cells as text for a preview.
    """

    columns: list[str]
    data: list[np.ndarray]
    numeric: list[bool]
    line_numbers: np.ndarray
    has_header: bool
    delimiter: str
    source: str = "<text>"
    head: list[list[str]] = field(default_factory=list)
    #: rows read_csv left out (skip_bad_rows): a message for each of the first ones, None for the rest
    skipped: list = field(default_factory=list)
    #: numbers were written with a decimal comma ("1,5" in a file separated by ";" or tabs)
    decimal_comma: bool = False

    @property
    def n_rows(self) -> int:
        return len(self.line_numbers)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    @property
    def name(self) -> str:
        return Path(self.source).stem if self.source != "<text>" else "csv"

    def index(self, column: str) -> int:
        """Position of ``column``; :class:`CsvError` listing the columns if there is no such column.
        A dict lookup: a dialog asks for every column on every change (40,001 columns: linear, not
        quadratic)."""
        positions = self.__dict__.get("_positions")
        if positions is None or len(positions) != len(self.columns):
            positions = {c: j for j, c in reversed(list(enumerate(self.columns)))}
            self.__dict__["_positions"] = positions
        try:
            return positions[column]
        except (KeyError, TypeError):
            shown = ", ".join(repr(c) for c in self.columns[:20])
            more = f", ... ({len(self.columns) - 20:,} more)" if len(self.columns) > 20 else ""
            raise CsvError(f"unknown column {column!r}; the columns are: {shown}{more}") from None

    def column(self, column: str) -> np.ndarray:
        return self.data[self.index(column)]

    def first_bad(self, column: str) -> tuple[int, str] | None:
        """``(line, cell)`` of the first cell of ``column`` that is not a number, or None."""
        j = self.index(column)
        if self.numeric[j]:
            return None
        for i, cell in enumerate(self.data[j]):
            if not _is_number(cell):
                return int(self.line_numbers[i]), str(cell)
        return None

    def numeric_column(self, column: str) -> np.ndarray:
        """The column as float64; :class:`CsvError` naming the first cell that is not a number a
        network can take (not a number, not finite, or beyond float32's range)."""
        rows, problems = self.bad_cells(column)
        if len(rows):
            raise CsvError(problems[0])
        return self.data[self.index(column)]

    def bad_cells(self, column: str, limit: int = 10) -> tuple[np.ndarray, list[str]]:
        """``(rows, messages)``: the indices of every data row whose cell in ``column`` is not a number a
        network can take, and messages naming the first ``limit`` of them (row and column)."""
        j = self.index(column)
        values = self.data[j]
        if not self.numeric[j]:
            ok = np.fromiter(map(_is_number, values), dtype=bool, count=len(values))
            rows = np.flatnonzero(~ok)
            problems = [_not_a_number(int(self.line_numbers[i]), column, str(values[i])) for i in rows[:limit]]
            numbers = np.full(len(values), 0.0)
            numbers[ok] = [float(v) for v in values[ok]]
        else:
            rows, problems, numbers = np.empty(0, np.int64), [], values
        with np.errstate(invalid="ignore"):
            out_of_range = np.flatnonzero(~(np.abs(numbers) <= FLOAT32_MAX))
        if len(out_of_range):
            for i in out_of_range[:max(0, limit - len(problems))]:
                v = numbers[i]
                problems.append(_unusable_number(self.line_numbers[i], column, _format_number(v), v))
            rows = np.union1d(rows, out_of_range)
        return rows, problems

    def without_rows(self, rows) -> "CsvTable":
        """A copy without the data rows at indices ``rows``; text columns whose remaining cells are all
        numbers become numeric."""
        keep = np.ones(self.n_rows, dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = False
        data, numeric = [], []
        for values, is_numeric in zip(self.data, self.numeric):
            values = values[keep]
            if not is_numeric:
                floats = _parse_floats(list(values))
                if floats is not None and len(floats):
                    values, is_numeric = floats, True
            data.append(values)
            numeric.append(is_numeric)
        kept_lines = set(self.line_numbers[keep].tolist())
        head = [r for r, line in zip(self.head, self.line_numbers) if int(line) in kept_lines]
        return CsvTable(columns=list(self.columns), data=data, numeric=numeric,
                        line_numbers=self.line_numbers[keep], has_header=self.has_header, delimiter=self.delimiter,
                        source=self.source, head=head, skipped=list(self.skipped), decimal_comma=self.decimal_comma)

    def preview(self, n: int = 50) -> list[list[str]]:
        """The first ``n`` data rows (at most :data:`PREVIEW_ROWS`) as the text of their cells."""
        return [list(r) for r in self.head[:n]]

    def __repr__(self) -> str:
        kinds = ", ".join(f"{c}:{'num' if k else 'text'}" for c, k in zip(self.columns, self.numeric))
        return f"<CsvTable {self.source}: {self.n_rows} rows, header={self.has_header}, columns [{kinds}]>"


def read_csv(source, *, delimiter: str | None = None, header: bool | None = None,
             skip_bad_rows: bool = False) -> CsvTable:
    """Read a CSV file (a path) or CSV text (a str containing a line break, or bytes) into a :class:`CsvTable`.

    ``delimiter=None`` picks the most frequent of ``, ; TAB |`` in the first line. ``header=None`` detects
    a header: the first row is a header when some column is numeric below it but not in it, or, when no
    column is numeric, when none of its cells is a number. Blank lines are skipped (but counted in row
    numbers). Without a header the columns are named "column 1", "column 2", ...
    In a file not separated by commas, numbers written with a decimal comma ("1,5") are read as numbers
    (``decimal_comma`` says so).
    """
    text, name = _read_source(source)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CsvError("the file is empty" + ("" if name == "<text>" else f": {name}"))
    if delimiter is None:
        delimiter = _sniff_delimiter(text.split("\n", 50)[:50])
    parsed = _parse_fast(text, delimiter) if '"' not in text else None
    if parsed is None:
        parsed = _parse_general(text, delimiter, skip_bad_rows)
    _drop_empty_last_columns(parsed)
    first, cols = parsed.first, parsed.columns
    decimal_comma = read_decimal_commas(cols, delimiter)
    if decimal_comma:
        first = [comma_to_point(c) for c in first]
    n_fields = len(first)
    has_body = len(parsed.lines) > 0
    body_numeric = [has_body and c.dtype == np.float64 for c in cols]

    if header is None:
        first_numeric = [_is_number(c) for c in first]
        if any(body_numeric):
            header = any(bn and not fn for bn, fn in zip(body_numeric, first_numeric))
        else:
            header = not any(first_numeric) and all(first)
    if header:
        if not has_body:
            raise CsvError("the file has a header but no data rows")
        names = _header_names(parsed.first)
        line_numbers = parsed.lines
        head = parsed.head
    else:
        names = [f"column {j + 1}" for j in range(n_fields)]
        line_numbers = np.concatenate([[parsed.first_line], parsed.lines]).astype(np.int64)
        head = ([parsed.first] + parsed.head)[:PREVIEW_ROWS]
        for j in range(n_fields):
            if (body_numeric[j] or not has_body) and _is_number(first[j]):
                cols[j] = np.concatenate([[float(first[j])], cols[j]]).astype(np.float64)
            else:  # text; numbers below a forced non-header row go back to text
                below = cols[j] if cols[j].dtype != np.float64 else [_format_label(v) for v in cols[j]]
                cols[j] = _text_array([first[j], *below])
    numeric = [c.dtype == np.float64 for c in cols]
    return CsvTable(columns=names, data=cols, numeric=numeric, line_numbers=line_numbers, has_header=bool(header),
                    delimiter=delimiter, source=name, head=head, skipped=list(parsed.skipped),
                    decimal_comma=decimal_comma)


def _drop_empty_last_columns(parsed) -> None:
    """Leave out last columns without a name or a cell ("a,b,label," on every line: a spreadsheet's trailing
    delimiter), which would be one more column of empty cells to choose around."""
    while len(parsed.first) > 1 and not parsed.first[-1] and parsed.columns[-1].dtype == object and \
            not any(parsed.columns[-1]):
        parsed.first.pop()
        parsed.columns.pop()
        parsed.head = [row[:len(parsed.first)] for row in parsed.head]


def _header_names(first: list[str]) -> list[str]:
    names = [c if c else f"column {j + 1}" for j, c in enumerate(first)]
    seen: dict[str, int] = {}
    for j, n in enumerate(names):
        if n in seen:
            raise CsvError(f"duplicate column name {n!r} (columns {seen[n] + 1} and {j + 1})")
        seen[n] = j
    return names



# ------------------------------------------------------------------------------------ to a data set
def _detect_task(values: np.ndarray, numeric: bool, n_rows: int) -> str:
    if not numeric:
        return "classification"
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        return "regression"
    n_distinct = len(np.unique(values))
    return "classification" if n_distinct <= min(MAX_AUTO_CLASSES, max(2, n_rows // 2)) else "regression"


def to_dataset(table: CsvTable, label_column: str, feature_columns: list[str] | None = None, task: str = "auto",
               scaling: str = "none", test_ratio: float = 0.2, val_ratio: float = 0.0, seed: int | None = 0,
               batch_size: int | None = None, name: str | None = None, skip_bad_rows: bool = False) -> Dataset:
    """Turn ``table`` into a data set that learns ``label_column`` from ``feature_columns`` (default: all others).

    * Every cell a network cannot take (not a number, not finite, beyond float32's ±3.4e38, an empty
      label) is an error listing the first ten by row and column, with their count; with
      ``skip_bad_rows`` their rows are left out instead, and the description says how many.

    * ``task="auto"`` makes a classification when the label is text or has few distinct whole-number
      values (at most 20, and at most half the rows), a regression otherwise; "binary", "multiclass" and
      "regression" override it. Classes are the distinct labels, sorted (numerically for numbers,
      alphabetically for text), and their text is kept as ``class_names``.
    * ``scaling`` ("none", "minmax", "standardize") is fitted on the training split only and kept as
      ``dataset.scaler`` (apply ``dataset.scaler.transform`` to new raw inputs). Targets are not scaled.
    * Splits are reproducible from ``seed`` and stratified for classification.
    * ``batch_size``: if given, fewer training rows than one batch is an error.
    """
    if task not in TASKS:
        raise CsvError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if scaling not in SCALINGS:
        raise CsvError(f"scaling must be one of {', '.join(SCALINGS)}, got {scaling!r}")
    li = table.index(label_column)
    if feature_columns is None:
        feature_columns = [c for c in table.columns if c != label_column]
    else:
        feature_columns = list(feature_columns)
        for c in feature_columns:
            table.index(c)
        if label_column in feature_columns:
            raise CsvError(f"column {label_column!r} is the label; it cannot also be a feature")
        seen: set[str] = set()
        for c in feature_columns:
            if c in seen:
                raise CsvError(f"feature column {c!r} is selected twice")
            seen.add(c)
    if not feature_columns:
        raise CsvError("choose at least one feature column besides the label")
    bad_rows, problems, n_problems = _bad_rows(table, label_column, feature_columns, task)
    skipped = len(table.skipped)
    if len(bad_rows):
        if not skip_bad_rows:
            raise CsvError(listing(problems, n_problems, "cells cannot be used"))
        if len(bad_rows) == table.n_rows:
            raise CsvError("every row has a cell that cannot be used; " + listing(problems, n_problems, "cells"))
        skipped_examples = [*table.skipped[:1], problems[0]]
        table = table.without_rows(bad_rows)
        skipped += len(bad_rows)
    elif table.skipped:
        skipped_examples = table.skipped[:1]
    n = table.n_rows

    # features: all numeric, finite and in float32's range (checked by _bad_rows above)
    x_raw = np.empty((n, len(feature_columns)), dtype=np.float64)
    for k, c in enumerate(feature_columns):
        x_raw[:, k] = table.data[table.index(c)]

    # labels
    label_values = table.data[li]
    label_numeric = table.numeric[li]
    if task == "auto":
        kind = _detect_task(label_values, label_numeric, n)
    else:
        kind = "regression" if task == "regression" else "classification"
    class_names = None
    if not label_numeric and task in ("auto", "regression"):
        # a number column with a stray 'n/a' is a bad cell, not a column of class names
        line, cell = table.first_bad(label_column)
        if task == "regression" or mostly_numbers(label_values):
            raise CsvError(_not_a_number(line, label_column, cell))
    if kind == "regression":
        y = table.numeric_column(label_column).astype(np.float32).reshape(-1, 1)
        final_task = "regression"
    else:
        if label_numeric:
            if not np.all(np.isfinite(label_values)):
                table.numeric_column(label_column)  # raises naming the cell
            classes, y = np.unique(label_values, return_inverse=True)
            class_names = [_format_label(v) for v in classes]
        else:
            classes, y = np.unique(label_values, return_inverse=True)
            class_names = [str(v) for v in classes]
            empty = np.flatnonzero(label_values == "")
            if len(empty):
                raise CsvError(f"row {table.line_numbers[empty[0]]}, column {label_column!r}: the label is empty")
        y = y.astype(np.int64).reshape(-1)
        k = len(class_names)
        if k > MAX_CLASSES:
            raise CsvError(f"the label column {label_column!r} has {k} distinct values, more than {MAX_CLASSES} "
                           f"classes; is it a regression target?")
        if k < 2:
            raise CsvError(f"the label column {label_column!r} has only one class ({class_names[0]!r}); "
                           f"a classifier needs at least two")
        if task == "binary" and k != 2:
            raise CsvError(f"task 'binary' needs exactly 2 classes, but the label column {label_column!r} has "
                           f"{k}: {_list_classes(class_names)}")
        final_task = "binary" if k == 2 and task != "multiclass" else "multiclass"

    try:
        strat = y if kind == "classification" else None
        tr, va, te = split_indices(n, test_ratio, val_ratio, seed, stratify=strat)
    except ValueError as e:
        raise CsvError(f"{n} data row{'s' if n != 1 else ''}: {e}") from None
    if batch_size is not None and len(tr) < int(batch_size):
        raise CsvError(f"only {len(tr)} training rows (of {n} rows) but the batch size is {int(batch_size)}; "
                       f"lower the batch size or the test and validation shares")

    scaler = None
    if scaling != "none":
        scaler = Scaler.fit(scaling, x_raw[tr])
        x = scaler.transform(x_raw)
    else:
        x = x_raw.astype(np.float32)

    what = "regression" if final_task == "regression" else f"{len(class_names)} classes"
    skip_note = ""
    if skipped:
        skip_note = (f" {skipped:,} bad row{'s' if skipped != 1 else ''} skipped (first: "
                     f"{next(e for e in skipped_examples if e)}).")
    params = {"path": table.source, "label_column": label_column, "feature_columns": list(feature_columns),
              "task": task, "scaling": scaling, "test_ratio": test_ratio, "val_ratio": val_ratio, "seed": seed}
    if skip_bad_rows:
        params["skip_bad_rows"] = True
    return Dataset(
        name=name or table.name, task=final_task,
        x_train=x[tr], y_train=y[tr], x_val=x[va], y_val=y[va], x_test=x[te], y_test=y[te],
        feature_names=list(feature_columns), class_names=class_names, kind="csv", scaler=scaler,
        description=(f"{table.source}: {n} rows; label {label_column!r} ({what}); "
                     f"features {_list_classes(feature_columns)}; scaling {scaling}.{skip_note}"),
        params=params,
    )


def skipped_rows(dataset: Dataset) -> int:
    """How many bad rows :func:`to_dataset` left out of ``dataset`` (0 when none or not a CSV data set)."""
    import re

    found = re.search(r" ([\d,]+) bad rows? skipped", dataset.description or "")
    return int(found.group(1).replace(",", "")) if found else 0


def _bad_rows(table: CsvTable, label_column: str, feature_columns: list[str], task: str):
    """``(rows, messages, count)``: the indices of the rows holding a cell the data set cannot use in
    the chosen columns, messages for the first :data:`MAX_LISTED` problems in file order, and how many
    problem cells there are in all."""
    found, rows, count = [], [], 0
    columns = list(feature_columns)
    li = table.index(label_column)
    label_values = table.data[li]
    if table.numeric[li] or task == "regression" or mostly_numbers(label_values):
        columns.append(label_column)  # numbers: finite, in float32's range
    else:  # class names: not empty
        empty = np.flatnonzero(label_values == "")
        rows.append(empty)
        count += len(empty)
        found += [(int(table.line_numbers[i]), f"row {table.line_numbers[i]}, column {label_column!r}: the label "
                                               f"is empty") for i in empty[:MAX_LISTED]]
    for c in columns:
        bad, messages = table.bad_cells(c, MAX_LISTED)
        rows.append(bad)
        count += len(bad)
        found += [(int(table.line_numbers[i]), m) for i, m in zip(bad, messages)]
    found.sort(key=lambda lm: lm[0])
    all_rows = np.unique(np.concatenate(rows)) if rows else np.empty(0, np.int64)
    return all_rows, [m for _, m in found[:MAX_LISTED]], count


def mostly_numbers(cells) -> bool:
    """More than half of the (sampled) cells are numbers: a number column with a few bad cells (what the import
    dialog marks as one and what ``to_dataset`` reports cell by cell)."""
    sample = cells[:: max(1, len(cells) // 1000)]
    return len(sample) > 0 and sum(map(_is_number, sample)) > len(sample) / 2


def _format_label(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _list_classes(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(c) for c in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def load_csv(path, label_column: str, feature_columns: list[str] | None = None, task: str = "auto",
             scaling: str = "none", test_ratio: float = 0.2, val_ratio: float = 0.0, seed: int | None = 0,
             delimiter: str | None = None, header: bool | None = None, batch_size: int | None = None,
             skip_bad_rows: bool = False, images: bool = False, progress=None) -> Dataset:
    """``read_csv`` then ``to_dataset`` in one call (what ``catalog.load("csv", ...)`` runs).

    ``images``: read the feature columns as square gray images (:mod:`nnviz.core.data.pixels`), a CsvError when
    they are not pixels. ``progress(fraction)`` is called as the file is read (it may raise to cancel)."""
    from nnviz.io import csv_fast
    args = dict(path=path, header=header, label_column=label_column, feature_columns=feature_columns, task=task,
                scaling=scaling, test_ratio=test_ratio, val_ratio=val_ratio, seed=seed, skip_bad_rows=skip_bad_rows,
                images=images)
    if delimiter is None and batch_size is None and not (isinstance(path, str) and "\n" in path):
        ds = csv_fast.take_loaded(args)   # loaded a moment ago off the GUI thread, with a progress bar
        if ds is not None:
            return ds
    if not (isinstance(path, str) and "\n" in path):
        # a plain all-number file with a class column (an MNIST CSV): parsed straight to float32, or None
        try:
            ds = csv_fast.load_numbers(path, label_column, feature_columns=feature_columns, task=task,
                                       images=bool(images), scaling=scaling, test_ratio=test_ratio,
                                       val_ratio=val_ratio, seed=seed, delimiter=delimiter, header=header,
                                       batch_size=batch_size, progress=progress, skip_bad_rows=skip_bad_rows)
        except ValueError as e:   # columns that are not square pixels
            raise CsvError(str(e)) from None
        if ds is not None:
            if images:
                ds.params["images"] = True
            return ds
    table = read_csv(path, delimiter=delimiter, header=header, skip_bad_rows=skip_bad_rows)
    if progress is not None:
        progress(0.8)
    ds = to_dataset(table, label_column, feature_columns, task, scaling, test_ratio, val_ratio, seed, batch_size,
                    skip_bad_rows=skip_bad_rows)
    if images:
        from nnviz.core.data import pixels
        names = ds.feature_names
        shape = pixels.image_shape(names if table.has_header else None, len(names))
        if shape is None:
            raise CsvError(f"{len(names)} feature columns are not the pixels of square images")
        ds = pixels.dataset_as_images(ds, shape)
        ds.params["images"] = True
    if progress is not None:
        progress(1.0)
    return ds


CSV_SPEC = catalog.DatasetSpec(
    "csv", "CSV file", "csv", "auto",
    (catalog.ParamSpec("path", "path", "", label="File"),
     catalog.ParamSpec("header", "choice", None, choices=(None, True, False), label="Header",
                       help="None: detect whether the first row is a header"),
     catalog.ParamSpec("label_column", "column", None, label="Label column"),
     catalog.ParamSpec("feature_columns", "columns", None, label="Feature columns"),
     catalog.ParamSpec("task", "choice", "auto", choices=TASKS, label="Task"),
     catalog.ParamSpec("scaling", "choice", "none", choices=SCALINGS, label="Scaling"),
     catalog.TEST_RATIO, catalog.ParamSpec("val_ratio", "float", 0.0, 0.0, 0.5, 0.05, label="Validation share"),
     catalog.SEED,
     catalog.ParamSpec("skip_bad_rows", "bool", False, label="Skip bad rows",
                       help="leave out rows with a cell that is not a usable number (the count is shown)"),
     catalog.ParamSpec("images", "bool", False, label="Pixels as images",
                       help="read square pixel columns (pixel0 … pixel783) as H×W×1 images, for Conv2D")),
    load_csv,
    "Your own table: choose the label column and the features.",
)
catalog.register(CSV_SPEC)
