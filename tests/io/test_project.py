"""Project files: exact round trips, atomic saves, and clear refusals of damaged or foreign files."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.core import BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D, Sequential
from nnviz.core.training import TrainingConfig
from nnviz.io import project as project_mod
from nnviz.io.atomic import atomic_write
from nnviz.io.project import FORMAT_VERSION, Project, ProjectError, load_project, read_project, save_project
from tests.io.zip_bombs import peak_memory_of, zeros_zip, zip_of


def mlp(dtype="float32", seed=3):
    return Sequential([Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")],
                      dtype=dtype, seed=seed)


def cnn(seed=4):
    return Sequential([Input((8, 8, 1)), Conv2D(4, 3, padding="same", activation="relu"), BatchNormalization(),
                       MaxPooling2D(), Flatten(), Dropout(0.2), Dense(10, activation="softmax")], seed=seed)


def make_project(model=None, **kw):
    model = model or mlp()
    cfg = TrainingConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9, batch_size=16, epochs=7, seed=5)
    return Project.from_model(model, cfg, {"name": "circle", "params": {"noise": 10.0, "seed": 2}},
                              history=kw.get("history"), meta=kw.get("meta", {"title": "Test", "description": "d"}))


def rewrite(path, members: dict):
    """Write a zip with exactly ``members`` (name -> bytes or str)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def save_unchecked(path, proj) -> None:
    """Write ``proj`` as save_project would, without the checks that make save_project refuse a project
    that would not open again (to test that opening refuses it too)."""
    doc = {"format_version": FORMAT_VERSION, "architecture": proj.architecture, "training": proj.training,
           "dataset": proj.dataset, "meta": proj.meta}
    members = {"project.json": json.dumps(doc)}
    if proj.weights is not None:
        buf = io.BytesIO()
        np.savez(buf, **proj.weights)
        members["weights.npz"] = buf.getvalue()
    rewrite(path, members)


def members_of(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def members_of_bytes(data: bytes) -> dict:
    return members_of(io.BytesIO(data))


# ----------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_exact(tmp_path, dtype):
    model = cnn() if dtype == "float32" else mlp("float64")
    # moving statistics that are not the initial ones, so they are really stored
    for layer in model.layers:
        if "moving_mean" in layer.params:
            layer.params["moving_mean"][...] = np.linspace(-1, 1, layer.params["moving_mean"].size)
    history = {"loss": [0.9, 0.5, float("nan")], "accuracy": [0.5, 0.75, 0.8]}
    proj = make_project(model, history=history, meta={"title": "Ünïcode ✓", "description": "two\nlines"})
    path = tmp_path / "p.nnviz"
    save_project(path, proj)
    back = load_project(path)
    assert back.architecture == json.loads(json.dumps(model.get_config()))
    assert back.training == proj.training
    assert back.dataset == {"name": "circle", "params": {"noise": 10.0, "seed": 2}}
    assert back.meta == {"title": "Ünïcode ✓", "description": "two\nlines"}
    assert back.history["accuracy"] == history["accuracy"] and np.isnan(back.history["loss"][2])
    rebuilt = back.build_model()
    for key, a, b in zip(model.weight_keys(), model.get_weights(), rebuilt.get_weights()):
        assert a.dtype == b.dtype == np.dtype(dtype), key
        assert a.tobytes() == b.tobytes(), key
    x = np.random.default_rng(0).normal(size=(5,) + model.input_shape[1:])
    np.testing.assert_array_equal(model.predict(x), rebuilt.predict(x))


def test_activation_settings_survive_a_project_file(tmp_path):
    from nnviz.core.activations import LeakyReLU

    model = Sequential([Input((2,)), Dense(3, activation=LeakyReLU(negative_slope=0.05)),
                        Dense(2, activation="softmax")], seed=3)
    save_project(tmp_path / "p.nnviz", make_project(model))
    rebuilt = load_project(tmp_path / "p.nnviz").build_model()
    assert rebuilt.layers[0].activation.negative_slope == 0.05
    x = np.array([[-1.0, -2.0], [0.5, -3.0]])
    np.testing.assert_array_equal(rebuilt.predict(x), model.predict(x))
    # a file that names its activation, as every file before did, reads as it always has
    proj = make_project(Sequential([Input((2,)), Dense(3, activation="leaky_relu")], seed=3))
    proj.architecture["layers"][1]["config"]["activation"] = "leaky_relu"
    save_project(tmp_path / "old.nnviz", proj)
    assert load_project(tmp_path / "old.nnviz").build_model().layers[0].activation.negative_slope == 0.2


def test_text_that_is_not_valid_unicode_survives_a_save(tmp_path):
    """A JSON file may hold a lone surrogate ("\\ud800"); a project opened with one must save again."""
    title = "half an emoji \ud83d"
    save_project(tmp_path / "p.nnviz", make_project(meta={"title": title, "description": "ok ✓"}))
    back = load_project(tmp_path / "p.nnviz")
    assert back.meta == {"title": title, "description": "ok ✓"}
    save_project(tmp_path / "again.nnviz", back)
    assert load_project(tmp_path / "again.nnviz").meta["title"] == title


def test_build_model_is_compiled_with_the_training_settings(tmp_path):
    save_project(tmp_path / "p.nnviz", make_project())
    model = load_project(tmp_path / "p.nnviz").build_model()
    assert type(model.optimizer).__name__ == "SGD"
    assert model.optimizer.learning_rate == pytest.approx(0.05) and model.optimizer.momentum == pytest.approx(0.9)
    assert model.loss.name == "sparse_categorical_crossentropy"
    model.fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]), epochs=1, verbose=0)  # trains as it is


def test_project_without_weights_or_history(tmp_path):
    proj = make_project()
    proj.weights = None
    save_project(tmp_path / "p.nnviz", proj)
    assert set(members_of(tmp_path / "p.nnviz")) == {"project.json"}
    back = load_project(tmp_path / "p.nnviz")
    assert back.weights is None and back.history is None
    assert back.build_model().count_params() == 17


def test_file_layout(tmp_path):
    save_project(tmp_path / "p.nnviz", make_project(history={"loss": [1.0]}))
    files = members_of(tmp_path / "p.nnviz")
    assert set(files) == {"project.json", "weights.npz", "history.json"}
    doc = json.loads(files["project.json"])
    assert doc["format_version"] == FORMAT_VERSION
    assert {"architecture", "training", "dataset", "meta"} <= set(doc)
    with np.load(io.BytesIO(files["weights.npz"])) as npz:
        assert sorted(npz.files) == sorted(mlp().weight_keys())


# ----------------------------------------------------------------------------------- atomic saves
def test_failure_mid_save_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "p.nnviz"
    save_project(path, make_project(meta={"title": "old"}))
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        save_project(path, make_project(meta={"title": "new"}))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.nnviz"]  # no temp file left behind
    monkeypatch.undo()
    assert load_project(path).meta["title"] == "old"


def test_atomic_write_half_written_then_failing(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"half of the new cont")
            raise RuntimeError("crash")
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["f.bin"]
    with atomic_write(path, "w") as f:
        f.write("new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"


def test_saving_through_a_symbolic_link_updates_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "cloud").mkdir()
    target = tmp_path / "cloud" / "p.nnviz"
    save_project(target, make_project(meta={"title": "old"}))
    link = tmp_path / "p.nnviz"
    link.symlink_to(target)
    save_project(link, make_project(meta={"title": "new"}))
    assert link.is_symlink()
    assert load_project(target).meta["title"] == "new"
    assert sorted(os.listdir(tmp_path / "cloud")) == ["p.nnviz"]  # the temporary file was made next to it


def test_atomic_write_never_touches_the_process_umask(tmp_path, monkeypatch):
    """os.umask sets the umask to read it: for that instant, a file any other thread creates (an
    autosave, an image export) would get no umask at all. New files still get the usual mode."""
    previous = os.umask(0o027)
    try:
        def forbidden(mask):
            raise AssertionError("atomic_write changed the umask")

        monkeypatch.setattr(os, "umask", forbidden)
        with atomic_write(tmp_path / "new.txt", "w") as f:
            f.write("x")
        monkeypatch.undo()
        assert os.stat(tmp_path / "new.txt").st_mode & 0o777 == 0o640
    finally:
        os.umask(previous)


def test_atomic_write_keeps_permissions(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("x")
    os.chmod(path, 0o640)
    with atomic_write(path, "w") as f:
        f.write("y")
    assert os.stat(path).st_mode & 0o777 == 0o640


# ----------------------------------------------------------------------------------- refusals
def refuse(path, *fragments):
    with pytest.raises(ProjectError) as info:
        load_project(path)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


def test_missing_empty_and_foreign_files(tmp_path):
    refuse(tmp_path / "nope.nnviz", "cannot read 'nope.nnviz'")
    (tmp_path / "empty.nnviz").write_bytes(b"")
    refuse(tmp_path / "empty.nnviz", "is empty")
    (tmp_path / "text.nnviz").write_text("hello, I am a text file")
    refuse(tmp_path / "text.nnviz", "not an nnviz project", "zip")
    refuse(tmp_path, "is a folder")


def test_truncated_file(tmp_path):
    path = tmp_path / "p.nnviz"
    save_project(path, make_project())
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 10):
        (tmp_path / "t.nnviz").write_bytes(data[:cut])
        refuse(tmp_path / "t.nnviz", "damaged or truncated")


def test_zip_without_project_json(tmp_path):
    rewrite(tmp_path / "p.nnviz", {"readme.txt": "hi"})
    refuse(tmp_path / "p.nnviz", "no project.json", "readme.txt")


def test_bad_json_says_where(tmp_path):
    rewrite(tmp_path / "p.nnviz", {"project.json": '{\n "format_version": 1,\n "architecture": {,\n}'})
    refuse(tmp_path / "p.nnviz", "not valid JSON", "line 3, column")


def test_newer_format_version(tmp_path):
    path = tmp_path / "p.nnviz"
    save_project(path, make_project())
    files = members_of(path)
    doc = json.loads(files["project.json"])
    doc["format_version"] = FORMAT_VERSION + 1
    files["project.json"] = json.dumps(doc)
    rewrite(path, files)
    refuse(path, "made by a newer nnviz", f"version {FORMAT_VERSION + 1}")
    doc["format_version"] = "one"
    files["project.json"] = json.dumps(doc)
    rewrite(path, files)
    refuse(path, "invalid format_version")


def test_architecture_that_does_not_build_carries_the_core_message(tmp_path):
    proj = make_project()
    proj.weights = None
    proj.architecture["layers"].insert(2, {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}})
    save_project(tmp_path / "p.nnviz", proj)
    # a work-in-progress network reopens (the editor shows the core's message) ...
    reopened = load_project(tmp_path / "p.nnviz")
    assert reopened.architecture == proj.architecture
    with pytest.raises(ProjectError) as info:
        reopened.build_model()
    msg = str(info.value)
    assert "does not build" in msg and "Conv2D" in msg and "needs a 3-D input" in msg
    # ... but weights need an architecture they fit
    good = make_project()
    good.architecture["layers"].insert(2, {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}})
    save_project(tmp_path / "p.nnviz", good)
    refuse(tmp_path / "p.nnviz", "does not build", "Conv2D", "needs a 3-D input")
    proj.architecture["layers"][2] = {"class_name": "Dense", "config": {"units": 4, "colour": "red"}}
    save_unchecked(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "does not build", "colour")
    proj.architecture["layers"][2] = {"class_name": "Transformer", "config": {}}
    save_unchecked(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "unknown layer type 'Transformer'")
    assert msg


@pytest.mark.parametrize("key, value, fragment", [
    ("optimizer", "lion", "lion"),
    ("loss", "0sparse_categorical_crossentropy", "unknown loss"),   # only compile resolves loss names
    ("metrics", ["accuracy", "wisdom"], "wisdom"),
    ("metrics", 5, "training settings"),
])
def test_invalid_training_settings_are_refused_on_opening(tmp_path, key, value, fragment):
    proj = make_project()
    proj.training[key] = value
    save_unchecked(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "training settings", fragment)
    with pytest.raises(ProjectError, match="training settings"):  # and building the project's model says so too
        proj.build_model()


def test_weights_that_do_not_fit_list_expected_and_found(tmp_path):
    proj = make_project()
    proj.weights["dense/kernel"] = np.zeros((5, 3), np.float32)
    del proj.weights["dense_1/bias"]
    proj.weights["extra/kernel"] = np.zeros(2, np.float32)
    save_project(tmp_path / "p.nnviz", proj)
    msg = refuse(tmp_path / "p.nnviz", "do not fit", "dense/kernel: expected (2, 3), found (5, 3)",
                 "dense_1/bias: expected (2,), found nothing", "extra/kernel: not in the architecture")
    assert "dense_1/kernel: expected (3, 2), found (3, 2)\n" in msg


@pytest.mark.parametrize("bad", [np.zeros((2, 3), np.int64), np.array([["a"] * 3] * 2), np.zeros((2, 3), complex)])
def test_weights_with_wrong_dtypes(tmp_path, bad):
    proj = make_project()
    proj.weights["dense/kernel"] = bad
    save_project(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "dense/kernel")


def test_pickled_weights_are_refused_not_loaded(tmp_path):
    path = tmp_path / "p.nnviz"
    save_project(path, make_project())
    files = members_of(path)
    buf = io.BytesIO()
    np.savez(buf, **{"dense/kernel": np.array([{"evil": 1}], dtype=object)})
    files["weights.npz"] = buf.getvalue()
    rewrite(path, files)
    refuse(path, "weights.npz", "cannot be read")


def test_nan_weights_and_bad_history(tmp_path):
    proj = make_project()
    proj.weights["dense/bias"] = np.array([0, np.nan, 0], np.float32)
    save_project(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "NaN")
    path = tmp_path / "h.nnviz"
    save_project(path, make_project())
    files = members_of(path)
    files["history.json"] = json.dumps({"loss": ["low", "lower"]})
    rewrite(path, files)
    refuse(path, "history.json", "list of numbers")


@pytest.mark.parametrize("member, text", [
    ("project.json", '{"format_version": ' + "1" * 5000 + "}"),   # more digits than Python converts
    ("history.json", '{"loss": [0.5, ' + "9" * 5000 + "]}"),
    ("history.json", '{"loss": [0.5, ' + "9" * 400 + "]}"),        # an int no float can hold
])
def test_absurd_numbers_are_refused_as_damaged_projects(tmp_path, member, text):
    path = tmp_path / "p.nnviz"
    save_project(path, make_project(history={"loss": [1.0]}))
    rewrite(path, {**members_of(path), member: text})
    refuse(path, member, "number")


def test_oversized_architecture_is_refused_without_allocating(tmp_path):
    proj = make_project()
    proj.weights = None
    proj.architecture["layers"][1]["config"]["units"] = 10 ** 9
    save_unchecked(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "more than nnviz handles")


def test_architecture_with_absurdly_many_layers_is_refused_quickly(tmp_path):
    proj = make_project()
    proj.weights = None
    proj.architecture["layers"][1:] = [{"class_name": "Dense", "config": {"units": 2}}] * 1001
    save_unchecked(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "1,002 layers", "more than nnviz handles")


# ----------------------------------------------------------------------------------- zip bombs
def refused_within(data: bytes, limit: int, *fragments) -> None:
    def load():
        with pytest.raises(ProjectError) as info:
            read_project(data)
        for fragment in fragments:
            assert fragment in str(info.value), str(info.value)

    peak = peak_memory_of(load)
    assert peak < limit, f"{peak:,} bytes allocated to refuse a {len(data):,}-byte file"


@pytest.mark.parametrize("member", ["project.json", "history.json", "weights.npz", "weights.npz:dense/kernel.npy"])
def test_members_whose_sizes_lie_are_refused_without_inflating_them(member):
    """64 MB of zeros in 64 kB, declared as 100 bytes: refused, and never inflated in memory."""
    files = members_of_bytes(project_mod.project_bytes(make_project(history={"loss": [1.0]})))
    outer, _, inner = member.partition(":")
    files.pop(outer)
    if inner:  # an array inside weights.npz
        files[outer] = zeros_zip({}, inner, 64 << 20, declared=100)
        data = zip_of(files)
    else:      # a member of the project's own archive
        data = zeros_zip(files, outer, 64 << 20, declared=100)
    refused_within(data, 8 << 20)


def test_weights_larger_than_the_architecture_needs_are_refused_unread():
    files = members_of_bytes(project_mod.project_bytes(make_project()))
    files["weights.npz"] = zeros_zip({}, "dense/kernel.npy", 64 << 20)  # honest sizes: 64 MB for 17 weights
    refused_within(zip_of(files), 8 << 20, "more than the 17 weights of its architecture")


@pytest.mark.parametrize("method, name", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA")])
def test_compressions_without_a_bounded_reader_are_refused(method, name):
    """bzip2 packs 100 MB of zeros into 113 bytes, and zipfile inflates such a member whole before
    checking its size: nnviz reads deflate (what it writes) and stored members only."""
    files = members_of_bytes(project_mod.project_bytes(make_project()))
    with pytest.raises(ProjectError, match=f"compression nnviz does not read \\({name}\\)"):
        read_project(zip_of(files, method))
    files["weights.npz"] = zip_of(members_of_bytes(files["weights.npz"]), method)
    with pytest.raises(ProjectError, match=f"kernel.npy in weights.npz .* \\({name}\\)"):
        read_project(zip_of(files))


def test_architecture_without_input_shape(tmp_path):
    proj = make_project()
    proj.weights = None
    del proj.architecture["layers"][0]
    save_project(tmp_path / "p.nnviz", proj)
    refuse(tmp_path / "p.nnviz", "does not build", "no input shape")


# ----------------------------------------------------------------------------------- fuzzing
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def valid_bytes():
    return project_mod.project_bytes(make_project(cnn(), history={"loss": [1.0, 0.5]}))


def assert_refused_or_loaded(data: bytes):
    try:
        proj = read_project(data, "fuzz.nnviz")
    except ProjectError as exc:
        assert str(exc)
        return None
    proj.build_model()  # whatever loads must also build
    return proj


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data):
    assert_refused_or_loaded(data)
    assert_refused_or_loaded(b"PK\x03\x04" + data)


@FUZZ
@given(st.data())
def test_fuzz_truncated_and_flipped(valid_bytes, data):
    cut = data.draw(st.integers(0, len(valid_bytes)))
    assert_refused_or_loaded(valid_bytes[:cut])
    pos = data.draw(st.integers(0, len(valid_bytes) - 1))
    flipped = bytearray(valid_bytes)
    flipped[pos] ^= data.draw(st.integers(1, 255))
    assert_refused_or_loaded(bytes(flipped))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 12, 10 ** 12) | st.integers(-10 ** 400, 10 ** 400)
    | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


@FUZZ
@given(st.data())
def test_fuzz_wrong_json_content(valid_bytes, data):
    with zipfile.ZipFile(io.BytesIO(valid_bytes)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    doc = json.loads(files["project.json"])
    target = data.draw(st.sampled_from(["doc", "architecture", "layer", "config", "training", "dataset", "meta",
                                        "history", "text"]))
    value = data.draw(json_values)
    if target == "doc":
        doc = value
    elif target == "layer":
        doc["architecture"]["layers"][data.draw(st.integers(0, len(doc["architecture"]["layers"]) - 1))] = value
    elif target == "config":
        layer = doc["architecture"]["layers"][data.draw(st.integers(1, len(doc["architecture"]["layers"]) - 1))]
        key = data.draw(st.sampled_from(sorted(layer["config"]) + ["new"]))
        layer["config"][key] = value
    elif target in ("architecture", "training", "dataset", "meta"):
        doc[target] = value
    if target == "history":
        files["history.json"] = json.dumps(value)
    elif target == "text":
        text = json.dumps(doc)
        cut = data.draw(st.integers(0, len(text)))
        files["project.json"] = text[:cut] + data.draw(st.text(max_size=5)) + text[cut:]
    else:
        files["project.json"] = json.dumps(doc)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    assert_refused_or_loaded(buf.getvalue())


dtypes = st.sampled_from(["float32", "float64", "float16", "int32", "uint8", "bool", "complex64", "U3", "S2"])


@FUZZ
@given(st.data())
def test_fuzz_wrong_shapes_and_dtypes(valid_bytes, data):
    proj = read_project(valid_bytes)
    key = data.draw(st.sampled_from(sorted(proj.weights)))
    shape = tuple(data.draw(st.lists(st.integers(0, 5), max_size=4)))
    dtype = data.draw(dtypes)
    proj.weights[key] = np.zeros(shape, dtype=dtype)
    buf = project_mod.project_bytes(proj)
    loaded = assert_refused_or_loaded(buf)
    if loaded is not None:  # only a float array of the right shape may pass
        assert np.dtype(dtype).kind == "f" and shape == read_project(valid_bytes).weights[key].shape
