"""The trace's backward steps: one unit's δ and gradients, one layer, the whole pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from nnviz.core.trace.explain import loss_explanation
from nnviz.core.trace.formula import (_a, _b, _cost, _d, _delta, _divisor_phrase, _eq, _jk, _join, _L, _lines, _N, _O,
                                      _param_symbol,
                                      _param_tensor,
                                      _S, _T, _tensor, _w, _z)
from nnviz.core.trace.steps import LayerStep, Step, _unit_reveals

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
            eqs.append(_eq([_delta(j, l)], dz, sym, num,
                           [_N(self.delta[n]), _divisor_phrase(nb, self.fused_divisor)]))
        else:
            if self.next_layer is not None:
                m = self.next_weights.size
                eqs.append(_eq(da, _join([[_S("w", _jk(i, j), _L(self.next_layer)), _O("·"), _delta(i, self.next_layer)]
                                          for i in range(m)]),
                               _join([[_N(self.next_weights[i]), _O("·"), _N(self.next_delta[n, i], wrap=True)]
                                      for i in range(m)]),
                               [_N(self.d_a[n])]))
            else:
                line = None if self.loss_name is None else loss_explanation(self.loss_name).d_a_line(self, n, da)
                eqs.append(_eq(da, [_N(self.d_a[n])]) if line is None else line)
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
class LayerBackward(LayerStep):
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
                eqs.append(_eq(_d(nb, _param_symbol(name, l)), _param_tensor(name, g)))
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
        if self.d_z is not None and self.explanation.has_own_z:
            if self.fused:
                eqs.append(_eq(_d(nb, _S("z", "", _L(l))), [_O("("), _S("a", "", _L(l)), _O(" − y)/D")], _tensor(self.d_z[n])))
            else:
                eqs.append(_eq(_d(nb, _S("z", "", _L(l))), dA + [_O(" ⊙ "), _S("g′", "", _L(l)), _O("("), _S("z", "", _L(l)),
                                                                _O(")")], _tensor(self.d_z[n])))
        for name, g in self.grads.items():
            sym = _param_symbol(name, l)
            eqs.append(_eq(_d(nb, sym), _param_tensor(name, g)))
        if self.d_input is not None:
            eqs.append(_eq(dAin, self.explanation.backward_input(self, nb, dA), _tensor(self.d_input[n])))
        return tuple(eqs)

    def _reveals(self):
        l = self.layer_index
        if self.units:
            for u in self.units:
                yield from u._reveals()
        else:
            yield from _unit_reveals(l, self.d_out, "d_a")
            if self.explanation.has_own_z:
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
                eqs.append(_eq(_d(self.batch_size, _param_symbol(name, s.layer_index)), _param_tensor(name, g)))
        if not eqs:
            eqs.append(_eq([_T("no trainable weights")]))
        return tuple(eqs)

    def _reveals(self):
        for s in self.layers:
            yield from s._reveals()
