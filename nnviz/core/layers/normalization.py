"""BatchNormalization over the last (channels) axis, with Keras' defaults."""

from __future__ import annotations

import numpy as np

from nnviz.core import initializers
from nnviz.core.catalog import LayerSpec, OptionSpec
from nnviz.core.checks import real
from nnviz.core.layers.base import Layer


class BatchNormalization(Layer):
    """Training: normalise with the batch's mean and (biased) variance and update the moving
    statistics ``m ← m·momentum + batch·(1 − momentum)``; inference: use the moving statistics.
    ``y = gamma · (x − mean) / sqrt(var + epsilon) + beta``.

    A frozen layer (``trainable=False``) runs in inference mode even while the model trains, and its
    moving statistics stay as they are: Keras 3's rule (``training and self.trainable``), the usual
    set-up for fine-tuning.
    """

    catalog = LayerSpec(
        category="normalization", order=80, summary="Normalize per channel",
        description="Normalizes each channel with the batch's mean and variance, then scales (γ) and shifts (β) it: "
                    "often steadier, faster training. Keeps moving averages for prediction.",
        options=(OptionSpec("momentum", "float", "Momentum", "How slowly the moving mean and variance follow the "
                            "batches", minimum=0.0, maximum=0.9999, step=0.01, decimals=4),
                 OptionSpec("epsilon", "float", "Epsilon", "Added to the variance to avoid dividing by zero",
                            minimum=1e-6, maximum=1.0, step=0.0001, decimals=6),
                 OptionSpec("center", "bool", "Center (β)", "Learn a shift β per channel"),
                 OptionSpec("scale", "bool", "Scale (γ)", "Learn a scale γ per channel")))

    non_trainable_names = ("moving_mean", "moving_variance")

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if axis not in (-1,):
            raise ValueError("BatchNormalization supports axis=-1 (channels-last) only")
        self.axis = -1
        self.momentum = real(momentum, "BatchNormalization", "momentum")
        self.epsilon = real(epsilon, "BatchNormalization", "epsilon")
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(f"BatchNormalization needs an input with at least one axis, got {tuple(input_shape)}")
        return tuple(input_shape)

    def _create_params(self, input_shape):
        c = (input_shape[-1],)
        params = {}
        if self.scale:
            params["gamma"] = self.gamma_initializer(c, self.rng)
        if self.center:
            params["beta"] = self.beta_initializer(c, self.rng)
        params["moving_mean"] = self.moving_mean_initializer(c, self.rng)
        params["moving_variance"] = self.moving_variance_initializer(c, self.rng)
        return params

    def forward(self, x, training=False):
        axes = tuple(range(x.ndim - 1))
        training = training and self.trainable
        if training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            m = self.momentum
            self.params["moving_mean"][...] = self.params["moving_mean"] * m + mean * (1 - m)
            self.params["moving_variance"][...] = self.params["moving_variance"] * m + var * (1 - m)
        else:
            mean = self.params["moving_mean"]
            var = self.params["moving_variance"]
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        x_hat = (x - mean) * inv_std
        # the batch's statistics stay in the cache for the backprop trace (in training mode)
        self.cache.update(x_hat=x_hat, inv_std=inv_std, training=training, mean=mean if training else None,
                          variance=var if training else None)
        y = x_hat * self.params["gamma"] if self.scale else x_hat
        if self.center:
            y = y + self.params["beta"]
        return y

    def backward(self, d_out):
        x_hat = self.cache["x_hat"]
        inv_std = self.cache["inv_std"]
        axes = tuple(range(d_out.ndim - 1))
        if self.scale:
            (d_out * x_hat).sum(axis=axes, out=self.grads["gamma"])
            d_xhat = d_out * self.params["gamma"]
        else:
            d_xhat = d_out
        if self.center:
            d_out.sum(axis=axes, out=self.grads["beta"])
        if not self.cache["training"]:
            return d_xhat * inv_std  # the statistics are constants in inference mode
        n = d_out.size // d_out.shape[-1]
        # dx = inv_std/n · (n·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)): the batch statistics depend on x too
        return (inv_std / n) * (n * d_xhat - d_xhat.sum(axis=axes) - x_hat * (d_xhat * x_hat).sum(axis=axes))

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
                      scale=self.scale)
        return config
