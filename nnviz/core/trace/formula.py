"""Numbers and formulas of the backprop trace: tokens, equations and the helpers that build them."""

from __future__ import annotations

import html as _html
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

#: longer sums, vectors and lists of lines are shown with an ellipsis in the middle
MAX_TERMS = 6
MAX_ITEMS = 8


# ============================================================================ numbers and formulas
def format_number(value, precision: int = 4, html: bool = False, full: bool = False) -> str:
    """``value`` to ``precision`` significant digits (``full``: every digit, Python's repr).

    Plain text keeps Python's notation (``-0.125``, ``1.235e-05``: ``float()`` reads it back); HTML uses
    a true minus sign and ``×10<sup>−5</sup>`` for exponents."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return ("−" if html else "-") * (v < 0) + ("∞" if html else "inf")
    if v == 0:
        return "0"
    s = repr(v) if full else f"{v:.{int(precision)}g}"
    if not html:
        return s
    mant, _, exp = s.partition("e")
    mant = mant.replace("-", "−")
    if exp:
        return f"{mant}×10<sup>{str(int(exp)).replace('-', '−')}</sup>"
    return mant


@dataclass(frozen=True)
class Token:
    """One piece of a formula.

    ``kind``: ``"sym"`` (a symbol: ``text`` with subscript ``sub`` and superscript ``sup``, e.g. z, "1",
    "(2)"), ``"num"`` (a number, raw ``value``; negative numbers get parentheses after an operator, or
    always when ``wrap``), ``"op"`` (an operator with its spacing, e.g. " + ", "·", "(") or ``"text"``
    (``"aside"``: a remark after a line, set smaller: "(D = 2, the number of outputs: …)").
    """

    kind: str
    text: str = ""
    sub: str = ""
    sup: str = ""
    value: float = 0.0
    wrap: bool = False


#: a negative number right after an operator ending in one of these gets parentheses: 0.5·(−0.2)
_BINARY_END = "·×/+−-*"


def _render(tokens, html: bool, precision: int, full: bool, links: bool = False) -> str:
    out = []
    prev = None
    for t in tokens:
        if t.kind == "num":
            s = format_number(t.value, precision, html, full)
            if t.value < 0 and (t.wrap or (prev is not None and prev.kind == "op" and prev.text.rstrip()[-1:] in _BINARY_END
                                                    and prev.text.strip())):
                s = f"({s})"
            if links:
                s = f'<a href="num:{t.value!r}" style="color: inherit; text-decoration: none">{s}</a>'
            out.append(s)
        elif t.kind == "sym":
            if html:
                s = _html.escape(t.text)
                if t.sub:
                    s += f"<sub>{_html.escape(t.sub)}</sub>"
                if t.sup:
                    s += f"<sup>{_html.escape(t.sup)}</sup>"
            else:
                s = t.text + (f"_{t.sub}" if t.sub else "") + (f"^{t.sup}" if t.sup else "")
            out.append(s)
        elif t.kind == "aside" and html:
            out.append(f"&nbsp;&nbsp;<small>{_html.escape(t.text.strip())}</small>")
        else:
            out.append(_html.escape(t.text) if html else t.text)
        prev = t
    return "".join(out)


@dataclass(frozen=True)
class Equation:
    """A chain ``side = side = …``: typically symbols, then numbers substituted, then the result."""

    sides: tuple

    def symbolic(self) -> tuple:
        """The sides without numbers (the formula itself)."""
        return tuple(s for s in self.sides if not any(t.kind == "num" for t in s))

    def to_text(self, precision: int = 4) -> str:
        return " = ".join(_render(s, False, precision, False) for s in self.sides)

    def to_html(self, precision: int = 4, full_precision: bool = False, link_numbers: bool = False) -> str:
        return " = ".join(_render(s, True, precision, full_precision, link_numbers) for s in self.sides)


def _eq(*sides) -> Equation:
    return Equation(tuple(tuple(s) for s in sides))


def _S(text, sub="", sup="") -> Token:
    return Token("sym", str(text), str(sub), str(sup))


def _N(value, wrap: bool = False) -> Token:
    return Token("num", value=float(value), wrap=wrap)


def _O(text) -> Token:
    return Token("op", text)


def _T(text) -> Token:
    return Token("text", text)


def _L(l) -> str:
    return f"({l})"


def _jk(j, k) -> str:
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"


def _z(j, l):
    return _S("z", j, _L(l))


def _a(k, l):
    return _S("a", k, _L(l))


def _w(j, k, l):
    return _S("w", _jk(j, k), _L(l))


def _b(j, l):
    return _S("b", j, _L(l))


def _delta(j, l):
    return _S("δ", j, _L(l))


def _cost(n_batch: int) -> tuple[str, str]:
    return ("C", "0") if n_batch == 1 else ("C", "")


def _d(n_batch: int, sym: Token) -> list:
    """∂C_0/∂sym (∂C/∂sym for a batch)."""
    c, s = _cost(n_batch)
    return [_S("∂" + c, s), _O("/"), _S("∂" + sym.text, sym.sub, sym.sup)]


def _aside(text) -> Token:
    return Token("aside", text)


def _divisor_phrase(samples: int, divisor) -> Token:
    """What D is, said on the line that divides by it (the loss is a mean, the course's C_0 a sum):
    "(D = 2, the number of outputs: the loss is their mean)"."""
    d = int(round(float(divisor)))
    samples = max(int(samples), 1)
    outputs = d // samples
    if samples == 1 and outputs > 1:
        return _aside(f"   (D = {d}, the number of outputs: the loss is their mean)")
    if outputs <= 1:
        return _aside(f"   (D = N = {d}, the number of samples: the loss is their mean)")
    return _aside(f"   (D = N·n = {samples}·{outputs}, samples × outputs: the loss is the mean over both)")


def _join(terms, sep=" + ", limit: int = MAX_TERMS) -> list:
    terms = list(terms)
    if len(terms) > limit:
        terms = terms[:3] + [[_T("…")]] + terms[-2:]
    out = []
    for i, term in enumerate(terms):
        if i:
            out.append(_O(sep))
        out.extend(term)
    return out


def _pick(n: int, limit: int = MAX_ITEMS) -> list:
    """Indices to show out of n, None standing for an ellipsis."""
    if n <= limit:
        return list(range(n))
    return list(range(limit // 2)) + [None] + list(range(n - 2, n))


def _vec(values) -> list:
    values = np.ravel(values)
    out = [_O("[")]
    for i, ix in enumerate(_pick(values.size)):
        if i:
            out.append(_O(", "))
        out.append(_T("…") if ix is None else _N(values[ix]))
    out.append(_O("]"))
    return out


def _shape_text(shape) -> str:
    return "×".join(str(int(s)) for s in shape)


def _tensor(arr) -> list:
    """A small array as a vector (a small matrix as rows: ``[[w_00, w_10], …]`` for a (K, J) kernel), a
    large one as its shape and range."""
    arr = np.asarray(arr)
    if arr.ndim == 2 and arr.size <= 2 * MAX_ITEMS and arr.shape[0] <= MAX_ITEMS:
        out = [_O("[")]
        for i, row in enumerate(arr):
            if i:
                out.append(_O(", "))
            out.extend(_vec(row))
        out.append(_O("]"))
        return out
    if arr.size <= MAX_ITEMS:
        return _vec(arr)
    return [_T(f"{_shape_text(arr.shape)} values from "), _N(arr.min()), _T(" to "), _N(arr.max())]


def _param_tensor(name: str, arr) -> list:
    """A parameter's (or its gradient's) numbers as the course reads them: a Dense kernel, stored by Keras as
    (inputs k × units j), is shown in ``w_jk`` orientation — row j, column k — and says so, so entry [j][k]
    is the one the formulas call ``w_jk`` (issue 15: printed the other way round, [0][1] read as w_01 was w_10)."""
    arr = np.asarray(arr)
    if name == "kernel" and arr.ndim == 2:
        return [*_tensor(arr.T), _T("  (row j = unit, column k = input: entry [j][k] is w_jk's)")]
    return _tensor(arr)


def _param_symbol(name: str, l: int) -> Token:
    sym = {"kernel": ("W", ""), "bias": ("b", ""), "gamma": ("γ", ""), "beta": ("β", ""),
           "moving_mean": ("μ", "moving"), "moving_variance": ("σ²", "moving")}.get(name, (name, ""))
    return _S(sym[0], sym[1], _L(l))


def _ellipsis_line() -> Equation:
    return _eq([_T("⋮")])


def _lines(count: int, make) -> list:
    """``make(i)`` for each shown index of ``count``, an ellipsis line where some are left out."""
    return [_ellipsis_line() if i is None else make(i) for i in _pick(count, MAX_TERMS)]


def _ro(a):
    """A read-only copy (None stays None)."""
    if a is None:
        return None
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _frozen_map(d: dict) -> Mapping:
    return MappingProxyType(dict(d))
