"""A bounded Hypothesis fuzz of the project, weights and CSV readers (issue 12): whatever the bytes, a reader
either reads them or raises its own error (ProjectError, WeightsError, CsvError), within bounded memory.

NNVIZ_FUZZ_EXAMPLES=N runs N examples per reader instead of the suite's few dozen (for a longer hunt).
"""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.core import Dense, Input, Sequential
from nnviz.core.data import catalog
from nnviz.core.training import TrainingConfig
from nnviz.io import weights as weights_mod
from nnviz.io.csv_data import CsvError, read_csv, to_dataset
from nnviz.io.project import Project, ProjectError, project_bytes, read_project
from nnviz.io.weights import WeightsError

EXAMPLES = int(os.environ.get("NNVIZ_FUZZ_EXAMPLES", "60"))
MEMORY = 64 << 20   # what refusing or reading any of these small inputs may cost at most
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def model():
    return Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")], seed=2)


BASE = Project.from_model(model(), TrainingConfig(epochs=3), {"name": "circle", "params": {"noise": 5.0}},
                          history={"loss": [1.0, 0.5]}, meta={"title": "t"})
BASE_DOC = json.loads(zipfile.ZipFile(io.BytesIO(project_bytes(BASE))).read("project.json"))
BASE_NPZ = zipfile.ZipFile(io.BytesIO(project_bytes(BASE))).read("weights.npz")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                    st.sampled_from([10 ** 9, -1, 0, 1e308, "Dense", "InputLayer", "relu", "x"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["units", "name", "config", "class_name", "shape", "batch_shape", "layers", "params",
                     "x", "input_dim", "output_dim", "filters", "kernel_size"]), inner, max_size=4), max_leaves=12)


def paths(doc, prefix=()):
    """Every (path) to a value inside ``doc``."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from paths(v, prefix + (i,))


BASE_PATHS = [p for p in paths(BASE_DOC) if p]


def replaced(doc, path, value):
    doc = json.loads(json.dumps(doc))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def zipped(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def within_memory(function, allowed: tuple[type[Exception], ...]) -> str:
    """Run ``function``; only ``allowed`` errors may leave it, and its peak allocation stays bounded."""
    tracemalloc.start()
    try:
        function()
        outcome = "read"
    except allowed:
        outcome = "refused"
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY, f"{peak:,} bytes"
    return outcome


def mutate_bytes(data: bytes, edits, cut) -> bytes:
    out = bytearray(data)
    for position, byte in edits:
        if out:
            out[position % len(out)] = byte
    return bytes(out[:cut] if cut is not None else out)


# ------------------------------------------------------------------------------------------ projects
@FUZZ
@given(path=st.sampled_from(BASE_PATHS), value=values, weights=st.booleans())
def test_projects_with_any_field_replaced_are_read_or_refused(path, value, weights):
    doc = replaced(BASE_DOC, path, value)
    members = {"project.json": json.dumps(doc, allow_nan=True)}
    if weights:
        members["weights.npz"] = BASE_NPZ
    data = zipped(members)

    def read():
        project = read_project(data)
        try:
            project.build_model()
        except ProjectError:   # a work-in-progress network opens but does not build: it still saves
            pass
        saved = project_bytes(project)   # what opened saves again, and reopens
        assert read_project(saved).architecture == project.architecture
        project.training_config()        # and its settings and data set are what the app then uses
        if project.dataset:
            try:
                catalog.load(project.dataset["name"], **project.dataset["params"])
            except ValueError as exc:    # an unknown data set or parameter: the app shows the message
                assert "unknown data set" in str(exc) or "has no parameter" in str(exc), exc

    within_memory(read, (ProjectError,))


SETTINGS = [("training", k) for k in BASE_DOC["training"]] + [
    ("dataset", "params", p.name) for p in catalog.get_spec("circle").params]


@FUZZ
@given(path=st.sampled_from(SETTINGS), value=scalars)
def test_projects_with_any_setting_of_any_type_are_read_or_refused(path, value):
    test_projects_with_any_field_replaced_are_read_or_refused.hypothesis.inner_test(path, value, False)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=6),
       cut=st.none() | st.integers(0, 4000))
def test_damaged_project_archives_are_read_or_refused(edits, cut):
    data = mutate_bytes(project_bytes(BASE), edits, cut)
    within_memory(lambda: read_project(data).build_model(), (ProjectError,))


# ------------------------------------------------------------------------------------------- weights
def _weights_file(tmp_dir, name: str, data: bytes):
    path = os.path.join(tmp_dir, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), max_size=6),
       cut=st.none() | st.integers(0, 3000), fmt=st.sampled_from(["npz", "json"]))
def test_damaged_weight_files_are_read_or_refused(tmp_path_factory, edits, cut, fmt):
    m = model()
    if fmt == "npz":
        clean = weights_mod.npz_bytes(weights_mod.named_weights(m))
    else:
        clean = json.dumps(weights_mod.json_document(m)).encode()
    path = _weights_file(tmp_path_factory.mktemp("w"), f"w.{fmt}", mutate_bytes(clean, edits, cut))
    within_memory(lambda: model().load_weights(path), (WeightsError,))


@FUZZ
@given(path=st.sampled_from([p for p in paths(weights_mod.json_document(model())) if p]), value=values)
def test_json_weights_with_any_field_replaced_are_read_or_refused(tmp_path_factory, path, value):
    doc = replaced(weights_mod.json_document(model()), path, value)
    file = _weights_file(tmp_path_factory.mktemp("w"), "w.json", json.dumps(doc, allow_nan=True).encode())
    within_memory(lambda: model().load_weights(file), (WeightsError,))


# ----------------------------------------------------------------------------------------------- CSV
csv_text = st.text(alphabet=st.sampled_from(list(',;"\n\r\t |.-+eE0123456789nNaAiIfF x')), max_size=200)


@FUZZ
@given(text=csv_text, skip=st.booleans(), task=st.sampled_from(["auto", "binary", "multiclass", "regression"]),
       scaling=st.sampled_from(["none", "minmax", "standardize"]))
def test_any_csv_text_is_read_or_refused(text, skip, task, scaling):
    def read():
        table = read_csv(text.encode(), skip_bad_rows=skip)
        for label in {table.columns[0], table.columns[-1]}:
            try:
                ds = to_dataset(table, label, task=task, scaling=scaling, test_ratio=0.0, skip_bad_rows=skip)
            except CsvError:
                continue
            assert np.all(np.isfinite(ds.x_train))

    within_memory(read, (CsvError,))
