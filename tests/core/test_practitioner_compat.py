"""Dense layers straight on images (no Flatten) give an output of several axes per sample: the app offered Train and
then failed with "sparse_categorical_crossentropy needs integer class labels of shape (10, 8, 8)"; now no loss is
offered and the reason says to add Flatten."""

from __future__ import annotations

import numpy as np

from nnviz.core import Conv2D, Dense, Flatten, Sequential
from nnviz.core.compat import fit_problem, loss_choices
from nnviz.core.data.dataset import Dataset


def images(task="multiclass"):
    rng = np.random.default_rng(0)
    x = rng.random((30, 8, 8, 1), dtype=np.float32)
    y = (rng.integers(0, 3, 30) if task != "regression" else rng.random((30, 1))).astype(
        np.int64 if task != "regression" else np.float32)
    return Dataset(name="pix", task=task, x_train=x, y_train=y, x_val=x[:0], y_val=y[:0], x_test=x[:5], y_test=y[:5],
                   feature_names=[],
                   class_names=["0", "1", "2"] if task != "regression" else None)


def test_dense_on_images_without_flatten_cannot_train_and_says_to_add_flatten():
    model = Sequential([Dense(4, input_shape=(8, 8, 1), activation="tanh"), Dense(3, activation="softmax")])
    for ds in (images(), images("regression")):
        allowed, hidden, suggested = loss_choices(model, ds)
        assert allowed == [] and suggested is None and set(hidden) >= {"sparse_categorical_crossentropy",
                                                                        "mean_squared_error"}
        why, fix = fit_problem(model, ds)
        assert why.startswith("the output has shape (8, 8, 3) for each sample") and "add Flatten" in why
        assert fix == ("flatten", 0)                        # not a new last layer: a Flatten before the first Dense
    flat = Sequential([Flatten(input_shape=(8, 8, 1)), Dense(4, activation="tanh"), Dense(3, activation="softmax")])
    assert fit_problem(flat, images()) == ("", None)
    assert "sparse_categorical_crossentropy" in loss_choices(flat, images())[0]
    conv = Sequential([Conv2D(2, 3, input_shape=(8, 8, 1)), Dense(3, activation="softmax")])
    assert fit_problem(conv, images())[1] == ("flatten", 1)
