"""Hostile weight files (issue 12): shapes are compared with the model before any data is read, files are
read only when they are regular and of a plausible size, and every fault is a WeightsError."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from nnviz.core import Dense, Input, Sequential
from nnviz.io import weights as weights_mod
from nnviz.io.weights import WeightsError
from tests.io.zip_bombs import peak_memory_of

h5py = pytest.importorskip("h5py")


def mlp():
    return Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")], seed=1)


def wide():
    return Sequential([Input((200,)), Dense(1000)], seed=1)  # a 800 KB kernel


def refused(path, *fragments, memory: int = 8 << 20, model=None) -> str:
    model = model or mlp()
    before = model.get_weights()
    box = {}

    def load():
        with pytest.raises(WeightsError) as info:
            model.load_weights(path)
        box["msg"] = str(info.value)

    peak = peak_memory_of(load)
    for fragment in fragments:
        assert fragment in box["msg"], box["msg"]
    assert peak < memory, f"{peak:,} bytes allocated to refuse {os.path.basename(path)}"
    for a, b in zip(before, model.get_weights()):
        assert a.tobytes() == b.tobytes()
    return box["msg"]


def test_a_tiny_weights_h5_declaring_gigabytes_is_refused_unread(tmp_path):
    path = tmp_path / "w.weights.h5"
    mlp().save_weights(path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/0"]
        # 2 GB of float32 zeros that exist only as a fill value: a few kilobytes on disk
        f.create_dataset("layers/dense/vars/0", shape=(23170, 23170), dtype="float32", chunks=(1024, 1024),
                         compression="gzip")
    assert path.stat().st_size < 64 << 10
    refused(path, "dense/kernel: expected (2, 3), found (23170, 23170)")


def test_a_keras_file_declaring_gigabytes_is_refused_unread(tmp_path):
    path = tmp_path / "m.keras"
    mlp().export(path, format="keras")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buf, "r+") as f:
        del f["layers/dense/vars/1"]
        f.create_dataset("layers/dense/vars/1", shape=(1 << 29,), dtype="float32", chunks=(1 << 20,),
                         compression="gzip")
    members["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    refused(path, "dense/bias: expected (3,), found (536870912,)")


def test_an_npz_array_of_the_wrong_shape_is_not_inflated(tmp_path):
    named = weights_mod.named_weights(wide())
    named["dense/kernel"] = np.ascontiguousarray(named["dense/kernel"].T)  # as many numbers, transposed
    path = tmp_path / "w.npz"
    path.write_bytes(weights_mod.npz_bytes(named))
    refused(path, "dense/kernel: expected (200, 1000), found (1000, 200)", memory=1400 << 10, model=wide())  # the file itself: 800 KB


def test_a_json_weight_declaring_another_shape_is_not_converted(tmp_path):
    doc = weights_mod.json_document(wide())
    kernel = doc["layers"]["dense"]["kernel"]
    kernel["shape"] = [1000, 200]
    kernel["values"] = np.asarray(kernel["values"]).T.tolist()
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    refused(path, "dense/kernel: expected (200, 1000), found (1000, 200)", memory=64 << 20, model=wide())


def test_a_json_weights_file_far_larger_than_the_model_is_refused_unread(tmp_path):
    path = tmp_path / "w.json"
    path.write_bytes(b'{"format": "nnviz-weights", "version": 1, "layers": {}, "pad": "' + b"x" * (4 << 20) + b'"}')
    refused(path, "implausibly large", memory=1 << 20)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("name", ["w.npz", "w.json", "w.weights.h5", "w.keras"])
def test_a_device_is_not_read(tmp_path, name):
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    refused(link, "not a regular file")


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "w.npz").mkdir()
    refused(tmp_path / "w.npz", "folder")
