"""nnviz's NumPy core: a Keras-compatible Sequential model, its layers, losses and optimizers.

    from nnviz.core import Sequential, Dense
    model = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

NumPy and the standard library only: no Qt is imported here or below.
"""

from nnviz.core import activations, initializers, losses, metrics, optimizers, regularizers
from nnviz.core.callbacks import Callback, History, LambdaCallback, ProgbarLogger, TerminateOnNaN
from nnviz.core.layers import *  # noqa: F403  (Input, Layer and every registered layer class: Dense, Conv2D, ...)
from nnviz.core.layers import __all__ as _layer_names
from nnviz.core.model import ArchitectureError, Sequential
from nnviz.core.optimizers import SGD, Adagrad, Adam, RMSprop
from nnviz.core.regularizers import L1, L1L2, L2

__all__ = [
    "Sequential", "ArchitectureError", *(n for n in _layer_names if n != "LAYER_CLASSES"), "SGD", "Adam", "RMSprop",
    "Adagrad", "L1", "L2", "L1L2", "Callback", "History", "LambdaCallback", "ProgbarLogger", "TerminateOnNaN", "activations",
    "initializers", "losses", "metrics", "optimizers", "regularizers",
]
