"""The input scaling is a real layer of the ``.keras`` export (a leading Keras ``Rescaling``), so a Keras user's
``load_model(path).predict(raw_x)`` is nnviz's prediction; and nnviz reading a ``.keras`` back (its own, or
a copy Keras saved, whose metadata no longer says anything) finds the scaling in that layer.

The config round trips run everywhere; the tests marked by the ``keras`` fixture need real Keras (not a
dependency: they skip without it)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

h5py = pytest.importorskip("h5py")

from nnviz.core import Conv2D, Dense, Flatten, Input, Sequential  # noqa: E402
from nnviz.core.data import catalog  # noqa: E402
from nnviz.core.data.digits import _load_raw  # noqa: E402
from nnviz.io.keras_export import keras_bytes, keras_config, read_keras_weights  # noqa: E402
from nnviz.io.keras_scaling import find_scaling_layer, scaling_of_layer  # noqa: E402
from nnviz.io.scaling import METADATA_KEY, InputScaling, input_scaling_of  # noqa: E402
from nnviz.io.weights import WeightsError  # noqa: E402
from tests.io.test_hostile_fuzz import EXAMPLES, paths, replaced, values  # noqa: E402
from tests.io.test_keras_format import keras, quiet  # noqa: E402, F401 — the fixtures


@pytest.fixture(scope="module")
def digits():
    """The digits MLP trained a few epochs on pixels / 16, and raw pixels (0..16) as a user has them."""
    ds = catalog.load("digits", flatten=True)
    model = Sequential([Input((64,)), Dense(24, activation="relu"), Dense(10, activation="softmax")], seed=3)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(ds.x_train, ds.y_train, epochs=4, batch_size=32, verbose=0)
    raw = _load_raw()[0][:300].reshape(300, 64).astype(np.float32)
    return model, ds, raw


def fresh(model):
    other = Sequential.from_config(model.get_config())
    other.build()
    return other


def assert_same_weights(a, b):
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


def rewrite(path, config=None, metadata=None, h5=None):
    """The ``.keras`` archive at ``path`` with some members replaced (as another writer would write them)."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    for name, value in (("config.json", config), ("metadata.json", metadata)):
        if value is not None:
            members[name] = json.dumps(value).encode()
    if h5 is not None:
        members["model.weights.h5"] = h5
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def config_of(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json"))


# ------------------------------------------------------------------------------------ everywhere
def test_without_a_scaling_the_model_has_no_extra_layer():
    model = Sequential([Input((4,)), Dense(3), Dense(2)], seed=0)
    for config in (keras_config(model), keras_config(model, None)):
        assert [e["class_name"] for e in config["config"]["layers"]] == ["InputLayer", "Dense", "Dense"]
    with zipfile.ZipFile(io.BytesIO(keras_bytes(model))) as zf:
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            assert sorted(f["layers"].keys()) == ["dense", "dense_1"]
        assert METADATA_KEY not in json.loads(zf.read("metadata.json"))


def test_a_pure_scale_is_a_leading_rescaling_layer_whose_config_reads_back(digits):
    model, ds, _ = digits
    layers = keras_config(model, ds)["config"]["layers"]
    assert [e["class_name"] for e in layers] == ["InputLayer", "Rescaling", "Dense", "Dense"]
    cfg = layers[1]["config"]
    assert (cfg["name"], cfg["scale"], cfg["offset"]) == ("input_scaling", 1 / 16, -0.0)  # x * (1/16) + 0
    assert layers[1]["build_config"] == {"input_shape": [None, 64]}
    found = scaling_of_layer(find_scaling_layer({"config": {"layers": layers}}, WeightsError), None, WeightsError)
    np.testing.assert_array_equal(found.scale, [16.0])
    np.testing.assert_array_equal(found.offset, [0.0])


def test_an_offset_makes_it_a_normalization_that_subtracts_first():
    """(x - mean) / sqrt(variance) as nnviz computes it; a Rescaling's x * (1/s) + (-o/s) in float32 loses
    the digits that cancel when the offset is large against the scale."""
    dense = Sequential([Input((3,)), Dense(2)])
    scaling = InputScaling([1e5, 2.0, -3.0], [3.0, 1.0, 0.5])
    entry = keras_config(dense, scaling)["config"]["layers"][1]
    assert entry["class_name"] == "Normalization" and entry["config"]["name"] == "input_scaling"
    assert entry["config"]["mean"] == [1e5, 2.0, -3.0] and entry["config"]["variance"] == [9.0, 1.0, 0.25]
    assert (entry["config"]["axis"], entry["config"]["invert"]) == ([-1], False)
    back = scaling_of_layer(entry, None, WeightsError)
    np.testing.assert_array_equal(back.offset, scaling.offset)
    np.testing.assert_array_equal(back.scale, scaling.scale)
    # one offset and one scale for all features
    entry = keras_config(dense, InputScaling(5.0, 2.0))["config"]["layers"][1]
    assert entry["config"]["mean"] == [5.0] and entry["config"]["variance"] == [4.0]
    # a scale Normalization cannot hold (negative: it takes a square root) stays a Rescaling, per feature
    scaling = InputScaling([1.0, -2.0, 0.5], [2.0, 4.0, -8.0])
    entry = keras_config(dense, scaling)["config"]["layers"][1]
    assert entry["class_name"] == "Rescaling"
    assert entry["config"]["scale"] == [0.5, 0.25, -0.125] and entry["config"]["offset"] == [-0.5, 0.5, 0.0625]
    back = scaling_of_layer(entry, None, WeightsError)
    np.testing.assert_allclose(back.offset, scaling.offset, rtol=1e-15)
    np.testing.assert_allclose(back.scale, scaling.scale, rtol=1e-15)


def test_the_layer_keeps_clear_of_a_layer_named_like_it():
    model = Sequential([Input((2,)), Dense(2, name="input_scaling"), Dense(1)])
    layers = keras_config(model, InputScaling(0.0, 2.0))["config"]["layers"]
    assert [e["config"]["name"] for e in layers[1:]] == ["input_scaling_1", "input_scaling", "dense"]


def test_our_export_reads_back_with_its_weights_and_scaling(tmp_path, digits):
    model, ds, _ = digits
    model.export(tmp_path / "m.keras", format="keras", input_scaling=ds)
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:   # the metadata is kept beside the layer
        assert json.loads(zf.read("metadata.json"))[METADATA_KEY]["scale"] == [16.0]
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:   # Keras' empty group for it
            assert f["layers/rescaling/vars"].attrs["name"] == "input_scaling" and len(f["layers/rescaling/vars"]) == 0
    other = fresh(model)
    scaling = read_keras_weights(other, tmp_path / "m.keras")
    assert_same_weights(other, model)
    assert scaling.description == "digits: pixel values 0..16 divided by 16"    # the metadata's, same values
    other = fresh(model)
    other.load_weights(tmp_path / "m.keras")                 # the model's own method: no mystery layer
    assert_same_weights(other, model)


def test_a_copy_keras_saved_reads_back_with_its_scaling(tmp_path, digits):
    """Keras re-saves our file with its own metadata (no nnviz key) and its numpy serialization."""
    model, ds, _ = digits
    model.export(tmp_path / "m.keras", format="keras", input_scaling=ds)
    config = config_of(tmp_path / "m.keras")
    config["config"]["layers"][1]["config"].update(
        name="rescaling", scale={"class_name": "__numpy__", "config": {"value": [0.0625] * 64, "dtype": "float64"}},
        offset={"class_name": "__numpy__", "config": {"value": [0.0] * 64, "dtype": "float64"}})
    rewrite(tmp_path / "m.keras", config, {"keras_version": "3.15.1", "date_saved": "2026-12-05@06:00:00"})
    other = fresh(model)
    scaling = read_keras_weights(other, tmp_path / "m.keras")
    assert_same_weights(other, model)
    np.testing.assert_array_equal(scaling.scale, np.full(64, 16.0))
    assert "Rescaling layer 'rescaling'" in scaling.description
    # a file from before the layer (metadata only) still says what its model expects
    plain = tmp_path / "old.keras"
    plain.write_bytes(keras_bytes(model))
    rewrite(plain, metadata={"keras_version": "3.5.0", METADATA_KEY: InputScaling(0.0, 16.0).to_dict()})
    np.testing.assert_array_equal(read_keras_weights(fresh(model), plain).scale, [16.0])


def test_a_leading_normalization_is_the_scaling_too(tmp_path):
    model = Sequential([Input((3,)), Dense(2)], seed=1)
    path = tmp_path / "n.keras"
    path.write_bytes(keras_bytes(model))
    config = config_of(path)
    norm = {"module": "keras.layers", "class_name": "Normalization", "registered_name": None,
            "config": {"name": "normalization", "axis": [-1], "invert": False, "mean": [1.0, 2.0, 3.0],
                       "variance": [4.0, 1.0, 9.0]}}
    config["config"]["layers"].insert(1, norm)
    rewrite(path, config)
    scaling = read_keras_weights(fresh(model), path)
    np.testing.assert_array_equal(scaling.offset, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(scaling.scale, [2.0, 1.0, 3.0])
    # adapted: the mean and variance are its variables, not weights of the network
    norm["config"].update(mean=None, variance=None)
    with zipfile.ZipFile(path) as zf:
        h5 = io.BytesIO(zf.read("model.weights.h5"))
    with h5py.File(h5, "a") as f:
        group = f.create_group("layers/normalization/vars")
        group["0"], group["1"], group["2"] = np.array([5.0, 0, 0]), np.array([0.25, 1, 1]), np.array(7)
    rewrite(path, config, h5=h5.getvalue())
    other = fresh(model)
    scaling = read_keras_weights(other, path)
    np.testing.assert_array_equal(scaling.offset, [5.0, 0, 0])
    np.testing.assert_array_equal(scaling.scale, [0.5, 1, 1])
    assert_same_weights(other, model)


def test_a_scaling_layer_inside_the_network_is_refused_with_the_reason(tmp_path):
    model = Sequential([Input((3,)), Dense(4), Dense(2)], seed=1)
    path = tmp_path / "mid.keras"
    path.write_bytes(keras_bytes(model, InputScaling(0.0, 2.0)))
    config = config_of(path)
    layers = config["config"]["layers"]
    layers.insert(2, layers.pop(1))          # input, dense, rescaling, dense_1
    rewrite(path, config)
    other = fresh(model)
    before = other.get_weights()
    with pytest.raises(WeightsError, match=r"Rescaling layer 'input_scaling' after 'dense' \(layer 2\).*only as "
                                           r"the model's first layer"):
        read_keras_weights(other, path)
    assert_same_weights_list(other.get_weights(), before)      # unchanged
    layers[2]["config"]["scale"] = "x"                          # and a damaged leading one names its field
    layers.insert(1, layers.pop(2))
    rewrite(path, config)
    with pytest.raises(WeightsError, match="input_scaling'.s scale is not a number"):
        read_keras_weights(other, path)


def assert_same_weights_list(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_the_cli_says_what_each_export_did_with_the_scaling(capsys, tmp_path):
    from nnviz import resources
    from nnviz.cli import main
    project = str(resources.path("examples") / "clinical-trial.nnviz")      # ages scaled (x - 13) / 87
    for name, note in (("m.keras", "m.keras: takes raw inputs, computing (x - 13) / 87 first"),
                       ("w.npz", "w.npz: raw inputs need (x - 13) / 87 before the network (noted in the file's "
                                 "metadata)")):
        assert main(["export", project, "-o", str(tmp_path / name)]) == 0
        out, err = capsys.readouterr()
        assert out.strip() == f"wrote {tmp_path / name}" and f"nnviz: note: {note}" in err
    assert [e["class_name"] for e in config_of(tmp_path / "m.keras")["config"]["layers"][:2]] == \
        ["InputLayer", "Normalization"]


FUZZ_MODEL = Sequential([Input((3,)), Dense(2)], seed=1)
#: our exports with a Normalization and with a Rescaling: the fields of their config and metadata
FUZZ_FILES = [keras_bytes(FUZZ_MODEL, InputScaling([1.0, 2.0, 3.0], [2.0, 4.0, 8.0])),
              keras_bytes(FUZZ_MODEL, InputScaling(0.0, [2.0, 4.0, 8.0]))]
SCALING_VALUES = st.one_of(values, st.sampled_from(["Rescaling", "Normalization", [1e308, -1e308], [0.0], [-4.0],
                                                    {"class_name": "__numpy__", "config": {"value": [[1, 2], [3]]}}]))


def fuzz_paths(doc):
    """Every path in ``doc``, those inside the scaling layer's entry three times over."""
    every = [p for p in paths(doc) if p]
    return every + 2 * [p for p in every if p[:3] == ("config", "layers", 1)]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(which=st.sampled_from([0, 1]), member=st.sampled_from(["config.json", "metadata.json"]), data=st.data(),
       value=SCALING_VALUES)
def test_any_field_of_the_config_or_metadata_replaced_is_read_or_refused(tmp_path_factory, which, member, data,
                                                                          value):
    """Whatever a field holds, reading gives the weights and a scaling, or a WeightsError and the model as it was."""
    doc = json.loads(zipfile.ZipFile(io.BytesIO(FUZZ_FILES[which])).read(member))
    path = data.draw(st.sampled_from(fuzz_paths(doc)))
    file = tmp_path_factory.mktemp("k") / "m.keras"
    file.write_bytes(FUZZ_FILES[which])
    rewrite(file, **{member.split(".")[0]: replaced(doc, path, value)})
    other = fresh(FUZZ_MODEL)
    other.set_weights([w + 1 for w in other.get_weights()])
    before = other.get_weights()
    try:
        scaling = read_keras_weights(other, file)
    except WeightsError:
        assert_same_weights_list(other.get_weights(), before)
    else:
        assert scaling is None or isinstance(scaling, InputScaling)
        assert_same_weights(other, FUZZ_MODEL)


# ------------------------------------------------------------------------------------ real Keras
def test_keras_predicts_on_raw_pixels_what_nnviz_predicts(tmp_path, digits, keras, quiet):  # noqa: F811
    model, ds, raw = digits
    model.export(tmp_path / "digits.keras", format="keras", input_scaling=ds)
    km = keras.saving.load_model(tmp_path / "digits.keras")
    scaling = read_keras_weights(fresh(model), tmp_path / "digits.keras")
    want = model.predict(scaling.apply(raw), verbose=0)            # the app's predict path: scaled, then the net
    np.testing.assert_allclose(np.asarray(km.predict(raw, verbose=0)), want, atol=1e-5, rtol=0)
    assert (np.asarray(km.predict(raw, verbose=0)).argmax(1) == want.argmax(1)).all()
    assert [layer.name for layer in km.layers] == ["input_scaling"] + [layer.name for layer in model.layers]
    assert km.count_params() == model.count_params()
    # a Keras model built without the layer still loads the file's weights
    plain = keras.Sequential([keras.layers.Input((64,)), keras.layers.Dense(24, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    plain.load_weights(tmp_path / "digits.keras")
    np.testing.assert_allclose(np.asarray(plain.predict(raw / 16, verbose=0)), want, atol=1e-5, rtol=0)
    # Keras saves a copy (its metadata knows nothing of nnviz): nnviz reads it back with the scaling
    km.save(tmp_path / "resaved.keras")
    other = fresh(model)
    again = read_keras_weights(other, tmp_path / "resaved.keras")
    assert_same_weights(other, model)
    np.testing.assert_array_equal(again.apply(raw), scaling.apply(raw))


def test_keras_applies_a_per_channel_scaling_on_images(tmp_path, keras, quiet):  # noqa: F811
    rng = np.random.default_rng(0)
    scaling = InputScaling([10.0, -3.0, 200.0], [5.0, 0.5, 40.0], "standardized channels")
    model = Sequential([Input((6, 6, 3)), Conv2D(4, 3, activation="tanh"), Flatten(), Dense(3, activation="softmax")],
                       seed=2)
    raw = (scaling.offset + scaling.scale * rng.normal(size=(16, 6, 6, 3))).astype(np.float32)
    model.export(tmp_path / "img.keras", format="keras", input_scaling=scaling)
    km = keras.saving.load_model(tmp_path / "img.keras")
    np.testing.assert_allclose(np.asarray(km.predict(raw, verbose=0)), model.predict(scaling.apply(raw)),
                               atol=1e-5, rtol=0)


def test_nnviz_reads_a_keras_model_with_an_adapted_normalization(tmp_path, digits, keras, quiet):  # noqa: F811
    model, _, raw = digits
    norm = keras.layers.Normalization()
    norm.adapt(raw)
    km = keras.Sequential([keras.layers.Input((64,)), norm, keras.layers.Dense(24, activation="relu"),
                           keras.layers.Dense(10, activation="softmax")])
    km.save(tmp_path / "norm.keras")
    other = fresh(model)
    scaling = read_keras_weights(other, tmp_path / "norm.keras")
    np.testing.assert_allclose(other.predict(scaling.apply(raw)), np.asarray(km.predict(raw, verbose=0)),
                               atol=1e-5, rtol=0)


def test_keras_predicts_on_a_raw_csv_table_what_the_app_predicts(tmp_path, keras, quiet):  # noqa: F811
    """A table the app standardized (one offset and scale per column, fitted on the training split)."""
    from nnviz.io.csv_data import read_csv, to_dataset
    rng = np.random.default_rng(5)
    x = np.column_stack([rng.normal(170, 9, 240), rng.normal(70, 12, 240), rng.normal(0.02, 0.01, 240)])
    y = (x[:, 0] - 170 + 2 * (x[:, 2] - 0.02) * 900 > 0).astype(int)
    text = "height,weight,ratio,y\n" + "\n".join(f"{a:.3f},{b:.3f},{c:.5f},{t}" for (a, b, c), t in zip(x, y))
    ds = to_dataset(read_csv(text), "y", scaling="standardize", test_ratio=0.25, seed=4)
    model = Sequential([Input((3,)), Dense(8, activation="tanh"), Dense(2, activation="softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(ds.x_train, ds.y_train, epochs=5, verbose=0)
    model.export(tmp_path / "table.keras", format="keras", input_scaling=ds)
    raw = ds.scaler.inverse_transform(ds.x_test).astype(np.float32)   # the columns as the CSV holds them
    km = keras.saving.load_model(tmp_path / "table.keras")
    assert type(km.layers[0]).__name__ == "Normalization"
    np.testing.assert_allclose(np.asarray(km.predict(raw, verbose=0)), model.predict(ds.scaler.transform(raw)),
                               atol=1e-5, rtol=0)
    km.save(tmp_path / "resaved.keras")                                 # and back, with its scaling
    assert read_keras_weights(fresh(model), tmp_path / "resaved.keras").same_as(input_scaling_of(ds), rtol=1e-12)


def test_a_large_offset_against_its_scale_keeps_float32_precision(tmp_path, keras, quiet):  # noqa: F811
    """Mean 100,000, std 3: as Rescaling(1/3, -100000/3) Keras was 1.9e-3 off; subtracting first it is not."""
    rng = np.random.default_rng(0)
    scaling = InputScaling([1e5, 0.0], [3.0, 1.0])
    model = Sequential([Input((2,)), Dense(4, activation="tanh"), Dense(1)], seed=0)
    raw = np.column_stack([rng.normal(1e5, 3, 500), rng.normal(0, 1, 500)]).astype(np.float32)
    model.export(tmp_path / "big.keras", format="keras", input_scaling=scaling)
    got = np.asarray(keras.saving.load_model(tmp_path / "big.keras").predict(raw, verbose=0))
    np.testing.assert_allclose(got, model.predict(scaling.apply(raw)), atol=1e-5, rtol=0)
