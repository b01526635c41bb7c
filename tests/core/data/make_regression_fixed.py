"""Writes regression_fixed.npz: the numbers today's core computes, on fixed seeds, that must not change.

    cd <repo> && python tests/core/data/make_regression_fixed.py

(a) the per-epoch fit history of bundled examples; (b) every value of the backprop trace (each step's
arrays, numbers, titles, templates, notes, rendered formulas), its results and the model ``apply`` leaves,
on small random networks for every optimizer. tests/core/test_regression_fixed.py recomputes them with
the same functions (``example_histories``, ``trace_records``) and compares. Regenerate only when a change
of the numbers is intended, and say why in the commit.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import sys
from collections.abc import Mapping

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "regression_fixed.npz")          # numbers
TEXT_FIXTURE = os.path.join(HERE, "regression_fixed_text.json.gz")   # titles, templates, notes, rendered formulas
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

# (example, epochs, training settings overridden, samples of the training split kept)
EXAMPLES = [
    ("xor", 3, {}, 120),
    ("xor", 3, {"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.9, "regularization": "l2"}, 120),
    ("course-2-3-2", 4, {"optimizer": "rmsprop"}, None),
    ("digits-mlp", 2, {}, 300),
    ("digits-cnn", 1, {"optimizer": "adagrad", "batch_size": 16}, 64),
]


def example_histories() -> dict:
    from nnviz.core.data import catalog
    from nnviz.core.training import fit
    from nnviz.io.project import load_project

    out = {}
    for name, epochs, override, keep in EXAMPLES:
        project = load_project(os.path.join(REPO, "resources", "examples", name + ".nnviz"))
        project.training = {**project.training, **override}
        project.weights = None   # fresh initial weights from the architecture's seed
        model = project.build_model()
        config = project.training_config()
        ds = catalog.load(project.dataset["name"], **project.dataset.get("params", {}))
        if keep is not None:
            ds.x_train, ds.y_train = ds.x_train[:keep], ds.y_train[:keep]
            if getattr(ds, "x_val", None) is not None and len(ds.x_val):
                ds.x_val, ds.y_val = ds.x_val[:keep // 2], ds.y_val[:keep // 2]
        history = fit(model, ds, config, epochs=epochs)
        tag = f"fit/{name}/{override.get('optimizer', config.optimizer)}"
        for key, values in history.history.items():
            out[f"{tag}/{key}"] = np.asarray(values, np.float64)
        for key, w in zip(model.weight_keys(), model.get_weights()):
            out[f"{tag}/weights/{key}"] = w
    return out


# ------------------------------------------------------------------------------------------- traces
def _networks():
    from nnviz.core import layers as L
    from nnviz.core import regularizers

    l2 = regularizers.get({"class_name": "l2", "config": {"l2": 0.01}})
    return {
        "dense": (lambda: [L.Dense(4, activation="relu", input_shape=(3,)), L.Dense(3, activation="tanh"),
                           L.Dense(3, activation="softmax")], (3,), "sparse_categorical_crossentropy", "sparse3"),
        "dense_sigmoid_l2": (lambda: [L.Dense(3, activation="elu", input_shape=(2,), kernel_regularizer=l2),
                                      L.Dense(2, activation="swish"), L.Dense(1, activation="sigmoid")],
                             (2,), "binary_crossentropy", "binary1"),
        "dense_mse_softmax": (lambda: [L.Dense(3, activation="leaky_relu", input_shape=(2,)),
                                       L.Dense(2, activation="softplus"), L.Dense(3, activation="softmax")],
                              (2,), "mean_squared_error", "real3"),
        "conv_pool": (lambda: [L.Conv2D(2, 3, activation="relu", input_shape=(6, 6, 1)), L.MaxPooling2D(2),
                               L.Conv2D(2, 2, activation="sigmoid", padding="same"), L.AveragePooling2D(2),
                               L.Flatten(), L.Dense(2, activation="softmax")],
                      (6, 6, 1), "sparse_categorical_crossentropy", "sparse2"),
        "batchnorm_dropout": (lambda: [L.Dense(4, input_shape=(3,)), L.BatchNormalization(), L.Activation("relu"),
                                       L.Dropout(0.4), L.Dense(2, activation="softmax")],
                              (3,), "categorical_crossentropy", "onehot2"),
        "lstm": (lambda: [L.LSTM(3, input_shape=(4, 2)), L.Dense(2, activation="softmax")],
                 (4, 2), "sparse_categorical_crossentropy", "sparse2"),
        "gru_rnn": (lambda: [L.SimpleRNN(3, return_sequences=True, input_shape=(3, 2)), L.GRU(2),
                             L.Dense(1)], (3, 2), "huber", "real1"),
        "embedding": (lambda: [L.Embedding(6, 3, input_shape=(4,)), L.Flatten(), L.Dense(2, activation="sigmoid")],
                      (4,), "binary_crossentropy", "tokens_binary2"),
    }


def _optimizers():
    from nnviz.core.optimizers import SGD, Adagrad, Adam, RMSprop

    return {"sgd": lambda: SGD(0.1), "momentum": lambda: SGD(0.05, momentum=0.9),
            "nesterov": lambda: SGD(0.05, momentum=0.8, nesterov=True), "adam": lambda: Adam(0.01),
            "rmsprop": lambda: RMSprop(0.01), "rmsprop_centered": lambda: RMSprop(0.01, momentum=0.5, centered=True),
            "adagrad": lambda: Adagrad(0.1)}


def _data(kind, shape, rng, n):
    if kind.startswith("tokens"):   # token ids 0..5
        x = rng.integers(0, 6, size=(n,) + shape).astype(np.float64)
    else:
        x = rng.normal(size=(n,) + shape)
    units = int(kind[-1])
    if kind.startswith("sparse"):
        y = rng.integers(0, units, size=n)
    elif "binary" in kind:
        y = rng.integers(0, 2, size=(n, units)).astype(np.float64)
    elif kind.startswith("onehot"):
        y = np.eye(units)[rng.integers(0, units, size=n)]
    else:
        y = rng.normal(size=(n, units))
    return x, y


def _walk(prefix, value, out):
    """Every number, array and string under ``value`` into ``out``; nested steps are left to their own entries."""
    from nnviz.core.trace import Step

    if isinstance(value, Step) or callable(value):
        return
    if type(value).__name__ == "Highlights" or hasattr(value, "_fields"):   # diagram highlights, named tuples
        out[prefix] = np.array(repr(value))
        return
    if isinstance(value, np.ndarray):
        out[prefix] = np.array(value)
    elif isinstance(value, (bool, np.bool_)):
        out[prefix] = np.array(int(value))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        out[prefix] = np.array(value)
    elif isinstance(value, str):
        out[prefix] = np.array(value)
    elif value is None:
        out[prefix] = np.array("<None>")
    elif isinstance(value, Mapping):
        out[prefix + "/#keys"] = np.array("|".join(map(str, value)))
        for k, v in value.items():
            _walk(f"{prefix}/{k}", v, out)
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            _walk(f"{prefix}/{f.name}", getattr(value, f.name), out)
    elif isinstance(value, (tuple, list)):
        if value and all(isinstance(v, Step) for v in value):
            out[prefix] = np.array(len(value))
            return
        if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in value):
            out[prefix] = np.array(value, dtype=np.float64) if value else np.array("<empty>")
            return
        out[prefix + "/#len"] = np.array(len(value))
        for i, v in enumerate(value):
            _walk(f"{prefix}/{i}", v, out)
    else:
        out[prefix] = np.array(repr(value))


def trace_records() -> dict:
    from nnviz.core.model import Sequential
    from nnviz.core.trace import backprop_trace

    out = {}
    for net, (make, shape, loss, kind) in _networks().items():
        for opt_name, make_opt in _optimizers().items():
            tag = f"trace/{net}/{opt_name}"
            model = Sequential(make(), seed=7, dtype="float64")
            model.compile(optimizer=make_opt(), loss=loss)
            rng = np.random.default_rng(11)
            x, y = _data(kind, shape, rng, 3)
            model.train_on_batch(x, y)           # the optimizer's slots are not all zero
            x, y = _data(kind, shape, rng, 3)
            trace = backprop_trace(model, x, y)
            for gran in ("unit", "layer", "phase"):
                t = trace if gran == "unit" else trace.with_granularity(gran)
                out[f"{tag}/{gran}/#steps"] = np.array(len(t))
                for i, step in enumerate(t):
                    p = f"{tag}/{gran}/{i:03d}"
                    for f in dataclasses.fields(step):   # its own values (nested steps have their own entries)
                        _walk(f"{p}/{f.name}", getattr(step, f.name), out)
                    out[p + "/#class"] = np.array(type(step).__name__)
                    for sample in range(t.batch_size if gran == "phase" else 1):
                        out[f"{p}/#text{sample}"] = np.array(step.to_text(precision=8, sample=sample))
                    if gran == "layer":
                        out[p + "/#html"] = np.array(step.to_html(precision=5, link_numbers=True))
                    out[p + "/#formula"] = np.array(step.formula)
                table = t.summary_table(upto_step=len(t) // 2)
                _walk(f"{tag}/{gran}/#table", table, out)
            out[f"{tag}/loss"] = np.array(trace.loss)
            _walk(f"{tag}/gradients", trace.gradients, out)
            _walk(f"{tag}/new_weights", trace.new_weights, out)
            _walk(f"{tag}/state_before", trace.optimizer_state_before, out)
            _walk(f"{tag}/state_after", trace.optimizer_state_after, out)
            _walk(f"{tag}/layers", trace.layers, out)
            trace.apply(model)
            _walk(f"{tag}/applied/weights", model.get_weights(), out)
            _walk(f"{tag}/applied/optimizer", model.optimizer.state(), out)
            out[f"{tag}/applied/next_loss"] = np.array(model.train_on_batch(x, y))   # the generator went on too
    return out


def split_text(data: dict) -> tuple[dict, dict]:
    """The arrays of numbers, and the strings (as a plain dict: they compress far better as JSON)."""
    numbers = {k: v for k, v in data.items() if v.dtype.kind != "U"}
    texts = {k: str(v) for k, v in data.items() if v.dtype.kind == "U"}
    return numbers, texts


def pack(numbers: dict) -> dict:
    """Many small arrays as one flat array per dtype plus an index (thousands of npz members are bulky)."""
    flat, index = {}, {}
    for key in sorted(numbers):
        a = np.asarray(numbers[key])
        parts = flat.setdefault(a.dtype.str, [])
        offset = sum(p.size for p in parts)
        parts.append(a.ravel())
        index[key] = [a.dtype.str, list(a.shape), offset]
    out = {f"values{dt}": np.concatenate(parts) for dt, parts in flat.items()}
    out["index"] = np.array(json.dumps(index))
    return out


def unpack(packed) -> dict:
    index = json.loads(str(packed["index"]))
    values = {k[len("values"):]: packed[k] for k in packed.files if k.startswith("values")}
    out = {}
    for key, (dt, shape, offset) in index.items():
        size = int(np.prod(shape, dtype=np.int64))
        out[key] = values[dt][offset:offset + size].reshape(shape)
    return out


def load() -> tuple[dict, dict]:
    """The fixture: (numbers, strings)."""
    with np.load(FIXTURE) as packed:
        numbers = unpack(packed)
    with gzip.open(TEXT_FIXTURE, "rt", encoding="utf-8") as f:
        texts = json.load(f)
    return numbers, texts


def compute() -> tuple[dict, dict]:
    return split_text({**example_histories(), **trace_records()})


def main():
    sys.path.insert(0, REPO)
    numbers, texts = compute()
    np.savez_compressed(FIXTURE, **pack(numbers))
    with gzip.open(TEXT_FIXTURE, "wt", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    print(f"wrote {len(numbers)} arrays to {FIXTURE} and {len(texts)} strings to {TEXT_FIXTURE}")


if __name__ == "__main__":
    main()
