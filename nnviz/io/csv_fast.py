"""A fast path for big all-number CSV files such as Kaggle's MNIST (60,000 rows × 785 integer columns).

``np.loadtxt`` on such a file takes seconds and the column-by-column float64 table of
:mod:`nnviz.io.csv_data` holds twice the data.  Here the file's bytes are parsed block by block with
whole-array NumPy operations straight into one float32 matrix: the separators give every field's end
and length, and a field's number is its last digit, plus ten times the one before, and so on — one
pass over all fields per digit position (three for pixels 0–255), never a loop over cells.  Peak memory is the float32 matrix plus one block's scratch.

Only plain files take this path: unsigned whole numbers (no sign, decimal point, exponent, quote,
space or empty cell), one delimiter, every row with the same number of fields, an optional header
row.  :func:`parse_numbers` returns None for anything else, and callers fall back to the general
reader, which also names the bad cell.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

import numpy as np

from nnviz.core.data.dataset import Dataset, Scaler, split_indices
from nnviz.core.data import pixels
from nnviz.io.csv_data import MAX_CSV_BYTES, _is_number

#: bytes parsed per block (the scratch arrays are about ten times this)
BLOCK_BYTES = 2**20
#: at most this many digits per number (float64 holds whole numbers exactly up to 2**53)
MAX_DIGITS = 15
_DIGIT0, _NL = ord("0"), ord("\n")

Progress = Callable[[float], None]


class _NotPlain(Exception):
    """The file is not a plain all-number table: the general reader takes it."""


def _block_values(b: np.ndarray, delim: int, n_fields: int) -> np.ndarray:
    """The numbers of the complete lines in byte block ``b`` as a (rows, n_fields) float32 array."""
    digit = b - np.uint8(_DIGIT0)                     # other bytes wrap around to 10 … 255
    sep = b == delim
    sep |= b == _NL
    ends = np.flatnonzero(sep)                        # one separator ends each field
    if np.count_nonzero(digit < 10) + len(ends) != len(b):
        raise _NotPlain                               # a byte that is neither digit nor separator
    lengths = np.diff(ends, prepend=-1) - 1
    if len(ends) % n_fields or lengths.min(initial=1) < 1 or lengths.max(initial=0) > MAX_DIGITS:
        raise _NotPlain                               # ragged rows, empty cells, huge numbers
    newline = b[ends] == _NL
    if not np.array_equal(np.flatnonzero(newline), np.arange(n_fields - 1, len(ends), n_fields)):
        raise _NotPlain                               # a row with another number of fields
    # each field's number, digit by digit from its end: as many whole-array passes as the longest field
    dtype = np.int32 if lengths.max() <= 9 else np.int64
    values = digit[ends - 1].astype(dtype)
    for k in range(1, int(lengths.max())):
        d = digit[ends - 1 - k].astype(dtype)
        d[lengths <= k] = 0
        values += d * dtype(10 ** k)
    return values.astype(np.float32).reshape(-1, n_fields)


class _Irregular:
    """Lines of a block the whole-array parser refused, read one by one (``bad``: see :func:`parse_numbers`)."""

    def __init__(self, limit: int, names: list[str], n_fields: int, delimiter: str):
        self.limit, self.names, self.n_fields, self.delimiter = limit, names, n_fields, delimiter
        self.ragged: list = []   # (line, message)
        self.cells: list = []    # (line, message), one per cell that is not a usable number
        self.rows = 0            # lines read one by one (the slow way): over ``limit``, the general reader takes over
        self.dropped = 0         # lines left out: blank, ragged, or with a bad cell
        self.bad_rows = 0        # of those, the ragged ones and those with a bad cell

    def values(self, raw: bytearray, body: np.ndarray, start: int, stop: int, first_line: int) -> np.ndarray:
        """The rows of ``raw[start:stop]`` (complete lines, the first one at file line ``first_line``) that are
        numbers: halves parsed whole while they can be, so only the irregular lines are read one by one."""
        try:
            return _block_values(body[start:stop], ord(self.delimiter), self.n_fields)
        except _NotPlain:
            pass
        end_of_first = raw.find(b"\n", start, stop) + 1
        if end_of_first >= stop:                      # one line
            return self._line(bytes(raw[start:stop - 1]).decode("utf-8", "replace"), first_line)
        mid = max(raw.rfind(b"\n", start, (start + stop) // 2) + 1, end_of_first)
        head = self.values(raw, body, start, mid, first_line)
        tail = self.values(raw, body, mid, stop, first_line + raw.count(b"\n", start, mid))
        return np.concatenate([head, tail])

    def _line(self, line: str, line_no: int) -> np.ndarray:
        from nnviz.io.csv_parse import FLOAT32_MAX_TEXT, _not_a_number, _ragged, _unusable_number
        self.rows += 1
        if self.rows > self.limit:
            raise _NotPlain                           # not a few bad rows: a file for the general reader
        empty = np.empty((0, self.n_fields), dtype=np.float32)
        cells = line.split(self.delimiter)
        if not line.strip(self.delimiter + " \t\r"):
            self.dropped += 1                         # a blank line, or delimiters only
            return empty
        if len(cells) != self.n_fields:
            self.ragged.append((line_no, _ragged(line_no, len(cells), self.n_fields)))
            self.dropped += 1
            self.bad_rows += 1
            return empty
        row, problems = np.empty(self.n_fields), []
        for j, cell in enumerate(cells):
            try:
                row[j] = float(cell)
            except ValueError:
                problems.append(_not_a_number(line_no, self.names[j], cell.strip()))
                continue
            if not abs(row[j]) <= FLOAT32_MAX_TEXT[0]:
                problems.append(_unusable_number(line_no, self.names[j], cell.strip(), row[j]))
        if problems:
            self.cells += [(line_no, m) for m in problems]
            self.dropped += 1
            self.bad_rows += 1
            return empty
        return row.astype(np.float32).reshape(1, -1)

    def problem(self, skip: bool) -> tuple[str, str]:
        """``(error, first)``: the message refusing the file ("" with ``skip`` or without problems), and the
        first problem (for "N bad rows skipped (first: …)"), worded as the general reader words them."""
        from nnviz.io.csv_parse import listing
        first = (self.ragged or sorted(self.cells) or [(0, "")])[0][1]
        if skip:
            return "", first
        if self.ragged:
            return listing([m for _, m in self.ragged], len(self.ragged), "rows have the wrong number of fields"), first
        if self.cells:
            return listing([m for _, m in sorted(self.cells)], len(self.cells), "cells cannot be used"), first
        return "", first


def parse_numbers(source, delimiter: str | None = None, progress: Progress | None = None,
                  header: bool | None = None, block_bytes: int = BLOCK_BYTES, bad: list | None = None):
    """``(header names or None, float32 matrix)`` of a plain all-number CSV (a path or bytes), else None.

    ``header=None`` detects a header as :func:`nnviz.io.csv_data.read_csv` does for an all-number body:
    the first row is one when some cell of it is not a number.  ``progress(fraction)`` is called after
    each block, from 0 to 1.

    ``bad`` (a list): a few irregular lines (an "n/a", a ragged row, a blank line, a negative or decimal number;
    at most 1 % of the lines) are read one by one instead of giving up: their numbers are kept, the others left
    out, and an :class:`_Irregular` saying which is appended to ``bad`` (an MNIST CSV with one bad row was read by
    the general reader, 15-30 s, without a chance to cancel).
    """
    if isinstance(source, (bytes, bytearray)):
        raw = bytearray(source)
        raw.append(0)
    else:
        try:
            with open(os.fspath(source), "rb") as f:
                info = os.fstat(f.fileno())
                size = info.st_size
                if not stat.S_ISREG(info.st_mode) or size > MAX_CSV_BYTES:
                    return None                        # a device, a pipe, too large: the general reader says so
                raw = bytearray(size + 1)              # one spare byte for a missing last line break
                if f.readinto(raw) != size:
                    return None
        except (OSError, TypeError):                   # the general reader words the problem
            return None
    size = len(raw) - 1
    if raw.find(b'"', 0, 65536) >= 0 or raw.find(b"\r", 0, 65536) >= 0:
        return None                                    # quotes, or Windows line ends: the general reader
    # (whole-file scans for them would hold the GIL for a tenth of a second on a 100 MB file, freezing a progress
    # bar; any such byte further down, and a blank line, is caught block by block: not a digit, an empty field)
    if raw[size - 1] != _NL:
        raw[size] = _NL
        size += 1
    first_end = raw.find(b"\n")
    if first_end <= 0:
        return None
    first = raw[:first_end].decode("utf-8", "replace")
    if delimiter is None:
        delimiter = max((",", ";", "\t", "|"), key=first.count)
    if len(delimiter) != 1 or not first.count(delimiter):
        return None
    cells = [c.strip() for c in first.split(delimiter)]
    if header is None:
        header = not all(map(_is_number, cells))
    if not header and not all(c.isdigit() for c in cells):
        return None                                    # a first data row this parser cannot read
    header = cells if header else None
    n_fields = len(cells)
    start = first_end + 1 if header is not None else 0
    total = size - start
    body = np.frombuffer(raw, dtype=np.uint8)
    n_rows = sum(int(np.count_nonzero(body[i:min(i + block_bytes, size)] == _NL))   # NumPy lets go of the GIL
                 for i in range(start, size, block_bytes))
    out = np.empty((n_rows, n_fields), dtype=np.float32)
    delim = ord(delimiter)
    row = 0
    irregular = None if bad is None else _Irregular(max(100, n_rows // 100), header or
                                                    [f"column {j + 1}" for j in range(n_fields)], n_fields, delimiter)
    first_line = 2 if header is not None else 1
    try:
        while start < size:
            stop = min(start + block_bytes, size)
            if stop < size:
                stop = raw.rfind(b"\n", start, stop) + 1
                if stop <= start:                      # a line longer than the block: take the whole line
                    stop = raw.find(b"\n", start + block_bytes, size) + 1
            if irregular is None:
                values = _block_values(body[start:stop], delim, n_fields)
            else:
                values = irregular.values(raw, body, start, stop, first_line + row + irregular.dropped)
            out[row:row + len(values)] = values
            row += len(values)
            start = stop
            if progress is not None:
                progress(1 - (size - start) / max(total, 1))
    except _NotPlain:
        return None
    dropped = irregular.dropped if irregular is not None else 0
    if row + dropped != n_rows or row == 0:
        return None
    if irregular is not None and irregular.rows:
        bad.append(irregular)
    return header, out[:row]


#: rows scaled at a time: the scaler computes in float64, and a whole MNIST split in float64 is 300 MB
SCALE_ROWS = 4096


def _fit_scaler(scaling: str, x: np.ndarray, rows: np.ndarray) -> Scaler:
    """``Scaler.fit(scaling, x[rows])`` without a float64 copy of the rows: min-max exactly (the minimum and
    maximum of float32 values are exact in float32), standardizing from float64 sums a block of rows at a time
    (the mean, then the squared deviations from it: equal to ``Scaler.fit``'s to float64 rounding)."""
    if scaling == "standardize" and len(rows):
        return _fit_standardizer(x, rows)
    if scaling != "minmax" or not len(rows):
        return Scaler.fit(scaling, x[rows])
    lo = np.full(x.shape[1], np.inf, dtype=np.float32)
    hi = np.full(x.shape[1], -np.inf, dtype=np.float32)
    for i in range(0, len(rows), SCALE_ROWS):
        block = x[rows[i:i + SCALE_ROWS]]
        np.minimum(lo, block.min(axis=0), out=lo)
        np.maximum(hi, block.max(axis=0), out=hi)
    offset = lo.astype(np.float64)
    scale = hi.astype(np.float64) - offset
    return Scaler("minmax", offset, np.where(scale > 0, scale, 1.0))


def _fit_standardizer(x: np.ndarray, rows: np.ndarray) -> Scaler:
    total = np.zeros(x.shape[1], dtype=np.float64)
    for i in range(0, len(rows), SCALE_ROWS):
        total += x[rows[i:i + SCALE_ROWS]].sum(axis=0, dtype=np.float64)
    mean = total / len(rows)
    squares = np.zeros(x.shape[1], dtype=np.float64)
    for i in range(0, len(rows), SCALE_ROWS):
        deviation = x[rows[i:i + SCALE_ROWS]] - mean          # float64, one block
        squares += np.einsum("ij,ij->j", deviation, deviation)
    std = np.sqrt(squares / len(rows))
    return Scaler("standardize", mean, np.where(std > 0, std, 1.0))


def _take(x: np.ndarray, rows: np.ndarray, scaler: Scaler | None = None) -> np.ndarray:
    """``x[rows]``, scaled by ``scaler`` when given, a block of rows at a time: the same float32 numbers in a
    fraction of the memory, and a thread reading a file lets the GUI thread run between blocks (copying a whole
    MNIST split in one call held the GIL for a tenth of a second)."""
    out = np.empty((len(rows), x.shape[1]), dtype=np.float32)
    for i in range(0, len(rows), SCALE_ROWS):
        block = x[rows[i:i + SCALE_ROWS]]
        out[i:i + SCALE_ROWS] = block if scaler is None else scaler.transform(block)
    return out


def load_numbers(path, label_column: str | None = None, *, feature_columns: list[str] | None = None, task: str = "auto", images: bool | None = None,
                 scaling: str = "none", test_ratio: float = 0.2, val_ratio: float = 0.0, seed: int | None = 0,
                 delimiter: str | None = None, header: bool | None = None, batch_size: int | None = None,
                 progress: Progress | None = None, max_classes: int = 20, name: str | None = None,
                 skip_bad_rows: bool = False) -> Dataset | None:
    """A classification :class:`Dataset` from a plain all-number CSV with a whole-number class column, or None.

    The same data set :func:`nnviz.io.csv_data.load_csv` builds from such a file (same classes, split and
    scaling), in float32 from the start.  ``label_column`` defaults to a column named "label" (else the
    first); ``feature_columns`` must be None or all the other columns in order.  ``images=None`` reads pixel tables (see :mod:`nnviz.core.data.pixels`) as (n, H, W, 1)
    images; True insists (ValueError when the columns are not square pixels); False keeps flat rows.
    None is returned whenever the fast path does not apply — not plain numbers, a label that is not a
    class index with 2 … ``max_classes`` values (at most half the rows), ``task`` regression or a binary
    task on more classes, fewer training rows than ``batch_size`` — so the general reader can take over
    and word the problem. A few bad rows (a cell that is not a number, a ragged row) are a :class:`CsvError` worded
    as the general reader words it, or, with ``skip_bad_rows``, left out (the description says how many).
    """
    bad: list = []
    parsed = parse_numbers(path, delimiter, progress, header, bad=bad)
    if parsed is None or task == "regression":
        return None
    names, matrix = parsed
    names = names or [f"column {j + 1}" for j in range(matrix.shape[1])]
    if label_column is None:
        label_column = "label" if "label" in names else names[0]
    if label_column not in names or len(names) < 2 or len(set(names)) != len(names):
        return None
    li = names.index(label_column)
    classes, y = np.unique(matrix[:, li], return_inverse=True)
    if not 2 <= len(classes) <= min(max_classes, len(y) // 2) or (task == "binary" and len(classes) != 2):
        return None
    y = y.astype(np.int64).reshape(-1)
    feature_names = names[:li] + names[li + 1:]
    if feature_columns is not None and list(feature_columns) != feature_names:
        return None
    error, first_bad = bad[0].problem(skip_bad_rows) if bad else ("", "")
    if error:
        from nnviz.io.csv_parse import CsvError
        raise CsvError(error)
    n_bad = bad[0].bad_rows if bad else 0
    # the features as a view when the label is the first or last column (the splits copy the rows anyway)
    if li == 0:
        x = matrix[:, 1:]
    elif li == matrix.shape[1] - 1:
        x = matrix[:, :-1]
    else:
        x = np.delete(matrix, li, axis=1)
    try:
        tr, va, te = split_indices(len(x), test_ratio, val_ratio, seed, stratify=y)
    except ValueError:
        return None
    if batch_size is not None and len(tr) < int(batch_size):
        return None
    shape = None
    if images is not False:
        shape = pixels.image_shape(feature_names if parsed[0] else None, len(feature_names))
        if images and shape is None:
            raise ValueError(f"{len(feature_names)} feature columns are not the pixels of square images")
    scaler = _fit_scaler(scaling, x, tr) if scaling != "none" else None
    parts = {}
    for part, idx in (("train", tr), ("val", va), ("test", te)):
        xs = _take(x, idx, scaler)
        parts[f"x_{part}"] = xs if shape is None else pixels.as_images(xs, shape)
        parts[f"y_{part}"] = y[idx]
    del matrix, x
    source = "<bytes>" if isinstance(path, (bytes, bytearray)) else os.fspath(path)
    k = len(classes)
    what = f"{shape[0]}×{shape[1]} images" if shape else f"{len(feature_names)} features"
    return Dataset(
        name=name or (Path(source).stem if isinstance(path, (str, os.PathLike)) else "csv"), task="binary" if k == 2 and task != "multiclass" else "multiclass",
        **parts, feature_names=feature_names, class_names=[str(int(c)) for c in classes],
        kind="images" if shape else "csv", scaler=scaler,
        description=f"{source}: {len(y)} rows; label {label_column!r} ({k} classes); {what}; scaling {scaling}."
                    + (f" {n_bad:,} bad row{'s' if n_bad != 1 else ''} skipped (first: {first_bad})." if n_bad else ""),
        params={"path": source, "label_column": label_column, "feature_columns": feature_names, "task": task,
                "scaling": scaling, "test_ratio": test_ratio, "val_ratio": val_ratio, "seed": seed,
                **({"skip_bad_rows": True} if skip_bad_rows else {})})


# ------------------------------------------------------------------------------------ a big file's head
#: files above this size are previewed from their first rows; the whole file is read once, on import
HEAD_BYTES = 4 * 2**20
#: data rows read for such a preview (enough for the columns, the classes and a split)
HEAD_ROWS = 1000


def count_lines(path, chunk: int = 1 << 22) -> int:
    """The number of lines of a file (a last line without a line break counts), in 4 MB reads: 0.06 s for
    the 106 MB MNIST CSV."""
    n, last = 0, b"\n"
    with open(os.fspath(path), "rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def head_text(path, rows: int | None = None) -> str:
    """The file's first ``rows + 1`` lines (a header and ``rows`` data rows; :data:`HEAD_ROWS` by default) as
    text, for :func:`nnviz.io.csv_data.read_csv`."""
    import itertools

    rows = HEAD_ROWS if rows is None else rows
    with open(os.fspath(path), "rb") as f:
        raw = b"".join(itertools.islice(f, rows + 1))
    from nnviz.io.csv_parse import _decode
    text = _decode(raw)
    return text if "\n" in text or "\r" in text else text + "\n"


# ------------------------------------------------------------------------------------ loaded off the GUI thread
_preloaded: dict = {}


def _file_key(path) -> tuple | None:
    try:
        st = os.stat(os.fspath(path))
    except (OSError, TypeError):
        return None
    return (os.path.abspath(os.fspath(path)), st.st_mtime_ns, st.st_size)


def _args_key(args: dict):
    return repr(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in args.items() if k != "path"))


def offer_loaded(args: dict, dataset: Dataset) -> None:
    """Hand ``dataset`` (loaded from ``args``, the "csv" catalog entry's parameters with their defaults) to the
    next :func:`nnviz.io.csv_data.load_csv` with the same arguments of the unchanged file, once: a dialog loads a
    big file in a thread with a progress bar, then the document's own ``catalog.load`` takes the result at once.
    One data set at most is held, until taken or :func:`forget_loaded`."""
    _preloaded.clear()
    key = _file_key(args.get("path"))
    if key is not None:
        _preloaded[(key, _args_key(args))] = dataset


def take_loaded(args: dict) -> Dataset | None:
    """The data set :func:`offer_loaded` holds for these arguments (then no longer held), else None."""
    if not _preloaded:
        return None
    return _preloaded.pop((_file_key(args.get("path")), _args_key(args)), None)


def holds_loaded(args: dict) -> bool:
    """:func:`take_loaded` would give a data set for these arguments."""
    return bool(_preloaded) and (_file_key(args.get("path")), _args_key(args)) in _preloaded


def forget_loaded() -> None:
    _preloaded.clear()
