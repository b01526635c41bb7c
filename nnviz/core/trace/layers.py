"""How the trace explains each built-in layer: one registered class per layer class.

A new layer registers its own ``@explains(NewLayer)`` class here (or in a module of its own that imports
:mod:`nnviz.core.trace.explain`); a parameter-free reshaping layer needs none (see ``ShapeExplanation``).
"""

from __future__ import annotations

from nnviz.core.layers.base import ActivatedLayer
from nnviz.core.layers.conv import Conv2D
from nnviz.core.layers.core import Activation, Dense, Dropout, Embedding, Flatten
from nnviz.core.layers.normalization import BatchNormalization
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D
from nnviz.core.layers.recurrent import GRU, LSTM, SimpleRNN
from nnviz.core.trace.explain import LayerExplanation, explains
from nnviz.core.trace.formula import _d, _eq, _L, _N, _O, _ro, _S, _shape_text, _T, _tensor


@explains(ActivatedLayer)
class ActivatedExplanation(LayerExplanation):
    """z = (the layer's linear part), a = g(z): z and ∂C/∂z come from the layer's cache."""

    linear_op = " · "

    @classmethod
    def z(cls, layer):
        return layer.cache.get("z")

    @classmethod
    def delta(cls, layer, d_in):
        return layer.cache.get("d_z")

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        l = step.layer_index
        op = [_O(cls.linear_op), _S("W", "", _L(l))]
        bias = [_O(" + "), _S("b", "", _L(l))] if "bias" in step.weights else []
        return [_eq([_S("z", "", _L(l))], Ain + op + bias, _tensor(step.z[n])),
                _eq(A, [_S("g", "", _L(l)), _O("("), _S("z", "", _L(l)), _O(")"), _T(f"  ({step.activation})")],
                    _tensor(step.output[n]))]


@explains(Dense)
class DenseExplanation(ActivatedExplanation):
    @classmethod
    def unitwise(cls, layer, x):
        return x.ndim == 2

    forward_formula = "z^(l) = a^(l−1)·W^(l) + b^(l);  a^(l) = g^(l)(z^(l))"
    backward_formula = ("∂C_0/∂z^(l) = ∂C_0/∂a^(l) ⊙ g′(z^(l));  ∂C_0/∂W^(l) = a^(l−1)ᵀ·∂C_0/∂z^(l);  "
                        "∂C_0/∂a^(l−1) = ∂C_0/∂z^(l)·W^(l)ᵀ")

    @classmethod
    def backward_input(cls, step, nb, dA):
        l = step.layer_index
        return [*_d(nb, _S("z", "", _L(l))), _O(" · "), _S("W", "", _L(l)), _S("", "", "T")]


@explains(Conv2D)
class Conv2DExplanation(ActivatedExplanation):
    linear_op = " ⋆ "

    forward_formula = "z^(l) = a^(l−1) ⋆ W^(l) + b^(l);  a^(l) = g^(l)(z^(l))"
    backward_formula = ("∂C_0/∂z^(l) = ∂C_0/∂a^(l) ⊙ g′(z^(l));  ∂C_0/∂W^(l) = Σ a^(l−1) windows · ∂C_0/∂z^(l);  "
                        "∂C_0/∂a^(l−1) = ∂C_0/∂z^(l) sent back through W^(l)")

    @classmethod
    def backward_input(cls, step, nb, dA):
        l = step.layer_index
        return [_T("full convolution of "), *_d(nb, _S("z", "", _L(l))), _T(" with "), _S("W", "", _L(l))]


class _PoolingExplanation(LayerExplanation):
    what = ""

    @classmethod
    def extras(cls, layer, x, out, weights_before):
        return {"window": f"{layer.pool_size[0]}×{layer.pool_size[1]}"}

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        return [_eq(A, [_T(f"{cls.what} over each {step.extras.get('window', '')} window of "), *Ain],
                    _tensor(step.output[n]))]


@explains(MaxPooling2D)
class MaxPoolingExplanation(_PoolingExplanation):
    what = "max"

    forward_formula = "a^(l) = max of a^(l−1) over each window"
    backward_formula = "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) at each window's maximum, 0 elsewhere"

    @classmethod
    def backward_input(cls, step, nb, dA):
        return [_T("each window's gradient to its maximum")]


@explains(AveragePooling2D)
class AveragePoolingExplanation(_PoolingExplanation):
    what = "mean"

    forward_formula = "a^(l) = mean of a^(l−1) over each window"
    backward_formula = "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) / (cells per window), to every cell of the window"

    @classmethod
    def backward_input(cls, step, nb, dA):
        return [_T("each window's gradient shared evenly by its cells")]


@explains(Flatten)
class FlattenExplanation(LayerExplanation):
    in_table = False

    forward_formula = "a^(l) = a^(l−1) as one vector per sample"

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        x, y = step.input[n], step.output[n]
        return [_eq(A, [_T("flatten("), *Ain, _T(f")  ({_shape_text(x.shape)} → {y.size})")], _tensor(y))]

    backward_formula = "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) reshaped"

    @classmethod
    def backward_input(cls, step, nb, dA):
        return [_T("reshaped to "), _T(_shape_text(step.d_input.shape[1:]))]


@explains(Dropout)
class DropoutExplanation(LayerExplanation):
    @classmethod
    def extras(cls, layer, x, out, weights_before):
        extras = {"rate": layer.rate}
        if layer.cache.get("mask") is not None:
            extras["mask"] = _ro(layer.cache["mask"])
        return extras

    forward_formula = "a^(l) = m ⊙ a^(l−1), m_i = 0 with probability p, else 1/(1 − p)"
    forward_remark = "Training mode: the mask is drawn once and the same one is used backwards."

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        l, y = step.layer_index, step.output[n]
        mask = step.extras.get("mask")
        if mask is None:
            return [_eq(A, Ain, _tensor(y))]
        return [_eq([_S("m", "", _L(l))], [_T("keep with probability 1 − p, scaled by 1/(1 − p), p = "),
                                           _N(step.extras["rate"])], _tensor(mask[n])),
                _eq(A, [_S("m", "", _L(l)), _O(" ⊙ "), *Ain], _tensor(y))]

    backward_formula = "∂C_0/∂a^(l−1) = m ⊙ ∂C_0/∂a^(l)"

    @classmethod
    def backward_input(cls, step, nb, dA):
        return [_S("m", "", _L(step.layer_index)), _O(" ⊙ "), *dA]


@explains(BatchNormalization)
class BatchNormalizationExplanation(LayerExplanation):
    @classmethod
    def extras(cls, layer, x, out, weights_before):
        mean, var = layer.cache.get("mean"), layer.cache.get("variance")
        if mean is None:   # frozen: normalised with its moving statistics; the batch's are shown for reference
            axes = tuple(range(x.ndim - 1))
            mean, var = x.mean(axis=axes), x.var(axis=axes)
        return dict(batch_mean=_ro(mean), batch_variance=_ro(var), x_hat=_ro(layer.cache["x_hat"]),
                    inv_std=_ro(layer.cache["inv_std"]), moving_mean_before=weights_before["moving_mean"],
                    moving_variance_before=weights_before["moving_variance"],
                    moving_mean_after=_ro(layer.params["moving_mean"]),
                    moving_variance_after=_ro(layer.params["moving_variance"]),
                    momentum=layer.momentum, epsilon=layer.epsilon)

    @classmethod
    def forward_template(cls, layer):
        if not layer.trainable:
            return "x̂ = (a^(l−1) − moving mean)/√(moving variance + ε);  a^(l) = γ·x̂ + β"
        return "x̂ = (a^(l−1) − μ_B)/√(σ_B² + ε);  a^(l) = γ·x̂ + β"

    @classmethod
    def forward_note(cls, layer):
        if not layer.trainable:
            return ("Frozen (trainable=False): normalised with its moving statistics, which stay as they are, "
                    "as in Keras 3.")
        return ("Training mode: normalised with this batch's statistics; the moving averages are updated too "
                "(kept only when the step is applied).")

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        l, e = step.layer_index, step.extras
        eqs = [_eq([_S("μ", "B")], [_T("mean over the batch of "), *Ain], _tensor(e["batch_mean"])),
               _eq([_S("σ", "B", "2")], [_T("variance over the batch of "), *Ain], _tensor(e["batch_variance"])),
               _eq([_S("x̂")], [_O("("), *Ain, _O(" − "), _S("μ", "B"), _O(") / √("), _S("σ", "B", "2"), _O(" + ε)")],
                   _tensor(e["x_hat"][n]))]
        rhs = [_S("γ", "", _L(l)), _O("·"), _S("x̂")] if "gamma" in step.weights else [_S("x̂")]
        if "beta" in step.weights:
            rhs += [_O(" + "), _S("β", "", _L(l))]
        eqs.append(_eq(A, rhs, _tensor(step.output[n])))
        eqs.append(_eq([_S("μ", "moving", _L(l))], [_S("μ", "moving"), _O("·"), _N(e["momentum"]), _O(" + "),
                                                    _S("μ", "B"), _O("·(1 − "), _N(e["momentum"]), _O(")")],
                       _tensor(e["moving_mean_after"])))
        return eqs

    backward_formula = ("∂C_0/∂γ = Σ ∂C_0/∂a^(l)·x̂;  ∂C_0/∂β = Σ ∂C_0/∂a^(l);  "
                        "∂C_0/∂a^(l−1) = (γ/√(σ_B² + ε))/m·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))")

    @classmethod
    def backward_input(cls, step, nb, dA):
        return [_T("through x̂ and the batch statistics")]


@explains(Activation)
class ActivationExplanation(LayerExplanation):
    has_own_z = False   # its cache's z is its input

    @classmethod
    def z(cls, layer):
        return layer.cache.get("z")

    @classmethod
    def delta(cls, layer, d_in):
        return d_in

    forward_formula = "a^(l) = g^(l)(a^(l−1))"

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        l = step.layer_index
        return [_eq(A, [_S("g", "", _L(l)), _O("("), *Ain, _O(")"), _T(f"  ({step.activation})")],
                    _tensor(step.output[n]))]

    backward_formula = "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) ⊙ g′(a^(l−1))"

    @classmethod
    def backward_input(cls, step, nb, dA):
        l = step.layer_index
        return [*dA, _O(" ⊙ "), _S("g′", "", _L(l)), _O("("), _S("a", "", _L(l - 1)), _O(")")]


@explains(Embedding)
class EmbeddingExplanation(LayerExplanation):
    forward_formula = "a_t^(l) = E[x_t]: the row of the embeddings table for token x_t, for t = 1…T"
    forward_remark = "A lookup, no multiplication: each token id picks its own learned vector."
    backward_formula = ("∂C_0/∂E[k] = Σ over the steps t with x_t = k of ∂C_0/∂a_t^(l); rows of tokens "
                        "not in the sample get no gradient")


@explains(SimpleRNN)
class SimpleRNNExplanation(LayerExplanation):
    forward_formula = "for t = 1…T:  h_t = g(x_t·W + h_(t−1)·U + b),  h_0 = 0"
    forward_remark = ("The same weights are used at every time step; the output is h_T (or every h_t with "
                      "return_sequences).")
    backward_formula = ("through time, t = T…1:  δ_t = (∂C_0/∂h_t + δ_(t+1)·Uᵀ) ⊙ g′(z_t);  "
                        "∂C_0/∂W = Σ_t x_tᵀ·δ_t;  ∂C_0/∂U = Σ_t h_(t−1)ᵀ·δ_t")


@explains(LSTM)
class LSTMExplanation(LayerExplanation):
    forward_formula = ("for t = 1…T:  i, f, o = σ(x_t·W + h_(t−1)·U + b),  c̃ = g(…);  "
                       "c_t = f⊙c_(t−1) + i⊙c̃;  h_t = o⊙g(c_t)")
    forward_remark = "The same weights are used at every time step; the cell state c carries memory through time."
    backward_formula = ("through time, t = T…1: ∂C_0/∂h_t and ∂C_0/∂c_t carried back a step at a time; "
                        "∂C_0/∂W = Σ_t x_tᵀ·δ_t;  ∂C_0/∂U = Σ_t h_(t−1)ᵀ·δ_t (δ_t: the four gates' ∂C_0/∂z)")


@explains(GRU)
class GRUExplanation(LayerExplanation):
    forward_formula = ("for t = 1…T:  z, r = σ(x_t·W + b + h_(t−1)·U + b′),  h̃ = g(x_t·W_h + b_h + r⊙(h_(t−1)·U_h + b′_h));  "
                       "h_t = z⊙h_(t−1) + (1 − z)⊙h̃")
    forward_remark = "The same weights are used at every time step; z decides how much of h_(t−1) to keep."
    backward_formula = ("through time, t = T…1: ∂C_0/∂h_t carried back a step at a time; "
                        "∂C_0/∂W = Σ_t x_tᵀ·δ_t;  ∂C_0/∂U = Σ_t h_(t−1)ᵀ·δ′_t")
