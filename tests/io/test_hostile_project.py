"""Hostile and odd project files (issue 12): each fault class gives a ProjectError naming the field,
costs bounded memory and time to refuse, and save refuses what would not open again."""

from __future__ import annotations

import json

import pytest

from nnviz.core import GRU, Dense, Embedding, Flatten, Input, Sequential
from nnviz.core.training import TrainingConfig
from nnviz.io.project import MAX_PARAMS, Project, ProjectError, project_bytes, read_project
from tests.io.zip_bombs import peak_memory_of, zip_of


def project(model=None, dataset=None) -> Project:
    model = model or Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")])
    return Project.from_model(model, TrainingConfig(epochs=3), dataset or {"name": "circle", "params": {}})


def document(proj: Project) -> dict:
    return {"format_version": 1, "architecture": proj.architecture, "training": proj.training,
            "dataset": proj.dataset, "meta": proj.meta}


def refused(doc_or_bytes, *fragments, memory: int = 20 << 20) -> str:
    raw = doc_or_bytes if isinstance(doc_or_bytes, bytes) else json.dumps(doc_or_bytes).encode()
    data = zip_of({"project.json": raw})
    box = {}

    def load():
        with pytest.raises(ProjectError) as info:
            read_project(data)
        box["msg"] = str(info.value)

    peak = peak_memory_of(load)
    for fragment in fragments:
        assert fragment in box["msg"], box["msg"]
    assert peak < memory, f"{peak:,} bytes allocated to refuse a {len(data):,}-byte file"
    return box["msg"]


@pytest.mark.parametrize("key, value", [("seed", None), ("epochs", "x"), ("validation_split", "x"),
                                        ("batch_size", 2.5), ("nesterov", "yes"), ("metrics", [1]),
                                        ("learning_rate", float("inf")), ("epochs", -1)])
def test_training_settings_of_the_wrong_type_name_the_setting(key, value):
    doc = document(project())
    doc["training"][key] = value
    refused(doc, "training settings", repr(key))


@pytest.mark.parametrize("key, value", [("n_points", float("inf")), ("n_points", "x"), ("noise", None),
                                        ("features", 3), ("seed", -1)])
def test_data_set_parameters_of_the_wrong_type_name_the_parameter(key, value):
    doc = document(project())
    doc["dataset"]["params"][key] = value
    refused(doc, "data set parameter", repr(key))


def test_a_csv_data_set_path_must_be_text():
    doc = document(project(dataset={"name": "csv", "params": {"path": 5, "label_column": "y"}}))
    refused(doc, "'path'", "file name")


def test_millions_of_empty_objects_are_refused_before_parsing():
    raw = b'{"format_version": 1, "meta": [' + b"{}," * 3_000_000 + b"{}]}"  # 9 MB, under the byte limit
    refused(raw, "objects and lists", memory=3 * len(raw))


def test_deep_nesting_is_refused_on_opening():
    raw = b'{"format_version": 1, "meta": ' + b'{"a": ' * 500 + b"1" + b"}" * 501
    refused(raw, "nested more than")


@pytest.mark.parametrize("layers, sizes, what", [
    ([Input((20,)), Embedding(2, 1)], {"input_dim": 200_000, "output_dim": 1_000}, "weights"),  # counted as 0 before
    ([Input((2, 1)), GRU(1)], {"units": 2000}, "recurrent layer"),  # under the weight bound, but a QR for minutes
    ([Input((2, 1)), GRU(1)], {"units": 6000}, "weights"),
])
def test_architectures_that_would_cost_gigabytes_or_minutes_are_refused_unbuilt(layers, sizes, what):
    config = Sequential(layers).get_config()  # small, then made large in the file only
    config["layers"][1]["config"].update(sizes)
    refused({"format_version": 1, "architecture": config}, "more than nnviz handles", what)


def test_the_weight_bound_counts_an_embedding_and_a_gru_right():
    from nnviz.io.project import _estimated_cost

    for layers in ([Input((7,)), Embedding(50, 8), GRU(5), Dense(3)],
                   [Input((4, 3)), GRU(6, return_sequences=True), Flatten(), Dense(2)]):
        model = Sequential(layers)
        model.build()
        assert _estimated_cost(model.get_config())[0] == model.count_params()
    assert MAX_PARAMS >= 10_000_000


# ------------------------------------------------------------------------------------- saving
def test_save_refuses_a_layer_name_that_would_not_reopen():
    model = Sequential([Input((2,)), Dense(3, name="\x00"), Dense(1)])
    model.build()
    with pytest.raises(ProjectError, match="control characters"):
        project_bytes(project(model))


def test_save_refuses_meta_nested_too_deep_instead_of_crashing():
    proj = project()
    nested = {}
    inner = nested
    for _ in range(800):
        inner["a"] = {}
        inner = inner["a"]
    proj.meta = {"notes": nested}
    with pytest.raises(ProjectError, match="nested more than"):
        project_bytes(proj)
    proj.meta = {"notes": {"a": {"b": [1, 2, {"c": "fine"}]}}}
    assert read_project(project_bytes(proj)).meta == proj.meta


@pytest.mark.parametrize("change", [
    lambda p: p.training.update(epochs="x"),
    lambda p: p.architecture["layers"].append({"class_name": "Transformer", "config": {}}),
    lambda p: p.architecture["layers"][1]["config"].update(units=10 ** 9),
])
def test_save_refuses_what_opening_would_refuse(change):
    proj = project()
    proj.weights = None
    change(proj)
    with pytest.raises(ProjectError):
        project_bytes(proj)
