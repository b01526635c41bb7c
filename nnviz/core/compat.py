"""Which losses fit a network's output layer and a data set's targets, and what to change when none does.

Pure logic (no Qt): the training panel offers the losses :func:`loss_choices` allows, with the reasons for the
hidden ones as tool tips; the window's notice strip says :func:`fit_problem`'s reason and offers its fix.
"""

from __future__ import annotations

import numpy as np

CLASSIFICATION_LOSSES = ["sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
                         "kl_divergence", "hinge", "squared_hinge", "categorical_hinge"]
REGRESSION_LOSSES = ["mean_squared_error", "sum_squared_error", "mean_absolute_error", "huber", "log_cosh",
                     "mean_squared_logarithmic_error", "mean_absolute_percentage_error", "poisson",
                     "cosine_similarity"]
#: every loss the core has (the course's 14, Huber and the course's cost C₀ = Σ (a − y)²), in the menu's order
ALL_LOSSES = ["sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
              "mean_squared_error", "sum_squared_error", "mean_absolute_error", "huber", "log_cosh", "hinge", "squared_hinge",
              "kl_divergence", "mean_squared_logarithmic_error", "mean_absolute_percentage_error",
              "categorical_hinge", "poisson", "cosine_similarity"]
#: output activations that never go below zero, where Poisson's log(p) is defined
_NON_NEGATIVE = ("relu", "sigmoid", "softmax", "softplus")
_POISSON_OUTPUT = ("it needs an output that cannot go negative (relu, softplus, sigmoid): its log(p) is undefined "
                   "for p ≤ 0")


def output_activation(model) -> tuple[int | None, str | None]:
    """(units, activation name) of the model's output."""
    if model is None or not getattr(model, "built", False) or not model.layers:
        return None, None
    units = int(model.output_shape[-1])
    for layer in reversed(model.layers):
        act = getattr(layer, "activation", None)
        if act is not None:
            return units, act.name
        if layer.layer_type not in ("Dropout", "Flatten"):
            break
    return units, "linear"


def loss_choices(model, dataset) -> tuple[list[str], dict[str, str], str | None]:
    """Losses that fit the model's output layer and the data's task and labels.

    Returns ``(allowed, hidden, suggested)``: ``hidden`` maps each hidden loss to why it is hidden;
    ``suggested`` is the best fit (None when nothing fits: then ``hidden`` says what to change).
    """
    units, act = output_activation(model)
    if dataset is None or units is None:
        return list(ALL_LOSSES), {}, None
    hidden: dict[str, str] = {}
    allowed: list[str] = []
    why = _output_axes_problem(model, dataset)
    if why:
        return [], dict.fromkeys(ALL_LOSSES, why), None

    def hide(names, why):
        for n in names:
            if n not in allowed and n not in hidden:
                hidden[n] = why

    if dataset.task == "regression":
        t = dataset.num_outputs
        # an image's target (reconstruct the input) fits an output of the image's shape
        same_shape = dataset.y_train.ndim > 2 and tuple(model.output_shape[1:]) == tuple(dataset.y_train.shape[1:])
        if units != t and not same_shape:
            hide(ALL_LOSSES, f"the output layer has {units} unit(s) but each sample has {t} target value(s): "
                             f"use Dense({t}) as the last layer")
            return [], hidden, None
        allowed = ["mean_squared_error", "sum_squared_error", "mean_absolute_error", "huber", "log_cosh"]
        y = dataset.y_train
        if len(y) and float(np.min(y)) > -1:
            allowed.append("mean_squared_logarithmic_error")
        else:
            hide(["mean_squared_logarithmic_error"], "the targets go down to -1 or below, where its logarithm fails")
        hide(["mean_absolute_percentage_error"], "targets near zero make percentage errors explode")
        if len(y) and float(np.min(y)) < 0:
            hide(["poisson"], "it is for counts and rates; the targets go below zero")
        elif act not in _NON_NEGATIVE:
            hide(["poisson"], _POISSON_OUTPUT)
        else:
            allowed.append("poisson")
        if t >= 2:
            allowed.append("cosine_similarity")
        else:
            hide(["cosine_similarity"], "with one output value the angle between target and output only sees "
                                        "their signs")
        hide(CLASSIFICATION_LOSSES, "it is for classification, and this data set is a regression")
        return allowed, hidden, "mean_squared_error"

    k = dataset.num_classes
    labels = "the labels are class numbers (0, 1, …), not one-hot vectors"
    if units == 1:
        if k > 2:
            hide(ALL_LOSSES, f"the output has 1 unit but the data has {k} classes: "
                             f"use Dense({k}, activation='softmax') as the last layer")
            return [], hidden, None
        if act == "sigmoid":
            allowed = ["binary_crossentropy", "mean_squared_error", "sum_squared_error", "mean_absolute_error",
                       "poisson"]
            hide(["hinge", "squared_hinge"], "hinge losses need a tanh or linear output (scores around ±1), "
                                             "not a sigmoid")
            suggested = "binary_crossentropy"
        else:
            allowed = ["hinge", "squared_hinge", "mean_squared_error", "sum_squared_error", "mean_absolute_error"]
            hide(["binary_crossentropy"], f"it needs a sigmoid output (probabilities between 0 and 1); "
                                          f"the output activation is {act}")
            suggested = "hinge" if act in ("tanh", "linear") else "mean_squared_error"
            if act in _NON_NEGATIVE:
                allowed.append("poisson")
            else:
                hide(["poisson"], _POISSON_OUTPUT)
        hide(["cosine_similarity"], "with one output value the angle between label and output only sees their signs")
        hide(["sparse_categorical_crossentropy", "categorical_crossentropy", "kl_divergence", "categorical_hinge"],
             "it needs one output unit per class; the output has 1 unit")
        hide(REGRESSION_LOSSES, "it is for regression targets")
        return allowed, hidden, suggested
    if units != k:
        hide(ALL_LOSSES, f"the output layer has {units} units but the data has {k} classes: "
                         f"use Dense({k}, activation='softmax') as the last layer")
        return [], hidden, None
    allowed = ["sparse_categorical_crossentropy"]
    hide(["categorical_crossentropy", "kl_divergence", "categorical_hinge", "poisson", "cosine_similarity"], labels)
    hide(["binary_crossentropy"], f"it is for one sigmoid output; this output has {units} units (one per class)")
    hide(["mean_squared_error", "sum_squared_error", "mean_absolute_error", "hinge", "squared_hinge"],
         f"{labels}, so the targets do not have the output's shape")
    hide(REGRESSION_LOSSES, "it is for regression targets")
    return allowed, hidden, "sparse_categorical_crossentropy"


def _output_axes_problem(model, dataset) -> str:
    """Why an output of several axes per sample (Dense layers on images without Flatten: (8, 8, 3)) cannot meet a
    data set of one label or target vector per sample ("" when it can)."""
    out = tuple(model.output_shape[1:])
    if len(out) < 2 or np.ndim(dataset.y_train) > 2:
        return ""
    each = "a class label" if dataset.task != "regression" else f"{dataset.num_outputs} target value(s)"
    return (f"the output has shape {out} for each sample, but each sample has {each}: a Dense layer works on the "
            f"last axis of its input only, so add Flatten before the first Dense layer")


def metrics_for(dataset) -> list[str]:
    """The metric shown next to the loss: ``mae`` for a regression, else ``accuracy``."""
    return ["mae"] if dataset is not None and dataset.task == "regression" else ["accuracy"]


def output_fit(dataset) -> tuple[int, str]:
    """``(units, activation)`` of an output layer that fits ``dataset``'s targets: one linear unit per target value
    for a regression, one softmax unit per class otherwise."""
    if dataset.task == "regression":
        return int(dataset.num_outputs), "linear"
    return int(dataset.num_classes), "softmax"


def fit_problem(model, dataset) -> tuple[str, tuple | None]:
    """``(why, fix)``: why ``model`` cannot train on ``dataset`` ("" when it can), and what would fix it:
    ``("input", shape)`` for the input layer, ``("output", units, activation)`` for the last layer,
    ``("flatten", index)`` for a Flatten to insert at ``index`` (Dense layers on images), or None."""
    if model is None:
        return "the network is not valid", None
    if dataset is None:
        return "choose a data set", None
    want = tuple(dataset.input_shape)
    have = tuple(model.input_shape[1:])
    if want != have:
        return (f"the network takes inputs of shape {have} but the data set's samples have shape {want}: "
                f"set the input shape to {want}"), ("input", want)
    why = _output_axes_problem(model, dataset)
    if why:   # no change of the last layer fixes it: a Flatten before the first Dense on more than one axis does
        first = next((i for i, layer in enumerate(model.layers)
                      if layer.layer_type == "Dense" and len(layer.input_shape or ()) > 1), None)
        return why, None if first is None else ("flatten", first)
    allowed, hidden, _suggested = loss_choices(model, dataset)
    if not allowed and hidden:   # the output layer does not fit the targets: every loss is hidden for one reason
        return next(iter(hidden.values())), ("output", *output_fit(dataset))
    return "", None
