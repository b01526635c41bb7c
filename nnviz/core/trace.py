"""The backprop trace: one training step of a compiled model, as an ordered list of immutable steps.

    trace = backprop_trace(model, x, y, granularity="unit")
    for step in trace:
        print(step.title)
        print(step.to_text())           # z_1^(2) = w_10^(2)·a_0^(1) + ... = 0.15·0.05 + ... = 0.3775
    trace.apply(model)                   # == model.train_on_batch(x, y), bit for bit

Nothing is re-derived: the trace runs the model's own layers forward (``training=True``) and backward
once, in the order ``train_on_batch`` does, and copies what the layers computed (their caches, the
gradients they wrote, the gradient each hands back).  The update is the compiled optimizer's: a copy of
it (with its state) is applied to a copy of the flat parameter vector.  Afterwards the model is left
exactly as it was (weights, BatchNormalization's moving statistics, the random generator Dropout draws
from, gradient buffers, caches); :meth:`BackpropTrace.apply` then puts the model and its optimizer in the
state ``train_on_batch`` would have left them in.

Notation (the course's): layers are numbered ``l = 1 .. L`` with ``model.layers[l - 1]`` being layer
``l``; ``a^(0)`` is the input x.  ``z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l)``, ``a_j^(l) = g^(l)(z_j^(l))``,
where ``w_jk^(l)`` is ``kernel[k, j]`` of the Dense layer (Keras stores kernels as (inputs, units)).
``C_0`` is the loss of one sample; for a batch of N samples the gradients are those of ``C``, the batch
mean, which is what the model trains on.

Steps come at three granularities built from the same computation: ``"unit"`` (every Dense unit and
every weight), ``"layer"`` (one step per layer per phase) and ``"phase"`` (one step per phase).  Layer
and phase steps hold the steps below them, so the numbers always agree.
"""

from __future__ import annotations

import html as _html
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Iterator, Mapping, NamedTuple

import numpy as np

from nnviz.core.layers.base import ActivatedLayer
from nnviz.core.layers.conv import Conv2D
from nnviz.core.layers.core import Activation, Dense, Dropout, Flatten
from nnviz.core.layers.normalization import BatchNormalization
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D
from nnviz.core.state import capture_state, restore_state
from nnviz.core.step import StepObserver

PHASES = ("forward", "loss", "backward", "update")
GRANULARITIES = ("unit", "layer", "phase")
ROLES = ("input", "current", "error")
#: longer sums, vectors and lists of lines are shown with an ellipsis in the middle
MAX_TERMS = 6
MAX_ITEMS = 8

__all__ = [
    "backprop_trace", "BackpropTrace", "Step", "ForwardUnit", "LayerForward", "ForwardPass", "LossStep",
    "BackwardUnit", "LayerBackward", "BackwardPass", "WeightUpdate", "LayerUpdate", "UpdatePass", "Token",
    "Equation", "Highlights", "NodeHighlight", "EdgeHighlight", "UnitRow", "LayerInfo", "StaleTraceError",
    "format_number", "PHASES", "GRANULARITIES", "ROLES",
]


class StaleTraceError(RuntimeError):
    """``apply`` was called on a model that changed (weights, optimizer) since the trace was made."""


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
    always when ``wrap``), ``"op"`` (an operator with its spacing, e.g. " + ", "·", "(") or ``"text"``.
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


# ============================================================================ highlights
class NodeHighlight(NamedTuple):
    """A node of the neuron view: unit ``unit`` of layer ``layer`` (0 = the input), or the whole layer
    when ``unit`` is None."""

    layer: int
    unit: int | None
    role: str


class EdgeHighlight(NamedTuple):
    """The connection from unit ``k`` of layer ``layer − 1`` into unit ``j`` of layer ``layer``: the weight
    ``w_jk^(layer)`` (``kernel[k, j]``)."""

    layer: int
    j: int
    k: int
    role: str


@dataclass(frozen=True)
class Highlights:
    """What a step involves. Roles: ``"input"`` (values the step reads), ``"current"`` (what it
    computes), ``"error"`` (gradient flowing backwards)."""

    nodes: tuple = ()
    edges: tuple = ()

    def with_role(self, role: str) -> "Highlights":
        return Highlights(tuple(n for n in self.nodes if n.role == role), tuple(e for e in self.edges if e.role == role))


def _nodes(layer, units, role):
    return tuple(NodeHighlight(layer, u, role) for u in units)


# ============================================================================ layer descriptions
@dataclass(frozen=True)
class LayerInfo:
    """One layer as the trace numbers it: ``index`` l (1-based; ``model.layers[index - 1]``)."""

    index: int
    name: str
    layer_type: str
    activation: str | None
    output_shape: tuple          # without the batch axis
    units: int | None            # width when the output is one vector per sample
    unitwise: bool               # True for a Dense layer on vectors: stepped unit by unit


@dataclass(frozen=True)
class UnitRow:
    """One row of the stepper's table: a unit's values for one sample, None while not yet known."""

    layer: int
    unit: int
    layer_name: str
    z: float | None
    a: float | None
    d_a: float | None      # ∂C/∂a_j^(l)
    delta: float | None    # δ_j^(l) = ∂C/∂z_j^(l)


# ============================================================================ steps
@dataclass(frozen=True, eq=False, kw_only=True)
class Step:
    """Base of every step. Arrays are read-only copies; per-sample arrays have the batch axis first.

    ``template`` is the generic formula in the course's notation (plain text); ``formula`` is the same
    with this step's indices; ``equations(sample)`` is the structured form with the numbers of one
    sample of the batch; ``to_html`` / ``to_text`` render it."""

    phase: str
    kind: str
    level: str
    layer_index: int | None
    unit: int | None
    layer_name: str | None
    title: str
    template: str
    note: str
    highlights: Highlights
    batch_size: int

    def equations(self, sample: int = 0) -> tuple:
        return ()

    def _check_sample(self, sample: int) -> int:
        if not 0 <= sample < self.batch_size:
            raise IndexError(f"sample {sample} is outside the batch of {self.batch_size}")
        return sample

    @property
    def formula(self) -> str:
        lines = []
        for eq in self.equations(0):
            sides = eq.symbolic()
            if sides:
                lines.append(" = ".join(_render(s, False, 4, False) for s in sides))
        return "\n".join(lines)

    def to_text(self, precision: int = 4, sample: int = 0) -> str:
        return "\n".join(eq.to_text(precision) for eq in self.equations(sample))

    def to_html(self, precision: int = 4, sample: int = 0, full_precision: bool = False,
                link_numbers: bool = False) -> str:
        """The equations as Qt rich text: symbols with ``<sub>``/``<sup>``, numbers to ``precision``
        significant digits (all digits with ``full_precision``), one equation per line.

        ``link_numbers`` wraps every number in ``<a href="num:<repr of the float>">`` (uncoloured, not
        underlined), so a QLabel's ``linkHovered`` signal can show the full value in a tooltip."""
        return "<br>".join(eq.to_html(precision, full_precision, link_numbers) for eq in self.equations(sample))

    def _reveals(self):
        """(layer, unit, quantity, per-sample values) for the summary table."""
        return ()


def _unit_reveals(l, arr, quantity):
    """Per-unit reveals of a (N, units) array."""
    if arr is None or arr.ndim != 2:
        return
    for j in range(arr.shape[1]):
        yield l, j, quantity, arr[:, j]


# ---------------------------------------------------------------------------- forward
@dataclass(frozen=True, eq=False, kw_only=True)
class ForwardUnit(Step):
    """Forward, one unit j of Dense layer l: ``z_j = Σ_k w_jk·a_k + b_j``, ``a_j = g(z_j)``."""

    inputs: np.ndarray          # (N, K): a_k^(l−1)
    weights: np.ndarray         # (K,):   w_jk^(l)
    bias: float | None          # b_j^(l)
    terms: np.ndarray           # (N, K): w_jk·a_k (for display; z is the core's)
    z: np.ndarray               # (N,)
    activation: str
    a: np.ndarray               # (N,)
    z_layer: np.ndarray | None  # (N, units): every z of the layer, for softmax
    a_layer: np.ndarray | None  # (N, units): every a of the layer, for softmax

    def equations(self, sample=0):
        n = self._check_sample(sample)
        l, j = self.layer_index, self.unit
        K = self.weights.size
        sym = _join([[_w(j, k, l), _O("·"), _a(k, l - 1)] for k in range(K)]
                    + ([[_b(j, l)]] if self.bias is not None else []))
        num = _join([[_N(self.weights[k]), _O("·"), _N(self.inputs[n, k], wrap=True)] for k in range(K)]
                    + ([[_N(self.bias)]] if self.bias is not None else []))
        eqs = [_eq([_z(j, l)], sym, num, [_N(self.z[n])])]
        g = [_S("g", "", _L(l)), _O("("), _z(j, l), _O(")")]
        if self.activation == "softmax":
            units = self.z_layer.shape[1]
            soft = [_T("exp("), _z(j, l), _T(")"), _O(" / "), _S("Σ", "i"), _T(" exp("), _S("z", "i", _L(l)), _T(")")]
            nums = ([_T("exp("), _N(self.z[n]), _T(")"), _O(" / ("),
                     *_join([[_T("exp("), _N(self.z_layer[n, i]), _T(")")] for i in range(units)]), _O(")")])
            eqs.append(_eq([_a(j, l)], g, soft, nums, [_N(self.a[n])]))
        else:
            eqs.append(_eq([_a(j, l)], g, [_T(self.activation), _O("("), _N(self.z[n]), _O(")")], [_N(self.a[n])]))
        return tuple(eqs)

    def _reveals(self):
        yield self.layer_index, self.unit, "z", self.z
        yield self.layer_index, self.unit, "a", self.a


@dataclass(frozen=True, eq=False, kw_only=True)
class LayerForward(Step):
    """Forward through one whole layer. ``extras`` by layer type:

    * Dropout: ``mask`` (absent when nothing is dropped: rate 0), ``rate``;
    * BatchNormalization: ``batch_mean``, ``batch_variance``, ``x_hat``, ``inv_std``, ``moving_mean_before``,
      ``moving_mean_after``, ``moving_variance_before``, ``moving_variance_after``, ``momentum``, ``epsilon``.
    """

    layer_type: str
    input: np.ndarray
    output: np.ndarray
    z: np.ndarray | None
    activation: str | None
    weights: Mapping            # parameter name -> array (before the update)
    extras: Mapping
    unit_steps: object = field(default=tuple, repr=False)   # () -> the ForwardUnit steps (built on demand)

    @property
    def units(self) -> tuple:
        """The ForwardUnit steps of a Dense layer (empty otherwise)."""
        return self.unit_steps()

    def equations(self, sample=0):
        n = self._check_sample(sample)
        l = self.layer_index
        if self.units:
            eqs = []
            for i in _pick(len(self.units), MAX_TERMS):
                eqs.extend([_ellipsis_line()] if i is None else self.units[i].equations(n))
            return tuple(eqs)
        A, Ain = [_S("a", "", _L(l))], [_S("a", "", _L(l - 1))]
        x, y = self.input[n], self.output[n]
        t = self.layer_type
        eqs = []
        if t in ("Dense", "Conv2D"):
            op = [_O(" · "), _S("W", "", _L(l))] if t == "Dense" else [_O(" ⋆ "), _S("W", "", _L(l))]
            bias = [_O(" + "), _S("b", "", _L(l))] if "bias" in self.weights else []
            eqs.append(_eq([_S("z", "", _L(l))], Ain + op + bias, _tensor(self.z[n])))
            eqs.append(_eq(A, [_S("g", "", _L(l)), _O("("), _S("z", "", _L(l)), _O(")"), _T(f"  ({self.activation})")],
                           _tensor(y)))
        elif t in ("MaxPooling2D", "AveragePooling2D"):
            what = "max" if t == "MaxPooling2D" else "mean"
            eqs.append(_eq(A, [_T(f"{what} over each {self.extras.get('window', '')} window of "), *Ain], _tensor(y)))
        elif t == "Flatten":
            eqs.append(_eq(A, [_T("flatten("), *Ain, _T(f")  ({_shape_text(x.shape)} → {y.size})")], _tensor(y)))
        elif t == "Dropout":
            mask = self.extras.get("mask")
            if mask is None:
                eqs.append(_eq(A, Ain, _tensor(y)))
            else:
                eqs.append(_eq([_S("m", "", _L(l))], [_T("keep with probability 1 − p, scaled by 1/(1 − p), p = "),
                                                      _N(self.extras["rate"])], _tensor(mask[n])))
                eqs.append(_eq(A, [_S("m", "", _L(l)), _O(" ⊙ "), *Ain], _tensor(y)))
        elif t == "BatchNormalization":
            e = self.extras
            eqs.append(_eq([_S("μ", "B")], [_T("mean over the batch of "), *Ain], _tensor(e["batch_mean"])))
            eqs.append(_eq([_S("σ", "B", "2")], [_T("variance over the batch of "), *Ain], _tensor(e["batch_variance"])))
            eqs.append(_eq([_S("x̂")], [_O("("), *Ain, _O(" − "), _S("μ", "B"), _O(") / √("), _S("σ", "B", "2"),
                                        _O(" + ε)")], _tensor(e["x_hat"][n])))
            rhs = [_S("γ", "", _L(l)), _O("·"), _S("x̂")] if "gamma" in self.weights else [_S("x̂")]
            if "beta" in self.weights:
                rhs += [_O(" + "), _S("β", "", _L(l))]
            eqs.append(_eq(A, rhs, _tensor(y)))
            eqs.append(_eq([_S("μ", "moving", _L(l))], [_S("μ", "moving"), _O("·"), _N(e["momentum"]), _O(" + "),
                                                        _S("μ", "B"), _O("·(1 − "), _N(e["momentum"]), _O(")")],
                           _tensor(e["moving_mean_after"])))
        elif t == "Activation":
            eqs.append(_eq(A, [_S("g", "", _L(l)), _O("("), *Ain, _O(")"), _T(f"  ({self.activation})")], _tensor(y)))
        else:
            eqs.append(_eq(A, [_T(f"{t}("), *Ain, _T(")")], _tensor(y)))
        return tuple(eqs)

    def _reveals(self):
        if self.units:
            for u in self.units:
                yield from u._reveals()
            return
        yield from _unit_reveals(self.layer_index, self.output, "a")
        if self.layer_type != "Activation":
            yield from _unit_reveals(self.layer_index, self.z, "z")


@dataclass(frozen=True, eq=False, kw_only=True)
class ForwardPass(Step):
    """The whole forward pass: ``layers`` are the LayerForward steps."""

    x: np.ndarray
    y_pred: np.ndarray
    layers: tuple

    def equations(self, sample=0):
        n = self._check_sample(sample)
        L = len(self.layers)
        eqs = [_eq([_S("a", "", "(0)")], [_S("x")], _tensor(self.x[n]))]
        for i in _pick(L, MAX_TERMS):
            if i is None:
                eqs.append(_ellipsis_line())
                continue
            s = self.layers[i]
            eqs.append(_eq([_S("a", "", _L(s.layer_index))], [_T(f"{s.layer_name}("), _S("a", "", _L(s.layer_index - 1)),
                                                               _T(")")], _tensor(s.output[n])))
        eqs.append(_eq([_S("ŷ")], [_S("a", "", _L(L))], _tensor(self.y_pred[n])))
        return tuple(eqs)

    def _reveals(self):
        for s in self.layers:
            yield from s._reveals()


# ---------------------------------------------------------------------------- loss
_LOSS_TEMPLATES = {
    "mean_squared_error": "C_0 = (1/n) Σ_j (a_j^(L) − y_j)²",
    "mean_absolute_error": "C_0 = (1/n) Σ_j |a_j^(L) − y_j|",
    "binary_crossentropy": "C_0 = −(1/n) Σ_j [y_j·log a_j^(L) + (1 − y_j)·log(1 − a_j^(L))]",
    "categorical_crossentropy": "C_0 = −Σ_j y_j·log a_j^(L)",
    "sparse_categorical_crossentropy": "C_0 = −log a_y^(L)  (y: the true class)",
}


@dataclass(frozen=True, eq=False, kw_only=True)
class LossStep(Step):
    """The loss. ``per_output[n, j]`` is output j's share of sample n's ``C_0`` (they sum to
    ``per_sample[n]``); ``batch_loss`` is the batch mean the model computes, ``total`` adds the
    regularization penalty (what ``train_on_batch`` returns). ``targets`` is y per output (one-hot for
    sparse labels), None when the labels do not line up with the outputs."""

    loss_name: str
    y_true: np.ndarray
    targets: np.ndarray | None
    y_pred: np.ndarray
    per_sample: np.ndarray
    per_output: np.ndarray
    batch_loss: float
    regularization: float
    total: float
    output_layer: int

    def equations(self, sample=0):
        n = self._check_sample(sample)
        L = self.output_layer
        k = self.per_output.shape[1]
        eqs = []
        name = self.loss_name
        if self.targets is not None and self.y_pred.ndim == 2 and name in _LOSS_TEMPLATES:
            yp, yt, sh = self.y_pred[n], self.targets[n], self.per_output[n]

            def line(j):
                C = [_S("C", f"0,{j}")]
                aj, yj = _a(j, L), _S("y", j)
                if name == "mean_squared_error":
                    return _eq(C, [_O("("), aj, _O(" − "), yj, _O(")²/"), _N(k)],
                               [_O("("), _N(yp[j]), _O(" − "), _N(yt[j]), _O(")²/"), _N(k)], [_N(sh[j])])
                if name == "mean_absolute_error":
                    return _eq(C, [_O("|"), aj, _O(" − "), yj, _O("|/"), _N(k)],
                               [_O("|"), _N(yp[j]), _O(" − "), _N(yt[j]), _O("|/"), _N(k)], [_N(sh[j])])
                if name == "binary_crossentropy":
                    return _eq(C, [_O("−("), yj, _O("·log "), aj, _O(" + (1 − "), yj, _O(")·log(1 − "), aj, _O("))/"), _N(k)],
                               [_O("−("), _N(yt[j]), _O("·log "), _N(yp[j]), _O(" + (1 − "), _N(yt[j]), _O(")·log(1 − "),
                                _N(yp[j]), _O("))/"), _N(k)], [_N(sh[j])])
                if name == "categorical_crossentropy":
                    return _eq(C, [_O("−"), yj, _O("·log "), aj], [_O("−"), _N(yt[j]), _O("·log "), _N(yp[j])], [_N(sh[j])])
                # sparse: only the true class has a share
                return _eq(C, [_O("−"), yj, _O("·log "), aj], [_O("−"), _N(yt[j]), _O("·log "), _N(yp[j])], [_N(sh[j])])

            eqs.extend(_lines(k, line))
        C0 = [_S("C", "0")]
        eqs.append(_eq(C0, [_S("Σ", "j"), _S(" C", "0,j")], _join([[_N(v)] for v in self.per_output[n]]),
                       [_N(self.per_sample[n])]))
        if self.batch_size > 1:
            eqs.append(_eq([_S("C")], [_O("(1/N)·"), _S("Σ", "n"), _S(" C", "0")],
                           [_O("("), *_join([[_N(v)] for v in self.per_sample]), _O(")/"), _N(self.batch_size)],
                           [_N(self.batch_loss)]))
        if self.regularization:
            c, s = _cost(self.batch_size)
            eqs.append(_eq([_S(c, s), _O(" + "), _S("Ω")], [_N(self.batch_loss), _O(" + "), _N(self.regularization)],
                           [_N(self.total)]))
        return tuple(eqs)


# ---------------------------------------------------------------------------- backward
@dataclass(frozen=True, eq=False, kw_only=True)
class BackwardUnit(Step):
    """Backward, one unit j of Dense layer l: ``δ_j = ∂C/∂z_j``, ``∂C/∂w_jk = δ_j·a_k``, ``∂C/∂b_j = δ_j``.

    Non-fused: ``δ_j = ∂C/∂a_j · g′(z_j)`` (softmax: ``Σ_i ∂C/∂a_i · ∂a_i/∂z_j`` with the Jacobian column
    ``softmax_jacobian``). Fused (softmax + cross-entropy, sigmoid + binary cross-entropy on the output
    layer): the core computes ``δ_j = (a_j − y_j)/D`` directly (``fused_divisor`` D, ``targets`` y_j);
    ``d_a`` then is the loss's own ∂C/∂a_j, shown for reference.

    ``d_w_data`` is ``Σ_n δ_j·a_k`` as the layer computed it, ``d_w_reg`` the regularizer's term
    (None without one), ``d_w`` the total the optimizer uses.
    """

    activation: str
    z: np.ndarray               # (N,)
    a: np.ndarray               # (N,)
    d_a: np.ndarray             # (N,)  ∂C/∂a_j
    g_prime: np.ndarray         # (N,)  g'(z_j) (softmax: the diagonal of its Jacobian)
    softmax_jacobian: np.ndarray | None   # (N, units): ∂a_i/∂z_j for every i
    d_a_layer: np.ndarray | None          # (N, units): every ∂C/∂a_i, for softmax
    fused: bool
    fused_kind: str | None      # "softmax_crossentropy" | "sigmoid_binary_crossentropy"
    fused_divisor: float | None
    targets: np.ndarray | None  # (N,) y_j (output layer only)
    loss_name: str | None       # the loss (output layer only)
    loss_divisor: float | None  # D in ∂C/∂a_j = 2·(a_j − y_j)/D for mean squared error (D = N·n)
    target_sums: np.ndarray | None  # (N,) Σ_i y_i (fused categorical only)
    delta: np.ndarray           # (N,)
    inputs: np.ndarray          # (N, K) a_k^(l−1)
    d_w_terms: np.ndarray       # (N, K) δ_j·a_k per sample
    d_w_data: np.ndarray        # (K,)
    d_w_reg: np.ndarray | None  # (K,)
    d_w: np.ndarray             # (K,)
    d_b: float | None
    next_layer: int | None      # l + 1 when the error came from a Dense layer above
    next_weights: np.ndarray | None   # (units_above,) w_ij^(l+1) for every i
    next_delta: np.ndarray | None     # (N, units_above) δ_i^(l+1)

    def equations(self, sample=0):
        n = self._check_sample(sample)
        l, j, nb = self.layer_index, self.unit, self.batch_size
        eqs = []
        dz = _d(nb, _z(j, l))
        da = _d(nb, _a(j, l))
        if self.fused:
            y = self.targets[n]
            if self.target_sums is not None and abs(self.target_sums[n] - 1) > 1e-12:
                sym = [_O("("), _a(j, l), _O("·"), _S("Σ", "i"), _S(" y", "i"), _O(" − "), _S("y", j), _O(")/"), _S("D")]
                num = [_O("("), _N(self.a[n]), _O("·"), _N(self.target_sums[n]), _O(" − "), _N(y), _O(")/"),
                       _N(self.fused_divisor)]
            else:
                sym = [_O("("), _a(j, l), _O(" − "), _S("y", j), _O(")/"), _S("D")]
                num = [_O("("), _N(self.a[n]), _O(" − "), _N(y), _O(")/"), _N(self.fused_divisor)]
            eqs.append(_eq([_delta(j, l)], dz, sym, num, [_N(self.delta[n])]))
        else:
            if self.next_layer is not None:
                m = self.next_weights.size
                eqs.append(_eq(da, _join([[_S("w", _jk(i, j), _L(self.next_layer)), _O("·"), _delta(i, self.next_layer)]
                                          for i in range(m)]),
                               _join([[_N(self.next_weights[i]), _O("·"), _N(self.next_delta[n, i], wrap=True)]
                                      for i in range(m)]),
                               [_N(self.d_a[n])]))
            elif self.loss_name == "mean_squared_error" and self.targets is not None:
                eqs.append(_eq(da, [_O("2·("), _a(j, l), _O(" − "), _S("y", j), _O(")/"), _S("D")],
                               [_O("2·("), _N(self.a[n]), _O(" − "), _N(self.targets[n]), _O(")/"), _N(self.loss_divisor)],
                               [_N(self.d_a[n])]))
            else:
                eqs.append(_eq(da, [_N(self.d_a[n])]))
            if self.softmax_jacobian is not None:
                units = self.softmax_jacobian.shape[1]
                i_ = _S("a", "i", _L(l))
                eqs.append(_eq([_S("∂a", "i", _L(l)), _O("/"), _S("∂z", j, _L(l))],
                               [i_, _O("·("), _T(f"1[i={j}]"), _O(" − "), _a(j, l), _O(")")],
                               _tensor(self.softmax_jacobian[n])))
                eqs.append(_eq([_delta(j, l)], dz,
                               [_S("Σ", "i"), _S(" ∂C", _cost(nb)[1]), _O("/"), _S("∂a", "i", _L(l)), _O("·"),
                                _S("∂a", "i", _L(l)), _O("/"), _S("∂z", j, _L(l))],
                               _join([[_N(self.d_a_layer[n, i]), _O("·"), _N(self.softmax_jacobian[n, i], wrap=True)]
                                      for i in range(units)]),
                               [_N(self.delta[n])]))
            else:
                gp = [_S("g′", "", _L(l)), _O("("), _z(j, l), _O(")")]
                eqs.append(_eq([_delta(j, l)], dz, da + [_O(" · ")] + gp,
                               [_N(self.d_a[n]), _O(" · "), _N(self.g_prime[n], wrap=True)], [_N(self.delta[n])]))
        K = self.d_w.size

        def wline(k):
            sym = [_delta(j, l), _O("·"), _a(k, l - 1)]
            if nb == 1:
                num = [_N(self.delta[0]), _O("·"), _N(self.inputs[0, k], wrap=True)]
            else:
                sym = [_S("Σ", "n"), _O(" "), *sym]
                num = _join([[_N(self.delta[s]), _O("·"), _N(self.inputs[s, k], wrap=True)] for s in range(nb)])
            if self.d_w_reg is not None:
                sym = sym + [_O(" + "), _S("∂Ω"), _O("/"), _S("∂w", _jk(j, k), _L(l))]
                num = ([_O("(")] if nb > 1 else []) + num + ([_O(")")] if nb > 1 else []) + [_O(" + "), _N(self.d_w_reg[k])]
            return _eq(_d(nb, _w(j, k, l)), sym, num, [_N(self.d_w[k])])

        eqs.extend(_lines(K, wline))
        if self.d_b is not None:
            if nb == 1:
                eqs.append(_eq(_d(nb, _b(j, l)), [_delta(j, l)], [_N(self.d_b)]))
            else:
                eqs.append(_eq(_d(nb, _b(j, l)), [_S("Σ", "n"), _O(" "), _delta(j, l)],
                               _join([[_N(v)] for v in self.delta]), [_N(self.d_b)]))
        return tuple(eqs)

    def _reveals(self):
        yield self.layer_index, self.unit, "d_a", self.d_a
        yield self.layer_index, self.unit, "delta", self.delta


@dataclass(frozen=True, eq=False, kw_only=True)
class LayerBackward(Step):
    """Backward through one whole layer: ``d_out`` = ∂C/∂a^(l) (what arrived), ``d_z`` = ∂C/∂z^(l)
    (None for layers without an activation), ``d_input`` = ∂C/∂a^(l−1) (what is sent back; None for the
    first layer, whose input needs no gradient). ``grads`` are the totals the optimizer uses,
    ``grads_data`` the loss's part, ``grads_reg`` the regularizer's (kernels with a regularizer only).
    For a Dense layer at unit granularity this is the "error sent back" step after its units."""

    layer_type: str
    activation: str | None
    fused: bool
    d_out: np.ndarray
    d_z: np.ndarray | None
    d_input: np.ndarray | None
    weights: Mapping
    grads: Mapping
    grads_data: Mapping
    grads_reg: Mapping
    unit_steps: object = field(default=tuple, repr=False)   # () -> the BackwardUnit steps (built on demand)

    @property
    def units(self) -> tuple:
        """The BackwardUnit steps of a Dense layer (empty otherwise)."""
        return self.unit_steps()

    def equations(self, sample=0):
        n = self._check_sample(sample)
        l, nb = self.layer_index, self.batch_size
        c, cs = _cost(nb)
        eqs = []
        if self.units:
            kernel = self.weights["kernel"]
            J = kernel.shape[1]
            eqs.append(_eq([_S("δ", "", _L(l))], _d(nb, _S("z", "", _L(l))), _tensor(self.d_z[n])))
            for name, g in self.grads.items():
                eqs.append(_eq(_d(nb, _param_symbol(name, l)), _tensor(g)))
            if self.d_input is None:
                eqs.append(_eq([_T(f"layer {l} is the first layer: no error is sent back to the input")]))
            else:
                def line(k):
                    return _eq(_d(nb, _a(k, l - 1)), _join([[_w(j, k, l), _O("·"), _delta(j, l)] for j in range(J)]),
                               _join([[_N(kernel[k, j]), _O("·"), _N(self.d_z[n, j], wrap=True)] for j in range(J)]),
                               [_N(self.d_input[n, k])])
                eqs.extend(_lines(kernel.shape[0], line))
            return tuple(eqs)
        dA = _d(nb, _S("a", "", _L(l)))
        dAin = _d(nb, _S("a", "", _L(l - 1)))
        eqs.append(_eq(dA, _tensor(self.d_out[n])))
        t = self.layer_type
        if self.d_z is not None and t != "Activation":
            if self.fused:
                eqs.append(_eq(_d(nb, _S("z", "", _L(l))), [_O("("), _S("a", "", _L(l)), _O(" − y)/D")], _tensor(self.d_z[n])))
            else:
                eqs.append(_eq(_d(nb, _S("z", "", _L(l))), dA + [_O(" ⊙ "), _S("g′", "", _L(l)), _O("("), _S("z", "", _L(l)),
                                                                _O(")")], _tensor(self.d_z[n])))
        for name, g in self.grads.items():
            sym = _param_symbol(name, l)
            eqs.append(_eq(_d(nb, sym), _tensor(g)))
        if self.d_input is not None:
            how = {"Dense": [*_d(nb, _S("z", "", _L(l))), _O(" · "), _S("W", "", _L(l)), _S("", "", "T")],
                   "Conv2D": [_T("full convolution of "), *_d(nb, _S("z", "", _L(l))), _T(" with "), _S("W", "", _L(l))],
                   "MaxPooling2D": [_T("each window's gradient to its maximum")],
                   "AveragePooling2D": [_T("each window's gradient shared evenly by its cells")],
                   "Flatten": [_T("reshaped to "), _T(_shape_text(self.d_input.shape[1:]))],
                   "Dropout": [_S("m", "", _L(l)), _O(" ⊙ "), *dA],
                   "BatchNormalization": [_T("through x̂ and the batch statistics")],
                   "Activation": [*dA, _O(" ⊙ "), _S("g′", "", _L(l)), _O("("), _S("a", "", _L(l - 1)), _O(")")]}
            eqs.append(_eq(dAin, how.get(t, [_T("backward")]), _tensor(self.d_input[n])))
        return tuple(eqs)

    def _reveals(self):
        l = self.layer_index
        if self.units:
            for u in self.units:
                yield from u._reveals()
        else:
            yield from _unit_reveals(l, self.d_out, "d_a")
            if self.layer_type != "Activation":
                yield from _unit_reveals(l, self.d_z, "delta")
        if l > 1:
            yield from _unit_reveals(l - 1, self.d_input, "d_a")


@dataclass(frozen=True, eq=False, kw_only=True)
class BackwardPass(Step):
    """The whole backward pass: ``layers`` are the LayerBackward steps (output layer first);
    ``gradients`` is aligned with ``weight_keys`` / ``model.get_weights()``."""

    weight_keys: tuple
    gradients: tuple
    layers: tuple

    def equations(self, sample=0):
        self._check_sample(sample)
        eqs = []
        for s in self.layers:
            for name, g in s.grads.items():
                eqs.append(_eq(_d(self.batch_size, _param_symbol(name, s.layer_index)), _tensor(g)))
        if not eqs:
            eqs.append(_eq([_T("no trainable weights")]))
        return tuple(eqs)

    def _reveals(self):
        for s in self.layers:
            yield from s._reveals()


# ---------------------------------------------------------------------------- update
def _optimizer_template(opt: str, hyper: Mapping, sym="w") -> str:
    g = f"∂C/∂{sym}"
    if opt == "sgd":
        if not hyper.get("momentum"):
            return f"{sym} ← {sym} − η·{g}"
        if hyper.get("nesterov"):
            return f"v ← μ·v − η·{g};  {sym} ← {sym} + μ·v − η·{g}"
        return f"v ← μ·v − η·{g};  {sym} ← {sym} + v"
    if opt == "adam":
        return (f"m ← m + ({g} − m)·(1 − β₁);  v ← v + (({g})² − v)·(1 − β₂);  "
                f"α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  {sym} ← {sym} − α·m/(√v + ε)")
    if opt == "rmsprop":
        s = f"s ← ρ·s + (1 − ρ)·({g})²;  "
        denom = "√(s − ḡ² + ε)" if hyper.get("centered") else "√(s + ε)"
        if hyper.get("centered"):
            s += f"ḡ ← ρ·ḡ + (1 − ρ)·{g};  "
        if hyper.get("momentum"):
            return s + f"u ← μ·u + η·{g}/{denom};  {sym} ← {sym} − u"
        return s + f"{sym} ← {sym} − η·{g}/{denom}"
    if opt == "adagrad":
        return f"G ← G + ({g})²;  {sym} ← {sym} − η·{g}/√(G + ε)"
    return f"{sym} ← {opt} update of {sym} with {g}"


def _update_equations(opt, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
    """The optimizer's rule for one weight: symbols W (a Token), dW (tokens of ∂C/∂w), numbers."""
    lr = hyper.get("learning_rate", 0.0)
    eta = _S("η")
    arrow = [W, _O(" ← ")]
    if opt == "sgd":
        mu = hyper.get("momentum", 0.0)
        if not mu:
            return [_eq(arrow + [W, _O(" − "), eta, _O("·"), *dW],
                        [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad)], [_N(new)])]
        v0, v1 = sb["momentum"], sa["momentum"]
        eqs = [_eq([_S("v"), _O(" ← "), _S("μ"), _O("·"), _S("v"), _O(" − "), eta, _O("·"), *dW],
                   [_N(mu), _O("·"), _N(v0), _O(" − "), _N(lr), _O("·"), _N(grad)], [_N(v1)])]
        if hyper.get("nesterov"):
            eqs.append(_eq(arrow + [W, _O(" + "), _S("μ"), _O("·"), _S("v"), _O(" − "), eta, _O("·"), *dW],
                           [_N(old), _O(" + "), _N(mu), _O("·"), _N(v1), _O(" − "), _N(lr), _O("·"), _N(grad)], [_N(new)]))
        else:
            eqs.append(_eq(arrow + [W, _O(" + "), _S("v")], [_N(old), _O(" + "), _N(v1)], [_N(new)]))
        return eqs
    if opt == "adam":
        b1, b2, eps = hyper["beta_1"], hyper["beta_2"], hyper["epsilon"]
        return [
            _eq([_S("m"), _O(" ← "), _S("m"), _O(" + ("), *dW, _O(" − "), _S("m"), _O(")·(1 − "), _S("β", "1"), _O(")")],
                [_N(sb["m"]), _O(" + ("), _N(grad), _O(" − "), _N(sb["m"]), _O(")·(1 − "), _N(b1), _O(")")], [_N(sa["m"])]),
            _eq([_S("v"), _O(" ← "), _S("v"), _O(" + (("), *dW, _O(")² − "), _S("v"), _O(")·(1 − "), _S("β", "2"), _O(")")],
                [_N(sb["v"]), _O(" + ("), _N(grad, wrap=True), _O("² − "), _N(sb["v"]), _O(")·(1 − "), _N(b2), _O(")")],
                [_N(sa["v"])]),
            _eq([_S("α", "t")], [eta, _O("·√(1 − "), _S("β", "2", "t"), _O(")/(1 − "), _S("β", "1", "t"), _O(")")],
                [_N(lr), _O("·√(1 − "), _N(b2), _S("", "", t), _O(")/(1 − "), _N(b1), _S("", "", t), _O(")")],
                [_N(step_size)]),
            _eq(arrow + [W, _O(" − "), _S("α"), _O("·"), _S("m"), _O("/(√"), _S("v"), _O(" + "), _S("ε"), _O(")")],
                [_N(old), _O(" − "), _N(step_size), _O("·"), _N(sa["m"]), _O("/(√"), _N(sa["v"]), _O(" + "), _N(eps),
                 _O(")")], [_N(new)]),
        ]
    if opt == "rmsprop":
        rho, eps, mu = hyper["rho"], hyper["epsilon"], hyper.get("momentum", 0.0)
        eqs = [_eq([_S("s"), _O(" ← "), _S("ρ"), _O("·"), _S("s"), _O(" + (1 − "), _S("ρ"), _O(")·("), *dW, _O(")²")],
                   [_N(rho), _O("·"), _N(sb["velocity"]), _O(" + (1 − "), _N(rho), _O(")·"), _N(grad, wrap=True), _O("²")],
                   [_N(sa["velocity"])])]
        if hyper.get("centered"):
            eqs.append(_eq([_S("ḡ"), _O(" ← "), _S("ρ"), _O("·"), _S("ḡ"), _O(" + (1 − "), _S("ρ"), _O(")·"), *dW],
                           [_N(rho), _O("·"), _N(sb["average_gradient"]), _O(" + (1 − "), _N(rho), _O(")·"), _N(grad)],
                           [_N(sa["average_gradient"])]))
            dsym = [_O("√("), _S("s"), _O(" − "), _S("ḡ"), _O("² + "), _S("ε"), _O(")")]
            dnum = [_O("√("), _N(sa["velocity"]), _O(" − "), _N(sa["average_gradient"], wrap=True), _O("² + "), _N(eps),
                    _O(")")]
        else:
            dsym = [_O("√("), _S("s"), _O(" + "), _S("ε"), _O(")")]
            dnum = [_O("√("), _N(sa["velocity"]), _O(" + "), _N(eps), _O(")")]
        if mu:
            eqs.append(_eq([_S("u"), _O(" ← "), _S("μ"), _O("·"), _S("u"), _O(" + "), eta, _O("·"), *dW, _O("/"), *dsym],
                           [_N(mu), _O("·"), _N(sb["momentum"]), _O(" + "), _N(lr), _O("·"), _N(grad), _O("/"), *dnum],
                           [_N(sa["momentum"])]))
            eqs.append(_eq(arrow + [W, _O(" − "), _S("u")], [_N(old), _O(" − "), _N(sa["momentum"])], [_N(new)]))
        else:
            eqs.append(_eq(arrow + [W, _O(" − "), eta, _O("·"), *dW, _O("/"), *dsym],
                           [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad), _O("/"), *dnum], [_N(new)]))
        return eqs
    if opt == "adagrad":
        eps = hyper["epsilon"]
        return [
            _eq([_S("G"), _O(" ← "), _S("G"), _O(" + ("), *dW, _O(")²")],
                [_N(sb["accumulator"]), _O(" + "), _N(grad, wrap=True), _O("²")], [_N(sa["accumulator"])]),
            _eq(arrow + [W, _O(" − "), eta, _O("·"), *dW, _O("/√("), _S("G"), _O(" + "), _S("ε"), _O(")")],
                [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad), _O("/√("), _N(sa["accumulator"]), _O(" + "), _N(eps), _O(")")],
                [_N(new)]),
        ]
    return [_eq(arrow + [_T(f"{opt}("), W, _O(", "), *dW, _T(")")], [_N(old), _O(" → "), _N(new)])]


@dataclass(frozen=True, eq=False, kw_only=True)
class WeightUpdate(Step):
    """One weight's update: ``kernel[k, j]`` (= w_jk, ``k`` set) or ``bias[j]`` (``k`` None).
    ``state_before`` / ``state_after`` map the optimizer's slot names to this weight's entry:
    SGD ``momentum`` (v), Adam ``m`` and ``v``, RMSprop ``velocity`` (s), ``momentum`` (u) and
    ``average_gradient`` (ḡ), Adagrad ``accumulator`` (G). ``iteration`` is t, the step's number (1-based);
    ``step_size`` is Adam's α for it (None for the others). ``hyper`` is the optimizer's config."""

    param: str
    index: tuple
    j: int
    k: int | None
    old: float
    grad: float
    new: float
    optimizer: str
    hyper: Mapping
    state_before: Mapping
    state_after: Mapping
    iteration: int
    step_size: float | None

    def _symbol(self):
        l = self.layer_index
        return _w(self.j, self.k, l) if self.k is not None else _b(self.j, l)

    def equations(self, sample=0):
        self._check_sample(sample)
        W = self._symbol()
        return tuple(_update_equations(self.optimizer, self.hyper, self.iteration, self.step_size, W,
                                       _d(self.batch_size, W), self.old, self.grad, self.new,
                                       self.state_before, self.state_after))


@dataclass(frozen=True, eq=False, kw_only=True)
class LayerUpdate(Step):
    """One layer's update: per trainable parameter name, ``old`` / ``grads`` / ``new`` arrays and
    ``state_before`` / ``state_after`` (name -> slot -> array). ``units`` are its WeightUpdate steps
    (Dense layers only)."""

    layer_type: str
    optimizer: str
    hyper: Mapping
    iteration: int
    step_size: float | None
    old: Mapping
    grads: Mapping
    new: Mapping
    state_before: Mapping
    state_after: Mapping
    unit_steps: object = field(default=tuple, repr=False)   # () -> the WeightUpdate steps (built on demand)

    @property
    def units(self) -> tuple:
        """The WeightUpdate steps of a Dense layer (empty otherwise)."""
        return self.unit_steps()

    def equations(self, sample=0):
        self._check_sample(sample)
        l = self.layer_index
        eqs = []
        for name in self.old:
            P = _param_symbol(name, l)
            old, new = np.ravel(self.old[name]), np.ravel(self.new[name])
            shape = self.old[name].shape

            def line(i, name=name, old=old, new=new, shape=shape):
                idx = np.unravel_index(i, shape)
                if name == "kernel" and len(shape) == 2:
                    sym = _w(int(idx[1]), int(idx[0]), l)
                elif name == "bias":
                    sym = _b(int(idx[0]), l)
                else:
                    sym = _S(P.text, ",".join(str(int(v)) for v in idx), P.sup)
                return _eq([sym], [_N(old[i]), _O(" → "), _N(new[i])])

            eqs.append(_eq([P, _T(":  " + _optimizer_template(self.optimizer, self.hyper, P.text))]))
            eqs.extend(_lines(old.size, line))
        return tuple(eqs)


@dataclass(frozen=True, eq=False, kw_only=True)
class UpdatePass(Step):
    """The whole update, aligned with ``weight_keys`` / ``model.get_weights()`` (``new_weights`` include
    BatchNormalization's moving statistics as the forward pass left them)."""

    optimizer: str
    hyper: Mapping
    iteration: int
    weight_keys: tuple
    old_weights: tuple
    gradients: tuple
    new_weights: tuple
    layers: tuple

    def equations(self, sample=0):
        self._check_sample(sample)
        eqs = [_eq([_T(_optimizer_template(self.optimizer, self.hyper))])]
        for s in self.layers:
            for name in s.old:
                P = _param_symbol(name, s.layer_index)
                change = np.abs(np.asarray(s.new[name], np.float64) - np.asarray(s.old[name], np.float64))
                eqs.append(_eq([_T("max |Δ"), P, _T("|")], [_N(change.max() if change.size else 0.0)]))
        return tuple(eqs)


# ============================================================================ the computation
class _Record:
    """Everything the trace learned about one layer (internal, mutable while the trace is built)."""

    def __init__(self, index, layer):
        self.index = index
        self.layer = layer
        self.name = layer.name
        self.layer_type = layer.layer_type
        act = getattr(layer, "activation", None)
        self.activation = None if act is None else act.name
        self.z = None
        self.extras = {}
        self.fused = False
        self.fused_kind = None
        self.d_z = None
        self.d_in = None
        self.grads_data = {}
        self.grads_reg = {}
        self.grads = {}
        self.new = {}
        self.state_before = {}
        self.state_after = {}


def _unitwise(layer, x) -> bool:
    return isinstance(layer, Dense) and x.ndim == 2


class _Observer(StepObserver):
    """Records what the layers computed during the traced step (see :mod:`nnviz.core.step`)."""

    def __init__(self, data, model):
        self.data = data
        self.model = model
        data.records = []

    def forward_begin(self, i, layer, x):
        rec = _Record(i + 1, layer)
        rec.unitwise = _unitwise(layer, x)
        rec.weights = {k: _ro(v) for k, v in layer.params.items()}   # BN moving stats: before this forward
        self.data.records.append(rec)

    def forward_end(self, i, layer, x, out):
        rec = self.data.records[i]
        rec.input, rec.output = _ro(x), _ro(out)
        if isinstance(layer, (ActivatedLayer, Activation)) and "z" in layer.cache:
            rec.z = _ro(layer.cache["z"])
        if isinstance(layer, Dropout):
            rec.extras["rate"] = layer.rate
            if layer.cache.get("mask") is not None:
                rec.extras["mask"] = _ro(layer.cache["mask"])
        elif isinstance(layer, BatchNormalization):
            axes = tuple(range(x.ndim - 1))
            mean, var = layer.cache.get("mean"), layer.cache.get("variance")
            rec.extras.update(batch_mean=_ro(x.mean(axis=axes) if mean is None else mean),
                              batch_variance=_ro(x.var(axis=axes) if var is None else var),
                              x_hat=_ro(layer.cache["x_hat"]), inv_std=_ro(layer.cache["inv_std"]),
                              moving_mean_before=rec.weights["moving_mean"],
                              moving_variance_before=rec.weights["moving_variance"],
                              moving_mean_after=_ro(layer.params["moving_mean"]),
                              moving_variance_after=_ro(layer.params["moving_variance"]),
                              momentum=layer.momentum, epsilon=layer.epsilon)
        elif isinstance(layer, (MaxPooling2D, AveragePooling2D)):
            rec.extras["window"] = f"{layer.pool_size[0]}×{layer.pool_size[1]}"

    def loss_computed(self, y, y_pred, loss_value):
        d = self.data
        loss = self.model.loss
        d.y_pred = _ro(y_pred)
        d.batch_loss = float(loss_value)
        d.per_sample = _ro(loss.per_sample(y, y_pred))
        d.per_output = _ro(loss.per_output(y, y_pred))
        d.d_loss = _ro(loss.gradient(y, y_pred))   # ∂C/∂ŷ: what backward starts from unless the gradient is fused
        if loss.name == "sparse_categorical_crossentropy":
            d.targets = _ro(np.eye(y_pred.shape[-1], dtype=y_pred.dtype)[np.asarray(y).reshape(y_pred.shape[:-1])])
        else:
            yt = np.asarray(y, dtype=y_pred.dtype)
            d.targets = _ro(yt.reshape(y_pred.shape)) if yt.size == y_pred.size else None
        d.penalty = 0.0

    def backward_end(self, i, layer, d_out, d_in, fused_d_z):
        d = self.data
        rec = d.records[i]
        rec.d_out = d.d_loss if i == len(d.records) - 1 else _ro(d_out)
        if fused_d_z is not None:
            rec.fused = True
            rec.fused_kind = ("sigmoid_binary_crossentropy" if layer.activation.name == "sigmoid"
                              else "softmax_crossentropy")
            rec.d_z = _ro(fused_d_z)
        elif isinstance(layer, ActivatedLayer) and "d_z" in layer.cache:
            rec.d_z = _ro(layer.cache["d_z"])
        elif isinstance(layer, Activation):
            rec.d_z = _ro(d_in)
        rec.d_in = _ro(d_in)

    def gradients_computed(self):
        for layer, rec in zip(self.model.layers, self.data.records):
            rec.grads_data = {k: _ro(layer.grads[k]) for k in layer.trainable_names}
            rec.grads = rec.grads_data

    def regularized(self, penalty):
        d = self.data
        d.penalty = penalty
        for reg, w, _ in self.model._regularized:
            for layer, rec in zip(self.model.layers, d.records):
                if layer.params.get("kernel") is w:
                    term = np.zeros_like(w)
                    reg.add_gradient(w, term)     # the regularizer's own term, for the explanation
                    rec.grads_reg["kernel"] = _ro(term)
        for layer, rec in zip(self.model.layers, d.records):
            rec.grads = {k: _ro(layer.grads[k]) for k in layer.trainable_names}


class _TraceData:
    """The one computation behind every granularity."""

    def __init__(self, model, x, y):
        self.model = model
        self._compute(model, x, y)
        self._cache = {}

    # ---------------------------------------------------------------- running the model
    def _compute(self, model, x, y):
        model._require_compiled()
        x = np.asarray(x)
        if model._input_shape is not None and tuple(x.shape) == tuple(model._input_shape):
            x = x[None]
            y = np.asarray(y)[None]
        x = model._check_x(x)
        y = model._check_y(y, len(x))
        layers = model.layers
        if not layers:
            raise ValueError("the model has no layers to trace")
        self.x, self.y = _ro(x), _ro(y)
        self.n = len(x)
        self.optimizer_ref = model.optimizer
        untouched = capture_state(model)      # put back afterwards, bit for bit
        saved_cache = [dict(layer.cache) for layer in layers]
        try:
            model._ensure_optimizer()         # what train_on_batch does first
            opt = model.optimizer
            self.optimizer_name = opt.name
            self.hyper = _frozen_map(opt.get_config_args())
            self.iteration = opt.iterations + 1
            self.step_size = opt.step_size(self.iteration) if hasattr(opt, "step_size") else None
            self.before = capture_state(model)
            observer = _Observer(self, model)
            loss, _ = model.train_step(x, y, observer=observer, checked=True)   # the real step, observed
            self.after = capture_state(model)
        finally:
            restore_state(model, untouched)
            for layer, c in zip(layers, saved_cache):
                layer.cache.clear()
                layer.cache.update(c)
        self.untouched = untouched
        self.loss = float(loss)
        self._collect_update(model)

    def _collect_update(self, model):
        before, after = self.before, self.after
        self.state_before = dict(before.optimizer)
        self.state_after = dict(after.optimizer)
        self.old_weights = before.weights
        self.new_weights = after.weights
        self.weight_keys = before.weight_keys
        grads = []
        for layer, rec in zip(model.layers, self.records):
            for k in layer.weight_names:
                key = f"{layer.name}/{k}"
                if k in rec.grads:
                    rec.new[k] = after.weight(key)
                    rec.state_before[k] = before.slots(key)
                    rec.state_after[k] = after.slots(key)
                    grads.append(rec.grads[k])
                else:
                    grads.append(_ro(np.zeros_like(layer.params[k])))
        self.gradients = tuple(grads)


    # ---------------------------------------------------------------- building steps
    def _common(self, phase, kind, level, rec, unit, title, template, note, highlights):
        return dict(phase=phase, kind=kind, level=level, layer_index=None if rec is None else rec.index, unit=unit,
                    layer_name=None if rec is None else rec.name, title=title, template=template, note=note,
                    highlights=highlights, batch_size=self.n)

    def _rec(self, l):
        return self.records[l - 1] if 1 <= l <= len(self.records) else None

    def _width(self, l):
        """Units of layer l (0 = input) when it outputs one vector per sample, else None."""
        arr = self.x if l == 0 else self.records[l - 1].output
        return arr.shape[1] if arr.ndim == 2 else None

    def _layer_nodes(self, l, role):
        w = self._width(l)
        return _nodes(l, range(w), role) if w is not None else (NodeHighlight(l, None, role),)

    def _all_edges(self, rec, role):
        if not rec.unitwise:
            return ()
        K, J = rec.weights["kernel"].shape
        return tuple(EdgeHighlight(rec.index, j, k, role) for j in range(J) for k in range(K))

    # forward ---------------------------------------------------------
    def forward_units(self, rec):
        key = ("fu", rec.index)
        if key in self._cache:
            return self._cache[key]
        steps = ()
        if rec.unitwise:
            l, kernel = rec.index, rec.weights["kernel"]
            bias = rec.weights.get("bias")
            K, J = kernel.shape
            softmax = rec.activation == "softmax"
            template = "z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l);  a_j^(l) = g^(l)(z_j^(l))"
            if softmax:
                template = "z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l);  a_j^(l) = exp(z_j^(l)) / Σ_i exp(z_i^(l))"
            out = []
            for j in range(J):
                w = kernel[:, j]
                hl = Highlights(self._layer_nodes(l - 1, "input") + (NodeHighlight(l, j, "current"),)
                                + (tuple(NodeHighlight(l, i, "input") for i in range(J) if i != j) if softmax else ()),
                                tuple(EdgeHighlight(l, j, k, "input") for k in range(K)))
                note = ("softmax: a_j depends on every z_i of the layer, so all of them are used here."
                        if softmax else "")
                out.append(ForwardUnit(
                    **self._common("forward", "forward_unit", "unit", rec, j,
                                   f"Forward · layer {l} ({rec.name}) · unit {j}: z and a", template, note, hl),
                    inputs=rec.input, weights=w, bias=None if bias is None else float(bias[j]),
                    terms=_ro(rec.input * w), z=rec.z[:, j], activation=rec.activation, a=rec.output[:, j],
                    z_layer=rec.z if softmax else None, a_layer=rec.output if softmax else None))
            steps = tuple(out)
        self._cache[key] = steps
        return steps

    def forward_layer(self, rec):
        key = ("fl", rec.index)
        if key in self._cache:
            return self._cache[key]
        l = rec.index
        templates = {
            "Dense": "z^(l) = a^(l−1)·W^(l) + b^(l);  a^(l) = g^(l)(z^(l))",
            "Conv2D": "z^(l) = a^(l−1) ⋆ W^(l) + b^(l);  a^(l) = g^(l)(z^(l))",
            "MaxPooling2D": "a^(l) = max of a^(l−1) over each window",
            "AveragePooling2D": "a^(l) = mean of a^(l−1) over each window",
            "Flatten": "a^(l) = a^(l−1) as one vector per sample",
            "Dropout": "a^(l) = m ⊙ a^(l−1), m_i = 0 with probability p, else 1/(1 − p)",
            "BatchNormalization": "x̂ = (a^(l−1) − μ_B)/√(σ_B² + ε);  a^(l) = γ·x̂ + β",
            "Activation": "a^(l) = g^(l)(a^(l−1))",
            "Embedding": "a_t^(l) = E[x_t]: the row of the embeddings table for token x_t, for t = 1…T",
            "SimpleRNN": "for t = 1…T:  h_t = g(x_t·W + h_(t−1)·U + b),  h_0 = 0",
            "LSTM": "for t = 1…T:  i, f, o = σ(x_t·W + h_(t−1)·U + b),  c̃ = g(…);  "
                    "c_t = f⊙c_(t−1) + i⊙c̃;  h_t = o⊙g(c_t)",
            "GRU": "for t = 1…T:  z, r = σ(x_t·W + b + h_(t−1)·U + b′),  h̃ = g(x_t·W_h + b_h + r⊙(h_(t−1)·U_h + b′_h));  "
                   "h_t = z⊙h_(t−1) + (1 − z)⊙h̃",
        }
        notes = {
            "Embedding": "A lookup, no multiplication: each token id picks its own learned vector.",
            "SimpleRNN": "The same weights are used at every time step; the output is h_T (or every h_t with "
                         "return_sequences).",
            "LSTM": "The same weights are used at every time step; the cell state c carries memory through time.",
            "GRU": "The same weights are used at every time step; z decides how much of h_(t−1) to keep.",
            "Dropout": "Training mode: the mask is drawn once and the same one is used backwards.",
            "BatchNormalization": "Training mode: normalised with this batch's statistics; the moving averages "
                                  "are updated too (kept only when the step is applied).",
        }
        if rec.layer_type == "BatchNormalization" and not rec.layer.trainable:
            templates["BatchNormalization"] = "x̂ = (a^(l−1) − moving mean)/√(moving variance + ε);  a^(l) = γ·x̂ + β"
            notes["BatchNormalization"] = ("Frozen (trainable=False): normalised with its moving statistics, which "
                                           "stay as they are, as in Keras 3.")
        hl = Highlights(self._layer_nodes(l - 1, "input") + self._layer_nodes(l, "current"),
                        self._all_edges(rec, "input"))
        extras = dict(rec.extras)
        step = LayerForward(
            **self._common("forward", "forward_layer", "layer", rec, None,
                           f"Forward · layer {l} ({rec.name}, {rec.layer_type})",
                           templates.get(rec.layer_type, f"a^(l) = {rec.layer_type}(a^(l−1))"),
                           notes.get(rec.layer_type, ""), hl),
            layer_type=rec.layer_type, input=rec.input, output=rec.output, z=rec.z, activation=rec.activation,
            weights=_frozen_map(rec.weights), extras=_frozen_map(extras),
            unit_steps=lambda rec=rec: self.forward_units(rec))
        self._cache[key] = step
        return step

    def forward_pass(self):
        if "fp" not in self._cache:
            L = len(self.records)
            hl = Highlights(self._layer_nodes(0, "input") + tuple(n for l in range(1, L + 1)
                                                                   for n in self._layer_nodes(l, "current")))
            self._cache["fp"] = ForwardPass(
                **self._common("forward", "forward_pass", "phase", None, None, "Forward pass: from x to ŷ",
                               "a^(l) = g^(l)(z^(l)) layer by layer, from a^(0) = x to ŷ = a^(L)", "", hl),
                x=self.x, y_pred=self.y_pred, layers=tuple(self.forward_layer(r) for r in self.records))
        return self._cache["fp"]

    # loss ----------------------------------------------------------------
    def loss_step(self):
        if "loss" not in self._cache:
            m = self.model
            L = len(self.records)
            name = m.loss.name
            note = ""
            if name == "mean_squared_error":
                note = ("Keras' mean squared error averages over the n outputs: C_0 = (1/n) Σ_j (a_j − y_j)², "
                        "so ∂C_0/∂a_j = (2/n)(a_j − y_j).")
            if self.n > 1:
                note += (" " if note else "") + (f"The batch's loss C is the mean of its {self.n} samples' C_0; "
                                                  "the gradients are those of C.")
            if self.penalty:
                note += (" " if note else "") + "Ω is the regularization penalty of the kernels."
            self._cache["loss"] = LossStep(
                **self._common("loss", "loss", "phase", None, None, f"Loss: {name}",
                               _LOSS_TEMPLATES.get(name, "C_0 = Σ_j C_0,j  (each output's share)"), note,
                               Highlights(self._layer_nodes(L, "current"))),
                loss_name=name, y_true=self.y, targets=self.targets, y_pred=self.y_pred, per_sample=self.per_sample,
                per_output=self.per_output, batch_loss=self.batch_loss, regularization=float(self.penalty),
                total=float(self.loss), output_layer=L)
        return self._cache["loss"]

    # backward ------------------------------------------------------------
    def backward_units(self, rec):
        key = ("bu", rec.index)
        if key in self._cache:
            return self._cache[key]
        steps = ()
        if rec.unitwise:
            l, kernel = rec.index, rec.weights["kernel"]
            K, J = kernel.shape
            layer = rec.layer
            nxt = self._rec(l + 1)
            above = nxt is not None and nxt.unitwise
            d_a = rec.d_out
            g_prime = _ro(layer.activation.derivative(rec.z, rec.output))
            softmax = rec.activation == "softmax" and not rec.fused
            jac = None
            if softmax:
                jac = _ro(np.stack([layer.activation.jacobian(rec.output[n]) for n in range(self.n)]))
            divisor = None
            tsums = None
            if rec.fused:
                yp = self.y_pred
                divisor = float(yp.size if rec.fused_kind == "sigmoid_binary_crossentropy"
                                else yp.size // yp.shape[-1])
                if self.model.loss.name == "categorical_crossentropy":
                    tsums = _ro(self.targets.sum(axis=-1))
            bias = "bias" in rec.grads
            if rec.fused:
                if rec.fused_kind == "softmax_crossentropy":
                    template = "δ_j^(l) = ∂C_0/∂z_j^(l) = (a_j^(l) − y_j)/D"
                    note = ("Softmax with cross-entropy: the chain rule Σ_i ∂C/∂a_i · ∂a_i/∂z_j simplifies to "
                            "(a_j − y_j)/D, and the core computes δ directly in that form (as Keras does). "
                            "D = N, the number of samples. The table's ∂C/∂a is the loss's own derivative: Keras' "
                            "cross-entropy first divides a by Σ_i a_i, so ∂C_0/∂a_j = 1/Σ_i a_i − y_j/a_j (with "
                            "Σ_i a_i = 1 after a softmax: 1 − y_j/a_j), not just −y_j/a_j.")
                else:
                    template = "δ_j^(l) = ∂C_0/∂z_j^(l) = (a_j^(l) − y_j)/D"
                    note = ("Sigmoid with binary cross-entropy: ∂C/∂a_j = (a_j − y_j)/(a_j(1 − a_j)·D) and "
                            "σ′(z_j) = a_j(1 − a_j), so their product simplifies to (a_j − y_j)/D, which the core "
                            "computes directly (as Keras does). D = N·n: samples times outputs, since the loss "
                            "averages over both.")
            elif softmax:
                template = "δ_j^(l) = ∂C_0/∂z_j^(l) = Σ_i ∂C_0/∂a_i^(l) · ∂a_i^(l)/∂z_j^(l)"
                note = "Softmax: every a_i depends on z_j, so δ_j sums over the whole layer (∂a_i/∂z_j = a_i(1[i=j] − a_j))."
            else:
                template = "δ_j^(l) = ∂C_0/∂z_j^(l) = ∂C_0/∂a_j^(l) · g′^(l)(z_j^(l))"
                note = ""
            template += ";  ∂C_0/∂w_jk^(l) = δ_j^(l)·a_k^(l−1)" + (";  ∂C_0/∂b_j^(l) = δ_j^(l)" if bias else "")
            if self.n > 1:
                template = template.replace("C_0", "C").replace("δ_j^(l)·a_k^(l−1)", "Σ_n δ_j^(l)·a_k^(l−1)")
                note += (" " if note else "") + f"Batch of {self.n}: each ∂C/∂w sums the samples' δ_j·a_k."
            if "kernel" in rec.grads_reg:
                template += " + ∂Ω/∂w_jk^(l)"
                note += (" " if note else "") + "Ω: the kernel regularization penalty, whose gradient is added."
            if l == len(self.records) and not rec.fused:
                note += (" " if note else "") + "∂C/∂a_j of the output layer comes straight from the loss."
            elif nxt is not None and not above:
                note += (" " if note else "") + f"∂C/∂a_j was sent back by layer {l + 1} ({nxt.layer_type})."
            reg = rec.grads_reg.get("kernel")
            is_output = l == len(self.records)
            targets = self.targets if is_output else None
            loss_name = self.model.loss.name if is_output else None
            if loss_name == "mean_squared_error" and not rec.fused:
                note += (" " if note else "") + (f"Mean squared error: ∂C/∂a_j = 2·(a_j − y_j)/D with D = N·n = "
                                                  f"{self.y_pred.size} (samples times outputs).")
            out = []
            for j in range(J):
                nodes = [NodeHighlight(l, j, "current")] + list(self._layer_nodes(l - 1, "input"))
                edges = [EdgeHighlight(l, j, k, "current") for k in range(K)]
                if above:
                    nodes += [NodeHighlight(l + 1, i, "error") for i in range(nxt.weights["kernel"].shape[1])]
                    edges += [EdgeHighlight(l + 1, i, j, "error") for i in range(nxt.weights["kernel"].shape[1])]
                elif nxt is not None:
                    w = self._width(l + 1)
                    nodes.append(NodeHighlight(l + 1, j if w == J else None, "error"))
                out.append(BackwardUnit(
                    **self._common("backward", "backward_unit", "unit", rec, j,
                                   f"Backward · layer {l} ({rec.name}) · unit {j}: δ and its weights' gradients",
                                   template, note, Highlights(tuple(nodes), tuple(edges))),
                    activation=rec.activation, z=rec.z[:, j], a=rec.output[:, j], d_a=d_a[:, j],
                    g_prime=g_prime[:, j], softmax_jacobian=None if jac is None else jac[:, :, j],
                    d_a_layer=d_a if softmax else None, fused=rec.fused, fused_kind=rec.fused_kind,
                    fused_divisor=divisor, targets=None if targets is None else targets[:, j],
                    loss_name=loss_name, loss_divisor=float(self.y_pred.size) if loss_name else None,
                    target_sums=tsums, delta=rec.d_z[:, j], inputs=rec.input,
                    d_w_terms=_ro(rec.d_z[:, j:j + 1] * rec.input), d_w_data=rec.grads_data["kernel"][:, j],
                    d_w_reg=None if reg is None else reg[:, j], d_w=rec.grads["kernel"][:, j],
                    d_b=float(rec.grads["bias"][j]) if bias else None,
                    next_layer=l + 1 if above else None,
                    next_weights=nxt.weights["kernel"][j, :] if above else None,
                    next_delta=nxt.d_z if above else None))
            steps = tuple(out)
        self._cache[key] = steps
        return steps

    def backward_layer(self, rec):
        key = ("bl", rec.index)
        if key in self._cache:
            return self._cache[key]
        l = rec.index
        if rec.unitwise:
            title = (f"Backward · layer {l} ({rec.name}): error sent back to layer {l - 1}" if rec.d_in is not None
                     else f"Backward · layer {l} ({rec.name}): gradients of the first layer")
            template = "∂C_0/∂a_k^(l−1) = Σ_j w_jk^(l)·δ_j^(l)"
        else:
            title = f"Backward · layer {l} ({rec.name}, {rec.layer_type})"
            template = {
                "Dense": "∂C_0/∂z^(l) = ∂C_0/∂a^(l) ⊙ g′(z^(l));  ∂C_0/∂W^(l) = a^(l−1)ᵀ·∂C_0/∂z^(l);  "
                         "∂C_0/∂a^(l−1) = ∂C_0/∂z^(l)·W^(l)ᵀ",
                "Conv2D": "∂C_0/∂z^(l) = ∂C_0/∂a^(l) ⊙ g′(z^(l));  ∂C_0/∂W^(l) = Σ a^(l−1) windows · ∂C_0/∂z^(l);  "
                          "∂C_0/∂a^(l−1) = ∂C_0/∂z^(l) sent back through W^(l)",
                "MaxPooling2D": "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) at each window's maximum, 0 elsewhere",
                "AveragePooling2D": "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) / (cells per window), to every cell of the window",
                "Flatten": "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) reshaped",
                "Dropout": "∂C_0/∂a^(l−1) = m ⊙ ∂C_0/∂a^(l)",
                "BatchNormalization": "∂C_0/∂γ = Σ ∂C_0/∂a^(l)·x̂;  ∂C_0/∂β = Σ ∂C_0/∂a^(l);  "
                                      "∂C_0/∂a^(l−1) = (γ/√(σ_B² + ε))/m·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))",
                "Activation": "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) ⊙ g′(a^(l−1))",
                "Embedding": "∂C_0/∂E[k] = Σ over the steps t with x_t = k of ∂C_0/∂a_t^(l); rows of tokens "
                             "not in the sample get no gradient",
                "SimpleRNN": "through time, t = T…1:  δ_t = (∂C_0/∂h_t + δ_(t+1)·Uᵀ) ⊙ g′(z_t);  "
                             "∂C_0/∂W = Σ_t x_tᵀ·δ_t;  ∂C_0/∂U = Σ_t h_(t−1)ᵀ·δ_t",
                "LSTM": "through time, t = T…1: ∂C_0/∂h_t and ∂C_0/∂c_t carried back a step at a time; "
                        "∂C_0/∂W = Σ_t x_tᵀ·δ_t;  ∂C_0/∂U = Σ_t h_(t−1)ᵀ·δ_t (δ_t: the four gates' ∂C_0/∂z)",
                "GRU": "through time, t = T…1: ∂C_0/∂h_t carried back a step at a time; "
                       "∂C_0/∂W = Σ_t x_tᵀ·δ_t;  ∂C_0/∂U = Σ_t h_(t−1)ᵀ·δ′_t",
            }.get(rec.layer_type, "∂C_0/∂a^(l−1) from ∂C_0/∂a^(l)")
        if self.n > 1:
            template = template.replace("C_0", "C")
        note = ""
        if rec.fused and not rec.unitwise:
            note = "The output activation and the loss are differentiated together: ∂C/∂z = (a − y)/D, as Keras does."
        if rec.d_in is None and l == 1:
            note += (" " if note else "") + "The first layer's input is the data: no gradient is sent back to it."
        nodes = self._layer_nodes(l, "error")
        edges = self._all_edges(rec, "error")
        if rec.d_in is not None:
            nodes = nodes + self._layer_nodes(l - 1, "current")
        step = LayerBackward(
            **self._common("backward", "backward_layer", "layer", rec, None, title, template, note,
                           Highlights(nodes, edges)),
            layer_type=rec.layer_type, activation=rec.activation, fused=rec.fused, d_out=rec.d_out, d_z=rec.d_z,
            d_input=rec.d_in, weights=_frozen_map(rec.weights), grads=_frozen_map(rec.grads),
            grads_data=_frozen_map(rec.grads_data), grads_reg=_frozen_map(rec.grads_reg),
            unit_steps=lambda rec=rec: self.backward_units(rec))
        self._cache[key] = step
        return step

    def backward_pass(self):
        if "bp" not in self._cache:
            L = len(self.records)
            hl = Highlights(tuple(n for l in range(L, 0, -1) for n in self._layer_nodes(l, "error")))
            self._cache["bp"] = BackwardPass(
                **self._common("backward", "backward_pass", "phase", None, None, "Backward pass: every gradient",
                               "∂C_0/∂w_jk^(l) = δ_j^(l)·a_k^(l−1), with δ sent back layer by layer from the loss",
                               "", hl),
                weight_keys=self.weight_keys, gradients=self.gradients,
                layers=tuple(self.backward_layer(r) for r in reversed(self.records)))
        return self._cache["bp"]

    # update --------------------------------------------------------------
    def weight_updates(self, rec):
        key = ("wu", rec.index)
        if key in self._cache:
            return self._cache[key]
        steps = ()
        if rec.unitwise and rec.new:
            l = rec.index
            K, J = rec.weights["kernel"].shape
            out = []
            for j in range(J):
                entries = [("kernel", (k, j), k) for k in range(K)]
                if "bias" in rec.new:
                    entries.append(("bias", (j,), None))
                for param, idx, k in entries:
                    sb = _frozen_map({s: float(v[idx]) for s, v in rec.state_before[param].items()})
                    sa = _frozen_map({s: float(v[idx]) for s, v in rec.state_after[param].items()})
                    if k is not None:
                        hl = Highlights((), (EdgeHighlight(l, j, k, "current"),))
                        sym = f"w_{_jk(j, k)}^({l})"
                        title = f"Update · layer {l} ({rec.name}) · weight w{_jk(j, k)}"
                    else:
                        hl = Highlights((NodeHighlight(l, j, "current"),))
                        sym = f"b_{j}^({l})"
                        title = f"Update · layer {l} ({rec.name}) · bias b{j}"
                    out.append(WeightUpdate(
                        **self._common("update", "weight_update", "unit", rec, j, title,
                                       _optimizer_template(self.optimizer_name, self.hyper, sym), self._update_note(), hl),
                        param=param, index=idx, j=j, k=k, old=float(rec.weights[param][idx]),
                        grad=float(rec.grads[param][idx]), new=float(rec.new[param][idx]),
                        optimizer=self.optimizer_name, hyper=self.hyper, state_before=sb, state_after=sa,
                        iteration=self.iteration, step_size=self.step_size))
            steps = tuple(out)
        self._cache[key] = steps
        return steps

    def layer_update(self, rec):
        key = ("lu", rec.index)
        if key in self._cache:
            return self._cache[key]
        step = None
        if rec.new:
            l = rec.index
            nodes = self._layer_nodes(l, "current")
            step = LayerUpdate(
                **self._common("update", "layer_update", "layer", rec, None,
                               f"Update · layer {l} ({rec.name}, {rec.layer_type})",
                               _optimizer_template(self.optimizer_name, self.hyper, "w"),
                               " ".join(filter(None, [self._update_note(), "" if rec.layer.trainable else
                                                      "This layer is frozen: its gradients are zero."])),
                               Highlights(nodes, self._all_edges(rec, "current"))),
                layer_type=rec.layer_type, optimizer=self.optimizer_name, hyper=self.hyper, iteration=self.iteration,
                step_size=self.step_size, old=_frozen_map({k: rec.weights[k] for k in rec.new}),
                grads=_frozen_map({k: rec.grads[k] for k in rec.new}), new=_frozen_map(rec.new),
                state_before=_frozen_map(rec.state_before), state_after=_frozen_map(rec.state_after),
                unit_steps=lambda rec=rec: self.weight_updates(rec))
        self._cache[key] = step
        return step

    def _update_note(self):
        t = self.iteration
        notes = {
            "adam": f"t = {t}, the optimizer's step number: α corrects m and v, which start at 0, for their bias.",
            "sgd": "v is the velocity: the running sum of past steps, decayed by μ." if self.hyper.get("momentum") else "",
            "rmsprop": "s is the running average of squared gradients: each weight gets its own step size.",
            "adagrad": "G sums every squared gradient so far: each weight's step shrinks as it is updated.",
        }
        return notes.get(self.optimizer_name, "")

    def update_pass(self):
        if "up" not in self._cache:
            layers = tuple(s for s in (self.layer_update(r) for r in self.records) if s is not None)
            hl = Highlights(tuple(n for s in layers for n in s.highlights.nodes),
                            tuple(e for s in layers for e in s.highlights.edges))
            self._cache["up"] = UpdatePass(
                **self._common("update", "update_pass", "phase", None, None,
                               f"Update: {self.optimizer_name}, step {self.iteration}",
                               _optimizer_template(self.optimizer_name, self.hyper), self._update_note(), hl),
                optimizer=self.optimizer_name, hyper=self.hyper, iteration=self.iteration,
                weight_keys=self.weight_keys, old_weights=self.old_weights, gradients=self.gradients,
                new_weights=self.new_weights, layers=layers)
        return self._cache["up"]

    def steps(self, granularity):
        key = ("steps", granularity)
        if key in self._cache:
            return self._cache[key]
        if granularity == "phase":
            steps = [self.forward_pass(), self.loss_step(), self.backward_pass(), self.update_pass()]
        else:
            unit = granularity == "unit"
            steps = []
            for rec in self.records:
                fu = self.forward_units(rec) if unit else ()
                steps.extend(fu) if fu else steps.append(self.forward_layer(rec))
            steps.append(self.loss_step())
            for rec in reversed(self.records):
                if unit:
                    steps.extend(self.backward_units(rec))
                steps.append(self.backward_layer(rec))
            for rec in self.records:
                lu = self.layer_update(rec)
                if lu is None:
                    continue
                steps.extend(lu.units) if unit and lu.units else steps.append(lu)
        self._cache[key] = tuple(steps)
        return self._cache[key]


# ============================================================================ the trace
class BackpropTrace:
    """One training step of a model, ready to step through. Make it with :func:`backprop_trace`.

    Sequence protocol over ``steps``; ``with_granularity`` regroups the same computation."""

    def __init__(self, data: _TraceData, granularity: str):
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
        self._data = data
        self.granularity = granularity
        self.steps: tuple = data.steps(granularity)

    # ---------------------------------------------------------------- sequence
    def __len__(self):
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def index(self, step: Step) -> int:
        for i, s in enumerate(self.steps):
            if s is step:
                return i
        raise ValueError("the step is not part of this trace at this granularity")

    def with_granularity(self, granularity: str) -> "BackpropTrace":
        """The same trace (same numbers, same step objects where they coincide) at another granularity."""
        return BackpropTrace(self._data, granularity)

    def phase_start(self, phase: str) -> int:
        """Index of the first step of ``phase`` (for "jump to phase")."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {', '.join(PHASES)}, got {phase!r}")
        for i, s in enumerate(self.steps):
            if s.phase == phase:
                return i
        raise ValueError(f"this trace has no {phase} step")

    # ---------------------------------------------------------------- results
    @property
    def model(self):
        return self._data.model

    @property
    def x(self) -> np.ndarray:
        return self._data.x

    @property
    def y(self) -> np.ndarray:
        """The labels as the model checked them (sparse labels: int class indices)."""
        return self._data.y

    @property
    def y_pred(self) -> np.ndarray:
        return self._data.y_pred

    @property
    def batch_size(self) -> int:
        return self._data.n

    @property
    def loss(self) -> float:
        """What ``train_on_batch`` returns for this batch (mean loss + regularization penalty)."""
        return float(self._data.loss)

    @property
    def weight_keys(self) -> tuple:
        return self._data.weight_keys

    @property
    def old_weights(self) -> list:
        return list(self._data.old_weights)

    @property
    def gradients(self) -> list:
        """Aligned with ``model.get_weights()``: equal to ``model.compute_gradients(x, y)``."""
        return list(self._data.gradients)

    @property
    def new_weights(self) -> list:
        """Aligned with ``model.get_weights()``: the weights ``train_on_batch`` would leave."""
        return list(self._data.new_weights)

    @property
    def optimizer_state_before(self) -> dict:
        return {k: v.copy() for k, v in self._data.state_before.items()}

    @property
    def optimizer_state_after(self) -> dict:
        return {k: v.copy() for k, v in self._data.state_after.items()}

    @property
    def layers(self) -> tuple:
        out = []
        for r in self._data.records:
            shape = tuple(r.output.shape[1:])
            out.append(LayerInfo(r.index, r.name, r.layer_type, r.activation, shape,
                                 shape[0] if len(shape) == 1 else None, r.unitwise))
        return tuple(out)

    # ---------------------------------------------------------------- the stepper's table
    def summary_table(self, upto_step: int | None = None, sample: int = 0) -> list:
        """Every unit's z, a, ∂C/∂a and δ for one sample, as far as the steps up to and including
        ``upto_step`` have computed them (None: all; −1: none yet). Rows cover the input (layer 0, ``a``
        is x) and each layer that outputs one vector per sample, Flatten excepted."""
        data = self._data
        if not 0 <= sample < data.n:
            raise IndexError(f"sample {sample} is outside the batch of {data.n}")
        steps = self.steps if upto_step is None else self.steps[:max(int(upto_step) + 1, 0)]
        known = {}
        for s in steps:
            for l, j, q, values in s._reveals():
                known[(l, j, q)] = float(values[sample])
        rows = []
        if data.x.ndim == 2:
            for j in range(data.x.shape[1]):
                rows.append(UnitRow(0, j, "input", None, float(data.x[sample, j]), None, None))
        for r in data.records:
            if r.output.ndim != 2 or r.layer_type == "Flatten":
                continue
            for j in range(r.output.shape[1]):
                rows.append(UnitRow(r.index, j, r.name, known.get((r.index, j, "z")), known.get((r.index, j, "a")),
                                    known.get((r.index, j, "d_a")), known.get((r.index, j, "delta"))))
        return rows

    # ---------------------------------------------------------------- apply
    def apply(self, model) -> float:
        """Do the step on ``model``: its weights, BatchNormalization statistics, random generator and
        optimizer state become exactly what ``train_on_batch(x, y)`` would have made them. Returns the
        loss. Raises :class:`StaleTraceError` if the model changed since the trace was made."""
        d = self._data
        if model is not d.model:
            raise ValueError("this trace was made for another model")
        if (model.optimizer is not d.optimizer_ref or model.optimizer.iterations != d.untouched.iterations
                or not d.untouched.same_weights(model)):
            raise StaleTraceError("the model's weights or optimizer changed since this trace was made "
                                  "(or it was applied already): make a new trace")
        restore_state(model, d.after)
        model.last_batch_loss = float(d.loss)
        return float(d.loss)


def backprop_trace(model, x, y, granularity: str = "unit") -> BackpropTrace:
    """Trace one training step of the compiled ``model`` on ``x`` (one sample, or a small batch) and
    ``y``, without changing the model. See the module docstring."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
    return BackpropTrace(_TraceData(model, x, y), granularity)
