"""The PyTorch export: a stand-alone script that, run with torch, reproduces ``model.predict``."""

from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest

from nnviz.core import (Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input,
                        MaxPooling2D, Sequential)
from nnviz.io.pytorch_export import export_pytorch, pytorch_script


def every_layer(dtype="float32"):
    model = Sequential([
        Input((9, 7, 3)),
        Conv2D(4, 3, padding="same", activation="relu"),
        BatchNormalization(),
        MaxPooling2D(pool_size=3, strides=2, padding="same"),
        Conv2D(5, (3, 2), strides=2, padding="same", activation="leaky_relu", use_bias=False),
        AveragePooling2D(2, strides=1, padding="same"),
        Dense(6, activation="swish"),
        Activation("softmax"),
        Conv2D(3, 2, activation="elu"),
        AveragePooling2D((2, 1), padding="valid"),
        Flatten(),
        Dropout(0.3),
        Dense(7, activation="softplus"),
        BatchNormalization(),
        Activation("sigmoid"),
        Dense(5, activation="tanh"),
        Dense(4),
        Activation("linear"),
        Dense(3, activation="softmax"),
    ], dtype=dtype, seed=0)
    rng = np.random.default_rng(1)
    for layer in model.layers:
        for k, v in layer.params.items():
            v[...] = rng.uniform(0.5, 1.5, v.shape) if k == "moving_variance" else rng.normal(0, 0.5, v.shape)
    return model


def test_script_is_plain_python_without_nnviz():
    source = pytorch_script(every_layer())
    tree = ast.parse(source)
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"argparse", "base64", "io", "collections", "numpy", "torch"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_script_reproduces_predictions(tmp_path, dtype):
    pytest.importorskip("torch")
    model = every_layer(dtype)
    x = np.random.default_rng(2).normal(size=(6, 9, 7, 3)).astype(dtype)
    export_pytorch(model, tmp_path / "net.py")
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run([sys.executable, str(tmp_path / "net.py"), "--input", str(tmp_path / "x.npy"),
                             "--output", str(tmp_path / "y.npy")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)


def test_script_without_arguments_prints_the_network(tmp_path):
    pytest.importorskip("torch")
    model = Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")], seed=0)
    model.export(tmp_path / "small.py", format="pytorch")
    result = subprocess.run([sys.executable, str(tmp_path / "small.py")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Linear(in_features=2, out_features=3" in result.stdout and "-> output (4, 2)" in result.stdout


def test_build_model_importable(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    model = every_layer()
    export_pytorch(model, tmp_path / "exported_net.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    import exported_net

    net = exported_net.build_model()
    assert not net.training
    x = np.random.default_rng(3).normal(size=(3, 9, 7, 3)).astype(np.float32)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)
    trainable = sum(p.numel() for p in net.parameters())
    assert trainable == model.count_trainable_params()


def test_pytorch_export_needs_py(tmp_path):
    with pytest.raises(ValueError, match=r"\.py"):
        export_pytorch(every_layer(), tmp_path / "net.pt")


def load_script(path):
    """The exported script imported as a module (in this process: faster than a subprocess)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"exported_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_awkward_layer_names_keep_every_layer_and_its_weights(tmp_path):
    """Names that clash once made safe ('a.b' / 'a_b', 'dense' + relu / 'dense_relu'), names PyTorch
    reserves ('forward', 'training'), an empty name and a model name that would end the docstring."""
    torch = pytest.importorskip("torch")
    model = Sequential([Input((3,)), Dense(4, activation="relu", name="dense"), Activation("tanh", name="dense_relu"),
                        Dense(4, name="a.b"), Dense(4, name="a_b"), Dense(4, name="forward"),
                        Dense(4, name="training"), Dense(3, name=""), Dense(2, name="2nd layer")],
                       name='my """net\\', seed=0)
    rng = np.random.default_rng(4)
    for layer in model.layers:
        for v in layer.params.values():
            v[...] = rng.normal(0, 0.7, v.shape)
    export_pytorch(model, tmp_path / "awkward.py")
    net = load_script(tmp_path / "awkward.py").build_model()
    names = [name for name, _ in net.named_children()]
    assert len(names) == len(set(names)) == len(model.layers) + 1  # every layer, plus dense's relu
    assert all(name.isidentifier() for name in names)
    assert names[:3] == ["dense", "dense_relu", "dense_relu_2"]
    x = rng.normal(size=(7, 3)).astype(np.float32)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)


@pytest.mark.parametrize("kernel, strides, padding, shape", [
    ((1, 2), (1, 2), "valid", (6, 3, 1)), ((2, 3), (1, 3), "valid", (8, 5, 1)),
    ((2, 2), (1, 3), "same", (9, 3, 1))])
def test_single_channel_images_convolve_correctly(tmp_path, kernel, strides, padding, shape):
    """Grayscale input permuted to NCHW looks channels-last to PyTorch too; torch 2.13's CPU conv2d then
    returned values off by up to 1e35 for these shapes unless the script hands it a real NCHW copy."""
    torch = pytest.importorskip("torch")
    model = Sequential([Input(shape), Conv2D(3, kernel, strides=strides, padding=padding, activation="relu")],
                       seed=1)
    export_pytorch(model, tmp_path / "gray.py")
    net = load_script(tmp_path / "gray.py").build_model()
    x = np.random.default_rng(5).normal(size=(7, *shape)).astype(np.float32)
    with torch.no_grad():
        y = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)


def test_script_refuses_input_of_the_wrong_shape(tmp_path):
    pytest.importorskip("torch")
    model = Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")], seed=0)
    export_pytorch(model, tmp_path / "small.py")
    np.save(tmp_path / "x.npy", np.zeros((4, 5), np.float32))
    result = subprocess.run([sys.executable, str(tmp_path / "small.py"), "--input", str(tmp_path / "x.npy")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--input must hold a batch shaped (N, 2), got (4, 5)" in result.stderr
    assert "Traceback" not in result.stderr
