"""The layer types of the core, by Keras class name.

Each layer class declares what it is for the editor in its ``catalog`` attribute and is registered in
``nnviz.core.catalog.CATALOG`` when its module is imported (below); ``LAYER_CLASSES`` is a live view of it.
"""

from nnviz.core.catalog import LAYER_CLASSES
from nnviz.core.layers.base import ActivatedLayer, Layer
from nnviz.core.layers.conv import Conv2D
from nnviz.core.layers.core import Activation, Dense, Dropout, Embedding, Flatten, Input
from nnviz.core.layers.normalization import BatchNormalization
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D
from nnviz.core.layers.recurrent import GRU, LSTM, SimpleRNN

__all__ = ["Layer", "ActivatedLayer", "Input", "Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten",
           "Dropout", "Activation", "BatchNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU", "LAYER_CLASSES"]
