"""Keras 3 files: ``.weights.h5`` (weights only) and ``.keras`` (a whole model), written the way Keras 3
writes them, so ``keras.Model.load_weights`` and ``keras.saving.load_model`` open them, and Keras'
``.weights.h5`` files read back into an nnviz model of the same architecture.

The layout of a Keras 3 ``.weights.h5`` file for a ``Sequential`` (``keras/src/saving/saving_lib.py``,
``H5IOStore`` and ``_save_container_state``)::

    /vars                                attrs: name = <model name>      (empty group)
    /layers/<key>/vars                   attrs: name = <layer name>
    /layers/<key>/vars/0, 1, ...         one dataset per variable, trainable ones first

(recurrent layers keep their variables in a cell: ``/layers/<key>/cell/vars/0, 1, 2`` — kernel,
recurrent_kernel, bias — beside an empty ``/layers/<key>/vars``), where ``<key>`` is *not* the layer's name but its class name in snake case, numbered within the model
(``dense``, ``dense_1``, ``conv2d``, ``max_pooling2d``, ``batch_normalization``), and the variables come
in Keras' order (``kernel, bias``; ``gamma, beta, moving_mean, moving_variance``). Layers without
weights still get their (empty) ``vars`` group. A ``.weights.h5`` file carries no optimizer state (Keras
adds an ``/optimizer`` group for a compiled, trained model; importing weights does not need it, and a Keras
model with a built optimizer then keeps its own, with a warning from Keras).

A ``.keras`` file is a zip of ``metadata.json``, ``config.json`` (Keras' serialization of the model:
``module``, ``class_name``, ``config``, ``registered_name``, ``build_config``, ``compile_config``) and
``model.weights.h5``; the model's optimizer state goes into its ``/optimizer`` group in Keras' order, so
training continues in Keras exactly where it stopped. A model trained on scaled inputs gets a leading
Keras ``Rescaling`` or ``Normalization`` layer, so Keras predicts on raw inputs (:mod:`nnviz.io.keras_scaling`).
:func:`read_keras_weights` loads the weights of a ``.keras`` file (ours or Keras') into a model of the same
architecture and returns the input scaling it found.

h5py is imported only inside the functions that need it.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import zipfile

import numpy as np

from nnviz.core.state import capture_state

from nnviz.core.layers import (GRU, LSTM, Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout,
                               Embedding, Flatten, MaxPooling2D, SimpleRNN)
from nnviz.io.archive import read_member
from nnviz.io import bounded_json
from nnviz.io.atomic import atomic_write
from nnviz.io.keras_scaling import (find_scaling_layer, same_or_layers, scaling_entry, scaling_of_layer,
                                   scaling_of_metadata)
from nnviz.io.scaling import METADATA_KEY, InputScaling, checked_scaling
from nnviz.io.weights import Found, WeightsError, _read_bytes, named_weights, set_named_weights, weights_limit

KERAS_VERSION = "3.5.0"  # the Keras version whose format we write (any Keras 3 reads it)


def _require_h5py():
    try:
        import h5py
    except ImportError:  # pragma: no cover - depends on the installation
        raise WeightsError("reading and writing .weights.h5 / .keras files needs h5py: pip install h5py") from None
    return h5py


def snake_case(name: str) -> str:
    """Keras' ``naming.to_snake_case``: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def layer_keys(model) -> list[str]:
    """The h5 group name Keras uses for each layer: class name in snake case, numbered per class."""
    used: dict[str, int] = {}
    keys = []
    for layer in model.layers:
        base = snake_case(layer.layer_type)
        if base in used:
            used[base] += 1
            keys.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            keys.append(base)
    return keys


#: layers whose variables Keras 3 keeps in a cell sub-layer (``layers/<key>/cell/vars``)
RECURRENT = ("SimpleRNN", "LSTM", "GRU")


def _cell_name(layer) -> str:
    """The name Keras gives a recurrent layer's cell: ``lstm_cell``, ``simple_rnn_cell``, ``gru_cell``."""
    return snake_case(layer.layer_type) + "_cell"


# ============================================================================ .weights.h5
class _Found(Found):
    """Stands for a dataset that is not read: of a layer group the model does not have, or of a shape
    that does not fit (only its shape is reported)."""


def weights_h5_bytes(model, include_optimizer: bool = False, input_scaling=None, leading: dict | None = None) -> bytes:
    """The ``.weights.h5`` file for ``model`` as bytes, in Keras 3's layout (with the optimizer's state
    as Keras stores it when ``include_optimizer`` and the model is compiled); ``input_scaling`` is kept
    as the file's attribute ``nnviz_input_scaling`` (JSON). ``leading`` is the config entry of a ``.keras``
    file's leading scaling layer, whose (empty) group Keras writes too. A ``.weights.h5`` file
    itself never gets one: it holds no layers, only values for the model a user builds in code."""
    h5py = _require_h5py()
    named = named_weights(model)
    scaling = checked_scaling(model, input_scaling)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        if scaling is not None:
            f.attrs[METADATA_KEY] = scaling.to_json()
        f.create_group("vars").attrs["name"] = model.name
        layers = f.create_group("layers")
        if leading is not None:
            layers.create_group(snake_case(leading["class_name"])).create_group("vars").attrs["name"] = \
                leading["config"]["name"]
        for key, layer in zip(layer_keys(model), model.layers):
            layer_group = layers.create_group(key)
            group = layer_group.create_group("vars")
            group.attrs["name"] = layer.name
            if layer.layer_type in RECURRENT:
                group = layer_group.create_group("cell").create_group("vars")
                group.attrs["name"] = _cell_name(layer)
            for i, wname in enumerate(layer.weight_names):
                group[str(i)] = np.ascontiguousarray(named[f"{layer.name}/{wname}"])
        state = optimizer_variables(model) if include_optimizer else None
        if state is not None:
            group = f.create_group("optimizer").create_group("vars")
            group.attrs["name"] = model.optimizer.name
            for i, arr in enumerate(state):
                group[str(i)] = arr
    return buf.getvalue()


def optimizer_variables(model) -> list[np.ndarray] | None:
    """The optimizer's state in the order Keras 3 saves ``optimizer.variables``: ``iterations``,
    ``learning_rate``, then the slot variables — Adam's ``momentum, velocity`` interleaved per trainable
    variable, SGD's ``momentum``, RMSprop's ``velocity`` (then ``momentum``, then ``average_gradient``)
    and Adagrad's ``accumulator`` each for all trainable variables in turn. ``None`` when the model is
    not compiled with one of those optimizers."""
    opt = model.optimizer
    kind = type(opt).__name__ if opt is not None else None
    if kind not in ("Adam", "SGD", "RMSprop", "Adagrad"):
        return None
    # one slot array per trainable weight, layer by layer, trainable_names in order; Keras only tracks
    # layers that are trainable. Before the first step the optimizer has no slots yet: Keras' initial values.
    state = capture_state(model)
    initial = {"accumulator": getattr(opt, "initial_accumulator_value", 0.0)}

    def per_var(name):
        out = []
        for layer in model.layers:
            if not layer.trainable:
                continue
            for k in layer.trainable_names:
                value = state.slots(f"{layer.name}/{k}").get(name)
                shape = layer.params[k].shape
                out.append(np.full(shape, initial.get(name, 0.0), dtype=model.dtype) if value is None
                           else np.array(value, dtype=model.dtype))
        return out

    slot_names = tuple(opt.slot_names)
    out = [np.array(opt.iterations, dtype=np.int64), np.array(opt.learning_rate, dtype=np.float32)]
    if kind == "Adam":
        for m, v in zip(per_var("m"), per_var("v")):
            out += [m, v]
    else:
        for name in slot_names:
            out += per_var(name)
    return out


def write_weights_h5(model, path, input_scaling=None) -> None:
    data = weights_h5_bytes(model, input_scaling=input_scaling)
    with atomic_write(path, "wb") as f:
        f.write(data)


def read_weights_h5_bytes(model, data: bytes, source: str = "the file",
                          skip: str | None = None) -> dict[str, np.ndarray]:
    """``{"dense/kernel": array}`` from a Keras 3 ``.weights.h5`` file, matched to ``model``'s layers by
    Keras' group names and variable order; the layer group ``skip`` (a ``.keras`` model's leading input
    scaling) is not one of the network's."""
    h5py = _require_h5py()
    if not data:
        raise WeightsError(f"{source} is empty")
    if not data.startswith(b"\x89HDF\r\n\x1a\n"):
        raise WeightsError(f"{source} is not an HDF5 file (a .weights.h5 file starts with the HDF5 signature)")
    named: dict[str, np.ndarray] = {}
    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            layers = f.get("layers")
            if layers is None and "_layer_checkpoint_dependencies" in f:  # Keras 2.13 files
                layers = f["_layer_checkpoint_dependencies"]
            if not isinstance(layers, h5py.Group):
                raise WeightsError(f"{source} is not a Keras 3 weights file: it has no 'layers' group")

            def vars_group(key, recurrent=False):
                """The ``vars`` group of the layer group ``key`` (of its cell for a recurrent layer), or None."""
                group = layers.get(key)
                if recurrent and isinstance(group, h5py.Group):
                    group = group.get("cell")
                vars_ = group.get("vars") if isinstance(group, h5py.Group) else None
                return vars_ if isinstance(vars_, h5py.Group) else None

            expected_keys = layer_keys(model)
            unknown = [k for k in layers.keys() if k not in expected_keys and k != skip]
            for key, layer in zip(expected_keys, model.layers):
                vars_ = vars_group(key, layer.layer_type in RECURRENT)
                if vars_ is None:
                    continue  # its weights are reported as missing by match_weights
                names = list(layer.weight_names)
                stored = sorted(vars_.keys(), key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))
                for i, vname in enumerate(stored):
                    ds = vars_[vname]
                    if not isinstance(ds, h5py.Dataset):
                        raise WeightsError(f"{source}: layers/{key}/vars/{vname} is not a dataset")
                    wname = names[i] if i < len(names) else f"var_{vname}"
                    if (i >= len(names) or tuple(ds.shape) != tuple(layer.params[wname].shape)
                            or ds.dtype.kind not in "fiu"):
                        # shapes are compared with the model's before any data is read: a dataset of
                        # another shape is only reported (a 4.5 KB file may declare 2 GB)
                        named[f"{layer.name}/{wname}"] = _Found(ds.shape)
                        continue
                    try:
                        arr = ds[()]
                    except TypeError as exc:
                        raise WeightsError(f"{source}: layers/{key}/vars/{vname} cannot be read: {exc}") from None
                    named[f"{layer.name}/{wname}"] = np.asarray(arr)
            for key in unknown:
                vars_ = vars_group(key)
                if vars_ is not None:
                    for vname in vars_.keys():
                        named[f"layers/{key}/vars/{vname}"] = _Found(getattr(vars_[vname], "shape", None))
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001 — HDF5 reports damage in many ways (OSError, OverflowError, ...)
        raise WeightsError(f"{source} is not a readable HDF5 weights file (damaged or truncated?): "
                           f"{type(exc).__name__}: {exc}") from None
    return named


def read_weights_h5(model, path) -> None:
    source = repr(os.fspath(path))
    data = _read_bytes(path, keras_weights_limit(model), f"more than the {model.count_params():,} weights of "
                                                          f"model '{model.name}' can fill")
    set_named_weights(model, read_weights_h5_bytes(model, data, source), source)


def keras_weights_limit(model) -> int:
    """The most bytes the ``model.weights.h5`` of a ``.keras`` file that fits ``model`` can take: the
    weights and up to three optimizer slots of each (Adam keeps two), as float64, and room for the HDF5
    headers of every group and dataset (about 5 kB a layer in what nnviz writes)."""
    return 4 * weights_limit(model) + (64 << 10) * len(model.layers) + (1 << 20)


def read_keras_weights(model, path) -> InputScaling | None:
    """Load the weights of a ``.keras`` model file (its ``model.weights.h5``) into ``model``; returns the
    input scaling the network expects (``model`` takes ``scaling.apply(raw_x)``): the file's leading
    Rescaling/Normalization layer (:mod:`nnviz.io.keras_scaling`), else the ``nnviz_input_scaling`` of
    its metadata, else ``None``."""
    source = repr(os.fspath(path))
    limit = keras_weights_limit(model)
    features = int(np.prod(model.input_shape[1:])) if model.built else 0
    config_limit = (1 << 20) + (64 << 10) * len(model.layers) + 64 * features   # a scaling per feature too
    archive = _read_bytes(path, limit + 2 * config_limit, f"more than the {model.count_params():,} weights of "
                                                          f"model '{model.name}' and a model config can fill")
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            data = read_member(zf, "model.weights.h5", source, limit, WeightsError,
                               f"more than the {model.count_params():,} weights of model '{model.name}' "
                               f"and their optimizer state can fill")
            docs = {name: bounded_json.loads(read_member(zf, name, source, config_limit, WeightsError,
                                                         "more than a model config holds"),
                                             f"{name} in {source}", WeightsError)
                    for name in ("config.json", "metadata.json") if name in zf.namelist()}
    except WeightsError:
        raise
    except KeyError:
        raise WeightsError(f"{source} is not a Keras 3 model file: it has no model.weights.h5") from None
    except OSError as exc:
        raise WeightsError(f"cannot read {source}: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 — BadZipFile, ... from a damaged archive
        raise WeightsError(f"{source} is damaged or not a .keras file: {exc}") from None
    leading = find_scaling_layer(docs.get("config.json"), WeightsError)
    skip = snake_case(leading["class_name"]) if leading is not None else None
    named = read_weights_h5_bytes(model, data, source, skip=skip)
    scaling = scaling_of_metadata(docs.get("metadata.json"), WeightsError)
    shape = tuple(model.input_shape[1:]) if model.built else ()
    if leading is not None:
        found = scaling_of_layer(leading, lambda: _variables(data, skip, 2, source), WeightsError)
        if not found.fits(shape):
            raise WeightsError(f"{source}: its input scaling layer has {len(found.offset)} values but the model's "
                               f"input {shape} does not have as many features")
        scaling = same_or_layers(found, scaling)
    set_named_weights(model, named, source)    # only when all fits: a refused file leaves the model unchanged
    return scaling if scaling is not None and scaling.fits(shape) else None


def _variables(data: bytes, key: str, count: int, source: str) -> list[np.ndarray]:
    """The first ``count`` variables of the layer group ``key`` (an adapted Normalization's mean and
    variance), each at most 1M values."""
    h5py = _require_h5py()
    out = []
    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            group = f.get(f"layers/{key}/vars")
            for i in range(count):
                ds = group.get(str(i)) if isinstance(group, h5py.Group) else None
                if not isinstance(ds, h5py.Dataset) or ds.size > (1 << 20) or ds.dtype.kind not in "fiu":
                    raise WeightsError(f"{source}: the {key} layer has no mean and variance (layers/{key}/vars/{i})")
                out.append(np.asarray(ds[()]))
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001 — HDF5 reports damage in many ways
        raise WeightsError(f"{source}: the {key} layer's variables cannot be read: {exc}") from None
    return out


# ============================================================================ Keras config
def _serialized(module: str, class_name: str, config: dict, registered_name=None) -> dict:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": registered_name}


def _dtype_policy(dtype: str) -> dict:
    return _serialized("keras", "DTypePolicy", {"name": dtype})


_INITIALIZER_CLASSES = {
    "zeros": "Zeros", "ones": "Ones", "glorot_uniform": "GlorotUniform", "glorot_normal": "GlorotNormal",
    "he_uniform": "HeUniform", "he_normal": "HeNormal", "lecun_uniform": "LecunUniform",
    "lecun_normal": "LecunNormal", "random_normal": "RandomNormal", "random_uniform": "RandomUniform",
    "orthogonal": "Orthogonal",
}


def _initializer(init) -> dict:
    name = init.name
    config: dict = {}
    if name in ("random_normal",):
        config = {"mean": float(init.mean), "stddev": float(init.stddev), "seed": None}
    elif name in ("random_uniform",):
        config = {"minval": float(init.minval), "maxval": float(init.maxval), "seed": None}
    elif name == "orthogonal":
        config = {"gain": float(init.gain), "seed": None}
    elif name not in ("zeros", "ones"):
        config = {"seed": None}
    return _serialized("keras.initializers", _INITIALIZER_CLASSES[name], config)


def _regularizer(reg):
    if reg is None:
        return None
    if reg.l1 and reg.l2:
        return _serialized("keras.regularizers", "L1L2", {"l1": reg.l1, "l2": reg.l2})
    if reg.l1:
        return _serialized("keras.regularizers", "L1", {"l1": reg.l1})
    return _serialized("keras.regularizers", "L2", {"l2": reg.l2})


def _activation(act) -> str:
    """The activation as Keras names it. A Keras layer's activation is a name without settings (Keras 3
    does not read one back with settings), so one with other than the defaults cannot be exported."""
    config = act.get_config()
    if not isinstance(config, str):
        settings = ", ".join(f"{key}={value:g}" for key, value in config["config"].items())
        defaults = ", ".join(f"{key}={value:g}" for key, value in act.defaults.items())
        raise ValueError(f"a .keras file cannot hold the activation {act.name}({settings}): Keras' "
                         f"'{act.name}' means {act.name}({defaults})")
    return config


# ---------------------------------------------------------------------------- one function per layer class
# each returns the layer's own settings in Keras 3's config (name, trainable and dtype are added for all)


def _dense(layer) -> dict:
    return dict(units=layer.units, activation=_activation(layer.activation), use_bias=layer.use_bias,
                kernel_initializer=_initializer(layer.kernel_initializer),
                bias_initializer=_initializer(layer.bias_initializer),
                kernel_regularizer=_regularizer(layer.kernel_regularizer), bias_regularizer=None,
                kernel_constraint=None, bias_constraint=None)


def _conv2d(layer) -> dict:
    return dict(filters=layer.filters, kernel_size=list(layer.kernel_size), strides=list(layer.strides),
                padding=layer.padding, data_format="channels_last", dilation_rate=[1, 1], groups=1,
                activation=_activation(layer.activation), use_bias=layer.use_bias,
                kernel_initializer=_initializer(layer.kernel_initializer),
                bias_initializer=_initializer(layer.bias_initializer),
                kernel_regularizer=_regularizer(layer.kernel_regularizer), bias_regularizer=None,
                activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def _pooling(layer) -> dict:
    return dict(pool_size=list(layer.pool_size), padding=layer.padding, strides=list(layer.strides),
                data_format="channels_last")


def _flatten(layer) -> dict:
    return dict(data_format="channels_last")


def _dropout(layer) -> dict:
    return dict(rate=layer.rate, seed=layer.seed, noise_shape=None)


def _activation_layer(layer) -> dict:
    return dict(activation=_activation(layer.activation))


def _batch_normalization(layer) -> dict:
    return dict(axis=-1, momentum=layer.momentum, epsilon=layer.epsilon, center=layer.center,
                scale=layer.scale, beta_initializer=_initializer(layer.beta_initializer),
                gamma_initializer=_initializer(layer.gamma_initializer),
                moving_mean_initializer=_initializer(layer.moving_mean_initializer),
                moving_variance_initializer=_initializer(layer.moving_variance_initializer),
                beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                synchronized=False)


def _embedding(layer) -> dict:
    return dict(input_dim=layer.input_dim, output_dim=layer.output_dim,
                embeddings_initializer=_initializer(layer.embeddings_initializer), embeddings_regularizer=None,
                activity_regularizer=None, embeddings_constraint=None, mask_zero=False)


def _recurrent(layer) -> dict:
    cfg = dict(return_sequences=layer.return_sequences, return_state=False, go_backwards=False,
               stateful=False, unroll=False, zero_output_for_mask=False, units=layer.units,
               activation=_activation(layer.activation), use_bias=layer.use_bias,
               kernel_initializer=_initializer(layer.kernel_initializer),
               recurrent_initializer=_initializer(layer.recurrent_initializer),
               bias_initializer=_initializer(layer.bias_initializer),
               kernel_regularizer=_regularizer(layer.kernel_regularizer), recurrent_regularizer=None,
               bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
               recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None)
    if layer.layer_type == "LSTM":
        cfg.update(recurrent_activation=_activation(layer.recurrent_activation),
                   unit_forget_bias=layer.unit_forget_bias)
    elif layer.layer_type == "GRU":
        cfg.update(recurrent_activation=_activation(layer.recurrent_activation), reset_after=True)
    return cfg


#: layer class -> the function giving its Keras 3 config
EXPORTERS = {
    Dense: _dense, Conv2D: _conv2d, MaxPooling2D: _pooling, AveragePooling2D: _pooling, Flatten: _flatten,
    Dropout: _dropout, Activation: _activation_layer, BatchNormalization: _batch_normalization,
    Embedding: _embedding, SimpleRNN: _recurrent, LSTM: _recurrent, GRU: _recurrent,
}


def _plain(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _same_named_config(layer) -> dict:
    """A layer without an entry in ``EXPORTERS`` whose settings are plain numbers, strings and lists: the core
    speaks Keras' vocabulary, so its own config is Keras' (``Reshape(target_shape)``)."""
    own = {k: v for k, v in layer.get_config().items() if k not in ("name", "trainable", "input_shape")}
    if not all(_plain(v) for v in own.values()):
        raise ValueError(f"cannot export {layer.layer_type} to Keras: layer '{layer.name}' has settings Keras "
                         f"serializes differently and no Keras exporter (nnviz.io.keras_export.EXPORTERS)")
    return {k: list(v) if isinstance(v, tuple) else v for k, v in own.items()}


def layer_config(layer, dtype: str, input_shape) -> dict:
    """One layer in Keras 3's serialization format (what ``keras.layers.deserialize`` takes)."""
    kind = layer.layer_type
    cfg: dict = {"name": layer.name, "trainable": bool(layer.trainable), "dtype": _dtype_policy(dtype)}
    cfg.update(EXPORTERS[type(layer)](layer) if type(layer) in EXPORTERS else _same_named_config(layer))
    out = _serialized("keras.layers", kind, cfg)
    out["build_config"] = {"input_shape": [None, *input_shape]}
    return out


# every loss and metric name of the core is also a Keras 3 identifier (checked against keras.losses.get /
# keras.metrics.get), so compile settings travel as names -- except a loss with settings of its own,
# which a name would reload with Keras' defaults (Huber(delta=2.5) as "huber" is Keras' delta = 1)
_LOSS_CLASSES = {"huber": ("Huber", "huber_loss")}   # our name -> Keras class and its default name


def _loss(loss):
    """The loss as ``compile_config`` holds it: its name, or the serialized Keras loss object when it
    has settings; None for a loss Keras cannot rebuild."""
    config = loss.get_config() if hasattr(loss, "get_config") else {"name": getattr(loss, "name", None)}
    name = config.pop("name", None)
    if not isinstance(name, str):
        return None
    if not config:
        return name
    if name not in _LOSS_CLASSES:
        return None
    class_name, keras_name = _LOSS_CLASSES[name]
    return _serialized("keras.losses", class_name, {"name": keras_name, "reduction": "sum_over_batch_size", **config})


def _compile_config(model) -> dict | None:
    opt, loss = model.optimizer, model.loss
    if opt is None or loss is None:
        return None
    name = type(opt).__name__
    args = dict(opt.get_config_args()) if hasattr(opt, "get_config_args") else {}
    keras_names = {"SGD": "SGD", "Adam": "Adam", "RMSprop": "RMSprop", "Adagrad": "Adagrad"}
    if name not in keras_names:
        return None
    config = {"name": name.lower(), "learning_rate": float(opt.learning_rate)}
    for key in ("momentum", "nesterov", "beta_1", "beta_2", "epsilon", "rho", "centered",
                "initial_accumulator_value"):
        if key in args:
            config[key] = args[key]
    keras_loss = _loss(loss)
    if keras_loss is None:
        return None
    metrics = [m for m in model._metric_ids if isinstance(m, str)]
    return {"optimizer": _serialized("keras.optimizers", keras_names[name], config, keras_names[name]),
            "loss": keras_loss, "loss_weights": None, "metrics": metrics or None,
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def keras_config(model, input_scaling=None) -> dict:
    """``model`` as Keras 3 serializes a ``Sequential`` (the ``config.json`` of a ``.keras`` file); with an
    ``input_scaling``, a Keras layer computing it comes first (:mod:`nnviz.io.keras_scaling`)."""
    if not model.built:
        raise ValueError("the model is not built yet (it has no input shape), so it cannot be exported")
    dtype = model.dtype.name
    input_shape = list(model.input_shape[1:])
    layers = [_serialized("keras.layers", "InputLayer",
                          {"batch_shape": [None, *input_shape], "dtype": dtype, "sparse": False,
                           "name": "input_layer"})]
    scaling = checked_scaling(model, input_scaling)
    if scaling is not None:
        layers.append(scaling_entry(scaling, _dtype_policy(dtype), input_shape, [l.name for l in model.layers]))
    for layer in model.layers:
        layers.append(layer_config(layer, dtype, list(layer.input_shape)))
    out = _serialized("keras", "Sequential", {"name": model.name, "trainable": True, "dtype": _dtype_policy(dtype),
                                              "layers": layers, "build_input_shape": [None, *input_shape]})
    out["build_config"] = {"input_shape": [None, *input_shape]}
    compile_config = _compile_config(model)
    if compile_config is not None:
        out["compile_config"] = compile_config
    return out


def keras_bytes(model, input_scaling=None) -> bytes:
    """A ``.keras`` archive for ``model`` as bytes; ``input_scaling`` (an
    :class:`~nnviz.io.scaling.InputScaling` or the ``Dataset`` it was trained on) becomes the model's
    first layer, a Keras ``Rescaling`` or ``Normalization`` computing ``(x - offset) / scale``, so the
    Keras model takes raw inputs; it is also written to ``metadata.json`` as ``nnviz_input_scaling``."""
    metadata = {"keras_version": KERAS_VERSION, "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}
    scaling = checked_scaling(model, input_scaling)
    if scaling is not None:
        metadata[METADATA_KEY] = scaling.to_dict()
    config = keras_config(model, scaling)
    leading = config["config"]["layers"][1] if scaling is not None else None
    weights = weights_h5_bytes(model, include_optimizer="compile_config" in config, leading=leading)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # Keras writes the members uncompressed
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", weights)
    return buf.getvalue()


def export_keras(model, path, input_scaling=None) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` file (``keras.saving.load_model`` opens it); the input
    scaling becomes its first layer and goes into its metadata (see :func:`keras_bytes`)."""
    if not os.fspath(path).lower().endswith(".keras"):
        raise ValueError(f"Keras model files end in '.keras', got {os.fspath(path)!r}")
    data = keras_bytes(model, input_scaling)
    with atomic_write(path, "wb") as f:
        f.write(data)
