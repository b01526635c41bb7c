"""Metrics: each accuracy on a fixed example, and how "accuracy" resolves, as Keras 3's compile does."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import losses, metrics


def test_binary_accuracy_thresholds_at_half():
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    p = np.array([[0.7], [0.4], [0.2], [0.5]])  # 0.5 is not > 0.5: predicted 0
    m = metrics.get("binary_accuracy")
    np.testing.assert_array_equal(m(y, p), [1, 1, 0, 1])
    np.testing.assert_array_equal(m(y.ravel(), p), [1, 1, 0, 1])  # labels of shape (batch,)
    # several outputs: the fraction of outputs right, per sample
    np.testing.assert_allclose(m([[1, 0, 1, 1]], np.array([[0.9, 0.1, 0.3, 0.6]])), [0.75])
    strict = metrics.get({"class_name": "BinaryAccuracy", "config": {"name": "acc_80", "threshold": 0.8}})
    assert strict.name == "acc_80"
    np.testing.assert_array_equal(strict(y, p), [0, 1, 0, 1])


def test_categorical_accuracy_compares_argmaxes():
    y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    p = np.array([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])
    np.testing.assert_array_equal(metrics.get("categorical_accuracy")(y, p), [1, 0, 1])


def test_sparse_categorical_accuracy_takes_integer_labels():
    p = np.array([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])
    m = metrics.get("sparse_categorical_accuracy")
    for y in ([1, 0, 2], np.array([[1], [0], [2]]), np.array([1.0, 0.0, 2.0])):
        np.testing.assert_array_equal(m(y, p), [1, 0, 1])


def test_mae_and_mse_per_sample():
    y = np.array([[0.0, 1.0], [2.0, 2.0]])
    p = np.array([[1.0, 1.0], [0.0, 3.0]])
    np.testing.assert_allclose(metrics.get("mae")(y, p), [0.5, 1.5])
    np.testing.assert_allclose(metrics.get("mse")(y, p), [0.5, 2.5])
    np.testing.assert_allclose(metrics.get("mean_squared_error")(y, p), [0.5, 2.5])


@pytest.mark.parametrize("identifier", ["accuracy", "acc", "mae", "mse", "binary_accuracy", "BinaryAccuracy"])
def test_metric_keeps_the_name_the_user_typed(identifier):
    assert metrics.get(identifier, loss_name="mse", output_units=1, sparse_labels=False).name == identifier


@pytest.mark.parametrize("kwargs, kind", [
    (dict(loss_name="binary_crossentropy", output_units=1, sparse_labels=False), "binary_accuracy"),
    (dict(loss_name="mse", output_units=1, sparse_labels=False), "binary_accuracy"),
    # Keras 3 looks at the shapes only: several units under a binary cross-entropy give categorical accuracy
    (dict(loss_name="binary_crossentropy", output_units=3, sparse_labels=False), "categorical_accuracy"),
    (dict(loss_name="binary_crossentropy", output_units=3, sparse_labels=True), "sparse_categorical_accuracy"),
    (dict(loss_name="sparse_categorical_crossentropy", output_units=3, sparse_labels=True),
     "sparse_categorical_accuracy"),
    (dict(loss_name="mse", output_units=3, sparse_labels=True), "sparse_categorical_accuracy"),
    (dict(loss_name="categorical_crossentropy", output_units=3, sparse_labels=False), "categorical_accuracy"),
    (dict(loss_name=losses.get("SparseCategoricalCrossentropy"), output_units=3), "sparse_categorical_accuracy"),
    (dict(loss_name="SparseCategoricalCrossentropy", output_units=1), "binary_accuracy"),
    (dict(loss_name="BinaryCrossentropy"), None),       # the units decide, on the first batch
    (dict(loss_name="sparse_categorical_crossentropy"), None),
])
def test_accuracy_resolves_like_keras(kwargs, kind):
    assert metrics.get("accuracy", **kwargs).kind == kind


def test_accuracy_values_follow_the_resolution():
    """The three resolutions give the numbers a user would see in the logs."""
    p1 = np.array([[0.8], [0.3], [0.6]])
    acc = metrics.get("acc", loss_name="binary_crossentropy", output_units=1, sparse_labels=False)
    np.testing.assert_array_equal(acc([[1], [1], [0]], p1), [1, 0, 0])

    p3 = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]])
    acc = metrics.get("accuracy", loss_name="sparse_categorical_crossentropy", output_units=3, sparse_labels=True)
    np.testing.assert_array_equal(acc([1, 2], p3), [1, 0])

    acc = metrics.get("accuracy", loss_name="categorical_crossentropy", output_units=3, sparse_labels=False)
    np.testing.assert_array_equal(acc([[0, 1, 0], [0, 0, 1]], p3), [1, 0])


def test_multi_label_binary_crossentropy_accuracy_is_categorical_as_in_keras_3():
    # 3 sigmoid units, multi-hot labels: Keras 3 logs [argmax y == argmax p], not the per-unit match rate
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    p = np.array([[0.9, 0.2, 0.4], [0.6, 0.7, 0.1]])
    acc = metrics.get("accuracy", loss_name="binary_crossentropy", output_units=3, sparse_labels=False)
    np.testing.assert_array_equal(acc(y, p), [1.0, 1.0])       # argmax: 0 == 0, 1 == 1
    # what binary accuracy would have said: 2 of 3 units on the right side of 0.5, in both rows
    np.testing.assert_allclose(metrics.binary_accuracy(y, p), [2 / 3, 2 / 3])


@pytest.mark.parametrize("y, p, kind, expected", [
    ([[1], [0]], [[0.9], [0.7]], "binary_accuracy", [1, 0]),
    ([2, 0], [[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]], "sparse_categorical_accuracy", [1, 0]),
    ([[2], [0]], [[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]], "sparse_categorical_accuracy", [1, 0]),
    ([[0, 0, 1], [1, 0, 0]], [[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]], "categorical_accuracy", [1, 0]),
])
def test_accuracy_without_context_decides_on_the_first_batch(y, p, kind, expected):
    acc = metrics.get("accuracy")
    assert acc.kind is None
    np.testing.assert_array_equal(acc(np.array(y), np.array(p)), expected)
    assert acc.kind == kind


@pytest.mark.parametrize("identifier, kind", [
    ("SparseCategoricalAccuracy", "sparse_categorical_accuracy"),
    ("CategoricalAccuracy", "categorical_accuracy"),
    ("MeanAbsoluteError", "mean_absolute_error"),
    ("MSE", "mean_squared_error"),
])
def test_keras_class_names_resolve(identifier, kind):
    assert metrics.get(identifier).kind == kind


def test_unknown_metric_lists_valid_names():
    with pytest.raises(ValueError, match="binary_accuracy"):
        metrics.get("accuracyy")
    with pytest.raises(ValueError, match="accuracy"):
        metrics.get(42)


def test_instances_pass_through_and_batch_shape():
    m = metrics.get("acc", output_units=4, sparse_labels=True)
    assert metrics.get(m) is m
    rng = np.random.default_rng(0)
    out = m(rng.integers(0, 4, 32), rng.uniform(size=(32, 4)))
    assert out.shape == (32,) and set(np.unique(out)) <= {0.0, 1.0}
