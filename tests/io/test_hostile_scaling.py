"""The data set's input scaling travels with the model into every export (issue 12): an exported model fed
raw data predicts what the app predicts on the scaled data."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from nnviz.core import Dense, Flatten, Input, Sequential
from nnviz.core.data import catalog
from nnviz.core.data.digits import _load_raw
from nnviz.io import weights as weights_mod
from nnviz.io.scaling import METADATA_KEY, InputScaling, input_scaling_of, scaling_for


@pytest.fixture(scope="module")
def digits_model():
    ds = catalog.load("digits", flatten=True)
    model = Sequential([Input((64,)), Dense(16, activation="relu"), Dense(10, activation="softmax")], seed=3)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(ds.x_train, ds.y_train, epochs=2, batch_size=32, verbose=0)
    raw = _load_raw()[0][:50].reshape(50, 64).astype(np.float32)   # pixels 0..16, as a user has them
    return model, ds, raw


def test_the_app_knows_the_scaling_of_the_digits_and_of_fitted_scalers(digits_model):
    _, ds, raw = digits_model
    scaling = input_scaling_of(ds)
    np.testing.assert_array_equal(scaling.apply(raw), raw / np.float32(16))
    csv_like = catalog.load("clinical_trial")
    assert input_scaling_of(csv_like).description.startswith("minmax")
    assert input_scaling_of(catalog.load("circle")) is None
    bad = Sequential([Input((3,)), Dense(2)])
    assert scaling_for(bad, InputScaling([0.0, 1.0], [1.0, 2.0])) is None   # two features' scaling, three inputs


def test_onnx_fed_raw_pixels_predicts_what_the_app_predicts(tmp_path, digits_model):
    ort = pytest.importorskip("onnxruntime")
    model, ds, raw = digits_model
    path = tmp_path / "m.onnx"
    model.export(path, format="onnx", input_scaling=ds)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": raw})[0]
    np.testing.assert_allclose(got, model.predict(raw / 16, verbose=0), atol=1e-5)
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta[METADATA_KEY])["scale"] == [16.0]


def test_onnx_with_a_per_feature_scaler_on_an_image_free_model(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    ds = catalog.load("clinical_trial")
    model = Sequential([Input((1,)), Dense(4, activation="tanh"), Dense(2, activation="softmax")], seed=1)
    raw = ds.scaler.inverse_transform(ds.x_test)
    path = tmp_path / "m.onnx"
    model.export(path, format="onnx", input_scaling=ds)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input": raw.astype(np.float32)})[0]
    np.testing.assert_allclose(got, model.predict(ds.x_test, verbose=0), atol=1e-5)


def test_the_pytorch_script_takes_raw_inputs(tmp_path, digits_model):
    pytest.importorskip("torch")
    model, ds, raw = digits_model
    path = tmp_path / "net.py"
    model.export(path, format="pytorch", input_scaling=ds)
    np.save(tmp_path / "x.npy", raw)
    subprocess.run([sys.executable, str(path), "--input", str(tmp_path / "x.npy"), "--output",
                    str(tmp_path / "y.npy")], check=True, capture_output=True, timeout=300)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(raw / 16, verbose=0), atol=1e-5)


def test_keras_and_weight_files_carry_the_scaling_as_metadata_and_still_load(tmp_path, digits_model):
    model, ds, _ = digits_model
    model.export(tmp_path / "m.keras", format="keras", input_scaling=ds)
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert json.loads(zf.read("metadata.json"))[METADATA_KEY]["scale"] == [16.0]
    for name in ("w.npz", "w.json", "w.weights.h5"):
        if name.endswith(".h5"):
            pytest.importorskip("h5py")
        weights_mod.save_weights(model, tmp_path / name, input_scaling=ds)
        clone = Sequential.from_config(model.get_config())
        clone.build()
        clone.load_weights(tmp_path / name)   # the metadata is not mistaken for a weight
        for a, b in zip(model.get_weights(), clone.get_weights()):
            np.testing.assert_array_equal(a, b)
    with np.load(tmp_path / "w.npz") as data:
        np.testing.assert_array_equal(data[METADATA_KEY][1], np.full(1, 16.0))
    assert json.loads((tmp_path / "w.json").read_text())["input_scaling"]["offset"] == [0.0]


def test_the_cli_export_carries_the_projects_scaling(tmp_path, digits_model):
    ort = pytest.importorskip("onnxruntime")
    from nnviz.cli import main
    from nnviz.io.project import Project, save_project

    model, ds, raw = digits_model
    save_project(tmp_path / "p.nnviz", Project.from_model(model, {}, {"name": "digits", "params": {"flatten": True}}))
    assert main(["export", str(tmp_path / "p.nnviz"), "-o", str(tmp_path / "m.onnx")]) == 0
    got = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {"input": raw})[0]
    np.testing.assert_allclose(got, model.predict(raw / 16, verbose=0), atol=1e-5)


def test_token_ids_are_never_scaled():
    from nnviz.core import Embedding
    model = Sequential([Input((5,)), Embedding(10, 2), Flatten(), Dense(1)])
    assert scaling_for(model, InputScaling(0.0, 16.0)) is None
