"""``nnviz train`` on a project whose folder was moved with its CSV reads the CSV beside it (it failed with "no such
file"), and says so on stderr."""

from __future__ import annotations

import shutil

from nnviz.cli import main
from nnviz.core import Dense, Sequential
from nnviz.core.training import TrainingConfig
from nnviz.io.project import Project, load_project, save_project


def test_train_finds_the_csv_beside_a_moved_project(tmp_path, capsys):
    old = tmp_path / "old"
    old.mkdir()
    (old / "xor.csv").write_text("a,b,y\n" + "".join(f"{i % 2},{i // 2 % 2},{(i % 2) ^ (i // 2 % 2)}\n"
                                                     for i in range(40)))
    model = Sequential([Dense(4, input_shape=(2,), activation="tanh"), Dense(2, activation="softmax")])
    project = Project.from_model(model, TrainingConfig(loss="sparse_categorical_crossentropy").to_dict(),
                                 {"name": "csv", "params": {"path": str(old / "xor.csv"), "label_column": "y"}})
    save_project(old / "xor.nnviz", project)
    shutil.move(str(old), str(tmp_path / "new"))
    out = tmp_path / "new" / "trained.nnviz"
    assert main(["train", str(tmp_path / "new" / "xor.nnviz"), "--epochs", "2", "--out", str(out)]) == 0
    assert "its data file xor.csv was read from the project's folder" in capsys.readouterr().err
    assert load_project(out).dataset["params"]["path"] == str(tmp_path / "new" / "xor.csv")
