"""Keras 3 files: the ``.keras`` archive's structure (always), and — when Keras is installed — that Keras
opens what we write and we read what Keras writes, with the same predictions."""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile

import numpy as np
import pytest

from nnviz.core import (Activation, Adam, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten,
                        Input, MaxPooling2D, RMSprop, SGD, Sequential)
from nnviz.core.losses import Huber

h5py = pytest.importorskip("h5py")

from nnviz.io.keras_export import export_keras, keras_config, optimizer_variables  # noqa: E402


def model_with_every_layer(dtype="float32", seed=0):
    model = Sequential([
        Input((9, 7, 3)),
        Conv2D(4, 3, padding="same", activation="relu"),
        BatchNormalization(),
        MaxPooling2D(padding="same"),
        Conv2D(5, (3, 2), strides=2, padding="same", activation="leaky_relu"),
        AveragePooling2D(2, strides=1, padding="same"),
        Dense(6, activation="swish"),
        Flatten(),
        Dropout(0.2),
        Dense(7, activation="elu", kernel_regularizer={"class_name": "l2", "config": {"l2": 0.01}}),
        Activation("tanh"),
        Dense(6, activation="softplus", use_bias=False),
        Dense(3, activation="softmax"),
    ], dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 10)
    for layer in model.layers:
        for k, v in layer.params.items():
            v[...] = rng.uniform(0.5, 1.5, v.shape) if k == "moving_variance" else rng.normal(0, 0.5, v.shape)
    return model


# ----------------------------------------------------------------------------------- structure
def test_keras_archive_structure(tmp_path):
    model = model_with_every_layer()
    model.compile(optimizer=Adam(0.002), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    export_keras(model, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        metadata = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
        weights = zf.read("model.weights.h5")
    assert metadata["keras_version"].startswith("3.") and "date_saved" in metadata
    assert {"module", "class_name", "config", "registered_name", "build_config", "compile_config"} <= set(config)
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    layers = config["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer" and layers[0]["config"]["batch_shape"] == [None, 9, 7, 3]
    assert [l["class_name"] for l in layers[1:]] == [l.layer_type for l in model.layers]
    for entry, layer in zip(layers[1:], model.layers):
        assert entry["module"] == "keras.layers" and entry["registered_name"] is None
        assert entry["config"]["name"] == layer.name
        assert entry["build_config"]["input_shape"] == [None, *layer.input_shape]
    conv = layers[1]["config"]
    assert conv["kernel_size"] == [3, 3] and conv["padding"] == "same" and conv["data_format"] == "channels_last"
    assert conv["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert layers[9]["config"]["kernel_regularizer"] == {
        "module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": None}
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["optimizer"]["config"]["learning_rate"] == pytest.approx(0.002)
    assert compile_config["loss"] == "sparse_categorical_crossentropy" and compile_config["metrics"] == ["accuracy"]
    with h5py.File(io.BytesIO(weights), "r") as f:
        assert sorted(f.keys()) == ["layers", "optimizer", "vars"]
        assert dict(f["optimizer/vars"].attrs) == {"name": "adam"}
        trainable = sum(len(l.trainable_names) for l in model.layers)
        assert len(f["optimizer/vars"]) == 2 + 2 * trainable   # iterations, learning rate, (m, v) per variable
        np.testing.assert_array_equal(f["layers/conv2d/vars/0"][()], model.layers[0].params["kernel"])


def test_a_loss_with_settings_travels_as_a_keras_object():
    # a name would reload with Keras' defaults: "huber" is Keras' Huber(delta=1)
    model = Sequential([Input((3,)), Dense(2)])
    model.compile(optimizer="sgd", loss=Huber(delta=2.5))
    assert keras_config(model)["compile_config"]["loss"] == {
        "module": "keras.losses", "class_name": "Huber", "registered_name": None,
        "config": {"name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 2.5}}
    model.compile(optimizer="sgd", loss="mse")
    assert keras_config(model)["compile_config"]["loss"] == "mean_squared_error"


def test_activations_travel_as_the_names_keras_reads():
    from nnviz.core.activations import ELU, LeakyReLU

    model = Sequential([Input((3,)), Dense(2, activation=LeakyReLU()), Activation(ELU(alpha=1.0))])
    layers = keras_config(model)["config"]["layers"]
    assert [l["config"]["activation"] for l in layers[1:]] == ["leaky_relu", "elu"]
    # Keras' activation strings mean its default settings, and Keras 3 reads no other form back
    model = Sequential([Input((3,)), Dense(2, activation=LeakyReLU(negative_slope=0.05))])
    with pytest.raises(ValueError, match=r"cannot hold the activation leaky_relu\(negative_slope=0.05\): "
                                         r"Keras' 'leaky_relu' means leaky_relu\(negative_slope=0.2\)"):
        keras_config(model)


def test_optimizer_state_in_keras_order():
    model = Sequential([Input((2,)), Dense(3, trainable=False), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(np.ones((4, 2)), np.array([0, 1, 0, 1]), epochs=2, batch_size=2, verbose=0)
    state = optimizer_variables(model)
    assert int(state[0]) == 4 and state[1] == np.float32(0.01)
    # the frozen layer is not tracked by Keras' optimizer: m, v for dense_1/kernel, then for dense_1/bias
    assert [s.shape for s in state[2:]] == [(3, 2), (3, 2), (2,), (2,)]
    offset = 3 * 2 + 3  # the frozen dense's kernel and bias come first in the flat slots
    np.testing.assert_array_equal(state[2].ravel(), model.optimizer.slots["m"][offset:offset + 6])
    np.testing.assert_array_equal(state[3].ravel(), model.optimizer.slots["v"][offset:offset + 6])
    uncompiled = Sequential([Input((2,)), Dense(2)])
    assert optimizer_variables(uncompiled) is None and "compile_config" not in keras_config(uncompiled)


def test_weights_from_our_keras_file(tmp_path):
    model = model_with_every_layer(seed=0)
    export_keras(model, tmp_path / "m.keras")
    other = model_with_every_layer(seed=1)
    other.load_weights(tmp_path / "m.keras")
    for a, b in zip(model.get_weights(), other.get_weights()):
        assert a.tobytes() == b.tobytes()
    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04 not really")
    from nnviz.io.weights import WeightsError
    with pytest.raises(WeightsError, match="damaged"):
        other.load_weights(tmp_path / "bad.keras")
    with pytest.raises(WeightsError, match="export"):
        other.save_weights(tmp_path / "m.keras")


def test_keras_export_needs_the_extension(tmp_path):
    with pytest.raises(ValueError, match=r"\.keras"):
        export_keras(model_with_every_layer(), tmp_path / "m.zip")


# ----------------------------------------------------------------------------------- real Keras
@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import keras
        except Exception as exc:  # noqa: BLE001 — Keras without a usable backend
            pytest.skip(f"keras is not usable here: {exc}")
    return keras


@pytest.fixture
def quiet():
    """Keras' and torch's own deprecation noise is not ours; a UserWarning from Keras' loader would be."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    ours = [w for w in caught if issubclass(w.category, UserWarning) and "saving" in str(w.filename)]
    assert not ours, [str(w.message) for w in ours]


def test_keras_load_model_opens_our_file(tmp_path, keras, quiet):
    model = model_with_every_layer()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.export(tmp_path / "m.keras", format="keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(0).normal(size=(8, 9, 7, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), model.predict(x), atol=1e-5, rtol=0)
    assert loaded.count_params() == model.count_params()
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]


def test_keras_reads_our_weights_and_we_read_keras(tmp_path, keras, quiet):
    model = model_with_every_layer()
    model.export(tmp_path / "m.keras", format="keras")
    km = keras.saving.load_model(tmp_path / "m.keras")
    kclone = keras.models.clone_model(km)          # same architecture, fresh weights
    model.save_weights(tmp_path / "ours.weights.h5")
    kclone.load_weights(tmp_path / "ours.weights.h5")
    for a, b in zip(model.get_weights(), kclone.get_weights()):
        assert np.asarray(b).tobytes() == a.tobytes()
    # Keras writes, we read: bit-exact
    new = [np.asarray(w) + np.float32(0.25) for w in kclone.get_weights()]
    kclone.set_weights(new)
    kclone.save_weights(tmp_path / "keras.weights.h5")
    model.load_weights(tmp_path / "keras.weights.h5")
    for a, b in zip(model.get_weights(), new):
        assert a.tobytes() == b.astype(np.float32).tobytes()
    # and the weights of a whole .keras model Keras saved
    kclone.set_weights([w - np.float32(0.5) for w in new])
    kclone.save(tmp_path / "keras_model.keras")
    model.load_weights(tmp_path / "keras_model.keras")
    for a, b in zip(model.get_weights(), kclone.get_weights()):
        assert a.tobytes() == np.asarray(b).tobytes()


def test_keras_evaluates_an_exported_huber_loss_with_its_delta(tmp_path, keras, quiet):
    model = Sequential([Input((3,)), Dense(3)], seed=0)
    model.compile(optimizer="adam", loss=Huber(delta=2.5))
    model.export(tmp_path / "m.keras", format="keras")
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    y = 5 * x                                     # errors beyond 1: Keras' default delta would give another loss
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y), rel=1e-6)


@pytest.mark.parametrize("make_optimizer", [lambda: Adam(0.01), lambda: SGD(0.05, momentum=0.9),
                                            lambda: RMSprop(0.01, momentum=0.5, centered=True)],
                         ids=["adam", "sgd-momentum", "rmsprop"])
def test_training_continues_identically_in_keras(tmp_path, keras, quiet, make_optimizer):
    """The optimizer state goes along: two more steps in Keras land where two more steps in nnviz do."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6, 6, 2)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    model = Sequential([Input((6, 6, 2)), Conv2D(3, 3, activation="relu"), BatchNormalization(), Flatten(),
                        Dense(4, activation="tanh", trainable=False), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=3, verbose=0, shuffle=False)
    model.export(tmp_path / "m.keras", format="keras")
    km = keras.saving.load_model(tmp_path / "m.keras")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    km.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    assert int(km.optimizer.iterations) == model.optimizer.iterations == 5
    for a, b in zip(model.get_weights(), km.get_weights()):
        np.testing.assert_allclose(np.asarray(b), a, atol=1e-5, rtol=0)
