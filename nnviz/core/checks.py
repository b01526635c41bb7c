"""Checks of the numbers layers and activations are configured with.

``Dense(3.5)``, ``Dense("3")`` or ``Dense(True)`` is a ``ValueError`` that names the layer, the argument
and the value — ``Dense(units=3.5): units must be a positive integer`` — never a silent 3, 3 or 1.
NumPy numbers are numbers, and a float without a fraction (``3.0``, as a JSON file may hold it) is taken
for the integer it is.
"""

from __future__ import annotations

import numbers

import numpy as np


def is_whole(value) -> bool:
    """An int, a NumPy integer or a float without a fraction; not a bool."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and float(value).is_integer())


def positive_int(value, owner: str, arg: str) -> int:
    """``value`` of ``owner``'s argument ``arg`` as a positive int, or a ``ValueError`` saying so."""
    if not is_whole(value) or value <= 0:
        raise ValueError(f"{owner}({arg}={value!r}): {arg} must be a positive integer")
    return int(value)


def positive_ints(value, n: int | None, owner: str, arg: str) -> tuple[int, ...]:
    """``value`` as a tuple of ``n`` positive ints (one int stands for all ``n``: ``3`` -> ``(3, 3)``), or
    with ``n=None`` as a shape of any length; anything else is a ``ValueError`` naming ``owner`` and ``arg``."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        values = tuple(value)
        fits = n is None or len(values) == n
    else:
        values = (value,) * (n or 1)
        fits = n is not None  # a shape is a tuple, even of one axis
    if not fits or not all(is_whole(v) and v > 0 for v in values):
        what = f"a positive integer or a tuple of {n} positive integers" if n else "a tuple of positive integers"
        raise ValueError(f"{owner}({arg}={value!r}): {arg} must be {what}")
    return tuple(int(v) for v in values)


def real(value, owner: str, arg: str) -> float:
    """``value`` of ``owner``'s argument ``arg`` as a float: any real number but a bool (not a string)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}({arg}={value!r}): {arg} must be a number")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{owner}({arg}={value!r}): {arg} is too large") from None
