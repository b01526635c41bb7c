"""Dense, Activation, Flatten, Dropout and the Input marker."""

from __future__ import annotations

import math

import numpy as np

from nnviz.core import activations as _activations
from nnviz.core import initializers, regularizers
from nnviz.core.catalog import LayerSpec, OptionSpec
from nnviz.core.checks import positive_int, positive_ints, real
from nnviz.core.layers.base import ActivatedLayer, Layer


class Input:
    """``Input(shape)`` as the first entry of a Sequential list, as in Keras 3."""

    def __init__(self, shape, name: str | None = None):
        self.shape = positive_ints(shape, None, "Input", "shape")
        self.name = name

    def __repr__(self):
        return f"Input(shape={self.shape})"


class Dense(ActivatedLayer):
    """``z = x · kernel + bias``, ``a = g(z)``; kernel shape (in, units) as in Keras.

    Inputs with more than one axis (e.g. images) are transformed along the last axis, exactly as
    Keras' Dense does: ``(None, 20, 20, 3) -> Dense(16) -> (None, 20, 20, 16)``.
    """

    catalog = LayerSpec(
        category="core", order=10, summary="Fully connected units",
        description="Fully connected layer: each unit j computes z_j = Σ_k w_jk·a_k + b_j over all of its inputs and "
                    "outputs a_j = g(z_j) with its activation g. The building block of a multilayer perceptron.",
        defaults={"units": 16, "activation": "relu"},
        options=(OptionSpec("units", "int", "Units", "Number of neurons in the layer", minimum=1, maximum=4096),
                 OptionSpec("activation", "activation", "Activation", "g(z) applied to each unit's weighted sum"),
                 OptionSpec("use_bias", "bool", "Use bias", "Add a learned bias b_j to each unit")),
        title="Dense {units} · {activation}")

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, **kwargs):
        super().__init__(activation=activation, **kwargs)
        self.units = positive_int(units, "Dense", "units")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError(f"Dense needs an input with at least one axis, got {tuple(input_shape)}")
        return tuple(input_shape[:-1]) + (self.units,)

    def _create_params(self, input_shape):
        n_in = input_shape[-1]
        params = {"kernel": self.kernel_initializer((n_in, self.units), self.rng, n_in, self.units)}
        if self.use_bias:
            params["bias"] = self.bias_initializer((self.units,), self.rng, n_in, self.units)
        return params

    def forward(self, x, training=False):
        z = x @ self.params["kernel"]
        if self.use_bias:
            z += self.params["bias"]
        self.cache["x"] = x
        return self._activate(z)

    def backward_from_z(self, d_z):
        x = self.cache["x"]
        kernel = self.params["kernel"]
        if x.ndim == 2:
            np.matmul(x.T, d_z, out=self.grads["kernel"])      # dW = A_prev.T @ dZ
            if self.use_bias:
                d_z.sum(axis=0, out=self.grads["bias"])          # db = Σ_batch dZ
        else:
            x2 = x.reshape(-1, x.shape[-1])
            d2 = d_z.reshape(-1, d_z.shape[-1])
            np.matmul(x2.T, d2, out=self.grads["kernel"])
            if self.use_bias:
                d2.sum(axis=0, out=self.grads["bias"])
        if not self.needs_input_grad:
            return None
        return d_z @ kernel.T                                    # dA_prev = dZ @ W.T

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, use_bias=self.use_bias,
                      kernel_initializer=self.kernel_initializer.get_config(),
                      bias_initializer=self.bias_initializer.get_config(),
                      kernel_regularizer=None if self.kernel_regularizer is None
                      else self.kernel_regularizer.get_config())
        return config


class Activation(Layer):
    """Applies an activation function on its own: ``a = g(x)``."""

    catalog = LayerSpec(
        category="core", order=70, summary="Apply g(x) on its own",
        description="Applies an activation function (relu, sigmoid, tanh, softmax, …) element by element, without "
                    "weights.",
        defaults={"activation": "relu"},
        options=(OptionSpec("activation", "activation", "Activation", "The function applied to every value"),),
        title="Activation · {activation}")

    def __init__(self, activation="linear", **kwargs):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)

    def forward(self, x, training=False):
        a = self.activation.forward(x)
        self.cache["z"] = x
        self.cache["a"] = a
        return a

    def backward(self, d_out):
        return self.activation.backward(self.cache["z"], self.cache["a"], d_out)

    def backward_from_z(self, d_z):
        return d_z

    def get_config(self):
        config = super().get_config()
        config["activation"] = self.activation.get_config()
        return config


class Flatten(Layer):
    """Flattens everything but the batch axis (row-major, as Keras does for channels-last)."""

    catalog = LayerSpec(
        category="reshaping", order=50, summary="Image → vector",
        description="Unrolls a (height, width, channels) tensor into one long vector so Dense layers can follow "
                    "convolutions. No weights.")

    def compute_output_shape(self, input_shape):
        return (int(math.prod(input_shape)),)

    def forward(self, x, training=False):
        self.cache["shape"] = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, d_out):
        return d_out.reshape(self.cache["shape"])


class Dropout(Layer):
    """Inverted dropout: in training, zero a fraction ``rate`` of inputs and scale the rest by 1/(1−rate)."""

    catalog = LayerSpec(
        category="regularization", order=60, summary="Randomly silence inputs",
        description="During training, sets a random fraction (the rate) of its inputs to zero at every step and "
                    "scales the rest up, so the network cannot rely on single units. Does nothing at prediction time.",
        defaults={"rate": 0.2},
        options=(OptionSpec("rate", "float", "Rate", "Fraction of inputs set to zero in each training step",
                            minimum=0.0, maximum=0.95, step=0.05, decimals=2),),
        title="Dropout {rate}")

    def __init__(self, rate: float, seed=None, **kwargs):
        super().__init__(**kwargs)
        rate = real(rate, "Dropout", "rate")
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout(rate={rate!r}): rate must be in [0, 1)")
        self.rate = rate
        self.seed = seed

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self.cache["mask"] = None
            return x
        keep = 1.0 - self.rate
        mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        self.cache["mask"] = mask
        return x * mask

    def backward(self, d_out):
        mask = self.cache.get("mask")
        return d_out if mask is None else d_out * mask

    def get_config(self):
        config = super().get_config()
        config["rate"] = self.rate
        if self.seed is not None:
            config["seed"] = self.seed
        return config


class Embedding(Layer):
    """A learned vector per token: ``a[t] = embeddings[x[t]]`` for integer token ids ``x`` in ``[0, input_dim)``.

    ``(None, T) -> (None, T, output_dim)``, Keras' weight ``embeddings`` of shape ``(input_dim, output_dim)``
    drawn from ``uniform`` (−0.05 … 0.05). The ids are not differentiable: backward only fills the gradient
    of the rows that were used (summed where an id repeats).
    """

    catalog = LayerSpec(
        category="core", order=90, summary="A learned vector per word",
        description="Turns token ids (words as numbers 0, 1, 2, …) into learned vectors: row x_t of a table of "
                    "'vocabulary size' × 'vector size' weights for each word of the input. The first layer of a "
                    "text network, followed by a recurrent layer (GRU, LSTM).",
        defaults={"input_dim": 100, "output_dim": 8},
        options=(OptionSpec("input_dim", "int", "Vocabulary size",
                            "Number of different token ids: ids run 0 … size − 1", minimum=1, maximum=100000),
                 OptionSpec("output_dim", "int", "Vector size", "Length of the learned vector of each token",
                            minimum=1, maximum=1024)),
        title="Embedding {input_dim} → {output_dim}")

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", mask_zero: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.input_dim = positive_int(input_dim, "Embedding", "input_dim")     # the vocabulary size
        self.output_dim = positive_int(output_dim, "Embedding", "output_dim")  # the vector size
        if mask_zero:
            raise ValueError("Embedding(mask_zero=True) is not supported: nnviz has no masking; pad with a token "
                             "the network learns to ignore")
        self.embeddings_initializer = initializers.get(embeddings_initializer)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _create_params(self, input_shape):
        shape = (self.input_dim, self.output_dim)
        return {"embeddings": self.embeddings_initializer(shape, self.rng, *shape)}

    def _ids(self, x):
        ids = np.asarray(x)
        as_int = np.rint(ids).astype(np.int64) if ids.dtype.kind == "f" else ids.astype(np.int64)
        bad = (as_int < 0) | (as_int >= self.input_dim) | ((as_int != ids) if ids.dtype.kind == "f" else False)
        if np.any(bad):
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"Embedding '{self.name}' takes token ids 0 … {self.input_dim - 1}; sample {where[0]} "
                             f"holds {float(ids[where]):g} at position {where[1:] if len(where) > 2 else where[1]}")
        return as_int

    def forward(self, x, training=False):
        ids = self._ids(x)
        self.cache["ids"] = ids
        return self.params["embeddings"][ids]                  # a row per token

    def backward(self, d_out):
        d_e = self.grads["embeddings"]
        d_e[...] = 0
        np.add.at(d_e, self.cache["ids"].reshape(-1), d_out.reshape(-1, self.output_dim))   # dE[id] += dA[t]
        if not self.needs_input_grad:
            return None
        return np.zeros(self.cache["ids"].shape, d_out.dtype)   # token ids have no gradient

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=self.embeddings_initializer.get_config())
        return config


class Reshape(Layer):
    """Keras' ``Reshape(target_shape)``: each sample's values, in row-major order, laid out in ``target_shape``
    (without the batch axis). One entry may be −1: it takes the size that keeps the number of values.
    ``(None, 12) -> Reshape((3, -1)) -> (None, 3, 4)``; no weights; backward reshapes the gradient back."""

    catalog = LayerSpec(
        category="reshaping", order=55, summary="Lay values out in a new shape",
        description="Lays each sample's values, in order, out in the target shape: (12,) → (3, 4), or an image "
                    "(8, 8, 1) → (8, 8) to read it row by row with a recurrent layer. One entry may be −1: it takes "
                    "the size that keeps the number of values. No weights.",
        defaults={"target_shape": [-1]},
        options=(OptionSpec("target_shape", "shape", "Target shape",
                            "Shape of each sample after reshaping, without the batch axis, e.g. 8, 8 or 4, -1 "
                            "(−1: the size that keeps the number of values)", minimum=-1),),
        title=lambda o: f"Reshape → {tuple(o.get('target_shape') or ())}")

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(target_shape.tolist() if isinstance(target_shape, np.ndarray) else target_shape) \
            if isinstance(target_shape, (list, tuple, np.ndarray)) else (target_shape,)
        if (not dims or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and (d > 0 or d == -1)
                                for d in dims) or dims.count(-1) > 1):
            raise ValueError(f"Reshape(target_shape={target_shape!r}): target_shape must be a tuple of positive "
                             f"integers, one of which may be -1")
        self.target_shape = tuple(int(d) for d in dims)

    def compute_output_shape(self, input_shape):
        size = int(math.prod(input_shape))
        known = int(math.prod(d for d in self.target_shape if d != -1))
        if -1 in self.target_shape and size % known == 0:
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size or -1 in self.target_shape:
            raise ValueError(f"Reshape cannot lay the {size} values of an input {tuple(input_shape)} out as "
                             f"{self.target_shape}" + (f" ({known} values)" if -1 not in self.target_shape else
                                                       f" ({size} is not a multiple of {known})"))
        return self.target_shape

    def forward(self, x, training=False):
        self.cache["shape"] = x.shape
        return x.reshape((x.shape[0], *self.compute_output_shape(x.shape[1:])))

    def backward(self, d_out):
        return d_out.reshape(self.cache["shape"])

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
