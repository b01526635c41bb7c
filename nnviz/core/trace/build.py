"""Building the trace's steps, at every granularity, from the recorded run."""

from __future__ import annotations

import numpy as np

from nnviz.core.trace.backward_steps import BackwardPass, BackwardUnit, LayerBackward
from nnviz.core.trace.explain import loss_explanation, optimizer_explanation
from nnviz.core.trace.formula import _frozen_map, _jk, _ro
from nnviz.core.trace.record import _Run
from nnviz.core.trace.steps import (EdgeHighlight, ForwardPass, ForwardUnit, Highlights, LayerForward, LossStep,
                                    NodeHighlight, _nodes)
from nnviz.core.trace.update_steps import LayerUpdate, UpdatePass, WeightUpdate, _optimizer_template


class _TraceData(_Run):
    """The one computation behind every granularity."""

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
        explanation = rec.explanation
        hl = Highlights(self._layer_nodes(l - 1, "input") + self._layer_nodes(l, "current"),
                        self._all_edges(rec, "input"))
        extras = dict(rec.extras)
        step = LayerForward(
            **self._common("forward", "forward_layer", "layer", rec, None,
                           f"Forward · layer {l} ({rec.name}, {rec.layer_type})",
                           explanation.forward_template(rec.layer), explanation.forward_note(rec.layer), hl),
            layer_type=rec.layer_type, input=rec.input, output=rec.output, z=rec.z, activation=rec.activation,
            weights=_frozen_map(rec.weights), extras=_frozen_map(extras),
            unit_steps=lambda rec=rec: self.forward_units(rec), explanation=explanation)
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
            explanation = loss_explanation(name)
            note = explanation.note(self.y_pred.shape[-1])
            if self.n > 1:
                note += (" " if note else "") + (f"The batch's loss C is the mean of its {self.n} samples' C_0; "
                                                  "the gradients are those of C.")
            if self.penalty:
                note += (" " if note else "") + "Ω is the regularization penalty of the kernels."
            self._cache["loss"] = LossStep(
                **self._common("loss", "loss", "phase", None, None, f"Loss: {name}",
                               explanation.template, note,
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
                if loss_explanation(self.model.loss.name).fused_uses_target_sums:
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
            extra = "" if loss_name is None or rec.fused else loss_explanation(loss_name).backward_note(self.y_pred.size)
            if extra:
                note += (" " if note else "") + extra
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
            template = rec.explanation.backward_template(rec.layer)
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
            unit_steps=lambda rec=rec: self.backward_units(rec), explanation=rec.explanation)
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
                        title = f"Update · layer {l} ({rec.name}) · weight {sym}"
                    else:
                        hl = Highlights((NodeHighlight(l, j, "current"),))
                        sym = f"b_{j}^({l})"
                        title = f"Update · layer {l} ({rec.name}) · bias {sym}"
                    out.append(WeightUpdate(
                        **self._common("update", "weight_update", "unit", rec, j, title,
                                       _optimizer_template(self.optimizer_name, self.hyper, sym, self.n),
                                       self._update_note(), hl),
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
                               _optimizer_template(self.optimizer_name, self.hyper, "w", self.n),
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
        return optimizer_explanation(self.optimizer_name).note(self.hyper, self.iteration)

    def update_pass(self):
        if "up" not in self._cache:
            layers = tuple(s for s in (self.layer_update(r) for r in self.records) if s is not None)
            hl = Highlights(tuple(n for s in layers for n in s.highlights.nodes),
                            tuple(e for s in layers for e in s.highlights.edges))
            self._cache["up"] = UpdatePass(
                **self._common("update", "update_pass", "phase", None, None,
                               f"Update: {self.optimizer_name}, step {self.iteration}",
                               _optimizer_template(self.optimizer_name, self.hyper, batch_size=self.n),
                               self._update_note(), hl),
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
