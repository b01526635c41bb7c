"""The one training step: forward, loss, backward, regularization, update.

Everything that trains or explains training goes through :func:`train_step`: ``Sequential.train_on_batch``,
``Sequential.fit``, ``Sequential.compute_gradients`` (``apply=False``, with the state put back) and the
backprop trace, which passes a :class:`StepObserver` and so sees exactly what the layers computed, in the
order they computed it. "What you step is what trains" holds by construction.

An observer's hooks are called in this order::

    forward_begin(i, layer, x) / forward_end(i, layer, x, out)      for each layer i = 0 .. L-1
    loss_computed(y, y_pred, loss)
    backward_end(i, layer, d_out, d_in, fused_d_z)                  for each layer i = L-1 .. 0
    gradients_computed()                                            data gradients (frozen layers zeroed)
    regularized(penalty)                                            regularization gradients added
    updated()                                                       the optimizer applied (``apply=True``)

The layers keep what an explanation needs in their ``cache`` (``ActivatedLayer``: ``z``, ``a``, ``d_z``;
BatchNormalization: the batch's ``mean`` and ``variance``; Dropout: the ``mask``).
"""

from __future__ import annotations

import numpy as np

from nnviz.core import conv_front as _conv_front

__all__ = ["StepObserver", "train_step", "fused_gradient", "logit_shares", "regularization"]


class StepObserver:
    """Base class for observers of :func:`train_step`: every hook does nothing."""

    def forward_begin(self, index: int, layer, x: np.ndarray) -> None:
        pass

    def forward_end(self, index: int, layer, x: np.ndarray, out: np.ndarray) -> None:
        pass

    def loss_computed(self, y: np.ndarray, y_pred: np.ndarray, loss: float) -> None:
        pass

    def backward_end(self, index: int, layer, d_out, d_in, fused_d_z) -> None:
        """``d_out``: ∂C/∂(output) the layer received (None when the last layer took ``fused_d_z``, the
        fused ∂C/∂z of its activation and the loss); ``d_in``: what it sent back (None: nobody needs it)."""

    def gradients_computed(self) -> None:
        pass

    def regularized(self, penalty: float) -> None:
        pass

    def updated(self) -> None:
        pass


def fused_gradient(model, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray | None:
    """∂C/∂z of the last layer when its activation and the loss have a fused form (softmax or sigmoid
    with cross-entropy: ``p − y``), else None. Recurrent layers apply their activation inside the
    recurrence, so only layers whose output is ``g(z)`` of their own ``z`` take part."""
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    if activation is None or not hasattr(last, "backward_from_z"):
        return None
    return model.loss.fused_gradient(y, y_pred, activation.name)


def logit_shares(model, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray | None:
    """The loss's per-output shares computed from the last layer's logits (its ``cache["z"]`` of the forward
    pass that gave ``y_pred``) when its activation and the loss fuse, else None: the loss value that goes with
    :func:`fused_gradient`, as Keras on TensorFlow computes it (log-softmax / log-sigmoid, no clipping)."""
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    if activation is None or not hasattr(last, "backward_from_z"):
        return None
    z = last.cache.get("z")
    if z is None or getattr(z, "shape", None) != np.shape(y_pred):
        return None
    return model.loss.logit_shares(y, z, activation.name)


def regularization(model, add_gradients: bool) -> float:
    """The kernels' regularization penalty; with ``add_gradients`` its gradient is added to theirs."""
    penalty = 0.0
    for reg, w, d_w in model._regularized:
        penalty += reg.penalty(w)
        if add_gradients:
            reg.add_gradient(w, d_w)
    return penalty


def _zero_frozen_grads(model) -> None:
    for layer, _, o, n in model._slices:
        if not layer.trainable:  # read at every step, so freezing a layer after build takes effect
            model._flat_grads[o:o + n] = 0


def train_step(model, x: np.ndarray, y: np.ndarray, observer: StepObserver | None = None, apply: bool = True,
               training: bool = True):
    """One step of the compiled, built ``model`` on the checked batch ``x``, ``y``: forward (``training``
    mode), loss, backward, regularization and, with ``apply``, the optimizer's update. Returns
    ``(loss, y_pred)``; the loss includes the regularization penalty. The gradients stay in the layers'
    ``grads``. The optimizer must be built for the model (``Sequential._ensure_optimizer``)."""
    layers = model.layers
    obs = observer
    a = x
    first, back = 0, None
    if obs is None:
        front = _conv_front.run_front(model, x, training) if training else None
        if front is not None:   # a convolutional front: ReLU + pooling fused, big batches on two cores
            a, back, first = front
        for layer in layers[first:]:
            a = layer.forward(a, training=training)
    else:
        for i, layer in enumerate(layers):
            obs.forward_begin(i, layer, a)
            out = layer.forward(a, training=training)
            obs.forward_end(i, layer, a, out)
            a = out
    y_pred = a
    shares = logit_shares(model, y, y_pred)
    loss = model.loss(y, y_pred) if shares is None else model.loss.rows_mean(shares)
    if obs is not None:
        obs.loss_computed(y, y_pred, loss)

    last = len(layers) - 1
    d_z = fused_gradient(model, y, y_pred)
    if d_z is not None:
        d = layers[last].backward_from_z(d_z)
        if obs is not None:
            obs.backward_end(last, layers[last], None, d, d_z)
    else:
        d_out = model.loss.gradient(y, y_pred)
        d = layers[last].backward(d_out)
        if obs is not None:
            obs.backward_end(last, layers[last], d_out, d, None)
    for i in range(last - 1, first - 1, -1):
        d_out = d
        d = layers[i].backward(d_out)
        if obs is not None:
            obs.backward_end(i, layers[i], d_out, d, None)
    if back is not None:
        back(d)
    _zero_frozen_grads(model)
    if obs is not None:
        obs.gradients_computed()

    if model._regularized:
        penalty = regularization(model, add_gradients=True)
        loss += penalty
        if obs is not None:
            obs.regularized(penalty)
    if apply:
        model.optimizer.apply(model._flat_params, model._flat_grads)
        if obs is not None:
            obs.updated()
    return loss, y_pred
