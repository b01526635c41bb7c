"""The built-in data sets: playground generators, the course's examples, digits, shapes, splits, the catalog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz.core.data import Dataset, Scaler, catalog, split, split_indices
from nnviz.core.data import course, digits as digits_mod, playground, shapes as shapes_mod

REPO = Path(__file__).resolve().parents[2]
CLASSIFICATION = ["circle", "xor", "gauss", "spiral"]
REGRESSION = ["plane", "multi_gauss"]


def all_points(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return (np.concatenate([ds.points_train, ds.points_val, ds.points_test]),
            np.concatenate([ds.y_train, ds.y_val, ds.y_test]))


# ----------------------------------------------------------------------------------------- playground
@pytest.mark.parametrize("name", CLASSIFICATION)
def test_playground_classification_shapes_and_balance(name):
    ds = playground.generate(name, n_points=400, train_ratio=50, seed=3)
    assert ds.task == "binary" and ds.class_names == ["class 0", "class 1"]
    assert ds.x_train.shape == (200, 2) and ds.x_test.shape == (200, 2) and ds.n_val == 0
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64 and ds.y_train.shape == (200,)
    assert ds.points_train.shape == (200, 2) and ds.points_test.shape == (200, 2)
    assert set(np.unique(ds.y_train)) == {0, 1}
    # classes are generated half and half; the split keeps that in both parts (to within one point)
    assert np.bincount(np.concatenate([ds.y_train, ds.y_test])).tolist() == [200, 200]
    assert abs(ds.class_counts("train")[1] - 100) <= 1 and abs(ds.class_counts("test")[1] - 100) <= 1
    # the points live in Playground's square
    assert np.abs(ds.points_train).max() <= 6.0
    assert ds.input_shape == (2,) and ds.num_classes == 2


@pytest.mark.parametrize("name", REGRESSION)
def test_playground_regression_shapes(name):
    ds = playground.generate(name, n_points=300, train_ratio=70, seed=1)
    assert ds.task == "regression" and ds.class_names is None and ds.num_classes is None
    assert ds.x_train.shape == (210, 2) and ds.x_test.shape == (90, 2)
    assert ds.y_train.shape == (210, 1) and ds.y_train.dtype == np.float32
    assert -1.1 <= ds.y_train.min() and ds.y_train.max() <= 1.1
    assert ds.y_train.std() > 0.1  # a real surface, not a constant
    assert ds.suggested_output()["text"] == "regression: use Dense(1) with mean_squared_error"


@pytest.mark.parametrize("name", CLASSIFICATION + REGRESSION)
def test_playground_reproducible_from_seed(name):
    a = playground.generate(name, n_points=200, noise=20, seed=7)
    b = playground.generate(name, n_points=200, noise=20, seed=7)
    c = playground.generate(name, n_points=200, noise=20, seed=8)
    for part in ("x_train", "y_train", "x_test", "y_test", "points_train", "points_test"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.points_train, c.points_train)


@pytest.mark.parametrize("name", CLASSIFICATION + REGRESSION)
def test_playground_noise_changes_the_data(name):
    clean = playground.generate(name, n_points=200, noise=0, seed=2)
    noisy = playground.generate(name, n_points=200, noise=40, seed=2)
    assert not np.allclose(all_points(clean)[0], all_points(noisy)[0], atol=0.05)


def test_circle_geometry_and_noise_blurs_the_border():
    p, y = all_points(playground.circle(n_points=600, noise=0, seed=0))
    r = np.hypot(p[:, 0], p[:, 1])
    assert r[y == 1].max() <= 2.5 and r[y == 0].min() >= 3.5 and r[y == 0].max() <= 5.0
    p, y = all_points(playground.circle(n_points=600, noise=40, seed=0))
    r = np.hypot(p[:, 0], p[:, 1])
    assert r[y == 1].max() > 3.5  # inner points pushed out among the ring: the classes now overlap


def test_xor_and_gauss_geometry():
    p, y = all_points(playground.xor(n_points=400, noise=0, seed=0))
    np.testing.assert_array_equal((p[:, 0] * p[:, 1] > 0).astype(int), y)
    assert np.abs(p).min() >= 0.3  # padded away from the axes
    p, y = all_points(playground.gauss(n_points=400, noise=0, seed=0))
    np.testing.assert_allclose(p[y == 1].mean(axis=0), [2, 2], atol=0.15)
    np.testing.assert_allclose(p[y == 0].mean(axis=0), [-2, -2], atol=0.15)
    wide, yw = all_points(playground.gauss(n_points=400, noise=50, seed=0))
    np.testing.assert_allclose(p[y == 1].std(axis=0), [0.5, 0.5], atol=0.1)
    np.testing.assert_allclose(wide[yw == 1].std(axis=0), [2.0, 2.0], atol=0.3)  # noise widens the clouds


def test_spiral_arms_are_point_mirrors():
    pts, y = playground.points("spiral", n_points=200, noise=0, seed=0)
    arm0, arm1 = pts[y == 0], pts[y == 1]
    np.testing.assert_allclose(arm0, -arm1, atol=1e-12)
    assert np.hypot(*pts.T).max() <= 5.0


def test_regression_targets_follow_their_formula():
    ds = playground.plane(n_points=100, noise=0, seed=0)
    np.testing.assert_allclose(ds.y_train[:, 0], (ds.points_train[:, 0] + ds.points_train[:, 1]) / 12, atol=1e-6)
    ds = playground.multi_gauss(n_points=100, noise=0, seed=0)
    np.testing.assert_allclose(ds.y_train[:, 0], playground.multi_gauss_target(ds.points_train), atol=1e-5)
    peaks = playground.multi_gauss_target([[-4, 2.5], [0, 2.5], [0, -2.5]])
    np.testing.assert_allclose(peaks, [1, -1, 1], atol=0.03)


def test_train_ratio_sets_the_split():
    ds = playground.spiral(n_points=500, train_ratio=30, seed=0)
    assert (ds.n_train, ds.n_test) == (150, 350)
    # a different ratio splits the same points
    other = playground.spiral(n_points=500, train_ratio=80, seed=0)
    key = lambda p: sorted(map(tuple, p.tolist()))  # noqa: E731
    assert key(np.concatenate([ds.points_train, ds.points_test])) == \
        key(np.concatenate([other.points_train, other.points_test]))


def test_featurize_computes_each_feature():
    pts = np.array([[1.0, 2.0], [-0.5, 3.0], [0.0, -4.0]])
    all_keys = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    f = playground.featurize(pts, all_keys)
    assert f.shape == (3, 7) and f.dtype == np.float32
    expected = [[1, 2, 1, 4, 2, np.sin(1), np.sin(2)],
                [-0.5, 3, 0.25, 9, -1.5, np.sin(-0.5), np.sin(3)],
                [0, -4, 0, 16, 0, 0, np.sin(-4)]]
    np.testing.assert_allclose(f, expected, rtol=1e-6, atol=1e-7)
    # order follows the selection, display names and aliases are accepted
    np.testing.assert_allclose(playground.featurize(pts, ["sin x₂", "x₁x₂"]), f[:, [6, 4]])
    assert playground.feature_names(["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]) == \
        ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        playground.featurize(pts, ["x3"])
    with pytest.raises(ValueError, match="at least one"):
        playground.featurize(pts, [])


def test_input_shape_follows_the_feature_selection():
    ds = playground.xor(n_points=100, seed=0, features=["x1", "x1*x2", "sin(x2)"])
    assert ds.input_shape == (3,) and ds.feature_names == ["x₁", "x₁x₂", "sin x₂"]
    assert ds.feature_keys == ["x1", "x1*x2", "sin(x2)"]
    np.testing.assert_array_equal(ds.x_train, playground.featurize(ds.points_train, ds.feature_keys))
    np.testing.assert_array_equal(ds.x_test, playground.featurize(ds.points_test, ds.feature_keys))
    # a grid over the plane maps to the same inputs, for decision boundaries
    g = np.stack(np.meshgrid(np.linspace(-6, 6, 5), np.linspace(-6, 6, 5)), -1).reshape(-1, 2)
    assert playground.featurize(g, ds.feature_keys).shape == (25, 3)


def test_playground_rejects_out_of_range_parameters():
    with pytest.raises(ValueError, match="noise"):
        playground.circle(noise=60)
    with pytest.raises(ValueError, match="train_ratio"):
        playground.circle(train_ratio=95)
    with pytest.raises(ValueError, match="unknown playground set"):
        playground.generate("moons")


# --------------------------------------------------------------------------------------------- split
def test_split_partitions_reproducibly_and_stratifies():
    y = np.repeat([0, 1, 2], [300, 100, 50])
    tr, va, te = split_indices(len(y), 0.2, 0.1, seed=5, stratify=y)
    assert (len(tr), len(va), len(te)) == (315, 45, 90)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(450))
    for part, n in ((tr, 315), (va, 45), (te, 90)):
        expected = np.array([300, 100, 50]) * n / 450
        assert np.all(np.abs(np.bincount(y[part], minlength=3) - expected) <= 1)
    again = split_indices(len(y), 0.2, 0.1, seed=5, stratify=y)
    other = split_indices(len(y), 0.2, 0.1, seed=6, stratify=y)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))
    assert not np.array_equal(te, other[2])
    # splits come out shuffled, not in class order
    assert not np.all(np.diff(y[tr]) >= 0)


def test_split_arrays_and_bad_ratios():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    x_tr, y_tr, x_va, y_va, x_te, y_te = split(x, y, 0.3, 0.0, seed=0, stratify=False)
    assert len(x_tr) == 7 and len(x_va) == 0 and len(x_te) == 3
    np.testing.assert_array_equal(x_tr[:, 0], 2 * y_tr)  # rows stay together
    with pytest.raises(ValueError, match="leave a share for training"):
        split(x, y, 0.6, 0.5)
    with pytest.raises(ValueError, match="no training sample"):
        split_indices(2, 0.5, 0.4)


def test_scaler_minmax_and_roundtrip():
    s = Scaler.fit("minmax", [[1.0, 5.0], [3.0, 5.0]])
    np.testing.assert_allclose(s.transform([[2.0, 5.0], [5.0, 5.0]]), [[0.5, 0.0], [2.0, 0.0]])
    s2 = Scaler.from_dict(s.to_dict())
    np.testing.assert_allclose(s2.inverse_transform(s2.transform([[2.0, 7.0]])), [[2.0, 7.0]])


# -------------------------------------------------------------------------------------------- course
def test_clinical_trial_matches_the_course():
    ds = course.clinical_trial(seed=0)
    assert ds.n_train + ds.n_val + ds.n_test == 2100
    assert ds.feature_names == ["age"] and ds.class_names == ["no side effects", "side effects"]
    assert ds.input_shape == (1,) and ds.task == "binary"
    # min-max scaled on the training split: exactly [0, 1] there
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert ds.scaler.method == "minmax"
    ages = np.rint(ds.scaler.inverse_transform(np.concatenate([ds.x_train, ds.x_val, ds.x_test]))[:, 0])
    y = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    assert ages.min() >= 13 and ages.max() <= 100
    young, old = ages < 65, ages >= 65
    assert young.sum() == 1050 and old.sum() == 1050
    # about 95 % of the younger had no side effects, about 95 % of the older had side effects
    assert 0.93 <= (y[young] == 0).mean() <= 0.97 and 0.93 <= (y[old] == 1).mean() <= 0.97
    again = course.clinical_trial(seed=0)
    np.testing.assert_array_equal(ds.x_train, again.x_train)
    assert not np.array_equal(ds.x_train, course.clinical_trial(seed=1).x_train)


def test_weight_height_is_the_course_table():
    ds = course.weight_height()
    np.testing.assert_array_equal(ds.x_train, [[150, 67], [130, 68], [200, 65], [125, 52], [230, 72], [181, 70]])
    np.testing.assert_array_equal(ds.y_train, [1, 1, 0, 1, 0, 0])
    assert ds.feature_names == ["weight", "height"] and ds.class_names == ["male", "female"]
    assert ds.n_val == 0 and ds.n_test == 0 and ds.input_shape == (2,)
    scaled = course.weight_height(scaling="minmax")
    assert scaled.x_train.min() == 0 and scaled.x_train.max() == 1


# ------------------------------------------------------------------------------------------- digits
def test_digits_load_offline_with_ten_classes():
    ds = digits_mod.digits(seed=0)
    n = ds.n_train + ds.n_val + ds.n_test
    assert n == 1797
    assert ds.x_train.shape[1:] == (8, 8, 1) and ds.input_shape == (8, 8, 1)
    assert ds.x_train.dtype == np.float32 and ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert ds.task == "multiclass" and ds.num_classes == 10 and ds.class_names == [str(d) for d in range(10)]
    for part in ("train", "val", "test"):
        assert (ds.class_counts(part) > 0).all()  # every digit in every split
    assert ds.suggested_output()["text"] == "10 classes: use Dense(10, softmax) with sparse_categorical_crossentropy"
    assert (ds.n_test, ds.n_val) == (359, 180)


def test_digits_are_the_uci_images():
    images, labels = digits_mod.load_raw()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8 and images.max() == 16
    assert labels.tolist()[:10] == list(range(10))
    np.testing.assert_array_equal(images[0, 0], [0, 0, 5, 13, 9, 1, 0, 0])  # the first "0" of the set
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    text = digits_mod.LICENSE_FILE.read_text()
    assert "Alpaydin" in text and "Kaynak" in text and "CC BY 4.0" in text


def test_digits_flatten_and_split_reproducible():
    flat = digits_mod.digits(seed=3, flatten=True)
    img = digits_mod.digits(seed=3)
    assert flat.input_shape == (64,)
    np.testing.assert_array_equal(flat.x_train, img.x_train.reshape(-1, 64))
    np.testing.assert_array_equal(flat.y_test, img.y_test)
    assert not np.array_equal(img.y_test, digits_mod.digits(seed=4).y_test)


# ------------------------------------------------------------------------------------------- shapes
def test_shapes_images():
    ds = shapes_mod.shapes(n_per_class=60, size=16, noise=0.1, seed=0)
    assert ds.x_train.shape[1:] == (16, 16, 1) and ds.x_train.dtype == np.float32
    assert ds.n_train + ds.n_val + ds.n_test == 180
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0
    assert ds.class_names == ["circle", "square", "triangle"] and ds.num_classes == 3
    assert np.bincount(np.concatenate([ds.y_train, ds.y_val, ds.y_test])).tolist() == [60, 60, 60]
    np.testing.assert_array_equal(ds.x_train, shapes_mod.shapes(n_per_class=60, seed=0).x_train)
    assert not np.array_equal(ds.x_train, shapes_mod.shapes(n_per_class=60, seed=1).x_train)
    assert shapes_mod.shapes(n_per_class=5, size=12, flatten=True).input_shape == (144,)


def _roundness(im: np.ndarray) -> float:
    """Spread of the border pixels' distances from the centre of mass (relative): 0 for a perfect circle."""
    yy, xx = np.mgrid[0:im.shape[0], 0:im.shape[1]]
    cy, cx = (im * yy).sum() / im.sum(), (im * xx).sum() / im.sum()
    m = np.pad(im > 0.5, 1)
    border = m[1:-1, 1:-1] & ~(m[:-2, 1:-1] & m[2:, 1:-1] & m[1:-1, :-2] & m[1:-1, 2:])
    d = np.hypot(yy[border] - cy, xx[border] - cx)
    return d.std() / d.mean()


def test_shape_classes_are_circles_squares_and_triangles():
    ds = shapes_mod.shapes(n_per_class=80, noise=0.0, style="filled", seed=1)
    x = np.concatenate([ds.x_train, ds.x_val, ds.x_test])[..., 0]
    y = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    # circles are round, squares less so, triangles least: a rule on that recognises each image's label
    r = np.array([_roundness(im) for im in x])
    guess = np.digitize(r, [0.11, 0.2])
    assert (guess == y).mean() >= 0.93
    assert np.median(r[y == 0]) < np.median(r[y == 1]) < np.median(r[y == 2])
    # shapes stay inside the frame
    assert max(x[:, 0].max(), x[:, -1].max(), x[:, :, 0].max(), x[:, :, -1].max()) == 0.0
    # noise makes the pixels differ from the clean drawing
    noisy = shapes_mod.shapes(n_per_class=80, noise=0.2, style="filled", seed=1)
    assert np.abs(noisy.x_train - ds.x_train).mean() > 0.05


# ------------------------------------------------------------------------------------------- catalog
def test_catalog_lists_every_set_with_editable_parameters():
    names = catalog.names()
    for n in CLASSIFICATION + REGRESSION + ["clinical_trial", "weight_height", "digits", "shapes"]:
        assert n in names
    assert len(set(names)) == len(names)
    assert catalog.names("playground-2d") == CLASSIFICATION + REGRESSION
    assert catalog.names("images") == ["digits", "shapes"]
    for spec in catalog.DATASETS:
        assert spec.kind in catalog.KINDS
        for p in spec.params:
            if p.type in ("int", "float") and p.min is not None:
                assert p.min <= p.default <= p.max, (spec.name, p.name)
            if p.type == "choice":
                assert p.default in p.choices


@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral", "plane", "multi_gauss", "clinical_trial",
                                  "weight_height", "digits", "shapes"])
def test_catalog_loads_each_set_with_defaults(name):
    ds = catalog.load(name)
    assert isinstance(ds, Dataset) and ds.n_train > 0
    spec = catalog.get_spec(name)
    assert spec.task in (ds.task, "auto")
    assert ds.suggested_output()["text"]


def test_catalog_load_passes_and_checks_parameters():
    ds = catalog.load("circle", n_points=100, features=["x1", "x2", "x1^2"], seed=4)
    assert ds.input_shape == (3,) and ds.n_train == 50
    assert ds.params["seed"] == 4
    with pytest.raises(ValueError, match="has no parameter 'radius'"):
        catalog.load("circle", radius=3)
    with pytest.raises(ValueError, match="noise must be between 0.0 and 50.0 %"):
        catalog.load("xor", noise=80)
    with pytest.raises(ValueError, match="unknown data set 'moons'"):
        catalog.load("moons")


def test_suggested_output_for_binary():
    hint = playground.circle(n_points=50).suggested_output()
    assert hint["units"] == 1 and hint["activation"] == "sigmoid" and hint["loss"] == "binary_crossentropy"
    assert hint["text"].startswith("2 classes: use Dense(1, sigmoid) with binary_crossentropy")


def test_core_data_and_csv_import_without_qt():
    code = ("import sys; import nnviz.core.data.catalog, nnviz.io.csv_data; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]; print(bad); "
            "sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
