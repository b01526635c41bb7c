"""The course's worked examples: the clinical trial and the weight/height table.

``clinical_trial`` rebuilds the course's generated data: an experimental drug tried on people aged 13 to
100, half under 65 and half 65 or older; about 95 % of the younger had no side effects and about 95 % of the
older had side effects, the other 5 % are the exceptions. The one feature, age, is min-max scaled to [0, 1]
(the course's ``MinMaxScaler(feature_range=(0, 1))``), fitted on the training split only.

``weight_height`` is the six-row table from the course's Keras demo (weight, height; 0: male, 1: female),
used unscaled and all for training, as in the course's ``model.fit(x=train_samples, y=train_labels, ...)``.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.data.dataset import Dataset, Scaler, split_indices

CLINICAL_CLASSES = ["no side effects", "side effects"]

#: the course's table: weight, height
WEIGHT_HEIGHT_SAMPLES = [[150, 67], [130, 68], [200, 65], [125, 52], [230, 72], [181, 70]]
#: 0: male, 1: female
WEIGHT_HEIGHT_LABELS = [1, 1, 0, 1, 0, 0]
WEIGHT_HEIGHT_CLASSES = ["male", "female"]


def clinical_trial_ages(n_samples: int = 2100, exception_share: float = 0.05, seed: int | None = 0):
    """Raw ages (int ``(n,)``) and labels (``(n,)``: 1 = side effects), unshuffled and unsplit.

    Half the people are 13..64 and half 65..100 (both inclusive). Among the younger a share
    ``exception_share`` had side effects; among the older the same share had none. With the defaults
    (2,100 people, 5 %) that is 52 exceptions + 998 others in each age group: 5 % of 1,050, rounded
    (the course's own loops make 50 + 1,000, a share of 4.8 %). :func:`group_counts` says it for any
    parameters.
    """
    n_samples = int(n_samples)
    if n_samples < 4:
        raise ValueError(f"n_samples must be at least 4, got {n_samples}")
    if not 0.0 <= exception_share <= 0.5:
        raise ValueError(f"exception_share must be between 0 and 0.5, got {exception_share}")
    rng = np.random.default_rng(seed)
    young_exc, young_rest, old_exc, old_rest = group_counts(n_samples, exception_share)
    n_young, n_old = young_exc + young_rest, old_exc + old_rest
    young = rng.integers(13, 65, n_young)   # 13..64
    old = rng.integers(65, 101, n_old)      # 65..100
    ages = np.concatenate([young, old])
    labels = np.concatenate([np.r_[np.ones(young_exc), np.zeros(n_young - young_exc)],
                             np.r_[np.zeros(old_exc), np.ones(n_old - old_exc)]]).astype(np.int64)
    return ages, labels


def group_counts(n_samples: int = 2100, exception_share: float = 0.05) -> tuple[int, int, int, int]:
    """``(young exceptions, young others, old exceptions, old others)`` that :func:`clinical_trial_ages` makes."""
    n_young = int(n_samples) // 2
    n_old = int(n_samples) - n_young
    young_exc = int(round(n_young * exception_share))
    old_exc = int(round(n_old * exception_share))
    return young_exc, n_young - young_exc, old_exc, n_old - old_exc


def clinical_trial(seed: int | None = 0, n_samples: int = 2100, exception_share: float = 0.05,
                   test_ratio: float = 0.2, val_ratio: float = 0.1) -> Dataset:
    """The course's clinical-trial data: one feature ``age`` min-max scaled on the training split."""
    ages, labels = clinical_trial_ages(n_samples, exception_share, seed)
    young_exc, young_rest, old_exc, old_rest = group_counts(n_samples, exception_share)
    tr, va, te = split_indices(len(ages), test_ratio, val_ratio, seed=None if seed is None else (seed, 1),
                               stratify=labels)
    raw = ages.astype(np.float64).reshape(-1, 1)
    scaler = Scaler.fit("minmax", raw[tr])
    x = scaler.transform(raw)
    return Dataset(
        name="clinical_trial", task="binary",
        x_train=x[tr], y_train=labels[tr], x_val=x[va], y_val=labels[va], x_test=x[te], y_test=labels[te],
        feature_names=["age"], class_names=list(CLINICAL_CLASSES), kind="course", scaler=scaler,
        description=("The course's clinical trial: an experimental drug tested on people aged 13 to 100. "
                     f"Of the {young_exc + young_rest:,} under 65, {young_rest:,} had no side effects and "
                     f"{young_exc:,} had; of the {old_exc + old_rest:,} aged 65 or older, {old_rest:,} had side "
                     f"effects and {old_exc:,} had none. Age is min-max scaled to [0, 1] on the training split."),
        params={"seed": seed, "n_samples": n_samples, "exception_share": exception_share,
                "test_ratio": test_ratio, "val_ratio": val_ratio},
    )


def weight_height(scaling: str = "none") -> Dataset:
    """The course's six people (weight, height) labelled 0: male, 1: female, all in the training split.

    ``scaling="minmax"`` scales both columns to [0, 1] (fitted on these six rows); the course fits raw.
    """
    x = np.asarray(WEIGHT_HEIGHT_SAMPLES, dtype=np.float64)
    y = np.asarray(WEIGHT_HEIGHT_LABELS, dtype=np.int64)
    scaler = None
    if scaling == "minmax":
        scaler = Scaler.fit("minmax", x)
        x32 = scaler.transform(x)
    elif scaling == "none":
        x32 = x.astype(np.float32)
    else:
        raise ValueError(f"scaling must be 'none' or 'minmax', got {scaling!r}")
    empty_x = np.zeros((0, 2), np.float32)
    empty_y = np.zeros(0, np.int64)
    return Dataset(
        name="weight_height", task="binary",
        x_train=x32, y_train=y, x_val=empty_x, y_val=empty_y, x_test=empty_x.copy(), y_test=empty_y.copy(),
        feature_names=["weight", "height"], class_names=list(WEIGHT_HEIGHT_CLASSES), kind="course",
        scaler=scaler,
        description=("The course's small table of six people: weight and height, labelled 0: male, "
                     "1: female. All six rows are for training, as in the course's demo."),
        params={"scaling": scaling},
    )
