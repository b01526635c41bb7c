"""Rosenblatt's perceptron: converges on separable sets within the convergence theorem's bound, never on XOR."""

import numpy as np
import pytest

from nnviz.core.perceptron import Perceptron, convergence_bound

AND = (np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), np.array([0, 0, 0, 1]))
OR = (AND[0], np.array([0, 1, 1, 1]))
XOR = (AND[0], np.array([0, 1, 1, 0]))


def _separable(seed, n=60, margin=0.3):
    """Points on either side of a known line w*·x + b* = 0, none closer than ``margin``."""
    rng = np.random.default_rng(seed)
    w, b = np.array([1.5, -1.0]), 0.2
    x = rng.uniform(-2, 2, (4 * n, 2))
    dist = (x @ w + b) / np.linalg.norm(w)
    x = x[np.abs(dist) > margin][:n]
    return x, (x @ w + b > 0).astype(int), w, b


@pytest.mark.parametrize("data, separator", [(AND, ([1, 1], -1.5)), (OR, ([1, 1], -0.5))])
def test_and_or_converge_within_the_bound(data, separator):
    x, y = data
    p = Perceptron(learning_rate=1.0)
    history = p.fit(x, y, epochs=100)
    radius, gamma, bound = convergence_bound(x, y, *separator)
    assert gamma > 0
    assert p.converged and history.history["mistakes"][-1] == 0
    assert p.total_mistakes <= bound          # AND: 11 mistakes at most (R = √3, γ = 0.5/√4.25)
    assert np.array_equal(p.predict(x), y)
    assert "a straight line separates" in p.outcome()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("eta", [0.1, 1.0])
def test_separable_sets_converge_within_r_over_gamma_squared(seed, eta):
    x, y, w, b = _separable(seed)
    radius, gamma, bound = convergence_bound(x, y, w, b)
    p = Perceptron(learning_rate=eta, shuffle=bool(seed % 2), seed=seed)
    p.fit(x, y, epochs=1000)
    assert p.converged
    assert 0 < p.total_mistakes <= bound, (p.total_mistakes, bound)
    assert p.evaluate(x, y)["accuracy"] == 1.0


def test_xor_never_converges_and_says_no_line_separates():
    x, y = XOR
    p = Perceptron()
    history = p.fit(x, y, epochs=500)
    assert not p.converged
    assert min(history.history["mistakes"]) > 0
    assert p.cycled                                  # weights repeat: a proof, reached in a few epochs
    assert "no straight line separates these classes" in p.outcome()
    shuffled = Perceptron(shuffle=True, seed=3)
    shuffled.fit(x, y, epochs=200)
    assert not shuffled.converged and min(shuffled.history.history["mistakes"]) > 0
    assert "no straight line separates these classes with a margin above" in shuffled.outcome()


def test_rule_is_w_plus_eta_t_minus_yhat_x():
    x, y = AND
    p = Perceptron(learning_rate=0.5)
    steps = list(p.updates(x, y, epochs=1))
    first = steps[0]                                 # w = 0: ŷ = step(0) = 1, t = 0: a mistake
    assert first.mistake and first.predicted == 1 and first.target == 0
    np.testing.assert_allclose(first.kernel[:, 0], -0.5 * x[0])
    np.testing.assert_allclose(first.bias, [-0.5])
    assert "w ← w − η·x" in first.explain(0.5)
    for before, step in zip(steps, steps[1:]):
        expected = before.kernel + (0.5 * (step.target - step.predicted) * step.x)[:, None]
        np.testing.assert_allclose(step.kernel, expected)


def test_more_than_two_classes_one_unit_per_class():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 4], [4, -2], [-4, -2]], float)
    y = np.repeat(np.arange(3), 30)
    x = centres[y] + rng.normal(0, 0.6, (90, 2))
    p = Perceptron()
    p.fit(x, y, epochs=200)
    assert p.units == 3 and p.get_weights()[0].shape == (2, 3)
    assert "one-vs-rest" in p.scheme
    assert p.evaluate(x, y)["accuracy"] > 0.95


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="class index"):
        Perceptron().fit(np.zeros((3, 2)), [0.5, 1, 0])
    with pytest.raises(ValueError, match="Flatten"):
        Perceptron().fit(np.zeros((3, 2, 2)), [0, 1, 0])
    p = Perceptron()
    p.build(2)
    with pytest.raises(ValueError, match="kernel"):
        p.set_weights([np.zeros((3, 1)), np.zeros(1)])
