"""Append-only curves for the training views: :class:`Series` stores rows, :class:`Curve` hands them out.

A :class:`Series` only appends and never writes a row it has handed out, so a view of it can travel in an
immutable snapshot; when its buffer is full it halves into a new one, so a run of any length stays bounded.
:class:`PendingRows` keeps the rows added since they were last sent. NumPy only.
"""

from __future__ import annotations

import numpy as np


class Curve(tuple):
    """``(x, y)`` read-only arrays of one curve; ``curve.x`` / ``curve.y``; ``len(curve)`` points."""

    __slots__ = ()

    def __new__(cls, x, y):
        return super().__new__(cls, (x, y))

    x = property(lambda self: self[0])
    y = property(lambda self: self[1])

    def __len__(self):
        return len(self[0])

    def __getnewargs__(self):
        return tuple(self)

    def last(self, default=float("nan")) -> float:
        return float(self[1][-1]) if len(self[0]) else default


_EMPTY = np.zeros(0)
_EMPTY.flags.writeable = False
EMPTY_CURVE = Curve(_EMPTY, _EMPTY)


class Series:
    """Append-only rows of ``ncols`` floats.

    ``view()`` hands out a read-only view of the rows so far; those rows are never written again
    (appends go past them, and when the buffer is full the series is halved into a *new* buffer,
    averaging pairs of rows, so a run of any length stays under ``capacity`` rows).
    """

    def __init__(self, ncols: int, capacity: int = 1 << 16, initial: int = 1024):
        self.ncols = ncols
        self.capacity = capacity
        self._buf = np.empty((min(initial, capacity), ncols))
        self._n = 0
        self.stride = 1                 # raw appends averaged into one stored row
        self._acc = np.zeros(ncols)
        self._acc_n = 0

    def __len__(self):
        return self._n

    def append(self, row) -> None:
        if self.stride > 1:
            self._acc += row
            self._acc_n += 1
            if self._acc_n < self.stride:
                return
            row = self._acc / self._acc_n
            self._acc = np.zeros(self.ncols)
            self._acc_n = 0
        if self._n == len(self._buf):
            self._grow()
        self._buf[self._n] = row
        self._n += 1

    def extend(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=float).reshape(-1, self.ncols)
        while len(rows):
            if self.stride > 1:
                for row in rows:
                    self.append(row)
                return
            room = len(self._buf) - self._n
            if room == 0:
                self._grow()
                continue
            take = rows[:room]
            self._buf[self._n:self._n + len(take)] = take
            self._n += len(take)
            rows = rows[room:]

    def _grow(self) -> None:
        n = self._n
        if n < self.capacity:
            new = np.empty((min(2 * len(self._buf), self.capacity), self.ncols))
            new[:n] = self._buf[:n]
        else:
            half = n // 2
            new = np.empty((self.capacity, self.ncols))
            new[:half] = (self._buf[0:2 * half:2] + self._buf[1:2 * half:2]) / 2
            if n % 2:
                new[half] = self._buf[n - 1]
                half += 1
            self._n = half
            self.stride *= 2
        self._buf = new  # older snapshots keep the old buffer

    def view(self) -> np.ndarray:
        v = self._buf[:self._n]
        v.flags.writeable = False
        return v

    def curve(self, col: int = 1) -> Curve:
        v = self.view()
        return Curve(v[:, 0], v[:, col])



class PendingRows:
    """Rows appended since they were last taken: what the engine sends with each snapshot."""
    __slots__ = ("rows", "ncols")

    def __init__(self, ncols: int):
        self.rows: list = []
        self.ncols = ncols

    def append(self, *row) -> None:
        self.rows.append(row)

    def take(self) -> np.ndarray:
        rows, self.rows = self.rows, []
        return np.array(rows, dtype=float).reshape(-1, self.ncols)

