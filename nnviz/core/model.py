"""``Sequential``: the Keras-style model — build, compile, fit, evaluate, predict, summary.

Every trainable weight lives as a view into one flat float buffer and every gradient as a view
into another, so the optimizer updates the whole network in a few NumPy calls. ``backward`` only
fills gradients; the optimizer step is separate (``compute_gradients`` stops before it), which is
what lets the backprop stepper show "gradients computed, weights not yet updated".

Training happens in one place, :func:`nnviz.core.step.train_step` (``train_step``, ``train_on_batch``,
``fit`` — whose loop is in :mod:`nnviz.core.fitting` —, ``compute_gradients`` and the backprop trace all
run it); saving and restoring the whole training state is :mod:`nnviz.core.state`. Only these modules
touch the flat buffers and the optimizer's slots.
"""

from __future__ import annotations

import textwrap

import numpy as np

from nnviz.core import fitting as _fitting
from nnviz.core import losses as _losses
from nnviz.core import metrics as _metrics
from nnviz.core import optimizers as _optimizers
from nnviz.core import step as _step
from nnviz.core.callbacks import History
from nnviz.core.layers import LAYER_CLASSES, Input, Layer
from nnviz.core.layers.base import shape_str
from nnviz.core.state import capture_state, restore_state


class ArchitectureError(ValueError):
    """A layer cannot take the shape it is given. ``layer_index`` is 0-based into ``model.layers``."""

    def __init__(self, message: str, layer_index: int, layer_name: str | None):
        super().__init__(message)
        self.layer_index = layer_index
        self.layer_name = layer_name


def _snake(name: str) -> str:
    out = []
    for i, c in enumerate(name):
        prev = name[i - 1] if i else ""
        if c.isupper() and (prev.islower() or (prev.isupper() and i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def unique_name(base: str, taken, suffixes: dict | None = None) -> str:
    """Keras' naming: ``dense``, then ``dense_1``, ``dense_2``, ... skipping names already taken.
    ``suffixes`` (kept by the caller from call to call, for a ``taken`` that only grows) lets the search
    go on where the last one for ``base`` stopped, so naming n layers takes linear, not quadratic, time."""
    if base not in taken:
        return base
    suffixes = {} if suffixes is None else suffixes
    i = suffixes.get(base, 1)
    while f"{base}_{i}" in taken:
        i += 1
    suffixes[base] = i
    return f"{base}_{i}"


class Sequential:
    def __init__(self, layers=None, name: str | None = None, dtype="float32", seed: int | None = None):
        self.name = name or "sequential"
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.layers: list[Layer] = []
        self._input_shape: tuple[int, ...] | None = None
        self.built = False
        self.optimizer: _optimizers.Optimizer | None = None
        self.loss: _losses.Loss | None = None
        self._metric_ids: list = []
        self.metrics: list = []
        self.stop_training = False
        self.history: History | None = None
        self.last_batch_loss = float("nan")
        self._flat_params = np.zeros(0, self.dtype)
        self._flat_grads = np.zeros(0, self.dtype)
        self._add_all(layers or [])

    # ================================================================= structure
    def add(self, layer) -> None:
        if not self._append(layer):
            return
        if self._input_shape is not None:
            try:
                self.build()
            except ValueError:
                self.layers.pop()
                raise

    def _add_all(self, layers) -> None:
        """``add`` each of ``layers`` (an iterable, taken one at a time) to this new, empty model: the same
        names, the same errors in the same order and the same random draws, but each layer is built once and
        the weights are packed once, at the end, so n layers take linear time, not quadratic (add rebuilds
        the whole model).

        When a layer fails (or ``layers`` raises), the model keeps the layers before it, built and packed,
        and the error propagates: the editor shows that partial model's shapes."""
        taken: set[str] = set()
        suffixes: dict[str, int] = {}
        shape = None  # the output shape of the layers built so far
        done = len(self.layers)  # layers appended and built
        try:
            for layer in layers:
                if self._append(layer, taken, suffixes) and self._input_shape is not None:
                    shape = self._build_layer(len(self.layers) - 1, self._input_shape if shape is None else shape)
                done = len(self.layers)
        finally:
            del self.layers[done:]
            if self._input_shape is not None:
                self.build()  # every layer is built already: this only packs their weights

    def _append(self, layer, taken: set | None = None, suffixes: dict | None = None) -> bool:
        """``add`` without the build: name ``layer`` and append it (or take the shape of an ``Input``:
        then False). ``taken`` and ``suffixes``: the names of the layers so far and the ``unique_name``
        search state, when the caller keeps them."""
        if isinstance(layer, Input):
            if self.layers:
                raise ValueError("Input(shape) can only be the first entry of a Sequential model")
            self._input_shape = layer.shape
            return False
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a layer, got {layer!r}")
        if not self.layers and self._input_shape is None and layer.input_shape_arg is not None:
            self._input_shape = layer.input_shape_arg
        if taken is None:
            taken = {other.name for other in self.layers}
        if layer.name is None:
            layer.name = unique_name(_snake(layer.layer_type), taken, suffixes)
        elif layer.name in taken:
            raise ValueError(f"a layer named '{layer.name}' is already in the model; names must be unique")
        taken.add(layer.name)
        self.layers.append(layer)
        return True

    def pop(self) -> Layer:
        layer = self.layers.pop()
        if self._input_shape is not None:
            self.build()
        return layer

    def build(self, input_shape=None) -> None:
        """Build every layer for ``input_shape`` (with or without a leading ``None`` batch axis)."""
        if input_shape is not None:
            shape = tuple(input_shape)
            if shape and shape[0] is None:
                shape = shape[1:]
            shape = tuple(int(s) for s in shape)
            if shape != self._input_shape:
                for layer in self.layers:
                    layer.built = False
            self._input_shape = shape
        if self._input_shape is None:
            raise ValueError("the model has no input shape: give the first layer input_shape=..., "
                             "start with Input(shape), or call build(input_shape)")
        shape = self._input_shape
        for i in range(len(self.layers)):
            shape = self._build_layer(i, shape)
        self._pack()
        self.built = True

    def _build_layer(self, i: int, shape: tuple) -> tuple:
        """Build layer ``i`` for the input ``shape`` unless it is built for it already (drawing its
        initial weights from the model's generator); its output shape."""
        layer = self.layers[i]
        try:
            out = layer.compute_output_shape(shape)
        except ValueError as exc:
            prev = f"the previous layer '{self.layers[i - 1].name}'" if i else "the input"
            raise ArchitectureError(
                f"layer {i + 1} '{layer.name}' ({layer.layer_type}) cannot take the shape {shape_str((None,) + shape)} "
                f"from {prev}: {exc}", i, layer.name) from None
        if not layer.built or layer.input_shape != shape or layer.dtype != self.dtype:
            layer.build(shape, rng=self.rng, dtype=self.dtype)
        layer.rng = self.rng
        layer.needs_input_grad = i > 0  # nobody needs dC/dx for the data itself
        return out

    def _pack(self) -> None:
        """Move trainable weights and all gradients into two flat buffers the layers view."""
        entries = [(layer, k) for layer in self.layers for k in layer.trainable_names]
        total = sum(layer.params[k].size for layer, k in entries)
        flat = np.empty(total, self.dtype)
        grads = np.zeros(total, self.dtype)
        offset = 0
        self._slices = []
        for layer, k in entries:
            arr = layer.params[k]
            n = arr.size
            flat[offset:offset + n] = arr.ravel()
            layer.params[k] = flat[offset:offset + n].reshape(arr.shape)
            layer.grads.bind(k, grads[offset:offset + n].reshape(arr.shape))
            self._slices.append((layer, k, offset, n))
            offset += n
        self._flat_params, self._flat_grads = flat, grads
        self.refresh_regularizers()
        if self.optimizer is not None and self.optimizer.slots:
            if any(s.size != total for s in self.optimizer.slots.values()):
                self.optimizer.build(total, self.dtype)

    def refresh_regularizers(self) -> None:
        """Pick up kernel regularizers set or changed on the layers (also mid-training)."""
        self._regularized = [(layer.kernel_regularizer, layer.params["kernel"], layer.grads["kernel"])
                             for layer in self.layers
                             if getattr(layer, "kernel_regularizer", None) is not None and "kernel" in layer.params]

    # ================================================================= shapes and weights
    @property
    def input_shape(self) -> tuple:
        if self._input_shape is None:
            raise AttributeError("the model has no input shape yet")
        return (None,) + self._input_shape

    @property
    def output_shape(self) -> tuple:
        if not self.layers:
            return self.input_shape
        return self.layers[-1].output_shape

    def _require_built(self):
        if not self.built:
            raise ValueError("the model is not built yet: give it an input shape first")

    def get_layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r}; layers are: {', '.join(l.name for l in self.layers)}")

    def weight_keys(self) -> list[str]:
        """Stable names aligned with ``get_weights()``: ``dense_1/kernel``."""
        return [f"{layer.name}/{k}" for layer in self.layers for k in layer.weight_names]

    def get_weights(self) -> list[np.ndarray]:
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        self._require_built()
        weights = list(weights)
        expected = [layer.params[k].shape for layer in self.layers for k in layer.weight_names]
        found = [np.shape(w) for w in weights]
        if len(weights) != len(expected) or any(tuple(e) != tuple(f) for e, f in zip(expected, found)):
            lines = []
            keys = self.weight_keys()
            for i in range(max(len(expected), len(found))):
                key = keys[i] if i < len(keys) else "(none)"
                exp = tuple(expected[i]) if i < len(expected) else "-"
                got = tuple(found[i]) if i < len(found) else "-"
                mark = "" if exp == got else "   <-- mismatch"
                lines.append(f"  {key}: expected {exp}, found {got}{mark}")
            raise ValueError(f"the weights do not fit model '{self.name}' ({len(expected)} arrays expected, "
                             f"{len(weights)} given):\n" + "\n".join(lines))
        for w in weights:
            if not np.all(np.isfinite(np.asarray(w, dtype=np.float64))):
                raise ValueError("the weights contain NaN or infinity")
        i = 0
        for layer in self.layers:
            n = len(layer.weight_names)
            layer.set_weights(weights[i:i + n])
            i += n

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def count_trainable_params(self) -> int:
        return sum(layer.count_trainable_params() for layer in self.layers)

    # ================================================================= compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        self.optimizer = _optimizers.get(optimizer)
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='sparse_categorical_crossentropy'")
        self.loss = _losses.get(loss)
        self._metric_ids = list(metrics or [])
        self.metrics = []
        self._metrics_for = None
        if self.built:
            self.optimizer.build(self._flat_params.size, self.dtype)

    def _require_compiled(self):
        if self.loss is None or self.optimizer is None:
            raise RuntimeError("the model must be compiled before training or evaluating: call model.compile(...)")

    def _resolve_metrics(self, y: np.ndarray) -> list:
        sparse = y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and self.output_shape[-1] > 1)
        key = (sparse,)
        if self._metrics_for != key:
            units = self.output_shape[-1]
            self.metrics = [_metrics.get(m, loss_name=self.loss.name, output_units=units, sparse_labels=sparse)
                            for m in self._metric_ids]
            self._metrics_for = key
        return self.metrics

    # ================================================================= data checks
    def _check_x(self, x, what="x") -> np.ndarray:
        try:
            x = np.asarray(x, dtype=self.dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} must be numbers: {exc}") from None
        if x.ndim == 0:
            raise ValueError(f"{what} must be an array of samples, got a scalar")
        if not self.built:
            if self._input_shape is None:
                self.build(x.shape[1:])
            else:
                self.build()
        expected = self._input_shape
        if x.shape[1:] != expected:
            if x.ndim == len(expected) and x.shape == expected:
                raise ValueError(f"{what} has shape {x.shape}, which is one sample; the model expects a batch "
                                 f"of shape {shape_str((None,) + expected)} (add a leading axis, e.g. x[None])")
            raise ValueError(f"{what} has shape {x.shape} but the model expects {shape_str((None,) + expected)}")
        if x.shape[0] == 0:
            raise ValueError(f"{what} is empty")
        if not np.isfinite(x).all():
            bad = np.argwhere(~np.isfinite(x))[0]
            kind = "NaN" if np.isnan(x[tuple(bad)]) else "infinity"
            raise ValueError(f"{what} contains {kind} (first at sample {bad[0]}, index {tuple(int(b) for b in bad[1:])})")
        return x

    def _check_y(self, y, n: int, what="y") -> np.ndarray:
        if y is None:
            raise ValueError(f"{what} is missing: training and evaluating need labels")
        try:
            y = np.asarray(y)
            if not np.issubdtype(y.dtype, np.number) and y.dtype != bool:
                y = y.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what} must be numbers: {exc}") from None
        if y.ndim == 0 or y.shape[0] != n:
            got = "a scalar" if y.ndim == 0 else f"{y.shape[0]} samples"
            raise ValueError(f"x has {n} samples but {what} has {got}")
        if np.issubdtype(y.dtype, np.floating) and not np.isfinite(y).all():
            bad = int(np.argwhere(~np.isfinite(y))[0][0])
            raise ValueError(f"{what} contains NaN or infinity (first at sample {bad})")
        out = self.output_shape[1:]
        if self.loss is not None and self.loss.name == "sparse_categorical_crossentropy":
            if y.shape[1:] not in ((), (1,)):
                raise ValueError(f"sparse_categorical_crossentropy needs integer class labels of shape ({n},), "
                                 f"got {what} of shape {y.shape}; use categorical_crossentropy for one-hot labels")
            labels = y.reshape(n)
            if np.any(labels != np.round(labels)) or labels.min() < 0 or labels.max() >= out[-1]:
                raise ValueError(f"{what} must hold class indices 0..{out[-1] - 1} for an output of {out[-1]} units, "
                                 f"got values from {labels.min()} to {labels.max()}")
            return labels.astype(np.int64)
        y = y.astype(self.dtype)
        if y.shape[1:] != out:
            if y.ndim == 1 and out == (1,):
                return y.reshape(n, 1)
            hint = ""
            if y.ndim == 1 and len(out) == 1 and out[0] > 1:
                hint = " (integer class labels need loss='sparse_categorical_crossentropy')"
            raise ValueError(f"{what} has shape {y.shape} but the model's output is {shape_str((None,) + out)}{hint}")
        return y

    # ================================================================= forward / backward
    def _forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def fused_gradient(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray | None:
        """∂C/∂z of the last layer when its activation and the loss have a fused form, else None
        (see :func:`nnviz.core.step.fused_gradient`)."""
        return _step.fused_gradient(self, y, y_pred)

    def _regularization(self, add_gradients: bool) -> float:
        return _step.regularization(self, add_gradients)

    # ================================================================= public training API
    def compute_gradients(self, x, y, training: bool = True) -> list[np.ndarray]:
        """Gradients of the compiled loss (batch mean, regularization included), aligned with
        ``get_weights()`` (zeros for non-trainable weights): the training step without its update. Weights,
        moving statistics, random generators and optimizer are left as they were."""
        self._require_compiled()
        x = self._check_x(x)
        y = self._check_y(y, len(x))
        saved = capture_state(self)
        try:
            self.train_step(x, y, apply=False, training=training, checked=True)
            out = []
            for layer in self.layers:
                for k in layer.weight_names:
                    g = layer.grads.get(k)
                    out.append(np.zeros_like(layer.params[k]) if g is None else g.copy())
        finally:
            restore_state(self, saved, gradients=False)   # the gradients stay in the layers' grads
        return out

    def train_step(self, x, y, observer=None, apply: bool = True, training: bool = True, checked: bool = False):
        """The one training step (:func:`nnviz.core.step.train_step`): forward, loss, backward,
        regularization and, with ``apply``, the optimizer's update, watched by ``observer`` (a
        :class:`~nnviz.core.step.StepObserver`). Returns ``(loss, y_pred)``. ``checked``: x and y passed
        ``_check_x`` / ``_check_y`` already."""
        if not checked:
            self._require_compiled()
            x = self._check_x(x)
            y = self._check_y(y, len(x))
        if apply:
            self._ensure_optimizer()
        return _step.train_step(self, x, y, observer=observer, apply=apply, training=training)

    def train_on_batch(self, x, y, return_dict: bool = False):
        self._require_compiled()
        x = self._check_x(x)
        y = self._check_y(y, len(x))
        loss, y_pred = self.train_step(x, y, checked=True)
        self.last_batch_loss = float(loss)
        logs = {"loss": float(loss)}
        for m in self._resolve_metrics(y):
            logs[m.name] = float(np.mean(m(y, y_pred)))
        return self._format_result(logs, return_dict)

    def _ensure_optimizer(self):
        size = self._flat_params.size
        if self.optimizer.slot_names and (not self.optimizer.slots or
                                          any(s.size != size for s in self.optimizer.slots.values())):
            self.optimizer.build(size, self.dtype)

    @staticmethod
    def _format_result(logs, return_dict):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def fit(self, x=None, y=None, batch_size: int | None = 32, epochs: int = 1, verbose: int = 1, callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, initial_epoch: int = 0) -> History:
        """Train for ``epochs`` (Keras' arguments and behaviour); the loop is :func:`nnviz.core.fitting.fit`."""
        return _fitting.fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                            validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
                            initial_epoch=initial_epoch)

    def evaluate(self, x=None, y=None, batch_size: int | None = 32, verbose: int = 0, return_dict: bool = False):
        self._require_compiled()
        x = self._check_x(x)
        y = self._check_y(y, len(x))
        metrics = self._resolve_metrics(y)
        batch_size = int(batch_size or 32)
        loss_sum = 0.0
        metric_sums = [0.0] * len(metrics)
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            y_pred = self._forward(xb, training=False)
            shares = _step.logit_shares(self, yb, y_pred)   # from the logits when the loss fuses
            per_sample = self.loss.per_sample(yb, y_pred) if shares is None else self.loss.rows_per_sample(shares)
            loss_sum += float(per_sample.sum())
            for i, m in enumerate(metrics):
                metric_sums[i] += float(m(yb, y_pred).sum())
        n = len(x)
        logs = {"loss": loss_sum / n + (self._regularization(add_gradients=False) if self._regularized else 0.0)}
        for i, m in enumerate(metrics):
            logs[m.name] = metric_sums[i] / n
        if verbose:
            from nnviz.core.callbacks import format_logs
            print(format_logs(logs))
        return self._format_result(logs, return_dict)

    def predict(self, x, batch_size: int | None = 32, verbose: int = 0) -> np.ndarray:
        x = self._check_x(x)
        batch_size = int(batch_size or 32)
        outs = [self._forward(x[start:start + batch_size], training=False).copy()
                for start in range(0, len(x), batch_size)]
        return np.concatenate(outs, axis=0)

    def __call__(self, x, training: bool = False) -> np.ndarray:
        return self._forward(self._check_x(x), training=training)

    # ================================================================= summary
    def summary_rows(self) -> list[dict]:
        """One dict per layer (name, type, output_shape, params) — the table the GUI shows."""
        return [{"name": layer.name, "type": layer.layer_type,
                 "output_shape": layer.output_shape if layer.built else None,
                 "params": layer.count_params()} for layer in self.layers]

    def summary(self, print_fn=None) -> None:
        print_fn = print_fn or print
        widths = (29, 26, 10)
        total = 65
        lines = [f'Model: "{self.name}"', "_" * total,
                 f" {'Layer (type)':<{widths[0] - 1}}{'Output Shape':<{widths[1]}}{'Param #':<{widths[2]}}", "=" * total]
        for i, row in enumerate(self.summary_rows()):
            shape = shape_str(row["output_shape"]) if row["output_shape"] else "?"
            # a name too long for its column continues on the next lines, broken at spaces, as Keras wraps it
            name, *more = textwrap.wrap(f"{row['name']} ({row['type']})", widths[0] - 2, break_on_hyphens=False)
            lines.append(f" {name:<{widths[0] - 1}}{shape:<{widths[1]}}{row['params']:<{widths[2]},}")
            lines += [f" {part}" for part in more]
            lines.append("" if i == len(self.layers) - 1 else " " * total)
        if lines[-1] == "":
            lines.pop()
        trainable = self.count_trainable_params()
        total_params = self.count_params()
        lines += ["=" * total, f"Total params: {total_params:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total_params - trainable:,}", "_" * total]
        for line in lines:
            print_fn(line)

    # ================================================================= config
    def get_config(self) -> dict:
        layers = []
        if self._input_shape is not None:
            layers.append({"class_name": "InputLayer", "config": {"batch_shape": [None, *self._input_shape]}})
        for layer in self.layers:
            cfg = layer.get_config()
            cfg.pop("input_shape", None)
            layers.append({"class_name": layer.layer_type, "config": cfg})
        return {"name": self.name, "dtype": self.dtype.name, "seed": self.seed, "layers": layers}

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError("a Sequential config is a dict with a 'layers' list")
        model = cls(name=config.get("name"), dtype=config.get("dtype", "float32"), seed=config.get("seed"))
        model._add_all(cls._layers_of(config["layers"]))
        return model

    @staticmethod
    def _layers_of(entries: list):
        """The ``Input`` and layers of a config's ``layers`` list, made one at a time, as they are added."""
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or "class_name" not in entry:
                raise ValueError(f"layer entry {i} of the config is not a {{'class_name', 'config'}} dict: {entry!r}")
            cls_name = entry["class_name"]
            cfg = dict(entry.get("config") or {})
            if cls_name == "InputLayer":
                shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
                if shape is None:
                    shape = [None, *cfg["shape"]]
                yield Input(shape[1:])
                continue
            if cls_name not in LAYER_CLASSES:
                raise ValueError(f"unknown layer type {cls_name!r}; valid layer types are: {', '.join(sorted(LAYER_CLASSES))}")
            try:
                layer = LAYER_CLASSES[cls_name].from_config(cfg)
            except TypeError as exc:
                raise ValueError(f"layer entry {i} ({cls_name}) has an invalid config: {exc}") from None
            yield layer

    # ================================================================= files (delegated to nnviz.io)
    def save_weights(self, path) -> None:
        """Write the weights to ``path``: ``.npz``, ``.weights.h5`` (Keras 3 layout) or ``.json``."""
        from nnviz.io.weights import save_weights
        save_weights(self, path)

    def load_weights(self, path) -> None:
        """Read weights from ``path`` (``.npz``, ``.weights.h5``, ``.json``, or a Keras ``.keras`` file); a file
        that does not fit the architecture is refused with a message listing expected and found shapes."""
        from nnviz.io.weights import load_weights
        load_weights(self, path)

    def export(self, path, format: str = "onnx", **kwargs) -> None:
        """Export for other tools: ``format`` is "onnx" (``opset=`` optional), "keras" (a ``.keras`` file) or
        "pytorch" (a stand-alone ``.py`` script)."""
        fmt = str(format).lower()
        if fmt == "onnx":
            from nnviz.io.onnx_export import export_onnx as write
        elif fmt == "keras":
            from nnviz.io.keras_export import export_keras as write
        elif fmt in ("pytorch", "torch"):
            from nnviz.io.pytorch_export import export_pytorch as write
        else:
            raise ValueError(f"unknown export format {format!r}; choose onnx, keras or pytorch")
        write(self, path, **kwargs)

    def clone(self) -> "Sequential":
        """A new model with the same architecture and a copy of the weights (not the optimizer)."""
        other = Sequential.from_config(self.get_config())
        if self.built:
            other.set_weights(self.get_weights())
        return other

    def __repr__(self):
        return f"<Sequential '{self.name}' with {len(self.layers)} layers>"
