"""A perceptron as a project: ``meta["system"] == "perceptron"``, its weights a ``Dense``'s.

The architecture is ``Input((features,)) -> Dense(units)`` (linear: the step is the perceptron's own), so the
weights file, the summary and the network view read as for any network; the training settings' learning rate
is η and ``epochs`` the most epochs to try; ``meta["perceptron"]`` holds ``{"shuffle": bool}``. The history
holds ``mistakes`` and ``accuracy`` per epoch. ``nnviz train`` and the app's perceptron dock train it with
Rosenblatt's rule (:class:`nnviz.core.perceptron.Perceptron`), not with the optimizer: the app's training engine
through :func:`nnviz.core.perceptron_fit.fit_perceptron` (given :func:`training_system`).
"""

from __future__ import annotations

import numpy as np

from nnviz.core.perceptron import Perceptron
from nnviz.io.project import Project, ProjectError

SYSTEM = "perceptron"


def is_perceptron(project) -> bool:
    return (getattr(project, "meta", None) or {}).get("system") == SYSTEM


def training_system(project) -> dict | None:
    """What the training engine needs to train ``project`` (a Project or the document) with the rule instead of its
    fit: ``{"system": "perceptron", "shuffle": bool}`` (see :func:`nnviz.core.perceptron_fit.fit_function`), or None
    for a network."""
    if not is_perceptron(project):
        return None
    settings = (getattr(project, "meta", None) or {}).get(SYSTEM) or {}
    return {"system": SYSTEM, "shuffle": bool(settings.get("shuffle", False))}


def features_of(dataset) -> tuple[np.ndarray, np.ndarray]:
    """The training table ``(x, y)`` a perceptron takes; ``ValueError`` with the reason otherwise."""
    if not dataset.is_classification:
        raise ValueError(f"a perceptron learns classes; {dataset.name!r} is a regression data set")
    x = dataset.x_train
    if x.ndim != 2:
        x = x.reshape(len(x), -1)
    return x, dataset.y_train


def new_project(dataset_spec: dict, features: int, classes: int = 2, learning_rate: float = 1.0, epochs: int = 50,
                shuffle: bool = False, meta: dict | None = None, seed: int = 0) -> Project:
    """An untrained perceptron project (zero weights, Rosenblatt's start)."""
    from nnviz.core import Dense, Input, Sequential
    from nnviz.core.training import TrainingConfig

    units = 1 if classes == 2 else classes
    model = Sequential([Input((features,)), Dense(units, name="perceptron", kernel_initializer="zeros")], seed=seed,
                       name="perceptron")
    training = TrainingConfig(optimizer="sgd", learning_rate=learning_rate, loss="hinge" if units == 1 else
                              "categorical_hinge", metrics=["accuracy"], batch_size=1, epochs=epochs, seed=seed)
    return Project.from_model(model, training, dataset_spec,
                              meta={**(meta or {}), "system": SYSTEM, SYSTEM: {"shuffle": bool(shuffle)}})


def perceptron_of(project, dataset) -> Perceptron:
    """The project's perceptron, with its weights (zeros when untrained) and history, ready for ``dataset``."""
    config = project.training_config()
    settings = (project.meta or {}).get(SYSTEM) or {}
    p = Perceptron(learning_rate=config.learning_rate, shuffle=bool(settings.get("shuffle", False)), seed=config.seed,
                   name=project.architecture.get("name") or "perceptron")
    x, _ = features_of(dataset)
    p.build(x.shape[1], dataset.num_classes)
    if project.weights is not None:
        weights = project.build_model().get_weights()
        if len(weights) != 2 or weights[0].shape != p.kernel.shape:
            raise ProjectError(f"a perceptron for {dataset.num_classes} classes of {x.shape[1]} features has a "
                               f"kernel {p.kernel.shape}; the project's network does not fit it")
        p.set_weights(weights)
        for key in ("mistakes", "accuracy"):
            values = list((project.history or {}).get(key) or [])
            if values:
                p.history.history[key] = values
        p.history.epoch = list(range(len(p.history.history.get("mistakes", []))))
    return p


def with_perceptron(project, perceptron) -> Project:
    """``project`` holding the perceptron's trained weights and history."""
    model = project.build_model()
    kernel, bias = perceptron.get_weights()
    model.set_weights([kernel.astype(model.dtype), bias.astype(model.dtype)])
    return Project.from_model(model, project.training, project.dataset, history=perceptron.history.history,
                              meta=project.meta)
