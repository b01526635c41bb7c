"""The layer catalog: what each layer type *is* for the editor, said once, beside the layer itself.

Every layer class declares a :class:`LayerSpec` as its class attribute ``catalog`` (in its own file, right
after its docstring)::

    class Dense(ActivatedLayer):
        \"\"\"...\"\"\"
        catalog = LayerSpec(
            category="core", order=10, summary="Fully connected units", description="...",
            defaults={"units": 16, "activation": "relu"},
            options=(OptionSpec("units", "int", "Units", "Number of neurons in the layer", minimum=1, maximum=4096),
                     OptionSpec("activation", "activation", "Activation", "g(z) applied to each unit's sum")),
            title="Dense {units} · {activation}")

Defining the class registers it (``Layer.__init_subclass__`` calls :func:`register_layer`), so
:data:`CATALOG` — keyed by Keras class name, in palette order — lists every layer type the core has.
The palette, the inspector, the document and the layer view read it; Qt-free (NumPy-free, even).

    from nnviz.core.catalog import CATALOG, LayerSpec, OptionSpec, spec_for
"""

from __future__ import annotations

import copy
import inspect
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Callable

#: option kinds the inspector has an editor for
OPTION_KINDS = ("int", "float", "bool", "choice", "activation", "pair", "shape")

#: Keras' groups of layers; the ui colours and draws a layer without an entry of its own by its category
CATEGORIES = ("core", "convolution", "pooling", "reshaping", "regularization", "normalization", "recurrent")


@dataclass(frozen=True)
class OptionSpec:
    """One setting the editor offers: the config ``key``, its ``kind`` (one of :data:`OPTION_KINDS`), a
    ``label`` and ``tooltip`` for the inspector, and the range (``minimum``/``maximum``, ``step``,
    ``decimals``) or the ``choices`` the editor allows.

    ``int``/``float``: a number in [minimum, maximum]; ``bool``: a check box; ``choice``: one of ``choices``;
    ``activation``: an activation name (the core's, or one with settings of its own); ``pair``: two ints
    (height × width) in [minimum, maximum]; ``shape``: a tuple of ints (−1 allowed once where
    ``minimum`` is −1), typed as ``7, 7, 1``.
    """

    key: str
    kind: str
    label: str
    tooltip: str = ""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    decimals: int | None = None
    choices: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in OPTION_KINDS:
            raise ValueError(f"option {self.key!r}: kind must be one of {', '.join(OPTION_KINDS)}, got {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"option {self.key!r}: a 'choice' option needs its choices")


@dataclass(frozen=True)
class LayerSpec:
    """What a layer type is for the editor: its ``category`` (one of :data:`CATEGORIES`), palette
    position ``order``, one-line ``summary``, ``description`` (the tool tip and the inspector's text),
    the ``defaults`` a freshly added layer starts with, its editable ``options`` and its block ``title``:
    a format string over the options (``"Dense {units} · {activation}"``) or a function
    ``options -> str``. ``class_name`` and ``layer_class`` are filled in by registration."""

    category: str
    summary: str
    description: str
    order: float = 1000.0
    defaults: Mapping = field(default_factory=dict)
    options: tuple[OptionSpec, ...] = ()
    title: str | Callable[[dict], str] | None = None
    class_name: str = ""
    layer_class: type | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}, got {self.category!r}")
        keys = [o.key for o in self.options]
        if len(set(keys)) != len(keys):
            raise ValueError(f"options repeat a key: {keys}")
        # read-only, so no caller changes what the next layer starts with (default_config() gives a copy)
        object.__setattr__(self, "defaults", MappingProxyType(copy.deepcopy(dict(self.defaults))))

    def default_config(self) -> dict:
        """A fresh copy of ``defaults`` (the config a newly added layer gets)."""
        return copy.deepcopy(dict(self.defaults))

    def option(self, key: str) -> OptionSpec:
        for o in self.options:
            if o.key == key:
                return o
        raise KeyError(f"{self.class_name or 'this layer'} has no option {key!r}")

    def describe(self, options: dict) -> str:
        """The block title for a layer with these settings: "Dense 16 · relu", "Flatten"."""
        if self.title is None:
            return self.class_name
        options = {**constructor_defaults(self.layer_class), **options}
        if callable(self.title):
            return self.title(options)
        return string.Formatter().vformat(self.title, (), _Shown(options))


def constructor_defaults(cls) -> dict:
    """The keyword defaults of ``cls.__init__`` and its bases' (``Dense`` -> ``{"activation": None, ...}``)."""
    out: dict = {}
    for c in reversed(getattr(cls, "__mro__", ())):
        if "__init__" in c.__dict__ and c is not object:
            try:
                params = inspect.signature(c.__dict__["__init__"]).parameters.values()
            except (TypeError, ValueError):
                continue
            out.update({p.name: p.default for p in params if p.default is not inspect.Parameter.empty})
    return out


class _Shown(dict):
    """Option values as a reader sees them, for ``str.format``: pairs ``3×3``, activations by name, floats ``:g``."""

    def __getitem__(self, key):
        if key not in self:
            return "?"
        return show_value(dict.__getitem__(self, key))


def activation_text(value) -> str:
    """An activation setting as a reader sees it: ``relu``, or ``leaky_relu (negative_slope 0.05)`` for one with
    settings of its own (the ``{"class_name", "config"}`` form)."""
    if isinstance(value, dict):
        settings = ", ".join(f"{k} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}"
                             for k, v in (value.get("config") or {}).items())
        return f"{value.get('class_name', '?')}" + (f" ({settings})" if settings else "")
    return "linear" if value is None else str(value)


def pair(value) -> tuple[int, int]:
    """``3`` or ``[3, 2]`` as ``(3, 3)`` / ``(3, 2)``."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return int(value[0]), int(value[1])
    return int(value), int(value)


def strides_text(strides, quiet) -> str:
    """`` /2`` or `` /2×1`` for strides other than ``quiet`` (the layer's usual step), else ""."""
    s = pair(strides)
    if s == tuple(quiet):
        return ""
    return f" /{s[0]}" if s[0] == s[1] else f" /{s[0]}×{s[1]}"


def show_value(value) -> str:
    if isinstance(value, dict):
        return activation_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    return activation_text(value)


#: every registered layer type by Keras class name, in palette order
CATALOG: dict[str, LayerSpec] = {}


def register_layer(cls: type) -> LayerSpec:
    """Enter ``cls`` (whose ``catalog`` attribute is its :class:`LayerSpec`) in :data:`CATALOG`; called by
    ``Layer.__init_subclass__`` for every class that declares a ``catalog`` of its own."""
    spec = cls.__dict__.get("catalog")
    if not isinstance(spec, LayerSpec):
        raise TypeError(f"{cls.__name__}.catalog must be a LayerSpec, got {type(spec).__name__}")
    name = cls.__name__
    known = {arg for c in cls.__mro__ if "__init__" in c.__dict__ and hasattr(c.__init__, "__code__")
             for arg in c.__init__.__code__.co_varnames[:c.__init__.__code__.co_argcount
                                                         + c.__init__.__code__.co_kwonlyargcount]}
    for o in spec.options:
        if o.key not in known:
            raise ValueError(f"{name}.catalog offers option {o.key!r}, which {name}() does not take")
    spec = replace(spec, class_name=name, layer_class=cls)
    cls.catalog = spec
    entries = dict(CATALOG)
    entries[name] = spec
    CATALOG.clear()
    CATALOG.update(sorted(entries.items(), key=lambda kv: kv[1].order))
    return spec


def spec_for(cls_or_name) -> LayerSpec:
    """The :class:`LayerSpec` of a layer class, a layer instance or a class name."""
    if isinstance(cls_or_name, str):
        name = cls_or_name
    elif isinstance(cls_or_name, type):
        name = cls_or_name.__name__
    else:
        name = type(cls_or_name).__name__
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown layer type {name!r}; the catalog has: {', '.join(CATALOG)}") from None


class _LayerClasses(Mapping):
    """Class name -> layer class for every registered layer, following :data:`CATALOG` as it grows."""

    def __getitem__(self, name: str) -> type:
        return CATALOG[name].layer_class

    def __iter__(self):
        return iter(CATALOG)

    def __len__(self) -> int:
        return len(CATALOG)

    def __repr__(self) -> str:
        return f"LAYER_CLASSES({', '.join(CATALOG)})"


#: every registered layer class by Keras class name, in palette order (a live view of :data:`CATALOG`)
LAYER_CLASSES: Mapping[str, type] = _LayerClasses()


def exporter_for(table: dict, layer, fmt: str):
    """The entry of an exporter ``table`` (layer class -> function) for ``layer``'s class or its nearest base
    class; a ``ValueError`` saying "cannot export LAYER to FMT" when the table has none."""
    for cls in type(layer).__mro__:
        if cls in table:
            return table[cls]
    raise ValueError(f"cannot export {type(layer).__name__} to {fmt}: layer '{getattr(layer, 'name', '?')}' has no "
                     f"{fmt} exporter")


def layer_types() -> tuple[str, ...]:
    """The class names of every registered layer, in palette order (what the document calls LAYER_TYPES)."""
    return tuple(CATALOG)


def default_options() -> dict[str, dict]:
    """Each layer type's defaults for a fresh layer (what the document calls DEFAULT_OPTIONS)."""
    return {name: spec.default_config() for name, spec in CATALOG.items()}


import nnviz.core.layers  # noqa: E402,F401  (defining the built-in layers registers them)
