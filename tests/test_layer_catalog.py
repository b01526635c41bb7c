"""Every registered layer type, the same checks: the catalog describes it truthfully, its gradients match finite
differences, ONNX / PyTorch / Keras exports give ``predict``'s numbers (or a clear "cannot export"), and the
backprop trace explains it. A layer added to the core is checked here without a line of its own."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnviz.core import Dense, Layer, Sequential
from nnviz.core.catalog import CATALOG, LAYER_CLASSES, LayerSpec, OptionSpec, default_options, layer_types, spec_for
from nnviz.core.trace import backprop_trace
from tests.core.gradcheck import numeric_grad, rel_error
from tests.layer_hosts import batch, host_model, index_in_host

NAMES = list(CATALOG)

#: what the document offered before the catalog existed (palette order and a fresh layer's settings): the
#: catalog must keep both, so pointing the document at it changes nothing a user sees
TODAYS_LAYER_TYPES = ("Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dropout", "Activation",
                      "BatchNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU")
TODAYS_DEFAULT_OPTIONS = {
    "Dense": {"units": 16, "activation": "relu"},
    "Conv2D": {"filters": 16, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
    "MaxPooling2D": {"pool_size": [2, 2]},
    "AveragePooling2D": {"pool_size": [2, 2]},
    "Flatten": {},
    "Dropout": {"rate": 0.2},
    "Activation": {"activation": "relu"},
    "BatchNormalization": {},
    "Embedding": {"input_dim": 100, "output_dim": 8},
    "SimpleRNN": {"units": 16},
    "LSTM": {"units": 16},
    "GRU": {"units": 16},
}


def test_catalog_keeps_todays_palette_order_and_defaults():
    assert [n for n in CATALOG if n in TODAYS_LAYER_TYPES] == list(TODAYS_LAYER_TYPES)
    for name, options in TODAYS_DEFAULT_OPTIONS.items():
        assert CATALOG[name].defaults == options, name
    with pytest.raises(TypeError):                     # no caller changes what the next new layer starts with
        CATALOG["Dense"].defaults["units"] = 1
    config = CATALOG["Conv2D"].default_config()
    config["kernel_size"][0] = 9
    assert CATALOG["Conv2D"].default_config()["kernel_size"] == [3, 3]


def test_the_documents_tables_are_the_catalogs():
    from nnviz.session import document

    assert document.LAYER_TYPES == layer_types() == tuple(CATALOG)
    assert document.DEFAULT_OPTIONS == default_options()
    assert {n: document.DEFAULT_OPTIONS[n] for n in TODAYS_DEFAULT_OPTIONS} == TODAYS_DEFAULT_OPTIONS


def test_spec_for_takes_a_class_an_instance_or_a_name():
    assert spec_for(Dense) is spec_for(Dense(3)) is spec_for("Dense") is CATALOG["Dense"]
    with pytest.raises(KeyError, match="unknown layer type 'Dence'.*Dense"):
        spec_for("Dence")
    assert dict(LAYER_CLASSES) == {n: s.layer_class for n, s in CATALOG.items()}


def test_a_layer_declares_itself_in_its_own_class_and_a_bad_spec_fails_at_definition():
    class Doubler(Layer):
        """a = 2x"""
        catalog = LayerSpec(category="core", order=999, summary="Doubles", description="a = 2·x",
                            defaults={"factor": 2}, options=(OptionSpec("factor", "int", "Factor", minimum=1),))

        def __init__(self, factor=2, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

    try:
        assert list(CATALOG)[-1] == "Doubler" and LAYER_CLASSES["Doubler"] is Doubler
        assert spec_for("Doubler").describe({}) == "Doubler"
    finally:
        del CATALOG["Doubler"]
    with pytest.raises(ValueError, match="offers option 'units', which Tripler\\(\\) does not take"):
        class Tripler(Layer):
            catalog = LayerSpec(category="core", summary="", description="",
                                options=(OptionSpec("units", "int", "Units"),))
    with pytest.raises(ValueError, match="kind must be one of"):
        OptionSpec("x", "colour", "X")
    assert "Tripler" not in CATALOG


@pytest.mark.parametrize("name", NAMES)
def test_spec_describes_the_layer(name):
    spec = CATALOG[name]
    assert spec.class_name == name and spec.layer_class.__name__ == name and spec.layer_class.catalog is spec
    assert spec.summary and spec.description and spec.describe(spec.default_config()).startswith(name)
    layer = spec.layer_class.from_config(spec.default_config())       # the defaults make a layer
    config = layer.get_config()
    for option in spec.options:                                      # every option is a real setting of it
        assert option.key in config, f"{name} offers {option.key!r}, which its config does not have"
        assert option.label and option.tooltip, f"{name}.{option.key} needs a label and a tool tip"


@pytest.mark.parametrize("name", NAMES)
def test_gradients_match_finite_differences(name):
    model = host_model(name)
    x, y = batch(name)

    def reseed():   # the same dropout masks in every evaluation
        for layer in model.layers:
            layer.rng = np.random.default_rng(7)

    reseed()
    grads = model.compute_gradients(x, y)
    keys = model.weight_keys()
    frozen = {(l.name, k): l.params[k].copy() for l in model.layers for k in l.non_trainable_names if k in l.params}

    def cost():
        reseed()
        for (lname, k), v in frozen.items():
            model.get_layer(lname).params[k][...] = v
        return float(model.loss(y, model(x, training=True)))

    checked = 0
    for layer in model.layers:
        for k in layer.trainable_names:
            g = grads[keys.index(f"{layer.name}/{k}")]
            assert rel_error(g, numeric_grad(cost, layer.params[k])) < 1e-6, f"{layer.name}/{k}"
            checked += 1
    assert checked >= 2


def _cannot_export(name, fmt, excinfo):
    assert f"cannot export {name} to {fmt}" in str(excinfo.value)


@pytest.mark.parametrize("name", NAMES)
def test_onnx_export_equals_predict(name):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from nnviz.io.onnx_export import build_onnx

    model = host_model(name, dtype="float32")
    x, _ = batch(name, n=5)
    try:
        proto = build_onnx(model)
    except ValueError as exc:
        pytest.fail(f"{name} has no ONNX export: {exc}")
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(["output"], {"input": x.astype(np.float32)})[0]
    np.testing.assert_allclose(got, model.predict(x.astype(np.float32)), atol=2e-5, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_export_equals_predict(name, tmp_path):
    torch = pytest.importorskip("torch")
    from nnviz.io.pytorch_export import export_pytorch
    from tests.io.test_pytorch_export import load_script

    model = host_model(name, dtype="float32")
    x, _ = batch(name, n=5)
    export_pytorch(model, tmp_path / f"{name.lower()}.py")
    net = load_script(tmp_path / f"{name.lower()}.py").build_model()
    with torch.no_grad():
        got = net(torch.from_numpy(x.astype(np.float32))).numpy()
    np.testing.assert_allclose(got, model.predict(x.astype(np.float32)), atol=2e-5, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_keras_export_has_the_layer_its_settings_and_weights(name, tmp_path):
    pytest.importorskip("h5py")
    from nnviz.io.keras_export import keras_config, read_weights_h5, write_weights_h5

    model = host_model(name, dtype="float32")
    entry = keras_config(model)["config"]["layers"][1 + index_in_host(name)]
    assert entry["class_name"] == name and entry["module"] == "keras.layers"
    for option in CATALOG[name].options:    # the editor's settings under Keras' names
        assert option.key in entry["config"], f"{name}: Keras config lacks {option.key!r}"
    json.dumps(entry)
    write_weights_h5(model, tmp_path / "w.weights.h5")
    other = host_model(name, dtype="float32", seed=5)
    read_weights_h5(other, tmp_path / "w.weights.h5")
    x, _ = batch(name, n=3)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))


def test_a_layer_no_exporter_knows_says_so():
    from nnviz.io.keras_export import keras_config
    from nnviz.io.onnx_export import build_onnx
    from nnviz.io.pytorch_export import pytorch_script

    class Opaque(Layer):
        def __init__(self, table=None, **kwargs):
            super().__init__(**kwargs)
            self.table = table

        def forward(self, x, training=False):
            return x

        def get_config(self):
            return {**super().get_config(), "table": {"a": 1}}

    model = Sequential([Dense(2, input_shape=(3,)), Opaque()])
    for fmt, export in (("ONNX", build_onnx), ("PyTorch", pytorch_script), ("Keras", keras_config)):
        with pytest.raises(ValueError) as excinfo:
            export(model)
        _cannot_export("Opaque", fmt, excinfo)


@pytest.mark.parametrize("name", NAMES)
def test_the_trace_explains_the_layer(name):
    model = host_model(name)
    x, y = batch(name, n=2)
    l = index_in_host(name) + 1                        # the course's layer numbers start at 1
    for granularity in ("layer", "unit"):
        trace = backprop_trace(model, x, y, granularity=granularity)
        mine = [s for s in trace.steps if s.layer_index == l]
        assert {"forward", "backward"} <= {s.phase for s in mine}, (granularity, [s.title for s in mine])
        for s in mine:
            assert s.layer_name == model.layers[l - 1].name and s.to_html()
