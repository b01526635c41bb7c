"""Running the traced step: an observer of the model's one training step records what the layers computed."""

from __future__ import annotations

import numpy as np

from nnviz.core.state import capture_state, restore_state
from nnviz.core.step import StepObserver, logit_shares
from nnviz.core.trace import layers as _builtin_explanations  # noqa: F401  (registers them)
from nnviz.core.trace import losses as _builtin_loss_explanations  # noqa: F401  (registers them)
from nnviz.core.trace.explain import layer_explanation, loss_explanation
from nnviz.core.trace.formula import _frozen_map, _ro


# ============================================================================ the computation
class _Record:
    """Everything the trace learned about one layer (internal, mutable while the trace is built)."""

    def __init__(self, index, layer):
        self.index = index
        self.layer = layer
        self.explanation = layer_explanation(layer)
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


class _Observer(StepObserver):
    """Records what the layers computed during the traced step (see :mod:`nnviz.core.step`)."""

    def __init__(self, data, model):
        self.data = data
        self.model = model
        data.records = []

    def forward_begin(self, i, layer, x):
        rec = _Record(i + 1, layer)
        rec.unitwise = rec.explanation.unitwise(layer, x)
        rec.weights = {k: _ro(v) for k, v in layer.params.items()}   # BN moving stats: before this forward
        self.data.records.append(rec)

    def forward_end(self, i, layer, x, out):
        rec = self.data.records[i]
        rec.input, rec.output = _ro(x), _ro(out)
        z = rec.explanation.z(layer)
        if z is not None:
            rec.z = _ro(z)
        rec.extras.update(rec.explanation.extras(layer, x, out, rec.weights))

    def loss_computed(self, y, y_pred, loss_value):
        d = self.data
        loss = self.model.loss
        d.y_pred = _ro(y_pred)
        d.batch_loss = float(loss_value)
        shares = logit_shares(self.model, y, y_pred)   # the fused losses: from the logits, as training
        d.per_sample = _ro(loss.per_sample(y, y_pred) if shares is None else loss.rows_per_sample(shares))
        d.per_output = _ro(loss.per_output(y, y_pred) if shares is None else shares)
        d.d_loss = _ro(loss.gradient(y, y_pred))   # ∂C/∂ŷ: what backward starts from unless the gradient is fused
        d.targets = _ro(loss_explanation(loss.name).targets(y, y_pred))
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
        else:
            d_z = rec.explanation.delta(layer, d_in)
            rec.d_z = None if d_z is None else _ro(d_z)
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




class _Run:
    """The traced step's numbers (internal): the model run once, observed, and put back."""

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
