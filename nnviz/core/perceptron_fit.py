"""The perceptron rule as a training loop with Keras' callbacks, on a perceptron project's ``Dense``.

A perceptron project (:mod:`nnviz.io.perceptron_project`) keeps its weights in a linear ``Dense(units)``; the app's
training engine and anything else that drives :func:`nnviz.core.training.fit` through callbacks can train it
with Rosenblatt's rule instead, through :func:`fit_perceptron`, which has ``fit``'s signature:

* one sample is one "batch" (``params["batch_size"] == 1``): a Step batch is one sample, a Step epoch one pass;
* ``model.last_batch_loss`` is the sample's mistake, 1 or 0 (so a running average of it is the mistake rate);
* an epoch's logs are ``{"accuracy", "mistakes"}`` (no "loss": the perceptron minimises none);
* training ends by itself after an epoch without a mistake (converged), or when an epoch starts from the
  weights an earlier one started from (samples in a fixed order: the rule cycles, no straight line separates
  the classes), or when a callback sets ``model.stop_training``. The returned ``History`` carries
  ``outcome`` (:meth:`~nnviz.core.perceptron.Perceptron.outcome`), ``headline`` and ``converged``.

While it trains, the model's ``evaluate`` is the perceptron's (:func:`evaluate_perceptron`: ŷ = step(w·x + b), so
z = 0 is class 1; accuracy and mistakes, no loss): a test split measured during training measures what the rule
does, not a hinge loss's threshold. (The engine trains its own copy of the model.)

The weights are updated in float64 by :class:`~nnviz.core.perceptron.Perceptron` and written into the Dense
after every sample, so the model and a snapshot of it always show the rule's weights.
"""

from __future__ import annotations

import functools

import numpy as np

from nnviz.core.callbacks import CallbackList, History
from nnviz.core.perceptron import Perceptron

SYSTEM = "perceptron"


def perceptron_layer(model):
    """The model's one ``Dense`` holding the perceptron's kernel and bias; ``ValueError`` when there is none."""
    dense = [layer for layer in model.layers if set(getattr(layer, "params", {})) == {"kernel", "bias"}]
    if len(dense) != 1 or getattr(dense[0], "activation_name", "linear") not in ("linear", None):
        raise ValueError("a perceptron is one linear Dense layer (the step is the perceptron's own)")
    return dense[0]


def perceptron_for(model, x, y, learning_rate: float, shuffle: bool = False, seed: int | None = 0) -> Perceptron:
    """A :class:`Perceptron` holding ``model``'s weights (float64 copies), ready for ``(x, y)``."""
    layer = perceptron_layer(model)
    kernel, bias = layer.params["kernel"], layer.params["bias"]
    p = Perceptron(learning_rate=learning_rate, shuffle=shuffle, seed=seed, name=getattr(model, "name", "perceptron"))
    classes = max(2, int(np.max(y)) + 1 if len(y) else 2)
    p.build(kernel.shape[0], classes if kernel.shape[1] > 1 else 2)
    p.set_weights([kernel, bias])
    return p


def training_table(dataset):
    """The training split as a table ``(x (n, features), y (n,) class indices)``."""
    x = np.asarray(dataset.x_train)
    x = x.reshape(len(x), -1) if x.ndim != 2 else x
    y = np.asarray(dataset.y_train)
    y = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))
    return x, y


def evaluate_perceptron(model, x, y, batch_size=None, verbose=0, return_dict=True, **_kwargs):
    """``{"accuracy", "mistakes"}`` of ``model``'s Dense as a perceptron on ``(x, y)`` (``evaluate``'s signature)."""
    layer = perceptron_layer(model)
    x = np.asarray(x, dtype=np.float64)
    x = x.reshape(len(x), -1) if x.ndim != 2 else x
    y = np.asarray(y)
    y = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))
    z = x @ layer.params["kernel"].astype(np.float64) + layer.params["bias"]
    predicted = (z[:, 0] >= 0).astype(np.int64) if z.shape[1] == 1 else np.argmax(z, axis=1)
    right = predicted == y.astype(np.int64)
    logs = {"accuracy": float(np.mean(right)) if len(y) else float("nan"), "mistakes": float(np.sum(~right))}
    return logs if return_dict else list(logs.values())


def fit_perceptron(model, dataset, config, epochs: int | None = None, callbacks=None, verbose: int = 0,
                   initial_epoch: int = 0, shuffle: bool = False) -> History:
    """Train ``model``'s Dense with the perceptron rule on ``dataset``'s training split (see the module)."""
    epochs = config.epochs if epochs is None else epochs
    layer = perceptron_layer(model)
    x, y = training_table(dataset)
    p = perceptron_for(model, x, y, config.learning_rate, shuffle=shuffle, seed=config.seed)
    x, y = p.prepare(x, y)
    kernel, bias = layer.params["kernel"], layer.params["bias"]
    optimizer = getattr(model, "optimizer", None)
    history = History()
    cbs = CallbackList([history] + list(callbacks or []), model,
                       {"verbose": verbose, "epochs": initial_epoch + epochs, "steps": len(x), "batch_size": 1,
                        "samples": len(x)})
    model.history = history
    model.stop_training = False
    model.evaluate = functools.partial(evaluate_perceptron, model)
    rng = np.random.default_rng(config.seed)
    seen: set[bytes] = set()
    cbs.on_train_begin()
    for epoch in range(initial_epoch, initial_epoch + int(epochs)):
        if p.repeats(seen):
            break
        # η may change while training runs (the settings panel): the optimizer holds the newest
        p.learning_rate = float(getattr(optimizer, "learning_rate", p.learning_rate) or p.learning_rate)
        cbs.on_epoch_begin(epoch)
        order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
        mistakes = 0
        for batch, i in enumerate(order):
            step = p.learn(x[i], int(y[i]), epoch, int(i))
            if step.mistake:
                mistakes += 1
                kernel[...] = p.kernel
                bias[...] = p.bias
            model.last_batch_loss = float(step.mistake)
            cbs.on_train_batch_end(batch, {"mistakes": float(mistakes)})
            if model.stop_training:
                break
        if model.stop_training and batch < len(order) - 1:
            break
        logs = p.epoch_logs(x, y, mistakes)
        p.history.on_epoch_end(epoch, logs)
        cbs.on_epoch_end(epoch, logs)
        if mistakes == 0:
            p.converged, p.converged_epoch = True, epoch
            break
        if model.stop_training:
            break
    cbs.on_train_end()
    history.outcome, history.headline, history.converged = p.outcome(), p.headline(), p.converged
    if verbose:
        print(history.outcome)
    return history


def fit_function(system: dict | None):
    """The training loop for a project's ``system`` (``{"system": "perceptron", "shuffle": bool}``, or None for a
    network): :func:`fit_perceptron`, or :func:`nnviz.core.training.fit`."""
    if system and system.get("system") == SYSTEM:
        return functools.partial(fit_perceptron, shuffle=bool(system.get("shuffle", False)))
    from nnviz.core.training import fit
    return fit
