"""The layer types of the core, by Keras class name.

Each layer class declares what it is for the editor in its ``catalog`` attribute and is registered in
``nnviz.core.catalog.CATALOG`` when its module is imported (below). Every registered class is importable from
here (``from nnviz.core.layers import Dense``) and from ``nnviz.core``; ``LAYER_CLASSES`` is a live view of the
catalog. A layer added to one of these modules needs no line here; a new module needs its import below.
"""

from nnviz.core.catalog import LAYER_CLASSES
from nnviz.core.layers import conv, core, normalization, pooling, recurrent, upsampling  # noqa: F401  (defining registers)
from nnviz.core.layers.base import ActivatedLayer, Layer
from nnviz.core.layers.core import Input

globals().update(LAYER_CLASSES)   # Dense, Conv2D, ...: every registered layer class under its own name

__all__ = ["Layer", "ActivatedLayer", "Input", "LAYER_CLASSES", *LAYER_CLASSES]
