"""The ``nnviz`` command line: train an example headless, export it, and exit codes scripts can rely on."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from nnviz import cli
from nnviz.io.history import history_csv, read_history_csv, save_history_csv
from nnviz.io.project import load_project

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "resources", "examples")
EPOCH_LINE = re.compile(r"^\d+/\d+ - \d+s - loss: \d+\.\d{4} - accuracy: \d\.\d{4}$")


@pytest.fixture
def xor(tmp_path):
    path = tmp_path / "xor.nnviz"
    shutil.copy(os.path.join(EXAMPLES, "xor.nnviz"), path)
    return path


def test_help_everywhere(capsys):
    for argv in (["--help"], ["train", "--help"], ["export", "--help"], ["summary", "--help"]):
        assert cli.main(argv) == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: nnviz")
    assert cli.main(["--help"]) == 0
    assert "exit codes" in capsys.readouterr().out
    assert cli.main(["export", "--help"]) == 0
    assert "pytorch" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys, xor, tmp_path):
    assert cli.main(["frobnicate"]) == 2
    assert cli.main(["train"]) == 2                                   # no project
    assert cli.main(["train", str(xor), "--epochs", "zero"]) == 2
    assert cli.main(["train", str(xor), "--epochs", "0"]) == 2
    assert cli.main(["export", str(xor), "--format", "tflite", "-o", "m.tflite"]) == 2
    assert cli.main(["export", str(xor), "--format", "onnx", "-o", str(tmp_path / "m.npz")]) == 2
    assert cli.main(["export", str(xor), "-o", str(tmp_path / "m.bin")]) == 2
    assert cli.main(["--epochs", "3"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err and "ending in '.onnx'" in err
    assert not any(tmp_path.glob("m.*"))
    assert cli.main(["train", str(xor), "--seed", "-1"]) == 2  # not a failure to build the network
    assert "argument --seed: must be at least 0, got -1" in capsys.readouterr().err


def test_runtime_failures_exit_1_with_a_one_line_reason(capsys, tmp_path):
    assert cli.main(["summary", str(tmp_path / "missing.nnviz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnviz: error: cannot open") and "missing.nnviz" in err and err.count("\n") == 1
    with open(os.path.join(EXAMPLES, "xor.nnviz"), "rb") as f:
        data = f.read()
    (tmp_path / "broken.nnviz").write_bytes(data[: len(data) // 2])
    assert cli.main(["train", str(tmp_path / "broken.nnviz"), "--epochs", "1"]) == 1
    assert "damaged or truncated" in capsys.readouterr().err.splitlines()[0]
    assert cli.main(["export", os.path.join(EXAMPLES, "xor.nnviz"), "-o", str(tmp_path / "no" / "dir" / "m.npz")]) == 1
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("nnviz: error: cannot write") and last.count("cannot write") == 1
    assert last.endswith("does not exist")
    if importlib.util.find_spec("onnx"):
        assert cli.main(["export", os.path.join(EXAMPLES, "xor.nnviz"), "-o", str(tmp_path / "m.onnx"),
                         "--opset", "99"]) == 1
        assert "nnviz: error: ONNX export supports opsets up to" in capsys.readouterr().err
        assert not (tmp_path / "m.onnx").exists()


def test_no_arguments_opens_the_app(monkeypatch):
    import nnviz.app

    calls = []
    monkeypatch.setattr(nnviz.app, "main", lambda *a: calls.append(a) or 0)
    assert cli.main([]) == 0 and calls == [()]


def test_no_arguments_without_a_display_explains_instead_of_letting_qt_abort(monkeypatch, capsys):
    import nnviz.app

    monkeypatch.setattr(nnviz.app, "build", lambda *a: pytest.fail("Qt was started without a display"))
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main([]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("nnviz: error: there is no display to open the app on (neither "
                                                "DISPLAY nor WAYLAND_DISPLAY is set)")
    assert "nnviz summary | train | export" in err[0]


def test_summary(capsys):
    assert cli.main(["summary", os.path.join(EXAMPLES, "course-cnn.nnviz")]) == 0
    out = capsys.readouterr().out
    assert "Course: the small CNN" in out and "Total params: 68,770" in out and "Data set: none" in out
    assert "Weights: none yet" in out


def test_train_prints_keras_lines_saves_and_continues(capsys, xor, tmp_path):
    out_path = tmp_path / "trained.nnviz"
    assert cli.main(["train", str(xor), "--epochs", "12", "--out", str(out_path), "--seed", "3",
                     "--history-csv", str(tmp_path / "h.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/12" and lines[22] == "Epoch 12/12"
    assert all(EPOCH_LINE.match(line) for line in lines[1:24:2]), lines[:4]
    assert lines[24].startswith("test: loss: ") and lines[-1] == f"saved {out_path}"
    test_accuracy = float(lines[24].rsplit("accuracy: ", 1)[1])
    assert test_accuracy >= 0.95  # the XOR example learns in 12 epochs

    trained = load_project(out_path)
    assert trained.weights is not None and len(trained.history["loss"]) == 12
    assert trained.meta["title"] == "XOR"
    assert read_history_csv(tmp_path / "h.csv") == trained.history
    # the same seed gives the same run
    assert cli.main(["train", str(xor), "--epochs", "12", "--seed", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[:24] == lines[:24]
    # training a trained project continues from its weights and its epoch count
    assert cli.main(["train", str(out_path), "--epochs", "2", "--out", str(out_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 13/14"
    assert len(load_project(out_path).history["loss"]) == 14


@pytest.mark.parametrize("fmt, name", [("npz", "w.npz"), ("h5", "w.weights.h5"), ("json", "w.json"),
                                       ("onnx", "m.onnx"), ("keras", "m.keras"), ("pytorch", "m.py")])
def test_export_every_format(capsys, tmp_path, fmt, name):
    if fmt in ("h5", "keras"):
        pytest.importorskip("h5py")
    if fmt == "onnx":
        pytest.importorskip("onnx")
    project_path = os.path.join(EXAMPLES, "digits-cnn.nnviz")
    out = tmp_path / name
    assert cli.main(["export", project_path, "--format", fmt, "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == f"wrote {out}" and "no trained weights" in captured.err
    model = load_project(project_path).build_model()
    if fmt in ("npz", "h5", "json"):
        other = load_project(project_path).build_model()
        other.load_weights(out)  # fits the architecture
        assert all(a.shape == b.shape for a, b in zip(model.get_weights(), other.get_weights()))
    assert out.stat().st_size > 1000
    # the format is also found from the extension alone
    assert cli.main(["export", project_path, "-o", str(tmp_path / ("again-" + name))]) == 0


def test_subprocess_train_then_export_onnx(tmp_path, xor):
    ort = pytest.importorskip("onnxruntime")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    trained = tmp_path / "trained.nnviz"
    run = subprocess.run([sys.executable, "-m", "nnviz.cli", "train", str(xor), "--epochs", "15", "--out",
                          str(trained)], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Epoch 15/15" in run.stdout and run.stderr == ""
    run = subprocess.run([sys.executable, "-m", "nnviz.cli", "export", str(trained), "--format", "onnx", "-o",
                          str(tmp_path / "xor.onnx")], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    model = load_project(trained).build_model()
    x = np.random.default_rng(0).uniform(-5, 5, size=(64, 2)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "xor.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(["output"], {"input": x})[0], model.predict(x), atol=1e-5, rtol=0)
    run = subprocess.run([sys.executable, "-m", "nnviz.cli", "summary", str(tmp_path / "nope.nnviz")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1 and run.stderr.startswith("nnviz: error:")


def test_output_into_a_closed_pipe_stops_quietly():
    """'nnviz train ... | head -1': once the reader is gone there is nobody to tell, and no traceback."""
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with subprocess.Popen([sys.executable, "-m", "nnviz.cli", "summary", os.path.join(EXAMPLES, "digits-cnn.nnviz")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as run:
        run.stdout.close()  # the reader leaves before the first line
        err = run.stderr.read().decode()
        assert run.wait(timeout=120) == 1
    assert err == ""


def test_history_csv_layout(tmp_path):
    history = {"loss": [0.5, 0.25], "accuracy": [0.75, 1.0], "val_loss": [0.6, float("nan")]}
    assert history_csv(history).splitlines() == [
        "epoch,accuracy,loss,val_loss", "0,0.75,0.5,0.6", "1,1.0,0.25,nan"]
    save_history_csv(history, tmp_path / "h.csv")
    back = read_history_csv(tmp_path / "h.csv")
    assert back["loss"] == [0.5, 0.25] and math.isnan(back["val_loss"][1])
    assert history_csv({"loss": [1.0, 2.0], "val_loss": [3.0]}).splitlines()[2] == "1,2.0,"
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="epoch"):
        read_history_csv(tmp_path / "bad.csv")


@pytest.mark.parametrize("content, fragment", [
    (b"epoch,loss\n0," + b"1" * 200_000 + b"\n", "field larger than field limit"),
    (b"epoch,l\xe9ss\n0,0.5\n", "not a UTF-8 text file (bad byte at offset 7)"),
])
def test_history_csv_refuses_damaged_files_with_a_value_error(tmp_path, content, fragment):
    (tmp_path / "h.csv").write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(fragment)):
        read_history_csv(tmp_path / "h.csv")


def test_history_csv_saved_again_by_a_spreadsheet_reads_back(tmp_path):
    """Excel saves 'CSV UTF-8' with a byte-order mark in front of the first column's name."""
    (tmp_path / "h.csv").write_bytes(b"\xef\xbb\xbf" + history_csv({"loss": [0.5, 0.25]}).encode())
    assert read_history_csv(tmp_path / "h.csv") == {"loss": [0.5, 0.25]}
