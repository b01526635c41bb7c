"""How the trace explains each loss: one registered class per loss class (others get the generic one)."""

from __future__ import annotations

import numpy as np

from nnviz.core import losses as _losses
from nnviz.core.trace.explain import LossExplanation, explains_loss
from nnviz.core.trace.formula import _a, _divisor_phrase, _eq, _N, _O, _S


@explains_loss(_losses.MeanSquaredError)
class MeanSquaredErrorExplanation(LossExplanation):
    template = "C_0 = (1/n) Σ_j (a_j^(L) − y_j)²"
    has_output_lines = True

    @classmethod
    def note(cls, k):
        return (f"Keras' mean squared error averages over the n = {k} outputs: C_0 = (1/n) Σ_j (a_j − y_j)², "
                "so ∂C_0/∂a_j = (2/n)(a_j − y_j). The course's C_0 is the sum, without the 1/n (the loss "
                "“sum squared error”).")

    @classmethod
    def output_line(cls, j, L, k, yp, yt, share):
        aj, yj = _a(j, L), _S("y", j)
        return _eq([_S("C", f"0,{j}")], [_O("("), aj, _O(" − "), yj, _O(")²/"), _N(k)],
                   [_O("("), _N(yp[j]), _O(" − "), _N(yt[j]), _O(")²/"), _N(k)], [_N(share[j])])

    @classmethod
    def d_a_line(cls, step, n, da):
        if step.targets is None:
            return None
        j, l = step.unit, step.layer_index
        return _eq(da, [_O("2·("), _a(j, l), _O(" − "), _S("y", j), _O(")/"), _S("D")],
                   [_O("2·("), _N(step.a[n]), _O(" − "), _N(step.targets[n]), _O(")/"), _N(step.loss_divisor)],
                   [_N(step.d_a[n]), _divisor_phrase(len(step.a), step.loss_divisor)])

    @classmethod
    def backward_note(cls, n_outputs_total):
        return (f"Mean squared error: ∂C/∂a_j = 2·(a_j − y_j)/D with D = N·n = "
                f"{n_outputs_total} (samples times outputs): Keras' loss is the mean of the squared errors over "
                f"both, the course's C_0 their sum (no /D).")



@explains_loss(_losses.SumSquaredError)
class SumSquaredErrorExplanation(LossExplanation):
    """The course's cost: the sum of squared errors over the outputs (no 1/n)."""

    template = "C_0 = Σ_j (a_j^(L) − y_j)²"
    has_output_lines = True

    @classmethod
    def note(cls, k):
        return ("The course's cost: C_0 = Σ_j (a_j − y_j)², the sum of squared errors over the outputs (Keras' "
                "mean squared error divides it by n), so ∂C_0/∂a_j = 2(a_j − y_j).")

    @classmethod
    def output_line(cls, j, L, k, yp, yt, share):
        aj, yj = _a(j, L), _S("y", j)
        return _eq([_S("C", f"0,{j}")], [_O("("), aj, _O(" − "), yj, _O(")²")],
                   [_O("("), _N(yp[j]), _O(" − "), _N(yt[j]), _O(")²")], [_N(share[j])])

    @classmethod
    def d_a_line(cls, step, n, da):
        if step.targets is None:
            return None
        j, l = step.unit, step.layer_index
        batch = len(step.a)
        if batch == 1:
            return _eq(da, [_O("2·("), _a(j, l), _O(" − "), _S("y", j), _O(")")],
                       [_O("2·("), _N(step.a[n]), _O(" − "), _N(step.targets[n]), _O(")")], [_N(step.d_a[n])])
        return _eq(da, [_O("2·("), _a(j, l), _O(" − "), _S("y", j), _O(")/"), _S("N")],
                   [_O("2·("), _N(step.a[n]), _O(" − "), _N(step.targets[n]), _O(")/"), _N(batch)],
                   [_N(step.d_a[n])])

    @classmethod
    def backward_note(cls, n_outputs_total):
        return "Sum of squared errors: ∂C/∂a_j = 2·(a_j − y_j), divided by N when a batch of N samples is averaged."


@explains_loss(_losses.MeanAbsoluteError)
class MeanAbsoluteErrorExplanation(LossExplanation):
    template = "C_0 = (1/n) Σ_j |a_j^(L) − y_j|"
    has_output_lines = True

    @classmethod
    def output_line(cls, j, L, k, yp, yt, share):
        aj, yj = _a(j, L), _S("y", j)
        return _eq([_S("C", f"0,{j}")], [_O("|"), aj, _O(" − "), yj, _O("|/"), _N(k)],
                   [_O("|"), _N(yp[j]), _O(" − "), _N(yt[j]), _O("|/"), _N(k)], [_N(share[j])])


@explains_loss(_losses.BinaryCrossentropy)
class BinaryCrossentropyExplanation(LossExplanation):
    template = "C_0 = −(1/n) Σ_j [y_j·log a_j^(L) + (1 − y_j)·log(1 − a_j^(L))]"
    has_output_lines = True

    @classmethod
    def output_line(cls, j, L, k, yp, yt, share):
        aj, yj = _a(j, L), _S("y", j)
        return _eq([_S("C", f"0,{j}")],
                   [_O("−("), yj, _O("·log "), aj, _O(" + (1 − "), yj, _O(")·log(1 − "), aj, _O("))/"), _N(k)],
                   [_O("−("), _N(yt[j]), _O("·log "), _N(yp[j]), _O(" + (1 − "), _N(yt[j]), _O(")·log(1 − "),
                    _N(yp[j]), _O("))/"), _N(k)], [_N(share[j])])


@explains_loss(_losses.CategoricalCrossentropy)
class CategoricalCrossentropyExplanation(LossExplanation):
    template = "C_0 = −Σ_j y_j·log a_j^(L)"
    has_output_lines = True
    #: the fused δ is (a_j·Σ_i y_i − y_j)/D: labels need not sum to 1
    fused_uses_target_sums = True

    @classmethod
    def output_line(cls, j, L, k, yp, yt, share):
        aj, yj = _a(j, L), _S("y", j)
        return _eq([_S("C", f"0,{j}")], [_O("−"), yj, _O("·log "), aj], [_O("−"), _N(yt[j]), _O("·log "), _N(yp[j])],
                   [_N(share[j])])


@explains_loss(_losses.SparseCategoricalCrossentropy)
class SparseCategoricalCrossentropyExplanation(CategoricalCrossentropyExplanation):
    """Only the true class has a share; y is the one-hot form of the class index."""

    template = "C_0 = −log a_y^(L)  (y: the true class)"
    fused_uses_target_sums = False

    @classmethod
    def targets(cls, y, y_pred):
        return np.eye(y_pred.shape[-1], dtype=y_pred.dtype)[np.asarray(y).reshape(y_pred.shape[:-1])]
