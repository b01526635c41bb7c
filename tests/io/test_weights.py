"""Weights files (.npz, .weights.h5, .json): bit-exact round trips, Keras 3's h5 layout, clear refusals,
and atomic writes for every file nnviz writes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.core import (Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D,
                        Sequential)
from nnviz.io import weights as weights_mod
from nnviz.io.keras_export import layer_keys, read_weights_h5_bytes, snake_case, weights_h5_bytes
from nnviz.io.weights import WeightsError, read_json, read_npz
from tests.io.zip_bombs import peak_memory_of, zeros_zip, zip_of

h5py = pytest.importorskip("h5py")

FORMATS = ["npz", "weights.h5", "json"]


def cnn(dtype="float32", seed=0):
    model = Sequential([Input((6, 6, 2)), Conv2D(3, 3, padding="same", activation="relu"), BatchNormalization(),
                        MaxPooling2D(), Conv2D(4, 2, activation="elu", use_bias=False), Flatten(), Dropout(0.3),
                        Dense(5, activation="tanh"), BatchNormalization(), Activation("swish"),
                        Dense(3, activation="softmax")], dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for layer in model.layers:  # every weight non-trivial, so a mix-up cannot go unnoticed
        for k, v in layer.params.items():
            v[...] = rng.uniform(0.5, 1.5, v.shape) if k == "moving_variance" else rng.normal(size=v.shape)
    return model


def mlp(seed=1):
    return Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")], seed=seed)


def exactly_equal(a: Sequential, b: Sequential):
    assert a.weight_keys() == b.weight_keys()
    for key, x, y in zip(a.weight_keys(), a.get_weights(), b.get_weights()):
        assert x.dtype == y.dtype and x.shape == y.shape, key
        assert x.tobytes() == y.tobytes(), key


# ----------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ext", FORMATS)
def test_round_trip_is_bit_exact(tmp_path, ext, dtype):
    source = cnn(dtype, seed=0)
    target = cnn(dtype, seed=7)
    path = tmp_path / f"w.{ext}"
    source.save_weights(path)
    target.load_weights(path)
    exactly_equal(source, target)
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 2))
    np.testing.assert_array_equal(source.predict(x), target.predict(x))


def test_json_is_readable_for_people(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "w.json")
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["format"] == "nnviz-weights" and doc["version"] == 1 and doc["dtype"] == "float32"
    assert doc["layers"]["dense"]["kernel"]["shape"] == [2, 3]
    assert np.array_equal(np.float32(doc["layers"]["dense"]["kernel"]["values"]), model.get_weights()[0])
    assert (tmp_path / "w.json").read_text().count("\n") > 5  # indented, not one long line


def test_npz_keys_are_weight_keys(tmp_path):
    model = cnn()
    model.save_weights(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as npz:
        assert sorted(npz.files) == sorted(model.weight_keys())
        assert "batch_normalization/moving_variance" in npz.files


def test_json_with_plain_nested_lists(tmp_path):
    """A hand-written file may give each weight as bare nested lists, without the shape."""
    model = mlp()
    doc = {"format": "nnviz-weights", "version": 1,
           "layers": {"dense": {"kernel": [[1, 2, 3], [4, 5, 6]], "bias": [0, 0, 0]},
                      "dense_1": {"kernel": [[1, 0], [0, 1], [1, 1]], "bias": [0.5, -0.5]}}}
    (tmp_path / "w.json").write_text(json.dumps(doc))
    model.load_weights(tmp_path / "w.json")
    np.testing.assert_array_equal(model.get_weights()[0], [[1, 2, 3], [4, 5, 6]])
    doc["layers"]["dense"]["kernel"] = [[1, 2, 3], [4, 5]]
    (tmp_path / "w.json").write_text(json.dumps(doc))
    with pytest.raises(WeightsError, match="dense/kernel is not a rectangular array"):
        model.load_weights(tmp_path / "w.json")


def test_unknown_extension(tmp_path):
    with pytest.raises(WeightsError, match=r"\.npz, \.weights\.h5 or \.json"):
        mlp().save_weights(tmp_path / "w.bin")
    with pytest.raises(WeightsError, match=r"end in '\.weights\.h5'"):
        mlp().save_weights(tmp_path / "w.h5")


# ----------------------------------------------------------------------------------- Keras 3 layout
def test_h5_layout_matches_keras3(tmp_path):
    """The structure keras.Model.save_weights writes for this Sequential (checked against Keras 3.x):
    /vars (attrs name=<model>), /layers/<class in snake case, numbered>/vars (attrs name=<layer>) with
    datasets 0..n in Keras' variable order, empty vars groups for layers without weights, no root attrs."""
    model = cnn()
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5", "r") as f:
        assert dict(f.attrs) == {}
        assert sorted(f.keys()) == ["layers", "vars"]
        assert dict(f["vars"].attrs) == {"name": "sequential"} and len(f["vars"]) == 0
        assert sorted(f["layers"].keys()) == sorted([
            "conv2d", "batch_normalization", "max_pooling2d", "conv2d_1", "flatten", "dropout", "dense",
            "batch_normalization_1", "activation", "dense_1"])
        expected = {
            "conv2d": [(3, 3, 2, 3), (3,)],
            "batch_normalization": [(3,)] * 4,
            "max_pooling2d": [],
            "conv2d_1": [(2, 2, 3, 4)],             # use_bias=False: the kernel only
            "flatten": [], "dropout": [], "activation": [],
            "dense": [(16, 5), (5,)],
            "batch_normalization_1": [(5,)] * 4,
            "dense_1": [(5, 3), (3,)],
        }
        for key, layer in zip(layer_keys(model), model.layers):
            group = f["layers"][key]
            assert list(group.keys()) == ["vars"]
            assert dict(group.attrs) == {}
            vars_ = group["vars"]
            assert dict(vars_.attrs) == {"name": layer.name}
            assert sorted(vars_.keys(), key=int) == [str(i) for i in range(len(expected[key]))]
            for i, shape in enumerate(expected[key]):
                ds = vars_[str(i)]
                assert ds.shape == shape and ds.dtype == np.float32 and dict(ds.attrs) == {}
                np.testing.assert_array_equal(ds[()], layer.params[layer.weight_names[i]])
        # BatchNormalization: gamma, beta, moving_mean, moving_variance (trainable first, as Keras)
        bn = model.layers[1]
        for i, k in enumerate(["gamma", "beta", "moving_mean", "moving_variance"]):
            np.testing.assert_array_equal(f["layers/batch_normalization/vars"][str(i)][()], bn.params[k])


def test_keras_snake_case_names():
    assert [snake_case(n) for n in ["Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization",
                                    "Flatten", "Dropout", "Activation"]] == [
        "dense", "conv2d", "max_pooling2d", "average_pooling2d", "batch_normalization", "flatten", "dropout",
        "activation"]


def test_h5_groups_follow_layer_order_not_layer_names(tmp_path):
    """Keras addresses layers by class and position, so renamed layers still load."""
    a = Sequential([Input((2,)), Dense(3, name="hidden"), Dense(2, name="out")], seed=1)
    b = Sequential([Input((2,)), Dense(3), Dense(2)], seed=2)
    a.save_weights(tmp_path / "a.weights.h5")
    b.load_weights(tmp_path / "a.weights.h5")
    for x, y in zip(a.get_weights(), b.get_weights()):
        assert x.tobytes() == y.tobytes()


def test_reads_a_keras_written_file(tmp_path):
    """A file in the layout Keras 3 writes for a compiled, trained model (with an /optimizer group, which
    holds no layer weights and is ignored)."""
    model = mlp()
    data = weights_h5_bytes(model)
    with h5py.File(io.BytesIO(data), "a") as f:
        opt = f.create_group("optimizer").create_group("vars")
        opt.attrs["name"] = "adam"
        opt["0"] = np.int64(3)
        opt["1"] = np.float32(0.001)
    named = read_weights_h5_bytes(mlp(seed=5), data)
    assert set(named) == set(model.weight_keys())


# ----------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("ext", FORMATS)
def test_weights_that_do_not_fit_are_refused_listing_shapes(tmp_path, ext):
    path = tmp_path / f"w.{ext}"
    Sequential([Input((2,)), Dense(4, activation="relu"), Dense(2, activation="softmax")], seed=0).save_weights(path)
    target = mlp()
    before = target.get_weights()
    with pytest.raises(WeightsError) as info:
        target.load_weights(path)
    msg = str(info.value)
    assert "do not fit" in msg
    assert "dense/kernel: expected (2, 3), found (2, 4)" in msg
    assert "dense_1/kernel: expected (3, 2), found (4, 2)" in msg
    for a, b in zip(before, target.get_weights()):  # untouched
        assert np.array_equal(a, b)


def test_missing_and_extra_layers_are_listed(tmp_path):
    Sequential([Input((2,)), Dense(3), Dense(3), Dense(2)], seed=0).save_weights(tmp_path / "w.npz")
    with pytest.raises(WeightsError) as info:
        mlp().load_weights(tmp_path / "w.npz")
    msg = str(info.value)
    assert "dense_1/kernel: expected (3, 2), found (3, 3)" in msg and "dense_2/kernel: not in the architecture" in msg
    mlp().save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(WeightsError) as info:
        Sequential([Input((2,)), Dense(3), Dense(3), Dense(2)], seed=0).load_weights(tmp_path / "m.weights.h5")
    assert "dense_2/kernel: expected (3, 2), found nothing" in str(info.value)


@pytest.mark.parametrize("bad", [np.zeros((2, 3), np.int32), np.zeros((2, 3), bool), np.zeros((2, 3), complex),
                                 np.array([["x"] * 3] * 2)])
def test_wrong_dtypes_are_refused(tmp_path, bad):
    named = weights_mod.named_weights(mlp())
    named["dense/kernel"] = bad
    (tmp_path / "w.npz").write_bytes(weights_mod.npz_bytes(named))
    with pytest.raises(WeightsError, match="dense/kernel"):
        mlp().load_weights(tmp_path / "w.npz")


def test_damaged_files(tmp_path):
    model = mlp()
    for ext in FORMATS:
        path = tmp_path / f"w.{ext}"
        model.save_weights(path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(WeightsError):
            model.load_weights(path)
        path.write_bytes(b"")
        with pytest.raises(WeightsError):
            model.load_weights(path)
    with pytest.raises(WeightsError, match="cannot read"):
        model.load_weights(tmp_path / "missing.npz")
    (tmp_path / "x.json").write_text('{"format": "nnviz-weights", "version": 2, "layers": {}}')
    with pytest.raises(WeightsError, match="newer nnviz"):
        model.load_weights(tmp_path / "x.json")
    (tmp_path / "x.json").write_text('{"format": "nnviz-weights",\n "version": 1,\n "layers": [}')
    with pytest.raises(WeightsError, match="line 3, column"):
        model.load_weights(tmp_path / "x.json")


def weights_json(**changes) -> str:
    """The JSON weights file of ``mlp()`` with ``changes`` to the document or (``dense_bias=``) to dense/bias."""
    doc = weights_mod.json_document(mlp())
    if "dense_bias" in changes:
        doc["layers"]["dense"]["bias"] = changes.pop("dense_bias")
    return json.dumps({**doc, **changes})


@pytest.mark.parametrize("text, fragment", [
    (weights_json(dense_bias=["N", 0, 0]).replace('"N"', "1" * 5000), "more digits than nnviz reads"),
    (weights_json().replace('"version": 1', '"version": ' + "1" * 5000), "more digits than nnviz reads"),
    (weights_json(dense_bias=[1e300, 0, 0]), "dense/bias in 'w.json' holds values too large for the model's float32"),
    (weights_json(dense_bias=["1", "2", "3"]), "dense/bias is not a rectangular array of numbers"),
    (weights_json(dense_bias=[True, False, True]), "dense/bias is not a rectangular array of numbers"),
    (weights_json(dense_bias={"shape": [0, 10 ** 30], "values": []}), 'dense/bias has an invalid "shape"'),
    (weights_json(dense_bias={"shape": [0] * 100, "values": []}), 'dense/bias has an invalid "shape"'),
    (weights_json(version=0), 'has no valid "version"'),
])
def test_damaged_json_says_what_is_wrong(tmp_path, monkeypatch, text, fragment):
    """Import weights shows WeightsError's message; anything else would be a traceback."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.json").write_text(text)
    model = mlp()
    before = model.get_weights()
    with pytest.raises(WeightsError, match=re.escape(fragment)):
        model.load_weights("w.json")
    for a, b in zip(before, model.get_weights()):
        assert a.tobytes() == b.tobytes()


def test_float64_weights_beyond_float32_are_refused(tmp_path):
    named = weights_mod.named_weights(mlp())
    named["dense/kernel"] = named["dense/kernel"].astype(np.float64) * 1e300
    (tmp_path / "w.npz").write_bytes(weights_mod.npz_bytes(named))
    with pytest.raises(WeightsError, match=r"dense/kernel in .* too large for the model's float32 \(beyond ±3.4e"):
        mlp().load_weights(tmp_path / "w.npz")
    wide = Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")],
                      dtype="float64")  # a float64 model holds them
    wide.load_weights(tmp_path / "w.npz")
    assert np.abs(wide.get_weights()[0]).max() > 1e299


def test_nan_weights_are_refused(tmp_path):
    named = weights_mod.named_weights(mlp())
    named["dense/bias"][1] = np.nan
    (tmp_path / "w.npz").write_bytes(weights_mod.npz_bytes(named))
    with pytest.raises(WeightsError, match="NaN"):
        mlp().load_weights(tmp_path / "w.npz")


# ----------------------------------------------------------------------------------- zip bombs
BOMB_MEMBER = {"npz": "dense/kernel.npy", "keras": "model.weights.h5"}  # the member each file's weights are in


def refused_within(path, limit: int, *fragments) -> None:
    def load():
        with pytest.raises(WeightsError) as info:
            mlp().load_weights(path)
        for fragment in fragments:
            assert fragment in str(info.value), str(info.value)

    peak = peak_memory_of(load)
    assert peak < limit, f"{peak:,} bytes allocated to refuse a {os.path.getsize(path):,}-byte file"


@pytest.mark.parametrize("ext", ["npz", "keras"])
def test_weights_whose_sizes_lie_are_refused_without_inflating_them(tmp_path, ext):
    """64 MB of zeros in 64 kB, declared as 100 bytes: refused, and never inflated in memory."""
    path = tmp_path / f"w.{ext}"
    path.write_bytes(zeros_zip({}, BOMB_MEMBER[ext], 64 << 20, declared=100))
    refused_within(path, 8 << 20, BOMB_MEMBER[ext], "damaged")


@pytest.mark.parametrize("ext", ["npz", "keras"])
def test_weights_larger_than_the_model_needs_are_refused_unread(tmp_path, ext):
    path = tmp_path / f"w.{ext}"
    path.write_bytes(zeros_zip({}, BOMB_MEMBER[ext], 64 << 20))  # honest sizes: 64 MB for 17 weights
    refused_within(path, 8 << 20, "implausibly large", "more than the 17 weights of model 'sequential'")


@pytest.mark.parametrize("ext", ["npz", "keras"])
@pytest.mark.parametrize("method, name", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA")])
def test_weights_in_compressions_without_a_bounded_reader_are_refused(tmp_path, ext, method, name):
    """bzip2 packs 100 MB of zeros into 113 bytes, and zipfile inflates such a member whole before
    checking its size: nnviz reads deflate (what it writes) and stored members only."""
    path = tmp_path / f"w.{ext}"
    if ext == "keras":
        mlp().export(path, format="keras")
    else:
        mlp().save_weights(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    path.write_bytes(zip_of(members, method))
    with pytest.raises(WeightsError, match=f"{BOMB_MEMBER[ext]} in .* compression nnviz does not read \\({name}\\)"):
        mlp().load_weights(path)


# ----------------------------------------------------------------------------------- atomic writes
class HalfWriter:
    """A file proxy that writes half of the first large chunk, then fails like a full disk."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        self._f.write(data[: max(len(data) // 2, 1)])
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._f, name)


def _writers():
    from nnviz.io import history, keras_export, onnx_export, project, pytorch_export, weights
    from nnviz.core.training import TrainingConfig

    def save_project(model, path):
        project.save_project(path, project.Project.from_model(model, TrainingConfig(), {"name": "xor", "params": {}}))

    return {
        "w.npz": (weights, weights.save_weights),
        "w.weights.h5": (keras_export, weights.save_weights),
        "w.json": (weights, weights.save_weights),
        "m.onnx": (onnx_export, onnx_export.export_onnx),
        "m.keras": (keras_export, keras_export.export_keras),
        "m.py": (pytorch_export, pytorch_export.export_pytorch),
        "p.nnviz": (project, save_project),
        "h.csv": (history, lambda model, path: history.save_history_csv({"loss": [1.0, 0.5]}, path)),
    }


@pytest.mark.parametrize("name", ["w.npz", "w.weights.h5", "w.json", "m.onnx", "m.keras", "m.py", "p.nnviz", "h.csv"])
def test_failure_mid_write_leaves_the_previous_file(tmp_path, monkeypatch, name):
    if name == "m.onnx":
        pytest.importorskip("onnx")
    module, write = _writers()[name]
    path = tmp_path / name
    path.write_bytes(b"the previous file")
    real = module.atomic_write

    @contextlib.contextmanager
    def failing(p, mode="wb", **kw):
        with real(p, mode, **kw) as f:
            yield HalfWriter(f)

    monkeypatch.setattr(module, "atomic_write", failing)
    with pytest.raises(OSError, match="No space"):
        write(cnn(), path)
    assert path.read_bytes() == b"the previous file"
    assert sorted(os.listdir(tmp_path)) == [name]  # the temporary file is gone too
    monkeypatch.undo()
    write(cnn(), path)  # and without the fault the same call succeeds
    assert path.read_bytes() != b"the previous file"


# ----------------------------------------------------------------------------------- fuzzing
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid(fmt):
    model = cnn()
    if fmt == "npz":
        return weights_mod.npz_bytes(weights_mod.named_weights(model))
    if fmt == "h5":
        return weights_h5_bytes(model)
    return json.dumps(weights_mod.json_document(model)).encode()


def _load(fmt, data):
    model = cnn(seed=3)
    before = model.get_weights()
    try:
        if fmt == "npz":
            named = read_npz(data)
        elif fmt == "h5":
            named = read_weights_h5_bytes(model, data)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return
            named = read_json(text)
        weights_mod.set_named_weights(model, named)
    except WeightsError as exc:
        assert str(exc)
        for a, b in zip(before, model.get_weights()):
            assert np.array_equal(a, b)


@FUZZ
@given(fmt=st.sampled_from(["npz", "h5", "json"]), data=st.data())
def test_fuzz_truncated_flipped_and_random(fmt, data):
    valid = _valid(fmt)
    _load(fmt, valid[: data.draw(st.integers(0, len(valid) - 1))])
    flipped = bytearray(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        flipped[data.draw(st.integers(0, len(valid) - 1))] ^= data.draw(st.integers(1, 255))
    _load(fmt, bytes(flipped))
    _load(fmt, data.draw(st.binary(max_size=500)))


@FUZZ
@given(data=st.data())
def test_fuzz_wrong_shapes_and_dtypes(data):
    model = cnn()
    named = weights_mod.named_weights(model)
    key = data.draw(st.sampled_from(sorted(named)))
    shape = tuple(data.draw(st.lists(st.integers(0, 4), max_size=4)))
    dtype = data.draw(st.sampled_from(["float32", "float64", "float16", "int64", "uint8", "bool", "complex128", "U2"]))
    named[key] = np.zeros(shape, dtype)
    fits = shape == tuple(model.get_weights()[model.weight_keys().index(key)].shape)
    ok = fits and np.dtype(dtype).kind == "f"
    for fmt in ("npz", "json"):
        if fmt == "npz":
            data_bytes = weights_mod.npz_bytes(named)
        else:
            if np.dtype(dtype).kind in "cU":
                continue
            doc = weights_mod.json_document(model)
            layer, w = key.split("/")
            doc["layers"][layer][w] = {"shape": list(shape), "values": named[key].tolist()}
            data_bytes = json.dumps(doc).encode()
        target = cnn(seed=4)
        try:
            named_back = read_npz(data_bytes) if fmt == "npz" else read_json(data_bytes.decode())
            weights_mod.set_named_weights(target, named_back)
            assert ok or (fmt == "json" and fits), (fmt, key, shape, dtype)  # JSON numbers are floats by nature
        except WeightsError:
            assert not ok, (fmt, key, shape, dtype)
