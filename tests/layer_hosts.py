"""A small network around each registered layer type, shared by the parametrized catalog tests.

``host_model(name)`` puts the layer (with its catalog defaults, shrunk to test size) after a ``Dense`` that keeps
the input's shape (so the layer's own backward is exercised: its input gradient reaches trained weights) and
before a ``Dense(3)`` head, so gradients, exports and the trace can be checked for every layer the same way. A new
layer needs no entry here unless it takes something other than a vector of features.
"""

from __future__ import annotations

import numpy as np

from nnviz.core import Dense, Flatten, Input, Sequential
from nnviz.core.catalog import CATALOG

#: input shape per catalog category (a layer type not listed takes a vector of 6 features)
INPUTS = {"convolution": (6, 5, 2), "pooling": (6, 5, 2), "normalization": (6, 5, 2), "recurrent": (4, 3)}
#: layers whose category's input does not fit them (an image-taking layer filed under "reshaping")
INPUTS_BY_NAME = {"UpSampling2D": (3, 2, 2)}
#: settings that keep the test networks small (the catalog's defaults are sized for real data)
SMALL = {"units": 3, "filters": 3, "input_dim": 7, "output_dim": 3}
VOCABULARY = SMALL["input_dim"]


def takes_token_ids(name: str) -> bool:
    return name == "Embedding"


def input_shape(name: str) -> tuple[int, ...]:
    if takes_token_ids(name):
        return (5,)
    return INPUTS_BY_NAME.get(name) or INPUTS.get(CATALOG[name].category, (6,))


def layer_config(name: str) -> dict:
    spec = CATALOG[name]
    config = spec.default_config()
    for key in SMALL:
        if key in config:
            config[key] = SMALL[key]
    if any(o.key == "input_dim" for o in spec.options):
        config["input_dim"] = VOCABULARY
    return config


#: the position of the layer under test in ``host_model(name).layers``
def index_in_host(name: str) -> int:
    return 0 if takes_token_ids(name) else 1


def host_model(name: str, dtype: str = "float64", seed: int = 0) -> Sequential:
    """``Input -> [Dense] -> <name> -> [Flatten] -> Dense(3)``, built and compiled with a mean squared error."""
    layer = CATALOG[name].layer_class.from_config(layer_config(name))
    shape = input_shape(name)
    before = [] if takes_token_ids(name) else [Dense(shape[-1], activation="tanh")]
    model = Sequential([Input(shape), *before, layer], dtype=dtype, seed=seed, name=f"host_{name.lower()}")
    if len(model.output_shape) > 2:
        model.add(Flatten())
    model.add(Dense(3, activation="tanh"))
    model.compile(optimizer="sgd", loss="mse")
    return model


def batch(name: str, n: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    shape = (n, *input_shape(name))
    x = rng.integers(0, VOCABULARY, size=shape).astype(np.float64) if takes_token_ids(name) else rng.normal(size=shape)
    return x, rng.normal(size=(n, 3))
