"""A copy of a model for looking at it: takes a training snapshot's weights and runs inference passes.

The training views never run the worker's model; a :class:`ProbeModel` is a copy of the architecture that takes
the newest snapshot's weights (through the model's checked ``set_weights``) and computes what the views draw:
every layer's output for a batch (decision boundary, activations, node thumbnails), predictions (confusion matrix,
predict panel). NumPy only.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.model import Sequential


def forward_all(model: Sequential, x) -> list[np.ndarray]:
    """The output of every layer of ``model`` for the batch ``x``, in inference mode."""
    outs = []
    a = np.asarray(x, dtype=model.dtype)
    for layer in model.layers:
        a = layer.forward(a, training=False)
        outs.append(a)
    return outs


class ProbeModel:
    """A copy of a built model that takes snapshot weights and runs forward passes.

    ``version`` is the snapshot whose weights it holds (-1: the model's own); ``changed_count`` counts every
    change of model or weights, so a view can tell whether what it drew is stale.
    """

    def __init__(self, model: Sequential | None = None):
        self.model: Sequential | None = None
        self.version = -1
        self.changed_count = 0
        if model is not None:
            self.set_model(model)

    def set_model(self, model: Sequential | None) -> None:
        if model is None or not model.built:
            self.model = None
        else:
            self.model = Sequential.from_config(model.get_config())
            self.model.set_weights(model.get_weights())
        self.version = -1
        self.changed_count += 1

    def set_weights(self, weights) -> bool:
        """Take ``weights`` (aligned with ``model.get_weights()``); False, keeping the old ones, when they do not fit
        the model (another architecture's snapshot) or are not finite (a diverged run)."""
        if self.model is None:
            return False
        try:
            self.model.set_weights(weights)
        except ValueError:
            return False
        self.changed_count += 1
        return True

    def sync(self, snapshot) -> bool:
        """Take ``snapshot``'s weights (once per snapshot); True when they changed."""
        if self.model is None or snapshot is None or snapshot.version == self.version:
            return False
        if not self.set_weights(snapshot.weights):
            return False
        self.version = snapshot.version
        return True

    def forward_all(self, x: np.ndarray) -> list[np.ndarray]:
        """The output of every layer for the batch ``x`` (inference mode)."""
        return forward_all(self.model, x)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model's output for the batch ``x`` (inference mode, one pass, no batching)."""
        return forward_all(self.model, x)[-1] if self.model.layers else np.asarray(x, dtype=self.model.dtype)
