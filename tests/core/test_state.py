"""capture_state / restore_state: a step undone bit for bit, for every optimizer."""

import numpy as np
import pytest

from nnviz.core.layers import BatchNormalization, Dense, Dropout
from nnviz.core.model import Sequential
from nnviz.core.optimizers import SGD, Adagrad, Adam, RMSprop
from nnviz.core.state import ModelState, capture_state, restore_state

OPTIMIZERS = [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01), lambda: RMSprop(0.01),
              lambda: Adagrad(0.1)]


def _model(opt):
    m = Sequential([Dense(5, activation="tanh", input_shape=(3,)), BatchNormalization(), Dropout(0.3),
                    Dense(2, activation="softmax")], seed=1)
    m.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    return m


@pytest.mark.parametrize("make_opt", OPTIMIZERS)
def test_restore_undoes_steps_and_replays_them_identically(make_opt):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    m = _model(make_opt())
    m.train_on_batch(x, y)
    before = capture_state(m)
    assert isinstance(before, ModelState) and before.iterations == 1
    m.train_on_batch(x, y)
    after = capture_state(m)
    assert not after.equals(before)
    restore_state(m, before)
    assert capture_state(m).equals(before)
    m.train_on_batch(x, y)   # the same dropout mask, moments and count: the same result
    assert capture_state(m).equals(after)
    assert after.iterations == 2


def test_state_is_a_copy_and_read_only():
    m = _model(Adam())
    s = capture_state(m)
    w = s.weight("dense/kernel")
    with pytest.raises(ValueError):
        w[0, 0] = 1.0
    m.layers[0].params["kernel"][0, 0] += 1.0
    assert not s.same_weights(m)


def test_restore_refuses_another_architecture():
    s = capture_state(_model(Adam()))
    other = Sequential([Dense(4, input_shape=(3,)), Dense(2)], seed=1)
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="architecture"):
        restore_state(other, s)


def test_slots_of_one_weight_are_shaped_like_it():
    rng = np.random.default_rng(0)
    m = _model(Adam(0.01))
    m.train_on_batch(rng.normal(size=(8, 3)), rng.integers(0, 2, 8))
    s = capture_state(m)
    slots = s.slots("dense_1/kernel")
    assert set(slots) == {"m", "v"}
    assert slots["m"].shape == m.get_layer("dense_1").params["kernel"].shape
    assert np.abs(slots["m"]).sum() > 0
    assert s.slots("batch_normalization/moving_mean") == {}   # not trained: no slots
