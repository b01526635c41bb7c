"""The trace's steps: highlights, the Step base, forward and loss steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple

import numpy as np

from nnviz.core.trace.explain import LayerExplanation, loss_explanation
from nnviz.core.trace.formula import (MAX_TERMS, _a, _b, _cost, _ellipsis_line, _eq, _join, _L, _lines, _N, _O,
                                      _pick, _render, _S, _T, _tensor, _w, _z)


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


@dataclass(frozen=True, eq=False, kw_only=True)
class LayerStep(Step):
    """A step over one whole layer: ``units`` are its unit steps (Dense layers only, built on demand),
    ``explanation`` is its layer class's, from the registry."""

    unit_steps: object = field(default=tuple, repr=False)   # () -> the unit steps
    explanation: type = field(default=LayerExplanation, repr=False)

    @property
    def units(self) -> tuple:
        """The unit steps of a Dense layer (empty otherwise)."""
        return self.unit_steps()


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
class LayerForward(LayerStep):
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
    def equations(self, sample=0):
        n = self._check_sample(sample)
        l = self.layer_index
        if self.units:
            eqs = []
            for i in _pick(len(self.units), MAX_TERMS):
                eqs.extend([_ellipsis_line()] if i is None else self.units[i].equations(n))
            return tuple(eqs)
        A, Ain = [_S("a", "", _L(l))], [_S("a", "", _L(l - 1))]
        return tuple(self.explanation.forward_equations(self, n, A, Ain))

    def _reveals(self):
        if self.units:
            for u in self.units:
                yield from u._reveals()
            return
        yield from _unit_reveals(self.layer_index, self.output, "a")
        if self.explanation.has_own_z:
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
        explanation = loss_explanation(self.loss_name)
        if self.targets is not None and self.y_pred.ndim == 2 and explanation.has_output_lines:
            yp, yt, sh = self.y_pred[n], self.targets[n], self.per_output[n]

            def line(j):
                return explanation.output_line(j, L, k, yp, yt, sh)

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
