"""nnviz train / export / summary on projects with fields of the wrong type (issue 12): exit code 1 and a
message naming the field, never a traceback."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from nnviz.cli import main
from nnviz.core import Dense, Input, Sequential
from nnviz.core.training import TrainingConfig
from nnviz.io.project import Project, project_bytes


def write_project(path, section, key, value):
    model = Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")])
    data = project_bytes(Project.from_model(model, TrainingConfig(epochs=1), {"name": "circle", "params": {}}))
    doc = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("project.json"))
    target = doc[section] if section == "training" else doc["dataset"]["params"]
    target[key] = value
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.json", json.dumps(doc))


@pytest.mark.parametrize("command", [["train"], ["export", "-o", "OUT.onnx"], ["summary"]])
@pytest.mark.parametrize("section, key, value", [("training", "seed", None), ("training", "epochs", "x"),
                                                 ("training", "validation_split", "x"),
                                                 ("dataset", "n_points", float("inf"))])
def test_wrong_types_exit_1_naming_the_field(tmp_path, capsys, command, section, key, value):
    path = tmp_path / "p.nnviz"
    write_project(path, section, key, value)
    args = [command[0], str(path), *[a.replace("OUT", str(tmp_path / "out")) for a in command[1:]]]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnviz: error: cannot open") and f"'{key}'" in err and "Traceback" not in err
