"""A table's pixel columns scaled (min-max or standardized, one value per pixel) and read as 8×8×1 images: the
exports carried no scaling at all (784 values did not "fit" an input whose last axis is 1), so the ONNX, Keras and
PyTorch models a user fed raw pixels predicted from unscaled inputs, and nothing said so. Now each scales every
pixel first, and reading the ``.keras`` back finds the same scaling."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Conv2D, Dense, Flatten, Sequential
from nnviz.io.csv_data import load_csv
from nnviz.io.scaling import InputScaling, export_note, scaling_for
from tests.io.test_keras_format import keras, quiet  # noqa: F401 — the fixtures
from tests.io.test_pytorch_export import load_script
from tests.ui.test_real_size_app import pixel_csv


@pytest.fixture(params=["minmax", "standardize"])
def trained(request, tmp_path):
    ds = load_csv(pixel_csv(tmp_path / "digits.csv", rows=90), "label", images=True, scaling=request.param)
    model = Sequential([Conv2D(3, 3, activation="relu", input_shape=(8, 8, 1)), Flatten(),
                        Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(ds.x_train, ds.y_train, epochs=2, batch_size=10, verbose=0)
    raw = ds.scaler.inverse_transform(ds.x_test.reshape(len(ds.x_test), -1)).reshape(ds.x_test.shape)
    return model, ds, raw.astype(np.float32)


def test_the_per_pixel_scaling_travels_with_the_model(trained):
    model, ds, raw = trained
    scaling = scaling_for(model, ds)
    assert scaling is not None and len(scaling.offset) == 64 and "takes raw inputs" in export_note("onnx", scaling)
    np.testing.assert_allclose(scaling.apply(raw), ds.x_test, atol=1e-6)
    offset, scale = scaling.shaped((8, 8, 1))
    assert offset.shape == scale.shape == (8, 8, 1)
    assert InputScaling([1.0, 2.0], [3.0, 4.0]).shaped((5, 2))[0].shape == (2,)     # per feature: as it was


def test_onnx_and_pytorch_take_raw_pixels(trained, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model, ds, raw = trained
    expected = model.predict(ds.x_test)
    model.export(tmp_path / "m.onnx", format="onnx", input_scaling=ds)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    np.testing.assert_allclose(session.run(None, {"input": raw})[0], expected, atol=1e-5)
    torch = pytest.importorskip("torch")
    model.export(tmp_path / "m.py", format="pytorch", input_scaling=ds)
    net = load_script(tmp_path / "m.py").build_model().eval()
    with torch.no_grad():
        got = net(torch.from_numpy(raw)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_the_keras_file_scales_each_pixel_and_reads_back(trained, tmp_path):
    from nnviz.io.keras_export import read_keras_weights
    model, ds, raw = trained
    model.export(tmp_path / "m.keras", format="keras", input_scaling=ds)
    other = model.clone()
    found = read_keras_weights(other, tmp_path / "m.keras")
    assert found is not None and found.same_as(scaling_for(model, ds))
    np.testing.assert_allclose(other.predict(found.apply(raw)), model.predict(ds.x_test), atol=1e-5)


def test_keras_itself_predicts_from_raw_pixels(trained, tmp_path, keras, quiet):  # noqa: F811
    model, ds, raw = trained
    model.export(tmp_path / "m.keras", format="keras", input_scaling=ds)
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(raw, verbose=0), model.predict(ds.x_test), atol=1e-5)
