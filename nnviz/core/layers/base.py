"""The layer contract shared by every layer of the core.

A layer keeps three named dicts, as in numpy-ml:

* ``params``  — its weights, in Keras' order (``kernel``, ``bias`` / ``gamma``, ``beta``,
  ``moving_mean``, ``moving_variance``);
* ``grads``   — one gradient array per *trainable* parameter, same key, same shape;
* ``cache``   — the values ``backward`` needs, filled by ``forward``.

``backward`` only fills ``grads`` (and returns the gradient for the previous layer); an optimizer
applies them in a separate step.  A :class:`~nnviz.core.model.Sequential` packs the trainable
``params`` and all ``grads`` into two flat buffers and hands each layer *views* into them, so a
layer must always look its arrays up in the dicts at use time and must write gradients **in place**
(``np.matmul(a, b, out=self.grads["kernel"])`` or ``self.grads["bias"][...] = ...``), never rebind
the dict entries: ``grads`` is a read-only mapping (:class:`Gradients`), so a rebinding
``self.grads["kernel"] = x.T @ d_z`` raises instead of silently never training.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nnviz.core import activations as _activations
from nnviz.core.catalog import register_layer
from nnviz.core.checks import positive_ints


def shape_str(shape) -> str:
    """``(None, 20, 20, 3)`` the way Keras prints it."""
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


class Gradients(Mapping):
    """A layer's gradient arrays by parameter name. Read-only as a mapping: a layer writes its gradients
    *into* these arrays (they are views into the model's flat gradient buffer, which the optimizer reads);
    rebinding an entry raises ``TypeError``. Only the model binds the arrays (:meth:`bind`)."""

    __slots__ = ("_arrays",)

    def __init__(self, arrays=None):
        self._arrays = dict(arrays or {})

    def __getitem__(self, key):
        return self._arrays[key]

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self):
        return len(self._arrays)

    def __setitem__(self, key, value):
        raise TypeError(
            f"grads[{key!r}] cannot be rebound: write the gradient into the existing array, e.g. "
            f"self.grads[{key!r}][...] = value or np.matmul(a, b, out=self.grads[{key!r}]). The optimizer reads "
            "these arrays (views into the model's gradient buffer), so a new array would never be trained on")

    def __delitem__(self, key):
        raise TypeError(f"grads[{key!r}] cannot be deleted: a layer's gradients are fixed when it is built")

    def bind(self, key: str, array: np.ndarray) -> None:
        """Make ``array`` the gradient of ``key`` (the model binds views into its flat buffer)."""
        self._arrays[key] = array

    def __repr__(self):
        return f"Gradients({self._arrays!r})"


class Layer:
    """Base class: ``build`` / ``compute_output_shape`` / ``forward`` / ``backward`` side by side."""

    #: what the layer type is for the editor (a ``nnviz.core.catalog.LayerSpec``); a subclass that declares one
    #: is registered in ``nnviz.core.catalog.CATALOG`` when it is defined
    catalog = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("catalog") is not None:
            register_layer(cls)

    #: parameter names that are not trained (BatchNormalization's moving statistics)
    non_trainable_names: tuple[str, ...] = ()
    #: the model sets this to False on its first layer, whose input gradient nobody needs;
    #: ``backward`` may then skip that work and return None
    needs_input_grad = True

    def __init__(self, name: str | None = None, input_shape=None, trainable: bool = True, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected argument(s): {', '.join(sorted(kwargs))}")
        self.name = name
        self.trainable = trainable
        self.input_shape_arg = (None if input_shape is None
                                else positive_ints(input_shape, None, type(self).__name__, "input_shape"))
        self.built = False
        self.input_shape: tuple[int, ...] | None = None  # without the batch dimension
        self.dtype = np.dtype("float32")
        self.params: dict[str, np.ndarray] = {}
        self.grads = Gradients()
        self.cache: dict[str, np.ndarray] = {}
        self.rng = np.random.default_rng()

    @property
    def grads(self) -> Gradients:
        """One gradient array per trainable parameter: write into them, never rebind (see :class:`Gradients`)."""
        return self._grads

    @grads.setter
    def grads(self, value) -> None:
        self._grads = value if isinstance(value, Gradients) else Gradients(value)

    # ----------------------------------------------------------------- shapes and build
    @property
    def layer_type(self) -> str:
        return type(self).__name__

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Output shape without the batch dimension; raises ``ValueError`` saying what the layer needs."""
        return tuple(input_shape)

    def build(self, input_shape, rng: np.random.Generator | None = None, dtype="float32") -> None:
        """Check the input shape and create the weights (``_create_params``)."""
        input_shape = tuple(int(s) for s in input_shape)
        self.compute_output_shape(input_shape)  # raises when the input does not fit
        self.input_shape = input_shape
        self.dtype = np.dtype(dtype)
        if rng is not None:
            self.rng = rng
        self.params = {k: np.asarray(v, dtype=self.dtype) for k, v in self._create_params(input_shape).items()}
        self.grads = Gradients({k: np.zeros_like(v) for k, v in self.params.items() if k not in self.non_trainable_names})
        self.cache = {}
        self.built = True

    def _create_params(self, input_shape) -> dict[str, np.ndarray]:
        return {}

    @property
    def output_shape(self) -> tuple:
        if self.input_shape is None:
            raise AttributeError(f"layer '{self.name}' is not built yet, so it has no output shape")
        return (None,) + self.compute_output_shape(self.input_shape)

    # ----------------------------------------------------------------- math
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, d_out: np.ndarray) -> np.ndarray:
        """Fill ``self.grads`` from dC/d(output); return dC/d(input)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- weights
    @property
    def weight_names(self) -> list[str]:
        return list(self.params)

    @property
    def trainable_names(self) -> list[str]:
        return [k for k in self.params if k not in self.non_trainable_names]

    def count_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))

    def count_trainable_params(self) -> int:
        if not self.trainable:
            return 0
        return int(sum(self.params[k].size for k in self.trainable_names))

    def get_weights(self) -> list[np.ndarray]:
        return [v.copy() for v in self.params.values()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        names = self.weight_names
        if len(weights) != len(names):
            raise ValueError(
                f"layer '{self.name}' ({self.layer_type}) expects {len(names)} weight arrays "
                f"{[tuple(self.params[k].shape) for k in names]}, got {len(weights)}"
            )
        for k, w in zip(names, weights):
            w = np.asarray(w)
            if w.shape != self.params[k].shape:
                raise ValueError(
                    f"layer '{self.name}' ({self.layer_type}) weight '{k}' has shape {self.params[k].shape}, "
                    f"got an array of shape {w.shape}"
                )
            if not np.issubdtype(w.dtype, np.number) or np.issubdtype(w.dtype, np.complexfloating):
                raise ValueError(f"layer '{self.name}' weight '{k}' must be real numbers, got dtype {w.dtype}")
            self.params[k][...] = w  # in place: params may be views into the model's flat buffer

    # ----------------------------------------------------------------- config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        if self.input_shape_arg is not None:
            config["input_shape"] = list(self.input_shape_arg)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{self.layer_type} '{self.name}'>"


class ActivatedLayer(Layer):
    """A layer computing ``z`` and then ``a = g(z)``: Dense and Conv2D.

    ``backward`` takes dC/da; ``backward_from_z`` takes dC/dz directly (used for the fused
    softmax / sigmoid + cross-entropy gradient).
    """

    def __init__(self, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)

    def _activate(self, z: np.ndarray) -> np.ndarray:
        a = self.activation.forward(z)
        self.cache["z"] = z
        self.cache["a"] = a
        return a

    def backward(self, d_out: np.ndarray) -> np.ndarray:
        d_z = self.activation.backward(self.cache["z"], self.cache["a"], d_out)   # dZ = dA * g'(Z)
        self.cache["d_z"] = d_z   # kept for the backprop trace's explanation
        return self.backward_from_z(d_z)

    def backward_from_z(self, d_z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = self.activation.get_config()
        return config
