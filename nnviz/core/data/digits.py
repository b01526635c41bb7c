"""The 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", 1,797 images, 10 classes).

Shipped as ``resources/data/digits.npz`` (uint8 images 0..16, uint8 labels 0..9; see
``resources/data/DIGITS-LICENSE.txt`` for licence and attribution: E. Alpaydin & C. Kaynak, 1998,
UCI Machine Learning Repository, CC BY 4.0). Nothing is downloaded.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nnviz import resources
from nnviz.core.data.dataset import Dataset, image_layout, split

DIGITS_FILE = resources.path("data", "digits.npz")
LICENSE_FILE = resources.path("data", "DIGITS-LICENSE.txt")

ATTRIBUTION = ("Optical Recognition of Handwritten Digits, E. Alpaydin & C. Kaynak (1998), "
               "UCI Machine Learning Repository, CC BY 4.0")


@lru_cache(maxsize=1)
def _load_raw() -> tuple[np.ndarray, np.ndarray]:
    if not DIGITS_FILE.exists():
        raise FileNotFoundError(f"the bundled digits file is missing: {DIGITS_FILE}")
    with np.load(DIGITS_FILE) as f:
        images, labels = f["images"], f["labels"]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_raw() -> tuple[np.ndarray, np.ndarray]:
    """The bundled arrays as stored: images uint8 ``(1797, 8, 8)`` with values 0..16, labels uint8 ``(1797,)``."""
    images, labels = _load_raw()
    return images.copy(), labels.copy()


def digits(seed: int | None = 0, test_ratio: float = 0.2, val_ratio: float = 0.1, flatten: bool = False,
           sequence: bool = False) -> Dataset:
    """The digits as a 10-class data set, split reproducibly (stratified by digit).

    ``x`` is float32 in [0, 1] (pixel / 16) shaped ``(n, 8, 8, 1)``, ``(n, 64)`` with ``flatten=True``
    (for a Dense-only network) or ``(n, 8, 8)`` with ``sequence=True`` (8 time steps of 8 pixels, for a
    recurrent network). ``y`` holds the digits 0..9 as class indices.
    """
    images, labels = _load_raw()
    x = images.astype(np.float32) / np.float32(16.0)
    x = image_layout(x, flatten, sequence)
    y = labels.astype(np.int64)
    x_train, y_train, x_val, y_val, x_test, y_test = split(x, y, test_ratio, val_ratio, seed)
    return Dataset(
        name="digits", task="multiclass",
        x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, x_test=x_test, y_test=y_test,
        feature_names=[f"pixel[{r},{c}]" for r in range(8) for c in range(8)],
        class_names=[str(d) for d in range(10)], kind="images",
        description=("1,797 handwritten digits, 8x8 pixels with 17 gray levels (UCI Optical Recognition of "
                     "Handwritten Digits; E. Alpaydin & C. Kaynak, 1998; CC BY 4.0). Ten classes, 0 to 9."),
        params={"seed": seed, "test_ratio": test_ratio, "val_ratio": val_ratio, "flatten": flatten,
                "sequence": sequence},
    )
