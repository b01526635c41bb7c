"""Standardizing a big CSV a block of rows at a time (peak 2.4x the float32 data for the 60,000-row MNIST file,
4.2x with a float64 copy of the split) gives Scaler.fit's numbers."""

from __future__ import annotations

import numpy as np

from nnviz.core.data.dataset import Scaler
from nnviz.io import csv_fast


def test_the_blockwise_standardizer_equals_scaler_fit(monkeypatch):
    monkeypatch.setattr(csv_fast, "SCALE_ROWS", 7)            # many blocks, a ragged last one
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(250, 6)) * [1, 10, 1e3, 1e-3, 0, 5] + [0, 3, 1e5, -2, 4, 0]).astype(np.float32)
    rows = rng.permutation(250)[:180]
    ours = csv_fast._fit_scaler("standardize", x, rows)
    ref = Scaler.fit("standardize", x[rows])
    assert ours.method == "standardize"
    np.testing.assert_allclose(ours.offset, ref.offset, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=1e-10)
    assert ours.scale[4] == 1.0                                # a constant column maps to 0, as Scaler.fit does
    np.testing.assert_allclose(ours.transform(x[rows]), ref.transform(x[rows]), rtol=0, atol=2e-6)


def test_a_standardized_csv_has_zero_mean_unit_std_on_its_training_rows(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(400, 16))
    y = rng.integers(0, 3, size=400)
    path = tmp_path / "t.csv"
    lines = ["label," + ",".join(f"pixel{i}" for i in range(16))]
    lines += [",".join(str(v) for v in [label, *row]) for label, row in zip(y, x)]
    path.write_text("\n".join(lines) + "\n")
    ds = csv_fast.load_numbers(path, label_column="label", scaling="standardize")
    flat = ds.x_train.reshape(len(ds.x_train), -1).astype(np.float64)
    np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(flat.std(axis=0), 1, atol=1e-5)
