"""UpSampling2D (channels-last): the decoder half of an image autoencoder grows its maps back.

Keras' ``UpSampling2D(size=(2, 2), interpolation="nearest")`` repeats every row ``size[0]`` times and every
column ``size[1]`` times: ``a[n, y, x, c] = a_prev[n, y // sh, x // sw, c]``. Backward sums the gradient of
each block of copies back onto the cell it was copied from. No weights.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.catalog import LayerSpec, OptionSpec, pair
from nnviz.core.checks import positive_ints
from nnviz.core.layers.base import Layer
from nnviz.core.layers.conv import check_batch, check_image_shape


class UpSampling2D(Layer):
    """Nearest-neighbour upsampling: each pixel becomes a ``size[0] × size[1]`` block of copies."""

    catalog = LayerSpec(
        category="reshaping", order=45, summary="Enlarge images by repeating pixels",
        description="Repeats every row and every column (2×2: each pixel becomes a 2×2 block), doubling height and "
                    "width: the decoder of an image autoencoder uses it to undo pooling. No weights.",
        defaults={"size": [2, 2]},
        options=(OptionSpec("size", "pair", "Size", "How many times each row × each column is repeated",
                            minimum=1, maximum=8),),
        title=lambda o: "UpSampling2D ×{}".format("×".join(map(str, pair(o.get("size", 2))))))

    def __init__(self, size=(2, 2), interpolation: str = "nearest", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = positive_ints(size, 2, "UpSampling2D", "size")
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D(interpolation={interpolation!r}): only 'nearest' (repeat each pixel) "
                             f"is implemented")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"UpSampling2D(data_format={data_format!r}): nnviz keeps images channels-last")
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        h, w, c = check_image_shape(self.layer_type, input_shape)
        return (h * self.size[0], w * self.size[1], c)

    def forward(self, x, training=False):
        check_batch(self.layer_type, x)
        sh, sw = self.size
        return np.repeat(np.repeat(x, sh, axis=1), sw, axis=2)

    def backward(self, d_out):
        n, h, w, c = d_out.shape
        sh, sw = self.size
        return d_out.reshape(n, h // sh, sh, w // sw, sw, c).sum(axis=(2, 4))

    def get_config(self):
        config = super().get_config()
        config.update(size=list(self.size), interpolation=self.interpolation)
        return config
