"""The :class:`Dataset` every data source produces, the reproducible :func:`split` and the :class:`Scaler`.

A data set holds three splits (train / validation / test; validation or test may be empty), the task
(``"binary"``, ``"multiclass"`` or ``"regression"``), feature and class names, and what the GUI needs to
draw it. Conventions, the same for every source:

* ``x_*`` are ``float32`` arrays shaped ``(n, *input_shape)``: ``(n, 2)`` for two features,
  ``(n, 8, 8, 1)`` for 8x8 gray images (channels last, as Keras);
* classification ``y_*`` are ``int64`` class indices shaped ``(n,)`` (what
  ``sparse_categorical_crossentropy`` and ``binary_crossentropy`` take); regression ``y_*`` are
  ``float32`` shaped ``(n, k)``;
* ``scaler`` is the feature scaling fitted on the training split (or ``None``); apply it to new raw
  inputs with ``dataset.scaler.transform(x)`` before ``model.predict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TASKS = ("binary", "multiclass", "regression")


# --------------------------------------------------------------------------------------------- split
def split_indices(n: int, test_ratio: float = 0.2, val_ratio: float = 0.0, seed: int | None = 0,
                  stratify=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reproducible train / validation / test index arrays for ``n`` samples.

    ``round(n * test_ratio)`` samples go to test and ``round(n * val_ratio)`` to validation, the rest
    to training. With ``stratify`` (the class labels) every class is spread over the three splits in
    proportion (to within one sample per class): each class is shuffled, its members get evenly spaced
    ranks in [0, 1), and the samples taken in rank order are dealt to test, validation and training.
    Each split comes out in a shuffled order. Same seed, same split.
    """
    n = int(n)
    test_ratio, val_ratio = float(test_ratio), float(val_ratio)
    if not (0.0 <= test_ratio < 1.0 and 0.0 <= val_ratio < 1.0 and test_ratio + val_ratio < 1.0):
        raise ValueError(f"test_ratio ({test_ratio}) and val_ratio ({val_ratio}) must be in [0, 1) "
                         f"and leave a share for training")
    n_test = int(round(n * test_ratio))
    n_val = int(round(n * val_ratio))
    if n > 0 and n - n_test - n_val < 1:
        raise ValueError(f"{n} samples are too few for test_ratio={test_ratio} and val_ratio={val_ratio}: "
                         f"no training sample would be left")
    rng = np.random.default_rng(seed)
    if stratify is None:
        order = rng.permutation(n)
    else:
        labels = np.asarray(stratify).reshape(n, -1)[:, 0] if n else np.asarray(stratify)
        rank = np.empty(n)
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            members = members[rng.permutation(len(members))]
            # an offset drawn per class keeps small classes from always landing on the same side
            rank[members] = (np.arange(len(members)) + rng.random()) / len(members)
        order = np.lexsort((rng.random(n), rank))  # by rank; ties in random order
    test = order[:n_test]
    val = order[n_test:n_test + n_val]
    train = order[n_test + n_val:]
    # hand each split out shuffled, not grouped by rank
    return train[rng.permutation(len(train))], val[rng.permutation(len(val))], test[rng.permutation(len(test))]


def split(x, y, test_ratio: float = 0.2, val_ratio: float = 0.0, seed: int | None = 0, stratify: bool = True):
    """Split ``x`` and ``y`` into ``(x_train, y_train, x_val, y_val, x_test, y_test)``, reproducibly.

    ``stratify=True`` keeps the class proportions in every split when ``y`` holds class indices
    (integer, one column); it is ignored for float (regression) targets.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}")
    strat = y if (stratify and _is_class_vector(y)) else None
    tr, va, te = split_indices(len(x), test_ratio, val_ratio, seed, stratify=strat)
    return x[tr], y[tr], x[va], y[va], x[te], y[te]


def image_layout(images: np.ndarray, flatten: bool = False, sequence: bool = False) -> np.ndarray:
    """Gray images ``(n, h, w)`` as a network takes them: ``(n, h, w, 1)`` for Conv2D, ``(n, h·w)`` with
    ``flatten`` for a Dense-only network, ``(n, h, w)`` with ``sequence`` for a recurrent one (each image
    read top to bottom as ``h`` time steps of ``w`` pixels)."""
    if flatten and sequence:
        raise ValueError("choose either flatten (one row of pixels) or sequence (rows as time steps), not both")
    n, h, w = images.shape
    if flatten:
        return images.reshape(n, h * w)
    return images if sequence else images.reshape(n, h, w, 1)


def _is_class_vector(y: np.ndarray) -> bool:
    return y.ndim == 1 and (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.bool_))


# -------------------------------------------------------------------------------------------- scaler
class Scaler:
    """Per-feature affine scaling ``(x - offset) / scale`` fitted on a training split.

    ``method`` is ``"minmax"`` (to [0, 1] on the fitted data) or ``"standardize"`` (zero mean, unit
    standard deviation). A constant feature gets ``scale = 1`` (it maps to 0). ``to_dict`` /
    ``from_dict`` round-trip through plain lists for project files.
    """

    METHODS = ("minmax", "standardize")

    def __init__(self, method: str, offset, scale):
        if method not in self.METHODS:
            raise ValueError(f"unknown scaling {method!r}; use one of {', '.join(self.METHODS)}")
        self.method = method
        self.offset = np.asarray(offset, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)

    @classmethod
    def fit(cls, method: str, x) -> "Scaler":
        x = np.asarray(x, dtype=np.float64)
        if len(x) == 0:
            raise ValueError("cannot fit a scaler on an empty training split")
        if method == "minmax":
            offset = x.min(axis=0)
            scale = x.max(axis=0) - offset
        elif method == "standardize":
            offset = x.mean(axis=0)
            scale = x.std(axis=0)
        else:
            raise ValueError(f"unknown scaling {method!r}; use one of none, {', '.join(cls.METHODS)}")
        scale = np.where(scale > 0, scale, 1.0)
        return cls(method, offset, scale)

    def transform(self, x) -> np.ndarray:
        return ((np.asarray(x, dtype=np.float64) - self.offset) / self.scale).astype(np.float32)

    def inverse_transform(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64) * self.scale + self.offset

    def to_dict(self) -> dict:
        return {"method": self.method, "offset": self.offset.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "Scaler":
        return cls(d["method"], d["offset"], d["scale"])

    def __repr__(self) -> str:
        return f"Scaler({self.method!r}, offset={self.offset.tolist()}, scale={self.scale.tolist()})"


# ------------------------------------------------------------------------------------------- dataset
@dataclass(eq=False)
class Dataset:
    """Train / validation / test splits of one data set, with its names and task.

    Sources also fill the optional fields they have: ``points_*`` (the raw 2-D points of a playground
    set, for scatter plots and decision boundaries), ``feature_keys`` (playground feature keys for
    :func:`nnviz.core.data.playground.featurize`), ``scaler``, ``params`` (the arguments it was built
    from, so ``catalog.load(dataset.name, **dataset.params)`` rebuilds it), ``kind`` and, for text,
    ``vocabulary``.
    """

    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    class_names: list[str] | None = None
    description: str = ""
    kind: str = ""
    scaler: Scaler | None = None
    points_train: np.ndarray | None = None
    points_val: np.ndarray | None = None
    points_test: np.ndarray | None = None
    feature_keys: list[str] | None = None
    params: dict = field(default_factory=dict)
    vocabulary: list[str] | None = None   # text: the word of each token id (0 = <pad>, 1 = <unk>)
    # "reconstruct the input" (nnviz.core.autoencoder.reconstruction): the source's class labels and names,
    # kept to colour the code space; the targets are the (clean) inputs themselves
    labels_train: np.ndarray | None = None
    labels_val: np.ndarray | None = None
    labels_test: np.ndarray | None = None
    label_names: list[str] | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.task != "regression":
            if not self.class_names:
                raise ValueError("a classification data set needs class_names")
            if self.task == "binary" and len(self.class_names) != 2:
                raise ValueError(f"a binary data set has 2 classes, got {len(self.class_names)}")
        shape = self.x_train.shape[1:]
        for part in ("train", "val", "test"):
            x, y = getattr(self, "x_" + part), getattr(self, "y_" + part)
            if x.shape[1:] != shape:
                raise ValueError(f"x_{part} has sample shape {x.shape[1:]}, x_train has {shape}")
            if len(x) != len(y):
                raise ValueError(f"x_{part} has {len(x)} samples but y_{part} has {len(y)}")
            if self.task == "regression":
                if y.ndim < 2:
                    raise ValueError(f"regression targets must be shaped (n, k); y_{part} is {y.shape}")
            else:
                if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
                    raise ValueError(f"class labels must be integer indices shaped (n,); y_{part} is "
                                     f"{y.dtype} {y.shape}")
                if len(y) and (y.min() < 0 or y.max() >= self.num_classes):
                    raise ValueError(f"y_{part} holds labels outside 0..{self.num_classes - 1}")
        if len(shape) == 1 and len(self.feature_names) != shape[0]:
            raise ValueError(f"{len(self.feature_names)} feature names for {shape[0]} features")

    # ----------------------------------------------------------------------------- shapes and sizes
    @property
    def input_shape(self) -> tuple[int, ...]:
        """One sample's shape, without the batch dimension: ``(2,)``, ``(8, 8, 1)``."""
        return tuple(int(s) for s in self.x_train.shape[1:])

    @property
    def num_classes(self) -> int | None:
        """Number of classes, or ``None`` for regression."""
        return None if self.task == "regression" else len(self.class_names)

    @property
    def num_outputs(self) -> int:
        """Units the output layer needs: 1 for binary (sigmoid), the classes for multi-class, k for regression."""
        if self.task == "regression":
            return int(np.prod(self.y_train.shape[1:]))
        return 1 if self.task == "binary" else int(self.num_classes)

    @property
    def reconstructs_input(self) -> bool:
        """The targets are the inputs (an autoencoder's task; the inputs may carry noise)."""
        return bool(self.params.get("reconstruct"))

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_val(self) -> int:
        return len(self.x_val)

    @property
    def n_test(self) -> int:
        return len(self.x_test)

    def class_counts(self, part: str = "train") -> np.ndarray:
        """Samples per class in ``part`` ("train", "val" or "test")."""
        if self.task == "regression":
            raise ValueError("a regression data set has no classes")
        return np.bincount(getattr(self, "y_" + part), minlength=self.num_classes)

    # ---------------------------------------------------------------------------------------- hints
    def suggested_output(self) -> dict:
        """What the last layer and the loss should be, as a hint for the editor.

        Returns ``{"units", "activation", "loss", "text"}``; ``text`` reads e.g.
        "10 classes: use Dense(10, softmax) with sparse_categorical_crossentropy".
        """
        if self.task == "regression":
            k = self.num_outputs
            return {"units": k, "activation": "linear", "loss": "mean_squared_error",
                    "text": f"regression: use Dense({k}) with mean_squared_error"}
        k = self.num_classes
        if self.task == "binary":
            return {"units": 1, "activation": "sigmoid", "loss": "binary_crossentropy",
                    "text": "2 classes: use Dense(1, sigmoid) with binary_crossentropy "
                            "(or Dense(2, softmax) with sparse_categorical_crossentropy)"}
        return {"units": k, "activation": "softmax", "loss": "sparse_categorical_crossentropy",
                "text": f"{k} classes: use Dense({k}, softmax) with sparse_categorical_crossentropy"}

    def summary(self) -> str:
        """One line: ``circle: 250 train / 0 validation / 250 test, input (2,), 2 classes``."""
        what = ("regression" if self.task == "regression" else f"{self.num_classes} classes")
        return (f"{self.name}: {self.n_train} train / {self.n_val} validation / {self.n_test} test, "
                f"input {self.input_shape}, {what}")

    def __repr__(self) -> str:
        return f"<Dataset {self.summary()}>"
