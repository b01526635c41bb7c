"""Sequential end to end: the course's models, errors a user meets, gradients and training."""

import io
import re

import numpy as np
import pytest

from nnviz.core import (GRU, LSTM, SGD, Activation, Adam, AveragePooling2D, BatchNormalization, Callback, Conv2D,
                        Dense, Dropout, Flatten, Input, MaxPooling2D, Sequential, SimpleRNN, ArchitectureError)
from tests.core.gradcheck import numeric_grad, rel_error


def course_cnn():
    return Sequential([
        Dense(16, input_shape=(20, 20, 3), activation="relu"),
        Conv2D(32, kernel_size=(3, 3), activation="relu", padding="same"),
        MaxPooling2D(pool_size=(2, 2), strides=2, padding="valid"),
        Conv2D(64, kernel_size=(5, 5), activation="relu", padding="same"),
        Flatten(),
        Dense(2, activation="softmax"),
    ])


def test_course_models_have_their_published_parameter_counts():
    m = Sequential([Dense(units=3, input_shape=(2,), activation="relu"), Dense(units=2, activation="softmax")])
    assert m.count_params() == 17
    m = Sequential([Dense(6, input_shape=(8,), activation="relu"), Dense(6, activation="relu"),
                    Dense(4, activation="softmax")])
    assert m.count_params() == 124
    m = Sequential([Dense(16, input_shape=(1,), activation="relu"), Dense(32, activation="relu"),
                    Dense(2, activation="sigmoid")])
    assert m.count_params() == 642
    cnn = course_cnn()
    assert cnn.count_params() == 68_770
    assert [l.output_shape for l in cnn.layers] == [(None, 20, 20, 16), (None, 20, 20, 32), (None, 10, 10, 32),
                                                    (None, 10, 10, 64), (None, 6400), (None, 2)]
    assert [l.count_params() for l in cnn.layers] == [64, 4640, 0, 51264, 0, 12802]


def test_summary_prints_keras_table():
    lines = []
    course_cnn().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "sequential"'
    assert re.search(r"Layer \(type\)\s+Output Shape\s+Param #", text)
    assert re.search(r"conv2d_1 \(Conv2D\)\s+\(None, 10, 10, 64\)\s+51,264", text)
    assert re.search(r"flatten \(Flatten\)\s+\(None, 6400\)\s+0", text)
    assert "Total params: 68,770" in text and "Trainable params: 68,770" in text
    assert "Non-trainable params: 0" in text
    bn = Sequential([Input((4,)), Dense(3), BatchNormalization()])
    out = []
    bn.summary(print_fn=out.append)
    assert "Total params: 27" in out and "Trainable params: 21" in out and "Non-trainable params: 6" in out
    # a name and type longer than the column wrap onto the next line instead of running into the shape
    row = out.index(next(line for line in out if line.startswith(" batch_normalization")))
    assert out[row].split() == ["batch_normalization", "(None,", "3)", "12"]
    assert out[row].index("(None, 3)") == out[2].index("Output Shape")
    assert out[row + 1] == " (BatchNormalization)"


def test_layer_names_follow_keras():
    m = course_cnn()
    assert [l.name for l in m.layers] == ["dense", "conv2d", "max_pooling2d", "conv2d_1", "flatten", "dense_1"]
    assert m.weight_keys()[:4] == ["dense/kernel", "dense/bias", "conv2d/kernel", "conv2d/bias"]
    with pytest.raises(ValueError, match="already in the model"):
        Sequential([Dense(2, input_shape=(2,), name="a"), Dense(2, name="a")])


def test_impossible_architecture_names_the_layer_what_it_needs_and_got():
    with pytest.raises(ArchitectureError) as info:
        Sequential([Input((8, 8, 1)), Flatten(), Conv2D(4, 3)])
    msg = str(info.value)
    assert "layer 2 'conv2d' (Conv2D)" in msg and "(None, 64)" in msg and "flatten" in msg
    assert "3-D" in msg or "height, width, channels" in msg
    assert info.value.layer_index == 1
    with pytest.raises(ValueError, match="valid activations are"):
        Dense(3, activation="rleu")
    with pytest.raises(ValueError, match="valid losses are"):
        Sequential([Dense(1, input_shape=(2,))]).compile(loss="mean_sqared_error")
    with pytest.raises(ValueError, match="valid layer types are"):
        Sequential.from_config({"layers": [{"class_name": "Dense3", "config": {}}]})


def _compiled(loss="mse", out=2, activation="linear"):
    m = Sequential([Dense(4, input_shape=(3,), activation="tanh"), Dense(out, activation=activation)], seed=0)
    m.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    return m


def test_bad_data_is_refused_with_a_message_saying_which():
    m = _compiled()
    x, y = np.zeros((10, 3)), np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"x has shape \(10, 4\) but the model expects \(None, 3\)"):
        m.fit(np.zeros((10, 4)), y, verbose=0)
    with pytest.raises(ValueError, match="x has 10 samples but y has 9 samples"):
        m.fit(x, y[:9], verbose=0)
    bad = x.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN \(first at sample 4"):
        m.fit(bad, y, verbose=0)
    bad_y = y.copy()
    bad_y[7, 0] = np.inf
    with pytest.raises(ValueError, match="y contains NaN or infinity .*sample 7"):
        m.fit(x, bad_y, verbose=0)
    with pytest.raises(ValueError, match=r"y has shape \(10, 3\) but the model's output is \(None, 2\)"):
        m.fit(x, np.zeros((10, 3)), verbose=0)
    sparse = _compiled("sparse_categorical_crossentropy", activation="softmax")
    with pytest.raises(ValueError, match="class indices 0..1"):
        sparse.fit(x, np.full(10, 2), verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        Sequential([Dense(1, input_shape=(3,))]).fit(x, y)


def test_set_weights_is_strict_and_lists_expected_and_found_shapes():
    m = _compiled()
    w = m.get_weights()
    with pytest.raises(ValueError) as info:
        m.set_weights([w[0], w[1], w[2].T, w[3]])
    assert "dense_1/kernel: expected (4, 2), found (2, 4)" in str(info.value)
    with pytest.raises(ValueError, match="4 arrays expected, 3 given"):
        m.set_weights(w[:3])
    w[0][0, 0] = 42.0
    m.set_weights(w)
    assert m.get_weights()[0][0, 0] == 42.0 and m.layers[0].params["kernel"][0, 0] == 42.0


def test_config_roundtrip_rebuilds_the_same_architecture():
    cnn = course_cnn()
    clone = Sequential.from_config(cnn.get_config())
    assert clone.get_config() == cnn.get_config()
    assert [l.output_shape for l in clone.layers] == [l.output_shape for l in cnn.layers]
    twin = cnn.clone()
    x = np.random.default_rng(0).random((2, 20, 20, 3))
    assert np.array_equal(twin.predict(x), cnn.predict(x))


@pytest.mark.parametrize("way", ["from_config", "constructor"])
def test_many_layers_are_built_in_linear_time(monkeypatch, way):
    """Building the whole model for every layer added made loading quadratic (1,000 layers: 1.5 s, 5,000: ~40 s):
    now each layer's shape is worked out a fixed number of times (three) and the weights are packed once."""
    shapes, packs = [], []
    monkeypatch.setattr(Dense, "compute_output_shape", lambda self, s: shapes.append(s) or (*s[:-1], self.units))
    pack = Sequential._pack
    monkeypatch.setattr(Sequential, "_pack", lambda self: packs.append(1) or pack(self))
    config = {"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, 3]}}]
              + [{"class_name": "Dense", "config": {"units": 3}}] * 300}
    if way == "from_config":
        model = Sequential.from_config(config)
    else:
        model = Sequential([Input((3,))] + [Dense(3) for _ in range(300)])
    assert len(model.layers) == 300 and model.built and model.count_params() == 300 * 12
    assert len(shapes) <= 3 * 300 and len(packs) == 1
    assert [l.name for l in model.layers[:3]] == ["dense", "dense_1", "dense_2"]


def test_a_loaded_config_has_the_weights_add_draws():
    """The same seed gives bit-identical initial weights whether layers are added one by one or loaded."""
    def added_one_by_one(layers, seed):
        model = Sequential(seed=seed)
        for layer in layers:
            model.add(layer)
        return model

    def layers():
        return [Input((6, 6, 2)), Conv2D(3, 3, padding="same", activation="relu"), BatchNormalization(),
                MaxPooling2D(), Conv2D(4, 2, activation="elu"), Flatten(), Dropout(0.3), Dense(15, activation="tanh"),
                Activation("swish"), Dense(8, kernel_initializer="orthogonal")]

    def sequences():
        return [Input((5, 3)), SimpleRNN(4, return_sequences=True), LSTM(3, return_sequences=True), GRU(2), Dense(3)]

    for make in (layers, sequences):
        added = added_one_by_one(make(), seed=11)
        for model in (Sequential.from_config({**added.get_config(), "seed": 11}), Sequential(make(), seed=11)):
            assert model.weight_keys() == added.weight_keys()
            for a, b in zip(added.get_weights(), model.get_weights()):
                assert a.tobytes() == b.tobytes()


def test_a_config_that_does_not_build_names_its_first_failing_layer():
    entry = {"class_name": "Dense", "config": {"units": 2}}
    config = {"layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}}, entry,
                         {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}}, entry,
                         {"class_name": "Dense", "config": {"units": 2, "activation": "rleu"}}]}
    with pytest.raises(ArchitectureError) as info:  # before the bad activation further on, as add would
        Sequential.from_config(config)
    assert info.value.layer_index == 1 and info.value.layer_name == "conv2d"
    assert str(info.value).startswith("layer 2 'conv2d' (Conv2D) cannot take the shape (None, 2) from the "
                                      "previous layer 'dense'")
    config["layers"][2] = {"class_name": "Dense", "config": {"units": 2, "name": "dense"}}
    with pytest.raises(ValueError, match="a layer named 'dense' is already in the model"):
        Sequential.from_config(config)


LOSS_CASES = [
    ("mean_squared_error", "linear", 3), ("mean_absolute_error", "tanh", 2), ("huber", "linear", 2),
    ("log_cosh", "linear", 2), ("categorical_crossentropy", "softmax", 3),
    ("sparse_categorical_crossentropy", "softmax", 3), ("binary_crossentropy", "sigmoid", 1),
    ("binary_crossentropy", "sigmoid", 3), ("kl_divergence", "softmax", 3), ("poisson", "softplus", 2),
    ("cosine_similarity", "linear", 3), ("hinge", "tanh", 2), ("squared_hinge", "linear", 1),
    ("categorical_hinge", "linear", 3), ("mean_squared_logarithmic_error", "softplus", 2),
    ("mean_absolute_percentage_error", "linear", 2),
]


def _targets(loss, n, units, rng):
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, units, size=n)
    if loss in ("categorical_crossentropy", "kl_divergence", "categorical_hinge"):
        return np.eye(units)[rng.integers(0, units, size=n)]
    if loss in ("binary_crossentropy", "hinge", "squared_hinge"):
        return rng.integers(0, 2, size=(n, units)).astype(float)
    if loss in ("poisson", "mean_squared_logarithmic_error", "mean_absolute_percentage_error"):
        return rng.uniform(0.5, 3.0, size=(n, units))
    return rng.normal(size=(n, units))


@pytest.mark.parametrize("loss,activation,units", LOSS_CASES)
def test_compute_gradients_match_finite_differences_for_every_loss(loss, activation, units):
    rng = np.random.default_rng(len(loss) + units)
    m = Sequential([Dense(4, input_shape=(3,), activation="tanh", kernel_regularizer="l2"),
                    Dense(units, activation=activation)], dtype="float64", seed=1)
    m.compile(optimizer="sgd", loss=loss)
    x = rng.normal(size=(5, 3))
    y = _targets(loss, 5, units, rng)
    grads = m.compute_gradients(x, y)

    def cost():
        return m.evaluate(x, y, batch_size=100)

    for w, g, key in zip([l.params[k] for l in m.layers for k in l.weight_names], grads, m.weight_keys()):
        assert rel_error(g, numeric_grad(cost, w)) < 1e-6, key


def test_cnn_gradients_with_every_layer_type_match_finite_differences():
    rng = np.random.default_rng(5)
    m = Sequential([Input((6, 6, 2)), Conv2D(3, 3, padding="same", activation="tanh"), BatchNormalization(),
                    MaxPooling2D(2), Conv2D(2, 2, activation="elu"), AveragePooling2D(1), Activation("swish"),
                    Flatten(), Dropout(0.0), Dense(3, activation="softmax")], dtype="float64", seed=2)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = rng.normal(size=(4, 6, 6, 2))
    y = rng.integers(0, 3, size=4)
    grads = m.compute_gradients(x, y)
    moving = m.layers[1].params["moving_mean"].copy()

    def cost():
        m.layers[1].params["moving_mean"][...] = moving
        return float(m.loss(y, m(x, training=True)))

    for layer in m.layers:
        for k in layer.trainable_names:
            i = m.weight_keys().index(f"{layer.name}/{k}")
            assert rel_error(grads[i], numeric_grad(cost, layer.params[k])) < 1e-6, f"{layer.name}/{k}"


def test_train_on_batch_is_compute_gradients_then_the_optimizer_step():
    m = _compiled("categorical_crossentropy", out=3, activation="softmax")
    m.compile(optimizer=SGD(0.3, momentum=0.5), loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)), np.eye(3)[rng.integers(0, 3, 8)]
    w0 = m.get_weights()
    g = m.compute_gradients(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(w0, m.get_weights())), "compute_gradients changed weights"
    m.train_on_batch(x, y)
    assert all(np.allclose(w - 0.3 * gi, w1, atol=1e-6) for w, gi, w1 in zip(w0, g, m.get_weights()))


def _circle(n, rng):
    r = np.concatenate([rng.uniform(0, 2, n // 2), rng.uniform(3, 5, n // 2)])
    t = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    return x, (r < 2.5).astype(int)


def test_learns_xor_to_095():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(400, 2))
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(float)
    m = Sequential([Dense(8, input_shape=(2,), activation="tanh"), Dense(8, activation="tanh"),
                    Dense(1, activation="sigmoid")], seed=0)
    m.compile(optimizer=Adam(0.03), loss="binary_crossentropy", metrics=["accuracy"])
    m.fit(x[:300], y[:300], batch_size=10, epochs=40, verbose=0)
    loss, acc = m.evaluate(x[300:], y[300:])
    assert acc >= 0.95, acc


def test_learns_circle_to_095_with_softmax_and_validation_logs():
    rng = np.random.default_rng(1)
    x, y = _circle(500, rng)
    m = Sequential([Dense(3, input_shape=(2,), activation="relu"), Dense(2, activation="softmax")], seed=3)
    m.compile(optimizer=Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = m.fit(x, y, batch_size=10, epochs=30, validation_split=0.2, verbose=0)
    assert sorted(hist.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert hist.epoch == list(range(30)) and len(hist.history["loss"]) == 30
    assert hist.history["val_accuracy"][-1] >= 0.95
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_verbose_2_prints_keras_epoch_lines(capsys):
    rng = np.random.default_rng(0)
    m = _compiled("binary_crossentropy", out=1, activation="sigmoid")
    m.fit(rng.normal(size=(30, 3)), rng.integers(0, 2, 30), batch_size=10, epochs=3, verbose=2,
          validation_split=0.2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/3" and lines[4] == "Epoch 3/3"
    assert re.fullmatch(r"3/3 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - "
                        r"val_accuracy: \d\.\d{4}", lines[1]), lines[1]


def test_callbacks_see_batches_and_can_stop_training():
    seen = []

    class StopAfterFive(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, dict(logs)))
            if len(seen) == 5:
                self.model.stop_training = True

    m = _compiled()
    hist = m.fit(np.zeros((40, 3)), np.zeros((40, 2)), batch_size=4, epochs=3, verbose=0, callbacks=[StopAfterFive()])
    assert len(seen) == 5 and [b for b, _ in seen] == [0, 1, 2, 3, 4]
    assert "loss" in seen[0][1] and len(hist.epoch) == 1


def test_same_seed_same_training():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)), rng.normal(size=(64, 2))
    runs = []
    for _ in range(2):
        m = Sequential([Dense(5, input_shape=(3,), activation="relu"), Dropout(0.3), Dense(2)], seed=7)
        m.compile(optimizer="adam", loss="mse")
        runs.append(m.fit(x, y, epochs=3, verbose=0).history["loss"])
    assert runs[0] == runs[1]


def test_predict_and_evaluate_match_forward():
    m = _compiled("categorical_crossentropy", out=3, activation="softmax")
    x = np.random.default_rng(0).normal(size=(70, 3))
    p = m.predict(x, batch_size=32)
    assert p.shape == (70, 3) and p.dtype == np.float32 and np.allclose(p.sum(1), 1, atol=1e-6)
    y = np.eye(3)[p.argmax(1)]
    loss, acc = m.evaluate(x, y)
    assert acc == 1.0 and loss == pytest.approx(float(-np.log(np.clip(p.max(1), 1e-7, 1)).mean()), rel=1e-5)


def test_verbose_1_draws_a_progress_bar_that_ends_each_epoch_complete(capsys):
    rng = np.random.default_rng(0)
    m = _compiled("mse")
    m.fit(rng.normal(size=(40, 3)), rng.normal(size=(40, 2)), batch_size=8, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/2\n") and "Epoch 2/2" in out
    finals = [line.split("\r")[-1] for line in out.split("\n") if "\r" in line]
    assert len(finals) == 2
    for line in finals:
        assert re.match(r"5/5 \[=+\] - \d+s \d+ms/step - loss: \d+\.\d{4} - accuracy: \d\.\d{4}$", line), line


def test_verbose_0_prints_nothing(capsys):
    rng = np.random.default_rng(0)
    _compiled("mse").fit(rng.normal(size=(20, 3)), rng.normal(size=(20, 2)), epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
