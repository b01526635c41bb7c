"""UpSampling2D: Keras' nearest repeat, its gradient, and the palette's refusals."""

import numpy as np
import pytest

from nnviz.core import Input, Sequential, UpSampling2D
from nnviz.core.catalog import spec_for


def test_each_pixel_becomes_a_block_of_copies_and_gradients_sum_back():
    layer = UpSampling2D((2, 3))
    model = Sequential([Input((2, 2, 1)), layer])
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    y = model.predict(x)
    assert y.shape == (1, 4, 6, 1) and model.output_shape == (None, 4, 6, 1)
    np.testing.assert_array_equal(y[0, :, :, 0], [[0, 0, 0, 1, 1, 1]] * 2 + [[2, 2, 2, 3, 3, 3]] * 2)
    d = layer.backward(np.ones((1, 4, 6, 1), np.float32))
    np.testing.assert_array_equal(d, np.full((1, 2, 2, 1), 6.0))


def test_refusals_name_the_reason():
    with pytest.raises(ValueError, match="nearest"):
        UpSampling2D(interpolation="bilinear")
    with pytest.raises(ValueError, match="3-D input"):
        Sequential([Input((4,)), UpSampling2D()])
    assert spec_for("UpSampling2D").title({"size": [2, 2]}) == "UpSampling2D ×2×2"
