"""The layer types of the core, by Keras class name."""

from nnviz.core.layers.base import ActivatedLayer, Layer
from nnviz.core.layers.conv import Conv2D
from nnviz.core.layers.core import Activation, Dense, Dropout, Embedding, Flatten, Input
from nnviz.core.layers.normalization import BatchNormalization
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D
from nnviz.core.layers.recurrent import GRU, LSTM, SimpleRNN

LAYER_CLASSES = {cls.__name__: cls for cls in (Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout,
                                               Activation, BatchNormalization, Embedding, SimpleRNN, LSTM, GRU)}

__all__ = ["Layer", "ActivatedLayer", "Input", "Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten",
           "Dropout", "Activation", "BatchNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU", "LAYER_CLASSES"]
