"""SimpleRNN, LSTM, GRU (and the Embedding before them) through every file format: weights round trips, Keras 3's cell layout, the PyTorch
script, and — when Keras is installed — Keras opening and continuing what we wrote."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from nnviz.core import GRU, LSTM, Adam, Dense, Embedding, Input, Sequential, SimpleRNN
from nnviz.io.pytorch_export import export_pytorch, pytorch_script
from tests.io.test_keras_format import keras, quiet  # noqa: F401 — the fixtures

h5py = pytest.importorskip("h5py")

from nnviz.io.keras_export import keras_config, weights_h5_bytes  # noqa: E402


def stacked(dtype="float32", seed=0, **kwargs):
    model = Sequential([Input((5, 3)), SimpleRNN(4, return_sequences=True), LSTM(3, return_sequences=True, **kwargs),
                        GRU(2, **kwargs), Dense(2, activation="softmax")], dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 1)
    for layer in model.layers:
        if "bias" in layer.params:
            layer.params["bias"][...] = rng.normal(0, 0.5, layer.params["bias"].shape)
    return model


@pytest.mark.parametrize("ext", [".npz", ".json", ".weights.h5"])
def test_weights_round_trip_bit_exact(tmp_path, ext):
    model, other = stacked(seed=0), stacked(seed=1)
    model.save_weights(tmp_path / f"w{ext}")
    other.load_weights(tmp_path / f"w{ext}")
    for a, b in zip(model.get_weights(), other.get_weights()):
        assert a.tobytes() == b.tobytes()


def test_weights_h5_keeps_recurrent_variables_in_a_cell_as_keras_3_does():
    """What Keras 3.x writes for the same model: an empty ``vars`` beside ``cell/vars`` with kernel,
    recurrent_kernel, bias; the cell named after the class (``lstm_cell``)."""
    model = stacked()
    with h5py.File(io.BytesIO(weights_h5_bytes(model)), "r") as f:
        assert sorted(f["layers"].keys()) == ["dense", "gru", "lstm", "simple_rnn"]
        for key, layer in zip(["simple_rnn", "lstm", "gru"], model.layers):
            group = f[f"layers/{key}"]
            assert sorted(group.keys()) == ["cell", "vars"]
            assert dict(group["vars"].attrs) == {"name": layer.name} and len(group["vars"]) == 0
            cell = group["cell/vars"]
            assert dict(cell.attrs) == {"name": f"{key}_cell"}
            assert sorted(cell.keys()) == ["0", "1", "2"]
            for i, name in enumerate(["kernel", "recurrent_kernel", "bias"]):
                assert cell[str(i)][()].tobytes() == layer.params[name].tobytes()
        assert f["layers/gru/cell/vars/2"].shape == (2, 6)        # input and recurrent bias rows
        assert f["layers/lstm/cell/vars/0"].shape == (4, 12)      # four gates side by side


def test_keras_config_of_recurrent_layers():
    layers = keras_config(stacked())["config"]["layers"]
    lstm, gru = layers[2]["config"], layers[3]["config"]
    assert (layers[2]["class_name"], layers[3]["class_name"]) == ("LSTM", "GRU")
    assert lstm["return_sequences"] is True and lstm["unit_forget_bias"] is True and lstm["units"] == 3
    assert lstm["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert gru["reset_after"] is True and gru["recurrent_activation"] == "sigmoid" and gru["return_sequences"] is False
    assert layers[2]["build_config"]["input_shape"] == [None, 5, 4]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pytorch_script_reproduces_recurrent_predictions(tmp_path, dtype):
    pytest.importorskip("torch")
    model = stacked(dtype)
    x = np.random.default_rng(2).normal(size=(7, 5, 3)).astype(dtype)
    export_pytorch(model, tmp_path / "net.py")
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run([sys.executable, str(tmp_path / "net.py"), "--input", str(tmp_path / "x.npy"),
                             "--output", str(tmp_path / "y.npy")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x), atol=1e-5 if dtype == "float32" else 1e-12,
                               rtol=0)
    source = pytorch_script(model)
    assert "nn.LSTM(4, 3, bias=True, batch_first=True)" in source and "nn.GRU(3, 2" in source


def test_pytorch_export_refuses_activations_torch_layers_lack():
    with pytest.raises(ValueError, match=r"layer 'lstm' \(LSTM\) uses activation='relu'.*fixed to tanh and sigmoid"):
        pytorch_script(Sequential([Input((3, 2)), LSTM(2, activation="relu")]))
    with pytest.raises(ValueError, match="nn.RNN offers tanh and relu only"):
        pytorch_script(Sequential([Input((3, 2)), SimpleRNN(2, activation="sigmoid")]))


# ----------------------------------------------------------------------------------- real Keras
def test_keras_opens_our_recurrent_model_and_training_continues_identically(tmp_path, keras, quiet):  # noqa: F811
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 5, 3)).astype(np.float32)
    y = rng.integers(0, 2, 16)
    model = stacked()
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    model.export(tmp_path / "m.keras", format="keras")
    km = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(km.predict(x, verbose=0)), model.predict(x), atol=1e-5, rtol=0)
    kw = keras.models.clone_model(km)
    kw.save_weights(tmp_path / "keras.weights.h5")           # Keras writes, we read
    other = stacked(seed=3)
    other.load_weights(tmp_path / "keras.weights.h5")
    for a, b in zip(other.get_weights(), kw.get_weights()):
        assert a.tobytes() == np.asarray(b).tobytes()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    km.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), km.get_weights()):
        np.testing.assert_allclose(np.asarray(b), a, atol=1e-5, rtol=0)
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert "model.weights.h5" in zf.namelist()


def reviews_model():
    model = Sequential([Input((6,)), Embedding(25, 4), LSTM(3), Dense(1, activation="sigmoid")], seed=2)
    rng = np.random.default_rng(3)
    model.layers[0].params["embeddings"][...] = rng.normal(0, 0.5, (25, 4))
    return model, rng.integers(0, 25, (7, 6)).astype(np.float32)


def test_pytorch_script_looks_tokens_up_like_the_embedding(tmp_path):
    pytest.importorskip("torch")
    model, x = reviews_model()
    export_pytorch(model, tmp_path / "net.py")
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run([sys.executable, str(tmp_path / "net.py"), "--input", str(tmp_path / "x.npy"),
                             "--output", str(tmp_path / "y.npy")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x), atol=1e-6, rtol=0)
    assert "TokenEmbedding(25, 4)" in pytorch_script(model)


def test_embedding_in_keras_files(tmp_path, keras, quiet):  # noqa: F811
    model, x = reviews_model()
    entry = keras_config(model)["config"]["layers"][1]
    assert entry["class_name"] == "Embedding" and (entry["config"]["input_dim"], entry["config"]["output_dim"]) == (25, 4)
    with h5py.File(io.BytesIO(weights_h5_bytes(model)), "r") as f:
        assert f["layers/embedding/vars/0"][()].tobytes() == model.layers[0].params["embeddings"].tobytes()
    model.export(tmp_path / "m.keras", format="keras")
    km = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(km.predict(x, verbose=0)), model.predict(x), atol=1e-6, rtol=0)
