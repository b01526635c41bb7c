"""Data sets for nnviz, NumPy only: the playground sets, the course's examples, digits, shapes.

``catalog.load(name, **params)`` builds any of them by name; CSV files are read by
:mod:`nnviz.io.csv_data`, which registers a ``"csv"`` entry in the catalog when imported.
"""

from nnviz.core.data.dataset import Dataset, Scaler, split, split_indices

__all__ = ["Dataset", "Scaler", "split", "split_indices"]
