"""The fast path for all-number CSV files (nnviz.io.csv_fast) and pixel tables read as images."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Conv2D, Dense, Flatten, Input, MaxPooling2D, Sequential
from nnviz.core.data import pixels
from nnviz.io import csv_data, csv_fast


def pixel_csv(tmp_path, n=60, side=4, header=True, label_first=True, seed=0, name="px.csv"):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, side * side))
    y = np.arange(n) % 3
    table = np.concatenate([y[:, None], x], axis=1) if label_first else np.concatenate([x, y[:, None]], axis=1)
    names = [f"pixel{i}" for i in range(side * side)]
    names = ["label"] + names if label_first else names + ["label"]
    lines = ([",".join(names)] if header else []) + [",".join(map(str, r)) for r in table]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path, x, y


def test_parse_numbers_reads_integers_exactly(tmp_path):
    path, x, y = pixel_csv(tmp_path, n=200)
    seen = []
    names, m = csv_fast.parse_numbers(path, progress=seen.append, block_bytes=512)
    assert names[0] == "label" and names[1] == "pixel0" and len(names) == 17
    assert m.dtype == np.float32 and m.shape == (200, 17)
    np.testing.assert_array_equal(m[:, 0], y)
    np.testing.assert_array_equal(m[:, 1:], x)
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] == 1.0


@pytest.mark.parametrize("text", [b"a,b\n1,2\n3,-4\n", b"a,b\n1,2\n3\n", b"a,b\n1,\n3,3\n", b"a,b\n1,2\n\n3,4\n",
                                  b"a,b\n1.5,2\n3,4\n", b'a,b\n"1",2\n', b"a,b\r\n1,2\r\n", b"", b"a,b\n1,2 \n"])
def test_parse_numbers_leaves_anything_else_to_the_general_reader(text):
    assert csv_fast.parse_numbers(text) is None


def test_parse_numbers_without_header_and_last_line_break():
    names, m = csv_fast.parse_numbers(b"1,2\n30,400")
    assert names is None
    np.testing.assert_array_equal(m, [[1, 2], [30, 400]])


@pytest.mark.parametrize("scaling", ["none", "minmax", "standardize"])
@pytest.mark.parametrize("label_first", [True, False])
def test_fast_load_is_the_general_load(tmp_path, scaling, label_first):
    path, _, _ = pixel_csv(tmp_path, n=90, label_first=label_first)
    fast = csv_data.load_csv(path, "label", scaling=scaling, test_ratio=0.2, val_ratio=0.1, seed=3)
    general = csv_data.to_dataset(csv_data.read_csv(path), "label", scaling=scaling, test_ratio=0.2,
                                  val_ratio=0.1, seed=3)
    assert fast.scaler is not None or scaling == "none"
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(fast, "x_" + part), getattr(general, "x_" + part))
        np.testing.assert_array_equal(getattr(fast, "y_" + part), getattr(general, "y_" + part))
        assert getattr(fast, "x_" + part).dtype == np.float32
    assert fast.class_names == general.class_names and fast.task == general.task
    assert fast.feature_names == general.feature_names and fast.name == general.name


def test_pixel_table_reads_as_images_and_trains_a_cnn(tmp_path):
    path, x, y = pixel_csv(tmp_path, n=60, side=8)
    ds = csv_fast.load_numbers(path, images=None, test_ratio=0.25, seed=0)
    assert ds.kind == "images"
    assert ds.x_train.shape == (45, 8, 8, 1) and ds.x_test.shape == (15, 8, 8, 1)
    # row-major pixels: pixel (r, c) is column r·8 + c
    row = np.flatnonzero((x == ds.x_train[0].reshape(-1)).all(axis=1))[0]
    assert ds.x_train[0, 1, 2, 0] == x[row, 1 * 8 + 2]
    model = Sequential([Input(ds.x_train.shape[1:]), Conv2D(4, 3, padding="same", activation="relu"),
                        MaxPooling2D(2), Flatten(), Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    hist = model.fit(ds.x_train / 255, ds.y_train, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"][0])
    flat = csv_fast.load_numbers(path, images=False)
    assert flat.x_train.shape == (48, 64)
    as_images = pixels.dataset_as_images(flat)
    assert as_images.x_train.shape == (48, 8, 8, 1) and as_images.kind == "images"


def test_images_true_needs_square_pixels(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("label,a,b,c\n" + "".join(f"{i % 2},1,2,3\n" for i in range(10)))
    with pytest.raises(ValueError, match="not the pixels"):
        csv_fast.load_numbers(path, images=True)
    assert csv_fast.load_numbers(path).x_train.shape[1:] == (3,)


@pytest.mark.parametrize("names, count, shape", [
    ([f"pixel{i}" for i in range(784)], None, (28, 28, 1)),
    ([f"pixel{i}" for i in range(1, 65)], None, (8, 8, 1)),
    ([f"px_{i}" for i in range(16)], None, (4, 4, 1)),
    ([f"f{i}" for i in range(64)], None, (8, 8, 1)),       # any names: a square count of at least 64
    ([f"f{i}" for i in range(16)], None, None),            # 16 plain features are not an image
    ([f"pixel{i}" for i in range(10)], None, None),        # not square
    ([f"pixel{i}" for i in (0, 2, 1, 3)], None, None),     # out of order: not a row-major image
    (None, 784, (28, 28, 1)), (None, 50, None),
])
def test_image_shape(names, count, shape):
    assert pixels.image_shape(names, count) == shape


def test_scaling_advice_for_inputs_spanning_more_than_100(tmp_path):
    from nnviz.core.data import catalog
    from nnviz.core.data.advice import scaling_advice

    path, _, _ = pixel_csv(tmp_path, n=60, side=8)
    raw = csv_data.load_csv(path, "label")
    assert "0 … 255" in scaling_advice(raw) and "divide the pixels by 255" in scaling_advice(raw)
    assert scaling_advice(csv_data.load_csv(path, "label", scaling="minmax")) is None
    assert scaling_advice(catalog.load("digits")) is None          # 0 … 1 pixels
