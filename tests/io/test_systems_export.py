"""The autoencoder's encoder and decoder, and the perceptron, exported: each file reproduces ``predict``."""

import importlib.util

import numpy as np
import pytest

from nnviz.core import Dense, Input, Sequential
from nnviz.core.autoencoder import split_autoencoder
from nnviz.core.perceptron import Perceptron
from nnviz.io.systems_export import export_autoencoder_part, export_perceptron


def autoencoder():
    model = Sequential([Input((6,)), Dense(4, activation="tanh"), Dense(2), Dense(4, activation="relu"),
                        Dense(6, activation="sigmoid")], seed=3)
    for layer in model.layers:
        for value in layer.params.values():
            value[...] = np.random.default_rng(value.size).normal(0, 0.7, value.shape)
    return model


X = np.random.default_rng(0).normal(size=(5, 6)).astype(np.float32)


def _fresh(part_model):
    """The part's architecture with fresh weights: what a weights file is loaded into."""
    return Sequential.from_config(part_model.get_config())


@pytest.mark.parametrize("fmt, ext", [("npz", "npz"), ("json", "json"), ("h5", "weights.h5"), ("keras", "keras")])
def test_weight_files_of_each_part_reproduce_predict(tmp_path, fmt, ext):
    if fmt in ("h5", "keras"):
        pytest.importorskip("h5py")
    model = autoencoder()
    encoder, decoder = split_autoencoder(model)
    codes = encoder.predict(X)
    for part, expected, x in (("encoder", codes, X), ("decoder", model.predict(X), codes)):
        path = tmp_path / f"{part}.{ext}"
        exported = export_autoencoder_part(model, part, path, fmt)
        fresh = _fresh(exported)
        if fmt == "keras":
            from nnviz.io.keras_export import read_keras_weights
            read_keras_weights(fresh, path)
        else:
            from nnviz.io.weights import load_weights
            load_weights(fresh, path)
        np.testing.assert_allclose(fresh.predict(x), expected, atol=1e-6)


def test_onnx_parts_reproduce_predict(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = autoencoder()
    encoder, _ = split_autoencoder(model)
    codes = encoder.predict(X)
    for part, x, expected in (("encoder", X, codes), ("decoder", codes, model.predict(X))):
        export_autoencoder_part(model, part, tmp_path / f"{part}.onnx", "onnx")
        session = ort.InferenceSession(str(tmp_path / f"{part}.onnx"), providers=["CPUExecutionProvider"])
        got = session.run(None, {"input": x.astype(np.float32)})[0]
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_pytorch_parts_reproduce_predict(tmp_path):
    torch = pytest.importorskip("torch")
    model = autoencoder()
    encoder, _ = split_autoencoder(model)
    codes = encoder.predict(X)
    for part, x, expected in (("encoder", X, codes), ("decoder", codes, model.predict(X))):
        path = tmp_path / f"ae_{part}.py"
        export_autoencoder_part(model, part, path, "pytorch")
        spec = importlib.util.spec_from_file_location(f"ae_{part}_{id(path)}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with torch.no_grad():
            got = module.build_model()(torch.from_numpy(np.ascontiguousarray(x))).numpy()
        np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("classes", [2, 3])
def test_perceptron_exports(tmp_path, classes):
    rng = np.random.default_rng(classes)
    y = np.arange(60) % classes
    x = np.array([[0, 3], [3, -2], [-3, -2]], float)[y] + rng.normal(0, 0.3, (60, 2))
    p = Perceptron()
    p.fit(x, y, epochs=50)
    export_perceptron(p, tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz") as f:
        np.testing.assert_array_equal(f["kernel"], p.get_weights()[0])
    export_perceptron(p, tmp_path / "p.json")
    import json
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["history"]["mistakes"] == p.history.history["mistakes"]
    ort = pytest.importorskip("onnxruntime")
    export_perceptron(p, tmp_path / "p.onnx")
    session = ort.InferenceSession(str(tmp_path / "p.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x.astype(np.float32)})[0]
    np.testing.assert_array_equal(got, p.predict(x))
