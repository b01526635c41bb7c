"""The truth tables a single perceptron is tried on: AND, OR (a straight line separates them) and XOR (none does).

Inputs are the four corners (0, 0), (0, 1), (1, 0), (1, 1), unscaled; the label is the gate's output. The four
rows are the whole data set: training and test hold the same table (there is nothing else to generalise to).
"""

from __future__ import annotations

import numpy as np

from nnviz.core.data.dataset import Dataset

GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0], "nand": [1, 1, 1, 0]}
CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)


def logic_gate(gate: str = "and") -> Dataset:
    if gate not in GATES:
        raise ValueError(f"gate must be one of {', '.join(GATES)}, got {gate!r}")
    y = np.array(GATES[gate], np.int64)
    empty = np.zeros((0, 2), np.float32)
    return Dataset("logic_gate", "binary", CORNERS.copy(), y, empty, np.zeros(0, np.int64), CORNERS.copy(), y.copy(),
                   feature_names=["x₁", "x₂"], class_names=["0", "1"], kind="course",
                   description=f"{gate.upper()}: the four corners of the unit square and the gate's output",
                   points_train=CORNERS.copy(), points_test=CORNERS.copy(), params={"gate": gate})
