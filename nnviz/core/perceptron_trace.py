"""One sample of Rosenblatt's rule, explained in the course's notation with the real numbers. No Qt.

    x = (x₁, …, xₙ), target t
    z = Σ wᵢxᵢ + b                       the weighted sum
    ŷ = step(z) = 1 if z ≥ 0 else 0       the perceptron's output
    t − ŷ                                  the error: −1, 0 or +1
    wᵢ ← wᵢ + η (t − ŷ) xᵢ,  b ← b + η (t − ŷ)      only when ŷ ≠ t ("no change" otherwise)

:func:`trace_sample` computes a :class:`PerceptronTrace` from a kernel ``(features, units)`` and bias ``(units,)``
without changing them; :meth:`PerceptronTrace.lines` is the explanation, one line per formula, with every number;
``kernel_after`` / ``bias_after`` are what applying it gives. It computes exactly
:meth:`nnviz.core.perceptron.Perceptron.learn` (a test holds them equal); more than two classes are one unit per
class, each "this class or not" (one-vs-rest), explained unit by unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.trace.formula import format_number

#: the most inputs written out term by term; a wider sample (an image) shows the first ones and "…"
SHOWN_TERMS = 6
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(i: int) -> str:
    """``i`` as a subscript: 12 → ₁₂."""
    return str(i).translate(_SUB)


def num(v: float) -> str:
    """A number as the explanation writes it: 4 significant digits, a true minus sign."""
    return format_number(float(v), 4).replace("-", "−")


def _paren(v: float) -> str:
    return f"({num(v)})" if v < 0 else num(v)


@dataclass(frozen=True)
class PerceptronTrace:
    """The rule on one sample. Arrays are float64 copies; per unit where the rule has several (one-vs-rest)."""
    index: int                 # the sample's row in the training table
    x: np.ndarray              # (features,)
    label: int                 # the class index
    kernel: np.ndarray         # (features, units) before
    bias: np.ndarray           # (units,) before
    learning_rate: float
    z: np.ndarray              # (units,) Σ wᵢxᵢ + b
    y_hat: np.ndarray          # (units,) step(z)
    t: np.ndarray              # (units,) the target per unit
    error: np.ndarray          # (units,) t − ŷ
    kernel_after: np.ndarray
    bias_after: np.ndarray

    @property
    def units(self) -> int:
        return int(self.kernel.shape[1])

    @property
    def mistake(self) -> bool:
        return bool(np.any(self.error))

    @property
    def predicted(self) -> int:
        """The class the perceptron gives the sample (step for one unit, the largest z for several)."""
        return int(self.y_hat[0]) if self.units == 1 else int(np.argmax(self.z))

    def weights_after(self) -> list[np.ndarray]:
        return [self.kernel_after.copy(), self.bias_after.copy()]

    # ------------------------------------------------------------------ the explanation
    def lines(self, unit: int | None = None) -> list[str]:
        """The explanation, a formula a line: for ``unit`` (every unit when None; one unit: no unit named)."""
        n = len(self.x)
        xs = ", ".join(num(v) for v in self.x[:SHOWN_TERMS]) + (", …" if n > SHOWN_TERMS else "")
        out = [f"x = ({xs}),  t = {self.label}" + ("" if self.units == 1 else f"  (class {self.label})")]
        for u in range(self.units) if unit is None else [unit]:
            if self.units > 1:
                out.append(f"unit {u}: is it class {u}?  t = {int(self.t[u])}")
            out.extend(self._unit_lines(u))
        return out

    def _unit_lines(self, u: int) -> list[str]:
        w, b, x = self.kernel[:, u], self.bias[u], self.x
        n = len(x)
        shown = min(n, SHOWN_TERMS)
        names = " + ".join(f"w{sub(i + 1)}x{sub(i + 1)}" for i in range(shown)) + (" + …" if n > shown else "")
        terms = " + ".join(f"{_paren(w[i])}·{_paren(x[i])}" for i in range(shown)) + (" + …" if n > shown else "")
        z, y_hat, t, e = self.z[u], int(self.y_hat[u]), int(self.t[u]), int(self.error[u])
        lines = [f"z = {names} + b = {terms} + {_paren(b)} = {num(z)}",
                 f"ŷ = step(z) = {y_hat}   (z {'≥' if z >= 0 else '<'} 0)",
                 f"t − ŷ = {t} − {y_hat} = {num(e)}"]
        if e == 0:
            lines.append("ŷ = t: no change")
            return lines
        eta = self.learning_rate
        changed = [i for i in range(n) if x[i] != 0]
        for i in changed[:SHOWN_TERMS]:
            lines.append(f"w{sub(i + 1)} ← w{sub(i + 1)} + η (t − ŷ) x{sub(i + 1)} = {num(w[i])} + {num(eta)}·{_paren(e)}·"
                         f"{_paren(x[i])} = {num(self.kernel_after[i, u])}")
        if len(changed) > SHOWN_TERMS:
            lines.append(f"… and {len(changed) - SHOWN_TERMS} more weights the same way")
        if len(changed) < n:
            lines.append("(a weight whose input xᵢ is 0 does not change)")
        lines.append(f"b ← b + η (t − ŷ) = {num(b)} + {num(eta)}·{_paren(e)} = {num(self.bias_after[u])}")
        return lines

    def summary(self) -> str:
        """One line: the sample, ŷ against t, and whether the weights change."""
        verdict = "no change" if not self.mistake else "a mistake: the weights move"
        return f"sample {self.index + 1}: ŷ = {self.predicted}, t = {self.label}: {verdict}"


def trace_sample(kernel, bias, x, label: int, learning_rate: float, index: int = 0) -> PerceptronTrace:
    """The rule on sample ``x`` of class ``label`` from ``kernel`` ``(features, units)`` and ``bias`` ``(units,)``
    (left as they are)."""
    kernel = np.array(kernel, dtype=np.float64)
    bias = np.array(bias, dtype=np.float64).reshape(-1)
    x = np.array(x, dtype=np.float64).reshape(-1)
    units = kernel.shape[1]
    if x.shape[0] != kernel.shape[0]:
        raise ValueError(f"the perceptron has {kernel.shape[0]} inputs, the sample {x.shape[0]}")
    z = x @ kernel + bias
    y_hat = (z >= 0).astype(np.float64)
    if units == 1:
        t = np.array([float(label)])
    else:
        t = np.zeros(units)
        t[int(label)] = 1.0
    error = t - y_hat
    eta = float(learning_rate)
    return PerceptronTrace(int(index), x, int(label), kernel, bias, eta, z, y_hat, t, error,
                           kernel + eta * np.outer(x, error), bias + eta * error)


def decision_line(w, b, box) -> tuple[np.ndarray, np.ndarray]:
    """Two points ``(xs, ys)`` of the line w₁x₁ + w₂x₂ + b = 0 across ``box`` = ``((x0, y0), (x1, y1))``; none
    while w = 0 (no line yet: every point is on one side)."""
    (x0, y0), (x1, y1) = box
    if abs(w[1]) > 1e-12 and abs(w[1]) >= abs(w[0]) * 1e-6:
        xs = np.array([x0, x1], dtype=np.float64)
        return xs, -(w[0] * xs + b) / w[1]
    if abs(w[0]) > 1e-12:
        c = -b / w[0]
        return np.array([c, c]), np.array([y0, y1], dtype=np.float64)
    return np.array([]), np.array([])
