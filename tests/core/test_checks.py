"""Layer settings are checked as Keras users expect: a number that is not a whole one, a string or a bool
where an integer belongs is a ValueError naming the layer, the argument and the value, never a silent 3."""

import numpy as np
import pytest

from nnviz.core import (GRU, LSTM, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Embedding, Input,
                        MaxPooling2D, Sequential, SimpleRNN)
from nnviz.core.activations import ELU, LeakyReLU


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(units=3.5), "Dense(units=3.5): units must be a positive integer"),
    (lambda: Dense(units="3"), "Dense(units='3'): units must be a positive integer"),
    (lambda: Dense(units=True), "Dense(units=True): units must be a positive integer"),
    (lambda: Dense(units=0), "Dense(units=0): units must be a positive integer"),
    (lambda: Dense(2, input_shape=(2.5,)), "Dense(input_shape=(2.5,)): input_shape must be a tuple of positive"),
    (lambda: Input((4, "4")), "Input(shape=(4, '4')): shape must be a tuple of positive integers"),
    (lambda: Conv2D(filters=2.5, kernel_size=3), "Conv2D(filters=2.5): filters must be a positive integer"),
    (lambda: Conv2D(filters=False, kernel_size=3), "Conv2D(filters=False): filters must be a positive integer"),
    (lambda: Conv2D(2, kernel_size=(3.5, 3)), "Conv2D(kernel_size=(3.5, 3)): kernel_size must be a positive integer "
                                              "or a tuple of 2 positive integers"),
    (lambda: Conv2D(2, kernel_size="33"), "Conv2D(kernel_size='33'): kernel_size must be"),
    (lambda: Conv2D(2, kernel_size=True), "Conv2D(kernel_size=True): kernel_size must be"),
    (lambda: Conv2D(2, 3, strides=1.5), "Conv2D(strides=1.5): strides must be"),
    (lambda: MaxPooling2D(pool_size=2.5), "MaxPooling2D(pool_size=2.5): pool_size must be"),
    (lambda: AveragePooling2D(strides=[True, 2]), "AveragePooling2D(strides=[True, 2]): strides must be"),
    (lambda: SimpleRNN(units=2.5), "SimpleRNN(units=2.5): units must be a positive integer"),
    (lambda: LSTM(units="4"), "LSTM(units='4'): units must be a positive integer"),
    (lambda: GRU(units=True), "GRU(units=True): units must be a positive integer"),
    (lambda: Embedding(input_dim=10.5, output_dim=2), "Embedding(input_dim=10.5): input_dim must be a positive"),
    (lambda: Dropout(rate="0.5"), "Dropout(rate='0.5'): rate must be a number"),
    (lambda: Dropout(rate=False), "Dropout(rate=False): rate must be a number"),
    (lambda: Dropout(rate=1.0), "Dropout(rate=1.0): rate must be in [0, 1)"),
    (lambda: BatchNormalization(momentum="0.9"), "BatchNormalization(momentum='0.9'): momentum must be a number"),
    (lambda: LeakyReLU(negative_slope="0.1"), "LeakyReLU(negative_slope='0.1'): negative_slope must be a number"),
    (lambda: ELU(alpha=None), "ELU(alpha=None): alpha must be a number"),
])
def test_settings_of_the_wrong_kind_are_refused_naming_layer_argument_and_value(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert str(info.value).startswith(message)


def test_a_config_from_a_file_names_the_setting_too():
    config = {"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, 2]}},
                         {"class_name": "Dense", "config": {"units": "3"}}]}
    with pytest.raises(ValueError, match=r"Dense\(units='3'\): units must be a positive integer"):
        Sequential.from_config(config)


def test_numpy_numbers_and_whole_floats_are_accepted():
    assert Dense(np.int64(3)).units == 3 and Dense(3.0).units == 3 and type(Dense(np.int32(3)).units) is int
    conv = Conv2D(np.int16(4), np.array([3, 2]), strides=(np.int64(2), 1.0))
    assert (conv.filters, conv.kernel_size, conv.strides) == (4, (3, 2), (2, 1))
    assert MaxPooling2D(np.int8(3)).pool_size == (3, 3) and LSTM(np.uint8(5)).units == 5
    assert Dropout(np.float32(0.25)).rate == 0.25 and Dropout(0).rate == 0.0
    assert Sequential([Input(np.array([4])), Dense(2)]).input_shape == (None, 4)
