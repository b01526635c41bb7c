"""The document's architecture and weight store, without Qt: what :class:`~nnviz.session.document.ProjectDocument`
holds and rebuilds after every edit, usable (and tested) on its own.

The architecture is a list of Keras layer entries (``{"class_name", "config"}``) plus an input shape. :meth:`build`
makes a ``Sequential`` with the core: a valid architecture gives ``model`` (built and compiled), an impossible one
gives ``error`` (the core's ``ArchitectureError``), ``model = None`` and ``partial`` (the layers before the failing
one, for their shapes).

Weights survive edits that do not touch them: the store remembers every layer's weights by ``(layer name, weight
shapes)``, so changing a Dense layer's activation keeps all trained weights, and undoing the removal of a layer
brings its weights back.
"""

from __future__ import annotations

import copy

import numpy as np

from nnviz.core.layers import LAYER_CLASSES, Input
from nnviz.core.model import ArchitectureError, Sequential, _snake, unique_name


def shape_tuple(shape) -> tuple[int, ...]:
    """``shape`` as a tuple of positive integers (ValueError otherwise)."""
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"an input shape is a tuple of positive integers, got {shape!r}") from None
    if not out or any(s <= 0 for s in out):
        raise ValueError(f"an input shape is a tuple of positive integers, got {shape!r}")
    return out


def values_equal(a, b) -> bool:
    """Equal settings, lists and tuples alike (``[3, 3] == (3, 3)``)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    return a == b


def parse_architecture(arch) -> tuple[list[dict], tuple[int, ...] | None]:
    """``(layer entries, input shape or None)`` of a ``Sequential.get_config()`` dict; unnamed layers get the names
    the core would give them, so weight keys line up. ValueError for anything that is not such a config."""
    if not isinstance(arch, dict) or not isinstance(arch.get("layers"), list):
        raise ValueError("the architecture must be a dict with a 'layers' list")
    entries = copy.deepcopy(arch["layers"])
    input_shape = None
    if entries and isinstance(entries[0], dict) and entries[0].get("class_name") == "InputLayer":
        cfg = entries.pop(0).get("config") or {}
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        input_shape = shape_tuple(shape[1:] if shape is not None else cfg["shape"])
    layers = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("class_name") not in LAYER_CLASSES:
            raise ValueError(f"layer entry {i} is not a known layer: {entry!r}")
        cfg = dict(entry.get("config") or {})
        if input_shape is None and cfg.get("input_shape"):
            input_shape = shape_tuple(cfg["input_shape"])
        cfg.pop("input_shape", None)
        layers.append({"class_name": entry["class_name"], "config": cfg})
    taken: list[str] = []
    for entry in layers:
        name = entry["config"].get("name")
        if not name:
            base = _snake(entry["class_name"])
            name, k = base, 1
            while name in taken:
                name, k = f"{base}_{k}", k + 1
            entry["config"]["name"] = name
        taken.append(name)
    return layers, input_shape


class Architecture:
    """Layer entries, input shape and the model built from them, with the weight store (no Qt)."""

    def __init__(self):
        self.layers: list[dict] = []
        self.input_shape: tuple[int, ...] = (2,)
        self.model_name = "sequential"
        self.dtype = "float32"
        self.seed: int | None = 0
        self.model: Sequential | None = None
        self.partial: Sequential | None = None
        self.error: ArchitectureError | None = None
        self.valid = False
        self.weight_store: dict[tuple, list[np.ndarray]] = {}

    # ------------------------------------------------------------------ reading
    def layer_options(self, index: int) -> dict:
        """Every setting of layer ``index`` with the core's defaults filled in (what the inspector edits)."""
        entry = self.layers[index]
        cls = LAYER_CLASSES.get(entry["class_name"])
        try:
            full = cls.from_config(dict(entry["config"])).get_config()
        except (TypeError, ValueError, AttributeError):
            full = {}
        full.update(entry["config"])
        return full

    def layer_info(self) -> list[dict]:
        """Per layer: ``name``, ``type``, ``output_shape`` (with batch ``None``, or ``None`` when it cannot
        be computed), ``params``, ``trainable_params`` and ``error`` (the message for the layer that fails)."""
        built = self.model or self.partial
        rows = []
        for i, entry in enumerate(self.layers):
            row = {"name": entry["config"].get("name"), "type": entry["class_name"], "output_shape": None,
                   "params": None, "trainable_params": None, "error": None}
            if built is not None and i < len(built.layers) and built.layers[i].built:
                layer = built.layers[i]
                row.update(output_shape=layer.output_shape, params=layer.count_params(),
                           trainable_params=layer.count_trainable_params())
            if self.error is not None and self.error.layer_index == i:
                row["error"] = str(self.error)
            rows.append(row)
        return rows

    def config(self) -> dict:
        """The architecture as ``Sequential.get_config()`` would give it (input entry first)."""
        return {"name": self.model_name, "dtype": self.dtype, "seed": self.seed,
                "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, *self.input_shape]}}]
                + copy.deepcopy(self.layers)}

    def weights(self) -> dict[str, np.ndarray]:
        """The current weights keyed like ``model.weight_keys()`` (empty while invalid)."""
        if self.model is None:
            return {}
        return dict(zip(self.model.weight_keys(), self.model.get_weights()))

    def unique_name(self, base: str) -> str:
        """A layer name not used now, nor by a removed layer (whose weights the store keeps)."""
        taken = {e["config"].get("name") for e in self.layers}
        taken |= {key[0] for key in self.weight_store}
        return unique_name(base, taken)

    # ------------------------------------------------------------------ changing
    def replace(self, layers, input_shape, model_name, dtype, seed, training_config=None, weights=None) -> None:
        """A whole new architecture (a new or opened project): an empty store, built, ``weights`` (a dict keyed
        like ``model.weight_keys()``) loaded when they cover the model."""
        self.layers = layers
        self.input_shape = tuple(input_shape)
        self.model_name, self.dtype, self.seed = model_name, dtype, seed
        self.weight_store.clear()
        self.build(training_config)
        if weights and self.model is not None:
            keys = self.model.weight_keys()
            if set(keys) <= set(weights):
                self.model.set_weights([np.asarray(weights[k]) for k in keys])
                self.harvest()

    def set_weights(self, weights) -> None:
        """Replace the model's weights (a list aligned with ``model.get_weights()`` or a dict keyed by
        ``model.weight_keys()``); the model checks them."""
        if self.model is None:
            raise ValueError("the architecture is invalid, so there are no weights to set")
        if isinstance(weights, dict):
            weights = [weights[k] for k in self.model.weight_keys()]
        self.model.set_weights(weights)
        self.harvest()

    def harvest(self) -> None:
        """Remember the current weights of every layer, keyed by name and shapes."""
        if self.model is None:
            return
        for layer in self.model.layers:
            weights = layer.get_weights()
            self.weight_store[(layer.name, tuple(w.shape for w in weights))] = weights

    def build(self, training_config=None) -> None:
        """Build the model from the layer entries (compiled with ``training_config`` when it compiles); sets
        ``model`` / ``partial`` / ``error`` / ``valid``. Stored weights go back into the layers they fit."""
        model = Sequential(name=self.model_name, dtype=self.dtype, seed=self.seed)
        model.add(Input(self.input_shape))
        error = None
        at = [0, None]   # the entry being added: its index and name

        def layers():
            for i, entry in enumerate(self.layers):
                at[:] = [i, entry["config"].get("name")]
                try:
                    layer = LAYER_CLASSES[entry["class_name"]].from_config(dict(entry["config"]))
                except (TypeError, ValueError) as exc:
                    raise ArchitectureError(f"layer {i + 1} '{at[1]}' ({entry['class_name']}): {exc}", i,
                                            at[1]) from None
                yield layer

        try:   # each layer built once; on an error the model keeps the layers before the failing one
            model._add_all(layers())
        except ArchitectureError as exc:
            error = exc
        except ValueError as exc:
            error = ArchitectureError(str(exc), *at)
        if error is None and not self.layers:
            error = ArchitectureError("the network has no layers yet: drag one from the palette", -1, None)
        if error is None:
            for layer in model.layers:
                key = (layer.name, tuple(layer.params[k].shape for k in layer.weight_names))
                if key in self.weight_store:
                    layer.set_weights(self.weight_store[key])
            if training_config is not None:
                try:
                    training_config.compile_model(model)
                except ValueError:
                    pass
            self.model, self.partial = model, None
        else:
            self.model, self.partial = None, model
        self.error = error
        self.valid = error is None
        self.harvest()

    # the edits (the document's undo commands call them through the document, which rebuilds and signals)
    def insert(self, index: int, entry: dict) -> None:
        self.layers.insert(index, copy.deepcopy(entry))

    def remove(self, index: int) -> dict:
        return self.layers.pop(index)

    def insert_many(self, items: list[tuple[int, dict]]) -> None:
        for index, entry in sorted(items, key=lambda t: t[0]):
            self.layers.insert(index, copy.deepcopy(entry))

    def remove_many(self, indices: list[int]) -> list[tuple[int, dict]]:
        removed = [(i, self.layers[i]) for i in sorted(indices)]
        for i in sorted(indices, reverse=True):
            self.layers.pop(i)
        return removed

    def move(self, src: int, dst: int) -> None:
        self.layers.insert(dst, self.layers.pop(src))

    def set_option(self, index: int, key: str, value) -> None:
        self.layers[index]["config"][key] = copy.deepcopy(value)

    def unset_option(self, index: int, key: str) -> None:
        self.layers[index]["config"].pop(key, None)
