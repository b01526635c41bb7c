"""The logic the training views and the data panel compute without a screen (task "split"): tested without Qt."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core.compat import ALL_LOSSES, fit_problem, loss_choices, metrics_for, output_activation, output_fit
from nnviz.core.confusion import confusion_matrix, predicted_classes
from nnviz.core.data import catalog
from nnviz.core.data.images import dataset_image_shape, image_shape
from nnviz.core.plane import DOMAIN, node_thumbnails, plane_features, plane_grid, plane_of
from nnviz.core.probe import ProbeModel, forward_all


@pytest.fixture(scope="module")
def spiral():
    return catalog.load("spiral", n_points=60, seed=0)


@pytest.fixture(scope="module")
def digits_flat():
    return catalog.load("digits", flatten=True)


# ------------------------------------------------------------------------------------------ losses that fit
def test_losses_that_fit_a_sigmoid_output_and_two_classes(spiral):
    model = Sequential([Dense(1, activation="sigmoid", input_shape=(2,))])
    assert output_activation(model) == (1, "sigmoid")
    allowed, hidden, suggested = loss_choices(model, spiral)
    assert suggested == "binary_crossentropy" == allowed[0]
    assert set(allowed) | set(hidden) == set(ALL_LOSSES) and not set(allowed) & set(hidden)
    assert "sigmoid" in hidden["hinge"]
    assert metrics_for(spiral) == ["accuracy"]


def test_no_loss_fits_an_output_of_the_wrong_size_and_the_fix_is_named(digits_flat):
    model = Sequential([Dense(3, activation="softmax", input_shape=(64,))])
    allowed, hidden, suggested = loss_choices(model, digits_flat)
    assert allowed == [] and suggested is None and "10 classes" in hidden["sparse_categorical_crossentropy"]
    why, fix = fit_problem(model, digits_flat)
    assert "10 classes" in why and fix == ("output", 10, "softmax") == ("output", *output_fit(digits_flat))


def test_a_regression_wants_a_linear_unit_per_target_and_the_input_shape_comes_first():
    plane = catalog.load("plane", n_points=40)
    assert loss_choices(Sequential([Dense(1, input_shape=(2,))]), plane)[2] == "mean_squared_error"
    assert metrics_for(plane) == ["mae"]
    assert fit_problem(Sequential([Dense(2, input_shape=(2,))]), plane)[1] == ("output", 1, "linear")
    why, fix = fit_problem(Sequential([Dense(1, input_shape=(3,))]), plane)
    assert fix == ("input", (2,)) and "(3,)" in why
    assert fit_problem(Sequential([Dense(1, input_shape=(2,))]), plane) == ("", None)
    assert fit_problem(None, plane)[0] == "the network is not valid"
    assert loss_choices(None, plane) == (ALL_LOSSES, {}, None)


# ------------------------------------------------------------------------------------------ the probe model
def test_the_probe_copies_the_model_and_takes_only_weights_that_fit():
    model = Sequential([Dense(3, activation="relu", input_shape=(2,)), Dense(2, activation="softmax")], seed=1)
    probe = ProbeModel(model)
    assert probe.model is not model
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    outs = probe.forward_all(x)
    assert [o.shape for o in outs] == [(5, 3), (5, 2)]
    np.testing.assert_allclose(outs[-1], model.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(probe.predict(x), outs[-1])
    np.testing.assert_allclose(forward_all(model, x)[0], outs[0], rtol=1e-6)

    new = [w + 1.0 for w in model.get_weights()]
    count = probe.changed_count
    assert probe.set_weights(new) and probe.changed_count == count + 1
    for a, b in zip(probe.model.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    # another architecture's weights, or a diverged run's, leave the last good ones (the copy loops before did not
    # check: a wrong shape raised inside the view, a NaN was drawn)
    assert not probe.set_weights(new[:2])
    assert not probe.set_weights([np.full_like(w, np.nan) for w in new])
    np.testing.assert_array_equal(probe.model.get_weights()[0], new[0])


def test_the_probe_syncs_once_per_snapshot():
    model = Sequential([Dense(2, input_shape=(2,))], seed=0)
    probe = ProbeModel()
    assert probe.model is None and not probe.sync(None)
    probe.set_model(model)

    class Snap:
        version = 3
        weights = [np.ones((2, 2), np.float32), np.zeros(2, np.float32)]

    assert probe.sync(Snap) and probe.version == 3
    assert not probe.sync(Snap)                     # the same snapshot again: nothing to do
    np.testing.assert_array_equal(probe.predict(np.array([[1.0, 2.0]])), [[3.0, 3.0]])


# ------------------------------------------------------------------------------------------ confusion matrix
def test_confusion_matrix_rows_are_true_classes():
    m = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert m.sum() == 6
    np.testing.assert_array_equal(predicted_classes(np.array([[0.2], [0.7]])), [0, 1])
    np.testing.assert_array_equal(predicted_classes(np.array([[0.1, 0.9, 0.0], [0.5, 0.2, 0.3]])), [1, 0])


# ------------------------------------------------------------------------------------------ the input plane
def test_plane_grid_and_features(spiral):
    points, axis = plane_grid(4)
    assert points.shape == (16, 2) and axis.shape == (4,)
    np.testing.assert_allclose(axis, [-4.5, -1.5, 1.5, 4.5])
    assert points[0, 1] < points[-1, 1]             # x₂ grows with the row
    plane = plane_of(spiral)
    assert plane.square and plane.x_range == DOMAIN and plane.train.shape[1] == 2
    assert plane_features(spiral, points).shape == (16, 2)
    assert plane_of(None) is None and plane_of(catalog.load("digits")) is None


def test_a_two_column_data_set_has_its_plane_in_its_own_units():
    ds = catalog.load("weight_height")
    plane = plane_of(ds)
    assert plane is not None and not plane.square
    lo, hi = plane.x_range
    assert lo < float(np.min(plane.train[:, 0])) and hi > float(np.max(plane.train[:, 0]))


def test_node_thumbnails_with_snapshot_weights(spiral):
    model = Sequential([Dense(3, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")], seed=0)
    cols = node_thumbnails(model, spiral, resolution=6)
    assert [c.shape for c in cols] == [(2, 6, 6), (3, 6, 6), (1, 6, 6)]
    zero = [np.zeros_like(w) for w in model.get_weights()]
    cols = node_thumbnails(model, spiral, weights=zero, resolution=6)
    np.testing.assert_allclose(cols[-1], 0.5)       # sigmoid(0) everywhere
    assert node_thumbnails(model, catalog.load("digits")) == []


# ------------------------------------------------------------------------------------------ image shapes
@pytest.mark.parametrize("shape, kind, gray_only, expected", [
    ((8, 8, 1), "images", False, (8, 8)),          # the data preview and the predict canvas
    ((20, 20, 3), "course", False, (20, 20)),      # colour images: the preview shows them, the canvas cannot draw
    ((20, 20, 3), "course", True, None),
    ((64,), "images", False, (8, 8)),              # flattened digits: preview, weights' receptive fields, canvas
    ((64,), "images", True, (8, 8)),
    ((8, 8), "images", True, (8, 8)),              # rows read as a sequence
    ((8, 8), "text", False, None),                 # a sequence that is not an image
    ((63,), "images", False, None),                # not a square
    ((64,), "playground-2d", False, None),
    ((2,), "", False, None),
])
def test_one_image_shape_for_preview_canvas_and_weights(shape, kind, gray_only, expected):
    assert image_shape(shape, kind, gray_only) == expected


def test_image_shape_of_data_sets(digits_flat):
    assert dataset_image_shape(digits_flat) == (8, 8)
    assert dataset_image_shape(catalog.load("digits", sequence=True), gray_only=True) == (8, 8)
    assert dataset_image_shape(catalog.load("spiral", n_points=20)) is None
    assert dataset_image_shape(None) is None


def test_sample_images_interleave_the_classes():
    from nnviz.core.data.images import sample_images
    digits = catalog.load("digits")
    images, captions, columns, rows = sample_images(digits, max_images=30)
    assert images.shape == (30, 8, 8) and columns == 5 and rows == 2
    assert captions[:10] == list(digits.class_names[:10])
    none = sample_images(catalog.load("spiral", n_points=20))
    assert none[0].shape == (0, 1, 1) and none[1] == []
