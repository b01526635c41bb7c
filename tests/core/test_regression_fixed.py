"""Behaviour pinned on fixed seeds: fit histories of bundled examples and every number and text of the
backprop trace on small random networks, for every optimizer, equal to what the committed fixture holds.

The fixture was written by tests/core/data/make_regression_fixed.py from the code before the training step
was unified (see its docstring); a refactoring of the step, the layers or the trace must keep these bit
for bit.
"""

import importlib.util
import os

import numpy as np
import pytest

_SCRIPT = os.path.join(os.path.dirname(__file__), "data", "make_regression_fixed.py")
_spec = importlib.util.spec_from_file_location("make_regression_fixed", _SCRIPT)
fixed = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixed)


@pytest.fixture(scope="module")
def expected():
    return fixed.load()


def _compare(got_numbers, got_texts, want_numbers, want_texts, prefix):
    want_n = {k: v for k, v in want_numbers.items() if k.startswith(prefix)}
    want_t = {k: v for k, v in want_texts.items() if k.startswith(prefix)}
    assert want_n, f"the fixture has nothing under {prefix}"
    assert sorted(got_numbers) == sorted(want_n), "other values than the fixture's: " + ", ".join(
        sorted(set(got_numbers) ^ set(want_n))[:10])
    assert sorted(got_texts) == sorted(want_t), "other texts than the fixture's: " + ", ".join(
        sorted(set(got_texts) ^ set(want_t))[:10])
    bad = []
    for k, want in want_n.items():
        got = np.asarray(got_numbers[k])
        if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
            bad.append(f"{k}: {got.dtype}{got.shape} {got.ravel()[:4]} != {want.dtype}{want.shape} {want.ravel()[:4]}")
    bad += [f"{k}:\n  got  {got_texts[k]!r}\n  want {v!r}" for k, v in want_t.items() if got_texts[k] != v]
    assert not bad, f"{len(bad)} values changed, e.g.:\n" + "\n".join(bad[:8])


def test_fit_histories_of_bundled_examples_are_unchanged(expected):
    numbers, texts = fixed.split_text(fixed.example_histories())
    _compare(numbers, texts, *expected, "fit/")
    assert {k.split("/")[1] for k in numbers} == {"xor", "course-2-3-2", "digits-mlp", "digits-cnn"}


def test_trace_numbers_and_texts_are_unchanged(expected):
    numbers, texts = fixed.split_text(fixed.trace_records())
    _compare(numbers, texts, *expected, "trace/")
    nets = {k.split("/")[1] for k in numbers}
    opts = {k.split("/")[2] for k in numbers}
    assert {"dense", "conv_pool", "batchnorm_dropout", "lstm"} <= nets
    assert {"sgd", "momentum", "adam", "rmsprop", "adagrad"} <= opts
