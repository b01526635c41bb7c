"""The autoencoder: "reconstruct the input" data, the digits 64-32-2-32-64 against the mean image, its 2-D code,
the split at the bottleneck, and denoising."""

import numpy as np
import pytest

from nnviz.core import Conv2D, Dense, Input, MaxPooling2D, Sequential, UpSampling2D
from nnviz.core.autoencoder import (bottleneck_index, code_2d, decoded_grid, mean_baseline_error,
                                    nearest_centroid_accuracy, per_sample_error, reconstruction, split_autoencoder)
from nnviz.core.data import catalog
from nnviz.core.optimizers import Adam


def digits_autoencoder(seed=1):
    model = Sequential([Input((64,)), Dense(32, activation="relu"), Dense(2), Dense(32, activation="relu"),
                        Dense(64, activation="sigmoid")], seed=seed)
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")
    return model


@pytest.fixture(scope="module")
def trained():
    ds = catalog.load("digits", flatten=True, reconstruct=True)
    model = digits_autoencoder()
    model.fit(ds.x_train, ds.y_train, epochs=60, batch_size=32, verbose=0)
    return ds, model


def test_reconstruction_data_targets_the_input_and_keeps_the_labels():
    source = catalog.load("digits", flatten=True)
    ds = catalog.load("digits", flatten=True, reconstruct=True)
    assert ds.task == "regression" and ds.reconstructs_input and ds.num_outputs == 64
    np.testing.assert_array_equal(ds.y_train, ds.x_train)
    np.testing.assert_array_equal(ds.x_train, source.x_train)
    np.testing.assert_array_equal(ds.labels_test, source.y_test)
    assert ds.label_names == source.class_names
    images = catalog.load("digits", reconstruct=True)                 # images: the target is the image
    assert images.y_train.shape[1:] == (8, 8, 1)
    tabular = catalog.load("circle", reconstruct=True, input_noise=0.2)
    assert tabular.y_train.shape == tabular.x_train.shape and not np.allclose(tabular.x_train, tabular.y_train)
    assert tabular.params["reconstruct"] is True


def test_token_ids_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="token ids"):
        catalog.load("sentiment", n_samples=50, reconstruct=True)


def test_digits_autoencoder_beats_the_mean_image_and_keeps_classes_apart(trained):
    ds, model = trained
    error = per_sample_error(model, ds.x_test, ds.y_test).mean()
    baseline = mean_baseline_error(ds.y_train, ds.y_test)
    # measured: 0.038 against the mean image's 0.073 (about half); two numbers carry the whole image
    assert error < 0.65 * baseline, (error, baseline)
    assert bottleneck_index(model) == 1
    encoder, decoder = split_autoencoder(model)
    codes_train, codes_test = encoder.predict(ds.x_train), encoder.predict(ds.x_test)
    assert codes_test.shape == (len(ds.x_test), 2)
    accuracy = nearest_centroid_accuracy(codes_train, ds.labels_train, codes_test, ds.labels_test)
    # measured: 0.67 with ten classes, chance is 0.10
    assert accuracy > 0.45, accuracy
    np.testing.assert_allclose(decoder.predict(codes_test), model.predict(ds.x_test), atol=1e-6)
    points, axes = code_2d(codes_test)
    assert axes == "units" and points.shape == (len(ds.x_test), 2)
    u, v, images = decoded_grid(decoder, codes_test, steps=5)
    assert images.shape == (5, 5, 64) and u[0] < u[-1] and v[0] > v[-1]


def test_a_wider_code_is_shown_on_its_first_two_principal_components():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 5)) * [5, 3, 0.1, 0.1, 0.1]
    points, axes = code_2d(codes)
    assert axes == "principal components"
    assert points[:, 0].std() == pytest.approx(5, rel=0.15) and points[:, 1].std() == pytest.approx(3, rel=0.15)


def test_image_autoencoder_with_upsampling_splits_at_its_smallest_map():
    model = Sequential([Input((8, 8, 1)), Conv2D(4, 3, padding="same", activation="relu"), MaxPooling2D(),
                        Conv2D(2, 3, padding="same", activation="relu"), MaxPooling2D(),
                        UpSampling2D(), Conv2D(4, 3, padding="same", activation="relu"), UpSampling2D(),
                        Conv2D(1, 3, padding="same", activation="sigmoid")], seed=0)
    assert bottleneck_index(model) == 3                  # the second pooling: 2×2×2 values
    encoder, decoder = split_autoencoder(model)
    assert encoder.output_shape == (None, 2, 2, 2) and decoder.output_shape == (None, 8, 8, 1)
    x = np.random.default_rng(1).random((3, 8, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(decoder.predict(encoder.predict(x)), model.predict(x), atol=1e-6)
    with pytest.raises(ValueError, match="decoder needs at least one layer"):
        split_autoencoder(model, at=len(model.layers) - 1)


def test_denoising_removes_noise_measurably():
    ds = catalog.load("digits", flatten=True, reconstruct=True, input_noise=0.5)
    noise_before = float(np.mean((ds.x_test - ds.y_test) ** 2))
    model = Sequential([Input((64,)), Dense(32, activation="relu"), Dense(64, activation="sigmoid")], seed=2)
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")
    model.fit(ds.x_train, ds.y_train, epochs=40, batch_size=32, verbose=0)
    noise_after = per_sample_error(model, ds.x_test, ds.y_test).mean()
    assert noise_after < 0.5 * noise_before, (noise_after, noise_before)
