"""The registry of data sets the GUI offers: what each one is, its parameters, and ``load(name, **params)``.

Every entry of :data:`DATASETS` is a :class:`DatasetSpec` with a ``kind``:

* ``"playground-2d"`` — 2-D points (scatter plot, decision boundary, feature selection);
* ``"course"`` — the course's worked examples;
* ``"images"`` — digits and shapes (image grid preview);
* ``"text"`` — short texts as token ids (the generated movie reviews);
* ``"csv"`` — a user's file; registered by :mod:`nnviz.io.csv_data` when it is imported (``core`` does
  not import ``io``).

Each parameter is a :class:`ParamSpec` (name, type, default, min, max, choices, label, unit) so an
editor can be built from it; ``load`` fills in defaults, rejects unknown names and out-of-range values
with a message naming them, and calls the loader. ``spec.defaults()`` gives the default parameters.

Parameter types: ``"int"``, ``"float"``, ``"bool"``, ``"choice"`` (one of ``choices``),
``"multichoice"`` (a list from ``choices``), ``"seed"`` (an int, a "Regenerate" button draws a new one),
``"path"`` (a file name), ``"column"`` / ``"columns"`` (column names of a CSV table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from nnviz.core.data import course, digits as _digits, logic, playground, shapes as _shapes, text as _text
from nnviz.core.data.dataset import Dataset

KINDS = ("playground-2d", "course", "images", "text", "csv")
PARAM_TYPES = ("int", "float", "bool", "choice", "multichoice", "seed", "path", "column", "columns")


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    default: object
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple = ()
    label: str = ""
    unit: str = ""
    help: str = ""

    def __post_init__(self):
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name!r}: unknown type {self.type!r}")

    def check(self, value):
        """``value`` converted to the parameter's type; ``ValueError`` naming the parameter if it does not fit."""
        t = self.type
        if t in ("int", "seed"):
            if value is None and t == "seed":
                return None
            if isinstance(value, bool) or int(value) != value:
                raise ValueError(f"{self.name} must be a whole number, got {value!r}")
            value = int(value)
        elif t == "float":
            value = float(value)
        elif t == "bool":
            value = bool(value)
        elif t == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(map(str, self.choices))}, got {value!r}")
        elif t == "multichoice":
            value = [value] if isinstance(value, str) else list(value)
        if t in ("int", "float", "seed") and value is not None:
            lo = -float("inf") if self.min is None else self.min
            hi = float("inf") if self.max is None else self.max
            if not lo <= value <= hi:
                unit = self.unit and f" {self.unit}"
                raise ValueError(f"{self.name} must be between {self.min} and {self.max}{unit}, got {value}")
        return value


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    kind: str
    task: str  # "binary", "multiclass", "regression" or "auto" (decided by the data, e.g. CSV)
    params: tuple[ParamSpec, ...]
    loader: Callable[..., Dataset] = field(repr=False, compare=False)
    description: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"data set {self.name!r}: unknown kind {self.kind!r}")

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict:
        return {p.name: (list(p.default) if isinstance(p.default, (list, tuple)) else p.default) for p in self.params}


SEED = ParamSpec("seed", "seed", 0, 0, 2 ** 31 - 1, label="Seed")
TEST_RATIO = ParamSpec("test_ratio", "float", 0.2, 0.0, 0.5, 0.05, label="Test share")
VAL_RATIO = ParamSpec("val_ratio", "float", 0.1, 0.0, 0.5, 0.05, label="Validation share")


def _playground_params() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("n_points", "int", 500, 10, 5000, 10, label="Points"),
        ParamSpec("noise", "float", 0.0, 0.0, 50.0, 5.0, label="Noise", unit="%"),
        ParamSpec("train_ratio", "float", 50.0, 10.0, 90.0, 10.0, label="Training share", unit="%"),
        ParamSpec("features", "multichoice", tuple(playground.DEFAULT_FEATURES), choices=tuple(playground.FEATURES),
                  label="Input features",
                  help="display names: " + ", ".join(v[0] for v in playground.FEATURES.values())),
        SEED,
    )


DATASETS: list[DatasetSpec] = [
    *[DatasetSpec(name, playground.TITLES[name], "playground-2d",
                  "regression" if name in playground.REGRESSION else "binary", _playground_params(),
                  getattr(playground, name), playground.DESCRIPTIONS[name])
      for name in playground.NAMES],
    DatasetSpec("clinical_trial", "Clinical trial (course)", "course", "binary",
                (SEED, ParamSpec("n_samples", "int", 2100, 20, 100000, 100, label="People"),
                 ParamSpec("exception_share", "float", 0.05, 0.0, 0.5, 0.01, label="Share of exceptions"),
                 TEST_RATIO, VAL_RATIO),
                course.clinical_trial,
                "Ages 13 to 100; side effects mostly at 65 and older, with 5 % exceptions; age min-max scaled."),
    DatasetSpec("weight_height", "Weight and height (course)", "course", "binary",
                (ParamSpec("scaling", "choice", "none", choices=("none", "minmax"), label="Scaling"),),
                course.weight_height,
                "The course's six people: weight, height; 0: male, 1: female."),
    DatasetSpec("logic_gate", "Logic gate (AND, OR, XOR)", "course", "binary",
                (ParamSpec("gate", "choice", "and", choices=tuple(logic.GATES), label="Gate"),),
                logic.logic_gate,
                "The four corners of the unit square labelled by a gate: AND and OR are separated by a straight "
                "line (a perceptron learns them), XOR is not."),
    DatasetSpec("digits", "Handwritten digits 8x8", "images", "multiclass",
                (SEED, TEST_RATIO, VAL_RATIO, ParamSpec("flatten", "bool", False, label="Flatten to 64 inputs"),
                 ParamSpec("sequence", "bool", False, label="Rows as a sequence (8 steps × 8)")),
                _digits.digits,
                "1,797 handwritten digits, 8x8 pixels, ten classes (UCI; Alpaydin & Kaynak 1998; CC BY 4.0)."),
    DatasetSpec("shapes", "Shapes 16x16", "images", "multiclass",
                (ParamSpec("n_per_class", "int", 200, 10, 5000, 50, label="Images per class"),
                 ParamSpec("size", "int", 16, 8, 64, 4, label="Image size", unit="px"),
                 ParamSpec("noise", "float", 0.1, 0.0, 0.5, 0.05, label="Pixel noise"),
                 ParamSpec("style", "choice", "random", choices=_shapes.STYLES, label="Style"),
                 SEED, TEST_RATIO, VAL_RATIO,
                 ParamSpec("flatten", "bool", False, label="Flatten"),
                 ParamSpec("sequence", "bool", False, label="Rows as a sequence")),
                _shapes.shapes,
                "Generated circles, squares and triangles with jitter and noise."),
    DatasetSpec("sentiment", "Movie reviews (sentiment)", "text", "binary",
                (ParamSpec("n_samples", "int", 2000, 10, 100000, 500, label="Reviews"),
                 ParamSpec("negation", "float", 0.3, 0.0, 1.0, 0.1, label="Share with 'not'"),
                 ParamSpec("contrast", "float", 0.3, 0.0, 1.0, 0.1, label="Share with 'but'"),
                 SEED, TEST_RATIO, VAL_RATIO),
                _text.sentiment,
                "Generated reviews of up to 13 words, positive or negative; 'not' and 'but' make word order matter."),
]


def register(spec: DatasetSpec, replace: bool = True) -> None:
    """Add ``spec`` to :data:`DATASETS` (replacing an entry of the same name unless ``replace=False``)."""
    for i, existing in enumerate(DATASETS):
        if existing.name == spec.name:
            if not replace:
                raise ValueError(f"a data set named {spec.name!r} is already registered")
            DATASETS[i] = spec
            return
    DATASETS.append(spec)


def names(kind: str | None = None) -> list[str]:
    """Registered names, in display order, optionally of one kind."""
    return [s.name for s in DATASETS if kind is None or s.kind == kind]


def get_spec(name: str) -> DatasetSpec:
    for s in DATASETS:
        if s.name == name:
            return s
    hint = " (import nnviz.io.csv_data to register it)" if name == "csv" else ""
    raise ValueError(f"unknown data set {name!r}{hint}; choose from {', '.join(names())}")


#: the task options every image or tabular data set takes: "reconstruct the input" (an autoencoder's targets are its
#: inputs), optionally from a noisy copy of it (a denoising autoencoder); see nnviz.core.autoencoder
RECONSTRUCTION_PARAMS = (
    ParamSpec("reconstruct", "bool", False, label="Reconstruct the input",
              help="The target of every sample is its own input (an autoencoder): no labels are learned"),
    ParamSpec("input_noise", "float", 0.0, 0.0, 1.0, 0.05, label="Input noise",
              help="Denoising: the network sees a noisy copy of each input and learns to give back the clean one"),
    ParamSpec("noise_kind", "choice", "gaussian", choices=("gaussian", "mask"), label="Noise",
              help="gaussian: add noise of this standard deviation (in units of the inputs' spread); "
                   "mask: set this share of the inputs to 0"),
)


def load(name: str, **params) -> Dataset:
    """Build the data set ``name`` with ``params`` (defaults for the ones not given).

    With ``reconstruct=True`` (and optionally ``input_noise``, ``noise_kind``: :data:`RECONSTRUCTION_PARAMS`) the
    targets are the inputs themselves (:func:`nnviz.core.autoencoder.reconstruction`)."""
    task = {p.name: p.check(params.pop(p.name)) for p in RECONSTRUCTION_PARAMS if p.name in params}
    if task.get("reconstruct"):
        from nnviz.core.autoencoder import reconstruction
        return reconstruction(load(name, **params), noise=task.get("input_noise", 0.0),
                              noise_kind=task.get("noise_kind", "gaussian"))
    spec = get_spec(name)
    known = {p.name for p in spec.params}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"data set {name!r} has no parameter {', '.join(map(repr, unknown))}; "
                         f"its parameters are {', '.join(p.name for p in spec.params)}")
    args = spec.defaults()
    for p in spec.params:
        if p.name in params:
            args[p.name] = p.check(params[p.name])
    return spec.loader(**args)
