"""Two-dimensional toy sets in the spirit of TensorFlow Playground, and the input features built from them.

Classification: ``circle``, ``xor``, ``gauss``, ``spiral`` (binary, labels 0/1, classes split evenly).
Regression: ``plane``, ``multi_gauss`` (one target in about [-1, 1]).

Every generator takes ``n_points`` (default 500), ``noise`` in percent 0..50 as in Playground,
``train_ratio`` in percent 10..90 (the rest is the test split; the validation split is empty, use
``validation_split`` in ``fit`` for one), ``seed`` and ``features``, a list of keys from
:data:`FEATURES`. Points lie in about [-6, 6] x [-6, 6] (:data:`DOMAIN`); noise moves a point away from
where it was drawn while its label stays the one it was drawn with, so noise blurs the class borders.

The raw points are kept on the data set (``points_train`` / ``points_test``) for plots, and
``featurize(grid_points, dataset.feature_keys)`` maps any 2-D points to the network's inputs, which is
how a decision boundary is drawn over the plane.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.data.dataset import Dataset, split_indices

#: the plotting domain of every playground set
DOMAIN = (-6.0, 6.0)

#: feature key -> (display name, function of the columns x1, x2)
FEATURES: dict[str, tuple[str, object]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1^2": ("x₁²", lambda x1, x2: x1 * x1),
    "x2^2": ("x₂²", lambda x1, x2: x2 * x2),
    "x1*x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sin(x1)": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sin(x2)": ("sin x₂", lambda x1, x2: np.sin(x2)),
}
DEFAULT_FEATURES = ("x1", "x2")

_ALIASES = {}
for _key, (_display, _) in FEATURES.items():
    for _alias in (_key, _display, _key.replace("^", "**"), _key.replace("*", ""), _display.replace(" ", "")):
        _ALIASES[_alias.lower()] = _key
_ALIASES.update({"x1x2": "x1*x2", "sinx1": "sin(x1)", "sinx2": "sin(x2)", "sin x1": "sin(x1)", "sin x2": "sin(x2)"})

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multi_gauss")
NAMES = CLASSIFICATION + REGRESSION

TITLES = {"circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian", "spiral": "Spiral",
          "plane": "Plane (regression)", "multi_gauss": "Multi-Gaussian (regression)"}

DESCRIPTIONS = {
    "circle": "Class 1 inside a disc of radius 2.5, class 0 on a ring from 3.5 to 5. Not linearly separable "
              "in x₁, x₂; try the features x₁² and x₂², or a hidden layer.",
    "xor": "Class 1 where x₁ and x₂ have the same sign, class 0 where they differ. The feature x₁x₂ "
           "separates it alone; with x₁, x₂ only it needs a hidden layer.",
    "gauss": "Two Gaussian clouds around (2, 2) (class 1) and (-2, -2) (class 0); noise widens them. "
             "Linearly separable: a single neuron learns it.",
    "spiral": "Two interleaved spirals. The hardest of the four: it needs several hidden layers or the "
              "sin features.",
    "plane": "Target (x₁ + x₂) / 12, a tilted plane from -1 to 1: a linear neuron learns it exactly.",
    "multi_gauss": "Target: six Gaussian bumps, three up and three down, on two rows.",
}


# ----------------------------------------------------------------------------------------- features
def feature_key(name: str) -> str:
    """The canonical key of a feature given as key ("x1*x2"), display name ("x₁x₂") or alias ("x1x2")."""
    key = _ALIASES.get(str(name).strip().lower())
    if key is None:
        raise ValueError(f"unknown feature {name!r}; choose from {', '.join(FEATURES)}")
    return key


def normalize_features(features) -> list[str]:
    """Canonical keys in the given order; rejects an empty selection and repeats."""
    if features is None:
        features = DEFAULT_FEATURES
    if isinstance(features, str):
        features = [features]
    keys = [feature_key(f) for f in features]
    if not keys:
        raise ValueError("select at least one input feature")
    if len(set(keys)) != len(keys):
        raise ValueError(f"a feature is selected twice: {keys}")
    return keys


def feature_names(features) -> list[str]:
    """Display names ("x₁", "x₁x₂", "sin x₁", ...) of a feature selection."""
    return [FEATURES[k][0] for k in normalize_features(features)]


def featurize(points, features=DEFAULT_FEATURES) -> np.ndarray:
    """Map 2-D points ``(m, 2)`` to the selected features ``(m, len(features))``, float32, in order.

    Use it on a grid over :data:`DOMAIN` to evaluate a model trained on a playground set everywhere.
    """
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"points must be shaped (m, 2), got {p.shape}")
    x1, x2 = p[:, 0], p[:, 1]
    keys = normalize_features(features)
    out = np.empty((len(p), len(keys)), dtype=np.float32)
    for j, k in enumerate(keys):
        out[:, j] = FEATURES[k][1](x1, x2)
    return out


# --------------------------------------------------------------------------------------- generators
def _halves(n: int) -> tuple[int, int]:
    """Points of class 0 and class 1 (class 1 gets the odd one)."""
    return n // 2, n - n // 2


def _circle(n, f, rng):
    radius = 5.0
    n0, n1 = _halves(n)
    r = np.concatenate([rng.uniform(0.7 * radius, radius, n0), rng.uniform(0.0, 0.5 * radius, n1)])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    pts = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    pts += rng.uniform(-radius, radius, (n, 2)) * f
    return pts, np.repeat([0, 1], [n0, n1])


def _xor(n, f, rng):
    n0, n1 = _halves(n)
    y = np.repeat([0, 1], [n0, n1])
    pad = 0.3
    mag = rng.uniform(pad, 5.0, (n, 2))
    s1 = rng.choice([-1.0, 1.0], n)
    s2 = np.where(y == 1, s1, -s1)  # same signs for class 1, opposite for class 0
    pts = mag * np.column_stack([s1, s2])
    pts += rng.uniform(-5.0, 5.0, (n, 2)) * f
    return pts, y


def _gauss(n, f, rng):
    n0, n1 = _halves(n)
    std = 0.5 + 3.0 * f  # 0.5 without noise, 2.0 at 50 %
    centers = np.repeat([[-2.0, -2.0], [2.0, 2.0]], [n0, n1], axis=0)
    return centers + rng.normal(0.0, std, (n, 2)), np.repeat([0, 1], [n0, n1])


def _spiral(n, f, rng):
    pts, ys = [], []
    for label, m, delta in ((0, _halves(n)[0], np.pi), (1, _halves(n)[1], 0.0)):
        i = np.arange(m)
        r = i / max(m, 1) * 5.0
        t = 1.75 * i / max(m, 1) * 2 * np.pi + delta
        p = np.column_stack([r * np.sin(t), r * np.cos(t)])
        pts.append(p + rng.uniform(-1.0, 1.0, (m, 2)) * f)
        ys.append(np.full(m, label))
    return np.concatenate(pts), np.concatenate(ys)


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], float)


def plane_target(points) -> np.ndarray:
    """The plane's noise-free target at ``points``: ``(x1 + x2) / 12``."""
    p = np.asarray(points, dtype=np.float64)
    return (p[:, 0] + p[:, 1]) / 12.0


def multi_gauss_target(points) -> np.ndarray:
    """The multi-Gaussian's noise-free target: six signed bumps of height 1 and width 1.3."""
    p = np.asarray(points, dtype=np.float64)
    d2 = (p[:, None, 0] - _BUMPS[:, 0]) ** 2 + (p[:, None, 1] - _BUMPS[:, 1]) ** 2
    return (_BUMPS[:, 2] * np.exp(-d2 / (2 * 1.3 ** 2))).sum(axis=1)


def _regression(target):
    def gen(n, f, rng):
        clean = rng.uniform(-6.0, 6.0, (n, 2))
        return clean + rng.uniform(-6.0, 6.0, (n, 2)) * f, target(clean)
    return gen


_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
               "plane": _regression(plane_target), "multi_gauss": _regression(multi_gauss_target)}


def points(name: str, n_points: int = 500, noise: float = 0.0, seed: int | None = 0):
    """The raw points ``(n, 2)`` and labels (int ``(n,)``) or targets (float ``(n,)``) of a set, unsplit."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown playground set {name!r}; choose from {', '.join(NAMES)}")
    n_points = int(n_points)
    if n_points < 2:
        raise ValueError(f"n_points must be at least 2, got {n_points}")
    if not 0 <= noise <= 50:
        raise ValueError(f"noise is a percentage from 0 to 50, got {noise}")
    rng = np.random.default_rng(seed)
    pts, y = _GENERATORS[name](n_points, noise / 100.0, rng)
    return pts, y


def generate(name: str, n_points: int = 500, noise: float = 0.0, train_ratio: float = 50, seed: int | None = 0,
             features=DEFAULT_FEATURES) -> Dataset:
    """A playground set, split into train and test (``train_ratio`` percent for training).

    The input shape is ``(len(features),)``. ``points_train`` / ``points_test`` hold the 2-D points.
    """
    if not 10 <= train_ratio <= 90:
        raise ValueError(f"train_ratio is a percentage from 10 to 90, got {train_ratio}")
    keys = normalize_features(features)
    pts, y = points(name, n_points, noise, seed)
    regression = name in REGRESSION
    # the split has its own stream, so changing the ratio does not move the points
    tr, va, te = split_indices(len(pts), test_ratio=1 - train_ratio / 100.0, seed=(seed, 1) if seed is not None
                               else None, stratify=None if regression else y)
    pts = pts.astype(np.float32)
    x = featurize(pts, keys)  # from the stored points, so featurize(points_train, feature_keys) == x_train
    y = y.astype(np.float32).reshape(-1, 1) if regression else y.astype(np.int64)
    return Dataset(
        name=name, task="regression" if regression else "binary",
        x_train=x[tr], y_train=y[tr], x_val=x[va], y_val=y[va], x_test=x[te], y_test=y[te],
        feature_names=feature_names(keys), class_names=None if regression else ["class 0", "class 1"],
        description=DESCRIPTIONS[name], kind="playground-2d",
        points_train=pts[tr], points_val=pts[va], points_test=pts[te], feature_keys=keys,
        params={"n_points": n_points, "noise": noise, "train_ratio": train_ratio, "seed": seed,
                "features": list(keys)},
    )


def _make(name):
    def loader(n_points: int = 500, noise: float = 0.0, train_ratio: float = 50, seed: int | None = 0,
               features=DEFAULT_FEATURES) -> Dataset:
        return generate(name, n_points, noise, train_ratio, seed, features)
    loader.__name__ = name
    loader.__doc__ = f"The playground set {name!r}: {DESCRIPTIONS[name]}"
    return loader


circle = _make("circle")
xor = _make("xor")
gauss = _make("gauss")
spiral = _make("spiral")
plane = _make("plane")
multi_gauss = _make("multi_gauss")
