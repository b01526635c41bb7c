"""Reading a CSV file's text into columns: the file (a regular file under a size bound), its delimiter, and two
parsers — NumPy's for files without quotes, the ``csv`` module for the rest and for finding the bad cell or
ragged row to report. :mod:`nnviz.io.csv_data` builds tables and data sets on top; :class:`CsvError` is the one
error of both."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DELIMITERS = (",", ";", "\t", "|")

#: how many data rows a table keeps as text for a preview
PREVIEW_ROWS = 200
#: the largest file read_csv reads (a path to /dev/zero or a huge log must not be read until memory runs out)
MAX_CSV_BYTES = 256 << 20
#: how many problems a message lists before giving only their count
MAX_LISTED = 10


#: the largest magnitude a network's float32 takes, and what a cell beyond it is
FLOAT32_MAX_TEXT = (float(np.finfo(np.float32).max), "is beyond the range of 32-bit floats (±3.4e38)")


class CsvError(ValueError):
    """A CSV file that cannot be read or turned into a data set; the message says where and why."""



def _not_a_number(line: int, column: str, cell: str) -> str:
    if cell == "":
        return f"row {line}, column {column!r}: the cell is empty, expected a number"
    return f"row {line}, column {column!r}: '{cell}' is not a number"


def _unusable_number(line: int, column: str, text: str, value: float) -> str:
    """A cell whose number float32 cannot hold (``text`` as the file has it)."""
    why = "is not a finite number" if not math.isfinite(value) else FLOAT32_MAX_TEXT[1]
    return f"row {line}, column {column!r}: '{text}' {why}"


def _ragged(line: int, fields: int, expected: int) -> str:
    return f"row {line} has {fields} fields, expected {expected}"


def _format_number(v: float) -> str:
    return "nan" if math.isnan(v) else str(v)


#: a number written with a decimal comma ("1,5", "-0,25", "3,2e-4"): how files separated by ";" or tabs often come
#: from a spreadsheet set to a language that writes decimals so
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")


def comma_to_point(cell: str) -> str:
    """``cell`` with its decimal comma made a point when it is a number written so ("1,5" -> "1.5"), else as is."""
    return cell.replace(",", ".") if _DECIMAL_COMMA.fullmatch(cell.strip()) else cell


def read_decimal_commas(columns: list[np.ndarray], delimiter: str) -> bool:
    """Text columns whose cells are numbers written with a decimal comma become numbers, in place; in a column
    with other text too ("NA"), those cells are written with a point, so only the other text is reported as not a
    number. Only for files not separated by commas. True when some column had decimal commas."""
    if delimiter == ",":
        return False
    found = False
    for j, col in enumerate(columns):
        if col.dtype != object or not any(_DECIMAL_COMMA.fullmatch(c) for c in col):
            continue
        found = True
        cells = col.tolist()
        values = _parse_floats([c.replace(",", ".", 1) for c in cells])   # all numbers: one pass, no regex
        if values is None:   # other text too: only its numbers written with a decimal comma change
            values = _text_array([comma_to_point(c) for c in cells])
        columns[j] = values
    return found


def _is_number(s: str) -> bool:
    try:
        float(s)
    except (TypeError, ValueError):
        return False
    return True


# ----------------------------------------------------------------------------------------- reading
def _read_source(source) -> tuple[str, str]:
    """(text, name of the source). A str with a line break is CSV text; any other str or path is a file."""
    if isinstance(source, bytes):
        return _decode(source), "<text>"
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source, "<text>"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise CsvError(f"no such file: {path}")
        if path.is_dir():
            raise CsvError(f"{path} is a folder, not a CSV file")
        from nnviz.io.weights import read_regular_file
        raw = read_regular_file(path, MAX_CSV_BYTES, CsvError,
                                f"nnviz reads CSV files of up to {MAX_CSV_BYTES >> 20} MB")
        return _decode(raw), str(path)
    raise TypeError(f"read_csv takes a path or CSV text, got {type(source).__name__}")


def _decode(raw: bytes) -> str:
    """The text of a file: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (a spreadsheet's
    "Unicode text"), else Windows-1252 (a spreadsheet's "CSV" in Western Europe: "€" is byte 0x80), else Latin-1."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:   # (a file's first lines, cut at a line break, can end in the first byte of the next one)
            return raw[:len(raw) - len(raw) % 2].decode("utf-16")
        except UnicodeDecodeError as e:
            raise CsvError(f"the file starts as UTF-16 text but byte {e.start:,} is not UTF-16") from None
    if b"\x00" in raw[:4096]:
        raise CsvError("this is not a text file (it contains NUL bytes); is it a spreadsheet rather than a CSV?")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def _sniff_delimiter(lines) -> str:
    """The delimiter of the first non-blank ``lines`` (one line, or several). A tab, ";" or "|" found the same
    number of times on every line wins over commas, which such files use as decimal commas ("1,5;2,5"); else the
    most frequent of :data:`DELIMITERS` on the first line."""
    lines = [lines] if isinstance(lines, str) else [line for line in lines if line.strip()][:20]
    for d in ("\t", ";", "|"):
        counts = {line.count(d) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return d
    counts = {d: lines[0].count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


@dataclass
class _Parsed:
    """What both parsers produce: the first row's cells and the rows below it, column by column."""

    first: list[str]          # stripped cells of the first non-blank row
    first_line: int           # its line number
    columns: list[np.ndarray]  # body columns: float64 if every cell is a number, else str (stripped)
    lines: np.ndarray         # line numbers of the body rows
    head: list[list[str]]     # the first body rows' stripped cells
    skipped: list = field(default_factory=list)  # one entry per row left out (its message, or None past the first)


def _parse_fast(text: str, delimiter: str) -> _Parsed | None:
    """NumPy's C parser (``np.loadtxt``) for a file without quotes; None as soon as anything is irregular.

    Numeric columns are guessed from the first rows and loaded in one call; text columns are cut out
    of the lines with string methods. When a guess is wrong, a row is ragged or a line is only spaces,
    this gives up and the general parser takes over (and names the problem).
    """
    lines = text.split("\n")
    i0 = next(i for i, line in enumerate(lines) if line.strip())
    first = [c.strip() for c in lines[i0].split(delimiter)]
    n_fields = len(first)
    body = lines[i0 + 1:]
    while body and not body[-1].strip():
        body.pop()
    blank = delimiter + " \t"
    kept = [bool(line.strip(blank)) for line in body]   # blank lines, or delimiters only (a spreadsheet's empty row)
    if not all(kept):  # number the rows one by one, and leave the blanks out
        numbers = np.asarray([i for i, keep in enumerate(kept, i0 + 2) if keep], dtype=np.int64)
        body = [line for line, keep in zip(body, kept) if keep]
    else:
        numbers = np.arange(i0 + 2, i0 + 2 + len(body), dtype=np.int64)
    sample = [line.split(delimiter) for line in body[:100]]
    if not sample or any(len(r) != n_fields for r in sample):
        return None
    num_cols = [j for j in range(n_fields) if all(_is_number(r[j]) for r in sample)]
    numeric_set = set(num_cols)
    text_cols = [j for j in range(n_fields) if j not in numeric_set]
    columns: list[np.ndarray | None] = [None] * n_fields
    try:
        if num_cols:
            values = np.loadtxt(body, delimiter=delimiter, usecols=num_cols, dtype=np.float64,
                                comments=None, ndmin=2, quotechar=None)
            for k, j in enumerate(num_cols):
                columns[j] = np.ascontiguousarray(values[:, k])
    except (ValueError, UserWarning):  # UserWarning: only where warnings are errors (the test suite)
        return None
    n = len(body)
    if num_cols and len(values) != n:  # should not happen; rather parse again than misreport rows
        return None
    # loadtxt with usecols accepts rows with extra fields, and text columns are not parsed by it
    expected = n_fields - 1
    if any(line.count(delimiter) != expected for line in body):
        return None
    if len(text_cols) > 4:
        flat = delimiter.join(body).split(delimiter)
        for j in text_cols:
            columns[j] = _text_array(flat[j::n_fields])
    else:
        last = n_fields - 1
        for j in text_cols:
            if j == last:
                columns[j] = _text_array([line[line.rfind(delimiter) + 1:] for line in body])
            else:
                columns[j] = _text_array([line.split(delimiter, j + 1)[j] for line in body])
    head = [[c.strip() for c in line.split(delimiter)] for line in body[:PREVIEW_ROWS]]
    return _Parsed(first, i0 + 1, columns, numbers, head)


def listing(problems: list[str], count: int, what: str = "problems") -> str:
    """``problems`` as one message: the only one, or the count and the first :data:`MAX_LISTED`."""
    if count == 1:
        return problems[0]
    shown = "\n".join(f"  {p}" for p in problems[:MAX_LISTED])
    more = f"\n  ... and {count - MAX_LISTED:,} more" if count > MAX_LISTED else ""
    return f"{count:,} {what}; the first:\n{shown}{more}" if count > MAX_LISTED else f"{count} {what}:\n{shown}"


def _parse_general(text: str, delimiter: str, skip_bad_rows: bool = False) -> _Parsed:
    """The csv module, row by row: handles quotes, names ragged rows, finds non-numeric columns.
    ``skip_bad_rows`` leaves ragged rows out (counted in ``skipped``) instead of refusing the file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not "".join(record).strip():
                continue  # a blank line, or one of delimiters only (",,,": a spreadsheet's empty row)
            rows.append(record)
            numbers.append(start)
    except csv.Error as e:
        raise CsvError(f"row {last + 1}: {e}") from None
    if not rows:
        raise CsvError("the file holds no data: all its cells are blank")
    n_fields = len(rows[0])
    ragged = [i for i, r in enumerate(rows) if len(r) != n_fields]
    skipped = []
    if ragged:
        problems = [_ragged(numbers[i], len(rows[i]), n_fields) for i in ragged[:MAX_LISTED]]
        if not skip_bad_rows:
            raise CsvError(listing(problems, len(ragged), "rows have the wrong number of fields"))
        skipped = problems + [None] * (len(ragged) - len(problems))
        bad = set(ragged)
        rows = [r for i, r in enumerate(rows) if i not in bad]
        numbers = [n for i, n in enumerate(numbers) if i not in bad]
    first = [c.strip() for c in rows[0]]
    flat = [c for r in rows[1:] for c in r]
    columns = []
    for j in range(n_fields):
        cells = flat[j::n_fields]
        values = _parse_floats(cells)
        columns.append(values if values is not None else _text_array(cells))
    head = [[c.strip() for c in r] for r in rows[1:PREVIEW_ROWS + 1]]
    return _Parsed(first, numbers[0], columns, np.asarray(numbers[1:], dtype=np.int64), head, skipped)


def _text_array(cells: list[str]) -> np.ndarray:
    """Stripped cells as an object array (a fixed-width str array would take the longest cell's size per cell)."""
    out = np.empty(len(cells), dtype=object)
    out[:] = [c.strip() for c in cells]
    return out


def _parse_floats(cells: list[str]) -> np.ndarray | None:
    """float64 array of the cells, or None if one of them is not a number (empty counts as not a number)."""
    try:
        return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
    except ValueError:
        return None
