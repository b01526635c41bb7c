"""Training history as CSV, in the layout of Keras' ``CSVLogger``: an ``epoch`` column (counted from 0,
as Keras does) and one column per log key in alphabetical order (``accuracy, loss, val_accuracy,
val_loss``). A key recorded for fewer epochs than the others leaves its cells empty.
"""

from __future__ import annotations

import csv
import io
import math
import os

from nnviz.io.atomic import atomic_write


def _as_dict(history) -> dict[str, list[float]]:
    if hasattr(history, "history"):  # a History callback
        history = history.history
    if not isinstance(history, dict):
        raise TypeError(f"expected a History or a dict of lists, got {type(history).__name__}")
    return {str(k): list(v) for k, v in history.items()}


def _cell(value) -> str:
    if value is None:
        return ""
    value = float(value)
    if math.isnan(value):
        return "nan"
    return repr(value)


def history_csv(history, initial_epoch: int = 0) -> str:
    """The CSV text for ``history`` (a ``History`` or ``{"loss": [...], ...}``)."""
    data = _as_dict(history)
    keys = sorted(data)
    epochs = max((len(v) for v in data.values()), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i in range(epochs):
        writer.writerow([initial_epoch + i, *(_cell(data[k][i]) if i < len(data[k]) else "" for k in keys)])
    return out.getvalue()


def save_history_csv(history, path, initial_epoch: int = 0) -> None:
    """Write ``history`` as CSV to ``path`` (atomically)."""
    text = history_csv(history, initial_epoch)
    with atomic_write(path, "w", newline="") as f:
        f.write(text)


def read_history_csv(path) -> dict[str, list[float]]:
    """Read a CSV written by :func:`save_history_csv` (or Keras' CSVLogger, or saved again from a
    spreadsheet, byte-order mark and all) back into a dict of lists; empty cells become NaN.
    ``ValueError`` for a file that is not such a table."""
    try:
        with open(os.fspath(path), newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{os.fspath(path)!r} is not a UTF-8 text file (bad byte at offset {exc.start})") from None
    except csv.Error as exc:  # a field over csv's size limit, a NUL byte in old Pythons, ...
        raise ValueError(f"{os.fspath(path)!r} is not a training history CSV: {exc}") from None
    if not rows or not rows[0] or rows[0][0] != "epoch":
        raise ValueError(f"{os.fspath(path)!r} is not a training history CSV (its first column must be 'epoch')")
    keys = rows[0][1:]
    out: dict[str, list[float]] = {k: [] for k in keys}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise ValueError(f"{os.fspath(path)!r}: row {n} has {len(row)} cells, the header has {len(rows[0])}")
        for k, cell in zip(keys, row[1:]):
            try:
                out[k].append(float(cell) if cell else math.nan)
            except ValueError:
                raise ValueError(f"{os.fspath(path)!r}: row {n}, column {k!r} is not a number: {cell!r}") from None
    return out
