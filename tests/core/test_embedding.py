"""Embedding: Keras' shapes, defaults and lookups, its gradient, token-id checks, and the generated movie
reviews that need word order (an Embedding and a recurrent layer learn them, counting words does not)."""

import numpy as np
import pytest

from nnviz.core import GRU, Adam, Dense, Embedding, Input, Sequential
from nnviz.core.data import catalog, text
from tests.core.gradcheck import numeric_grad, rel_error
from tests.core.test_layers import _build


def test_shapes_parameters_and_keras_default_initializer():
    layer = _build(Embedding(50, 4), (7,))
    assert layer.output_shape == (None, 7, 4) and layer.count_params() == 200
    e = layer.params["embeddings"]
    assert e.shape == (50, 4) and np.abs(e).max() <= 0.05 and np.abs(e).max() > 0.04   # uniform(−0.05, 0.05)
    assert Embedding.from_config(layer.get_config()).get_config() == layer.get_config()


def test_forward_looks_up_a_row_per_token_and_backward_sums_repeated_tokens():
    layer = _build(Embedding(5, 2), (4,))
    layer.set_weights([np.arange(10.0).reshape(5, 2)])
    x = np.array([[1, 1, 4, 0]], dtype=np.float64)      # the model hands token ids over as floats
    out = layer.forward(x)
    assert out[0].tolist() == [[2, 3], [2, 3], [8, 9], [0, 1]]
    d_out = np.arange(8.0).reshape(1, 4, 2)
    assert not layer.backward(d_out).any()               # no gradient for the ids themselves
    g = layer.grads["embeddings"]
    assert g[1].tolist() == [0 + 2, 1 + 3] and g[4].tolist() == [4, 5] and g[0].tolist() == [6, 7]
    assert not g[2].any() and not g[3].any()


def test_gradient_through_a_model_matches_finite_differences():
    rng = np.random.default_rng(0)
    model = Sequential([Input((6,)), Embedding(9, 3), GRU(4), Dense(2, activation="softmax")], dtype="float64",
                       seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = rng.integers(0, 9, (5, 6))
    y = rng.integers(0, 2, 5)
    grad = model.compute_gradients(x, y)[0]
    e = model.layers[0].params["embeddings"]
    assert rel_error(grad, numeric_grad(lambda: model.loss(y, model.predict(x)), e)) < 1e-6
    assert not grad[np.setdiff1d(np.arange(9), x)].any()   # tokens not in the batch get no update


@pytest.mark.parametrize("bad, what", [(7, "holds 7 at position 2"), (-1, "holds -1 at position 2"),
                                       (2.5, "holds 2.5 at position 2")])
def test_a_token_id_outside_the_vocabulary_is_refused_with_where_it_is(bad, what):
    model = Sequential([Input((4,)), Embedding(7, 2)])
    x = np.array([[1, 2, 3, 4], [1, 2, bad, 0]], dtype=float)
    with pytest.raises(ValueError, match=rf"takes token ids 0 … 6; sample 1 {what}"):
        model.predict(x)


def test_encode_and_decode_pad_at_the_front_and_mark_unknown_words():
    vocab = text.VOCABULARY
    ids = text.encode(["The movie was NOT good!", "zebra"], vocab, 6)
    assert ids.shape == (2, 6) and ids[0, 0] == 0 and ids[1, :5].tolist() == [0] * 5
    assert ids[1, 5] == vocab.index(text.UNK)
    assert text.decode(ids[0], vocab) == "the movie was not good"


def test_reviews_are_balanced_reproducible_and_need_word_order():
    data = catalog.load("sentiment", n_samples=600, seed=3)
    again = catalog.load("sentiment", n_samples=600, seed=3)
    assert np.array_equal(data.x_train, again.x_train) and data.input_shape == (text.LENGTH,)
    assert not np.array_equal(data.x_train, catalog.load("sentiment", n_samples=600, seed=4).x_train)
    assert abs(np.mean(np.r_[data.y_train, data.y_val, data.y_test]) - 0.5) < 0.01
    sentences = [text.decode(row, data.vocabulary) for row in data.x_train]
    assert all(set(s.split()) <= set(text.VOCABULARY) for s in sentences)
    # the label follows the grammar: "not" flips, the clause after "but" decides
    for s, label in zip(sentences, data.y_train):
        last = s.split(" but ")[-1].split(" and ")[0].split()
        if last[0] == "i":
            assert (last[1] in text.LIKE) == bool(label), s
        else:
            positive = any(w in text.POSITIVE for w in last)
            assert (positive != ("not" in last)) == bool(label), s
    with pytest.raises(ValueError, match="negation must be a share between 0 and 1"):
        text.sentiment(negation=1.5)


def test_embedding_and_gru_learn_the_reviews_a_word_count_cannot():
    data = catalog.load("sentiment", n_samples=1500)
    vocab = len(data.vocabulary)
    model = Sequential([Input((text.LENGTH,)), Embedding(vocab, 8), GRU(16), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(data.x_train, data.y_train, batch_size=32, epochs=12, verbose=0)
    gru = model.evaluate(data.x_test, data.y_test, return_dict=True)["accuracy"]

    def counts(x):
        c = np.zeros((len(x), vocab))
        np.add.at(c, (np.arange(len(x))[:, None], x), 1)
        return c[:, 1:]   # without the padding

    words = Sequential([Input((vocab - 1,)), Dense(1, activation="sigmoid")], seed=0)
    words.compile(optimizer=Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    words.fit(counts(data.x_train), data.y_train, batch_size=32, epochs=40, verbose=0)
    counted = words.evaluate(counts(data.x_test), data.y_test, return_dict=True)["accuracy"]
    assert gru >= 0.95 and counted <= 0.85, (gru, counted)


def test_backprop_trace_steps_the_lookup_and_applies_like_train_on_batch():
    from nnviz.core.trace import LayerForward, backprop_trace
    from tests.core.test_trace import assert_same_snapshot, snapshot, twin

    model = Sequential([Input((5,)), Embedding(8, 3), GRU(2), Dense(1, activation="sigmoid")], dtype="float64",
                       seed=1)
    model.compile(optimizer=Adam(0.01), loss="binary_crossentropy")
    x, y = np.array([[0, 3, 3, 5, 1]]), np.array([1.0])
    other = twin(model)
    trace = backprop_trace(model, x, y)
    lookup = next(s for s in trace if isinstance(s, LayerForward) and s.layer_type == "Embedding")
    assert "E[x_t]" in lookup.template
    assert np.array_equal(lookup.output[0], model.layers[0].params["embeddings"][[0, 3, 3, 5, 1]])
    for g, t in zip(model.compute_gradients(x, y), trace.gradients):
        assert np.array_equal(g, t)
    assert trace.apply(model) == other.train_on_batch(x, y)
    assert_same_snapshot(snapshot(model), snapshot(other))
