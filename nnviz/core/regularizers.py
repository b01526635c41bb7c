"""L1 / L2 kernel regularizers (Keras: penalty added to the loss, not divided by the batch size)."""

from __future__ import annotations

import numpy as np

from nnviz.core.registry import Registry


class Regularizer:
    name = "regularizer"

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def penalty(self, w: np.ndarray) -> float:
        out = 0.0
        if self.l1:
            out += self.l1 * float(np.abs(w).sum())
        if self.l2:
            out += self.l2 * float(np.square(w).sum())
        return out

    def add_gradient(self, w: np.ndarray, d_w: np.ndarray) -> None:
        """d_w += ∂penalty/∂w, in place."""
        if self.l1:
            d_w += self.l1 * np.sign(w)
        if self.l2:
            d_w += (2 * self.l2) * w

    def get_config(self) -> dict:
        return {"class_name": self.name, "config": {"l1": self.l1, "l2": self.l2}}

    def __repr__(self):
        return f"<regularizer {self.name} l1={self.l1:g} l2={self.l2:g}>"


class L1(Regularizer):
    name = "l1"

    def __init__(self, l1: float = 0.01, l2: float = 0.0):
        super().__init__(l1=l1, l2=0.0)


class L2(Regularizer):
    name = "l2"

    def __init__(self, l2: float = 0.01, l1: float = 0.0):
        super().__init__(l1=0.0, l2=l2)


class L1L2(Regularizer):
    name = "l1_l2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        super().__init__(l1=l1, l2=l2)


_REGISTRY = Registry("regularizer", Regularizer)
for _cls in (L1, L2, L1L2):
    _REGISTRY.register(_cls.name, _cls)
_REGISTRY.alias("l1l2", "l1_l2")


def get(identifier) -> Regularizer | None:
    if identifier is None:
        return None
    return _REGISTRY.get(identifier)


def l1(l1: float = 0.01) -> L1:
    return L1(l1)


def l2(l2: float = 0.01) -> L2:
    return L2(l2)
