"""Export a model as a stand-alone Python script that rebuilds it in PyTorch.

The script needs only ``numpy`` and ``torch``. The weights are embedded in it (a base64 ``.npz`` already
in PyTorch's layout and names), so the script is the whole export — one file to mail, commit or run:

    python model.py                             # print the network, run it on a random batch
    python model.py --input x.npy --output y.npy
    from model import build_model               # net = build_model(); net(torch.from_numpy(x))

Like the Keras model, the network takes and returns channels-last tensors (``(N, H, W, C)`` for images).
Conv and pooling layers permute to PyTorch's NCHW inside and back, and TF's ``"same"`` padding
(the odd pixel after) is an explicit ``F.pad`` (with ``-inf`` for max pooling; average pooling divides by
the number of real cells, as TF does). The module is returned in ``eval()`` mode (Dropout off,
BatchNormalization on its moving statistics). Float64 models give a float64 network.

Submodules are named after the layers (``net.dense_1``); a layer name that cannot be a Python name or
a submodule of ``nn.Sequential`` is spelled close to it (``a.b`` -> ``a_b``, ``forward`` ->
``layer_forward``), and a name taken twice gets a ``_2``, so every layer keeps its own weights.
"""

from __future__ import annotations

import base64
import io
import keyword
import os
import re
import textwrap

import numpy as np

from nnviz.core.catalog import exporter_for as catalog_exporter_for
from nnviz.core.layers import (GRU, LSTM, Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout,
                               Embedding, Flatten, MaxPooling2D, Reshape, SimpleRNN, UpSampling2D)
from nnviz.io.atomic import atomic_write
from nnviz.io.scaling import checked_scaling

_PRELUDE = '''\
import argparse
import base64
import io
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class ChannelsLastConv2d(nn.Module):
    """Keras' Conv2D on channels-last input: permute to NCHW, pad like TF, convolve, permute back."""

    def __init__(self, in_channels, filters, kernel_size, strides, pads, bias):
        super().__init__()
        self.pads = pads  # (left, right, top, bottom), as F.pad takes them
        self.conv = nn.Conv2d(in_channels, filters, kernel_size, stride=strides, padding=0, bias=bias)

    def extra_repr(self):
        return f"pads={self.pads}"

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        if any(self.pads):
            x = F.pad(x, self.pads)
        # a real NCHW copy: with one input channel the permuted view counts as both NCHW and NHWC, and
        # some CPU builds of PyTorch (2.13 among them) then convolve it into garbage
        x = x.clone(memory_format=torch.contiguous_format)
        return self.conv(x).permute(0, 2, 3, 1)


class ChannelsLastPool2d(nn.Module):
    """Keras' pooling on channels-last input; ``pads`` are (left, right, top, bottom), as F.pad takes them."""

    def __init__(self, pool_size, strides, pads):
        super().__init__()
        self.pool_size, self.strides, self.pads = pool_size, strides, pads

    def extra_repr(self):
        return f"pool_size={self.pool_size}, strides={self.strides}, pads={self.pads}"


class ChannelsLastMaxPool2d(ChannelsLastPool2d):
    """MaxPooling2D: padded cells are -inf, so they never win."""

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        if any(self.pads):
            x = F.pad(x, self.pads, value=float("-inf"))
        return F.max_pool2d(x, self.pool_size, self.strides).permute(0, 2, 3, 1)


class ChannelsLastAvgPool2d(ChannelsLastPool2d):
    """AveragePooling2D: the mean of the real (unpadded) cells of each window, as TF computes it."""

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        if not any(self.pads):
            return F.avg_pool2d(x, self.pool_size, self.strides).permute(0, 2, 3, 1)
        ones = torch.ones_like(x[:1, :1])
        total = F.avg_pool2d(F.pad(x, self.pads), self.pool_size, self.strides)
        share = F.avg_pool2d(F.pad(ones, self.pads), self.pool_size, self.strides)
        return (total / share).permute(0, 2, 3, 1)


class ChannelsLastUpsample(nn.Module):
    """Keras' UpSampling2D on channels-last input: every row and column repeated (nearest)."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def extra_repr(self):
        return f"size={self.size}"

    def forward(self, x):
        return x.repeat_interleave(self.size[0], dim=1).repeat_interleave(self.size[1], dim=2)


class ChannelsLastBatchNorm(nn.Module):
    """Keras' BatchNormalization over the last axis (momentum is Keras': moving = moving*m + batch*(1-m))."""

    def __init__(self, channels, momentum, epsilon):
        super().__init__()
        self.momentum, self.epsilon = momentum, epsilon
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def extra_repr(self):
        return f"{self.weight.numel()}, momentum={self.momentum}, epsilon={self.epsilon}"

    def forward(self, x):
        y = F.batch_norm(x.movedim(-1, 1), self.running_mean, self.running_var, self.weight, self.bias,
                         self.training, 1.0 - self.momentum, self.epsilon)
        return y.movedim(1, -1)


class KerasRecurrent(nn.Module):
    """Keras' SimpleRNN / LSTM / GRU on (N, T, features): PyTorch's batch-first layer, returning the last
    step's output (Keras' default) or every step's (``return_sequences=True``)."""

    def __init__(self, rnn, return_sequences):
        super().__init__()
        self.rnn, self.return_sequences = rnn, return_sequences

    def extra_repr(self):
        return f"return_sequences={self.return_sequences}"

    def forward(self, x):
        y, _ = self.rnn(x)
        return y if self.return_sequences else y[:, -1]


class TokenEmbedding(nn.Embedding):
    """Keras' Embedding: token ids arrive as floats (like Keras' default Input) and are looked up as integers."""

    def forward(self, x):
        return super().forward(x.long())


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


def _load_weights(net, dtype):
    data = np.load(io.BytesIO(base64.b64decode("".join(WEIGHTS))), allow_pickle=False)
    state = {key: torch.from_numpy(data[key].copy()).to(dtype) for key in data.files}
    net.load_state_dict(state, strict=True)


def build_model():
    """The network with its trained weights, in eval mode."""
    net = make_network().to(DTYPE)
    _load_weights(net, DTYPE)
    return net.eval()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", help="a .npy file of inputs shaped (N, *INPUT_SHAPE)")
    parser.add_argument("--output", help="where to write the predictions (.npy)")
    args = parser.parse_args(argv)
    net = build_model()
    if args.input:
        x = torch.from_numpy(np.load(args.input)).to(DTYPE)
        if tuple(x.shape[1:]) != INPUT_SHAPE:
            parser.error(f"--input must hold a batch shaped (N, {', '.join(map(str, INPUT_SHAPE))}), "
                         f"got {tuple(x.shape)}")
    else:
        print(net)
        x = torch.randn(4, *INPUT_SHAPE, dtype=DTYPE)
    with torch.no_grad():
        y = net(x).numpy()
    if args.output:
        np.save(args.output, y)
    else:
        print(f"input {tuple(x.shape)} -> output {y.shape}")
    return 0

'''

_ACTIVATIONS = {
    "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "softmax": "nn.Softmax(dim=-1)",
    "elu": "nn.ELU(alpha={alpha})", "leaky_relu": "nn.LeakyReLU(negative_slope={slope})",
    "softplus": "nn.Softplus()", "swish": "Swish()",
}


def _activation_code(act) -> str | None:
    if act.name == "linear":
        return None
    if act.name not in _ACTIVATIONS:
        raise ValueError(f"activation {act.name!r} has no PyTorch export")
    return _ACTIVATIONS[act.name].format(alpha=float(getattr(act, "alpha", 1.0)),
                                         slope=float(getattr(act, "negative_slope", 0.2)))


# the attributes of torch's nn.Sequential (torch 2.x): a submodule cannot take one of these names
# (``sorted(n for n in dir(nn.Sequential()) if not n.startswith("_"))``)
_TORCH_ATTRIBUTES = frozenset("""
    T_destination add_module append apply bfloat16 buffers call_super_init children compile cpu cuda double
    dump_patches eval extend extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half
    insert ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters
    pop register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
    register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook
    register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook
    register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict to to_empty
    train training type xpu zero_grad""".split())


class _ModuleNames:
    """Unique submodule names that are Python identifiers, so ``net.dense_1`` works: the layer's own name
    where it can be one, else a close spelling (``a.b`` -> ``a_b``, ``forward`` -> ``layer_forward``)."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, wanted: str) -> str:
        base = re.sub(r"\W", "_", str(wanted), flags=re.ASCII) or "layer"
        if base[0].isdigit() or base.startswith("_") or keyword.iskeyword(base) or base in _TORCH_ATTRIBUTES:
            base = f"layer_{base}"
        name, i = base, 2
        while name in self.used:
            name, i = f"{base}_{i}", i + 1
        self.used.add(name)
        return name


def _docstring_text(text: str) -> str:
    """``text`` on one line, safe inside a triple-quoted docstring."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')


def _recurrent(layer, name: str, in_features: int) -> tuple[str, dict[str, np.ndarray]]:
    """The constructor of a recurrent layer and its state dict in PyTorch's layout: weights (gates·units,
    inputs); LSTM gates i, f, g, o as Keras' i, f, c, o; GRU gates r, z, n from Keras' z, r, h; Keras' one
    bias as ``bias_ih`` (``bias_hh`` zero), the GRU's two rows as ``bias_ih`` and ``bias_hh``."""
    kind, k, p = layer.layer_type, layer.units, layer.params
    if kind == "SimpleRNN":
        if layer.activation.name not in ("tanh", "relu"):
            raise ValueError(f"layer '{layer.name}' (SimpleRNN) uses the activation {layer.activation.name!r}; "
                             f"PyTorch's nn.RNN offers tanh and relu only")
        ctor = f"nn.RNN({in_features}, {k}, nonlinearity={layer.activation.name!r}, bias={layer.use_bias}, batch_first=True)"
    else:
        if (layer.activation.name, layer.recurrent_activation.name) != ("tanh", "sigmoid"):
            raise ValueError(f"layer '{layer.name}' ({kind}) uses activation={layer.activation.name!r} and "
                             f"recurrent_activation={layer.recurrent_activation.name!r}; PyTorch's nn.{kind} "
                             f"is fixed to tanh and sigmoid")
        ctor = f"nn.{kind}({in_features}, {k}, bias={layer.use_bias}, batch_first=True)"

    def order(a):
        if kind != "GRU":
            return a
        z, r, h = np.split(a, 3, axis=-1)
        return np.concatenate([r, z, h], axis=-1)

    state = {f"{name}.rnn.weight_ih_l0": order(p["kernel"]).T,
             f"{name}.rnn.weight_hh_l0": order(p["recurrent_kernel"]).T}
    if layer.use_bias:
        bias = p["bias"] if kind == "GRU" else np.stack([p["bias"], np.zeros_like(p["bias"])])
        state[f"{name}.rnn.bias_ih_l0"] = order(bias[0])
        state[f"{name}.rnn.bias_hh_l0"] = order(bias[1])
    return f"KerasRecurrent({ctor}, return_sequences={layer.return_sequences})", state


def _pads(layer, h: int, w: int) -> tuple[int, int, int, int]:
    _, _, (pt, pb, pl, pr) = layer._geometry(h, w)
    return (int(pl), int(pr), int(pt), int(pb))


# ---------------------------------------------------------------------------- one function per layer class
# each takes the layer, its submodule name and the model's dtype and returns (constructor code, state dict in
# PyTorch's names and layouts, activation to append as its own module or None)


def _dense(layer, name, dtype):
    p = layer.params
    state = {f"{name}.weight": p["kernel"].T}                  # torch keeps (out, in)
    if layer.use_bias:
        state[f"{name}.bias"] = p["bias"]
    return f"nn.Linear({layer.input_shape[-1]}, {layer.units}, bias={layer.use_bias})", state, layer.activation


def _conv2d(layer, name, dtype):
    p = layer.params
    h, w, c = layer.input_shape
    state = {f"{name}.conv.weight": p["kernel"].transpose(3, 2, 0, 1)}  # (kh, kw, in, out) -> (out, in, kh, kw)
    if layer.use_bias:
        state[f"{name}.conv.bias"] = p["bias"]
    return (f"ChannelsLastConv2d({c}, {layer.filters}, {tuple(layer.kernel_size)}, {tuple(layer.strides)}, "
            f"{_pads(layer, h, w)}, bias={layer.use_bias})", state, layer.activation)


def _pooling(cls: str):
    def export(layer, name, dtype):
        h, w, _ = layer.input_shape
        return f"{cls}({tuple(layer.pool_size)}, {tuple(layer.strides)}, {_pads(layer, h, w)})", {}, None
    return export


def _flatten(layer, name, dtype):
    return "nn.Flatten()", {}, None   # on channels-last data: Keras' (h, w, c) order


def _reshape(layer, name, dtype):
    """Keras' Reshape on channels-last data: row-major, like torch's reshape of each sample."""
    return f"nn.Sequential(nn.Flatten(), nn.Unflatten(1, {tuple(layer.output_shape[1:])}))", {}, None


def _upsampling(layer, name, dtype):
    return f"ChannelsLastUpsample({tuple(layer.size)})", {}, None


def _dropout(layer, name, dtype):
    return f"nn.Dropout({layer.rate})", {}, None


def _activation_layer(layer, name, dtype):
    return _activation_code(layer.activation) or "nn.Identity()", {}, None


def _batch_normalization(layer, name, dtype):
    p, c = layer.params, layer.input_shape[-1]
    state = {f"{name}.weight": p["gamma"] if layer.scale else np.ones(c, dtype),
             f"{name}.bias": p["beta"] if layer.center else np.zeros(c, dtype),
             f"{name}.running_mean": p["moving_mean"], f"{name}.running_var": p["moving_variance"]}
    return f"ChannelsLastBatchNorm({c}, momentum={layer.momentum}, epsilon={layer.epsilon})", state, None


def _embedding(layer, name, dtype):
    code = f"TokenEmbedding({layer.input_dim}, {layer.output_dim})"
    return code, {f"{name}.weight": layer.params["embeddings"]}, None


def _recurrent_layer(layer, name, dtype):
    code, state = _recurrent(layer, name, layer.input_shape[-1])
    return code, state, None


#: layer class -> the function that writes its PyTorch module
EXPORTERS = {
    Dense: _dense, Conv2D: _conv2d, MaxPooling2D: _pooling("ChannelsLastMaxPool2d"),
    AveragePooling2D: _pooling("ChannelsLastAvgPool2d"), Flatten: _flatten, Reshape: _reshape, Dropout: _dropout,
    Activation: _activation_layer, BatchNormalization: _batch_normalization, Embedding: _embedding,
    SimpleRNN: _recurrent_layer, LSTM: _recurrent_layer, GRU: _recurrent_layer, UpSampling2D: _upsampling,
}


def exporter_for(layer):
    """The PyTorch exporter of ``layer``'s class (or of the nearest base class that has one)."""
    return catalog_exporter_for(EXPORTERS, layer, "PyTorch")


def torch_modules(model) -> tuple[list[tuple[str, str]], dict[str, np.ndarray]]:
    """``[(module name, constructor code)]`` and the state dict (PyTorch names and layouts) for ``model``."""
    modules: list[tuple[str, str]] = []
    state: dict[str, np.ndarray] = {}
    names = _ModuleNames()
    for layer in model.layers:
        name = names.take(layer.name)
        code, weights, act = exporter_for(layer)(layer, name, model.dtype)
        modules.append((name, code))
        state.update(weights)
        if act is not None:
            code = _activation_code(act)
            if code is not None:
                modules.append((names.take(f"{name}_{act.name}"), code))
    return modules, {k: np.ascontiguousarray(v) for k, v in state.items()}


_SCALING_MODULE = '''

class InputScaling(nn.Module):
    """The data set's input scaling, (x - offset) / scale: the network takes raw inputs."""

    def __init__(self, offset, scale):
        super().__init__()
        self.register_buffer("offset", torch.tensor(offset, dtype=torch.float64), persistent=False)
        self.register_buffer("scale", torch.tensor(scale, dtype=torch.float64), persistent=False)

    def forward(self, x):
        return (x - self.offset.to(x.dtype)) / self.scale.to(x.dtype)
'''


def pytorch_script(model, input_scaling=None) -> str:
    """The source of the stand-alone PyTorch script for ``model``; ``input_scaling`` (an
    :class:`~nnviz.io.scaling.InputScaling` or the ``Dataset`` it was trained on) becomes the network's
    first module, so ``forward`` takes raw inputs."""
    if not model.built:
        raise ValueError("the model is not built yet (it has no input shape), so it cannot be exported")
    from nnviz import __version__

    modules, state = torch_modules(model)
    scaling = checked_scaling(model, input_scaling)
    if scaling is not None:
        taken = {name for name, _ in modules}
        name = next(n for n in ("input_scaling", "nnviz_input_scaling", "raw_input_scaling_0") if n not in taken)
        offset, scale = scaling.shaped(model.input_shape[1:])
        modules = [(name, f"InputScaling({offset.tolist()!r}, {scale.tolist()!r})"), *modules]
    buf = io.BytesIO()
    np.savez(buf, **state)
    encoded = base64.b64encode(buf.getvalue()).decode("ascii")
    chunks = textwrap.wrap(encoded, 100)
    lines = [f'"""{_docstring_text(model.name)} rebuilt in PyTorch (generated by nnviz {__version__}).',
             "",
             "Inputs and outputs are channels-last, like the Keras / nnviz model:",
             f"input (N, {', '.join(map(str, model.input_shape[1:]))}) -> output "
             f"(N, {', '.join(map(str, model.output_shape[1:]))}).",
             "",
             "    python this_file.py                           # print the network, run a random batch",
             "    python this_file.py --input x.npy --output y.npy",
             "    from this_file import build_model             # net = build_model(); y = net(torch.from_numpy(x))",
             *(["", f"The network takes raw inputs: its first module applies the data set's input scaling "
                    f"({_docstring_text(scaling.description)}), (x - offset) / scale."] if scaling else []),
             '"""', "", ""]
    body = [_PRELUDE + (_SCALING_MODULE if scaling is not None else ""),
            f"INPUT_SHAPE = {tuple(int(s) for s in model.input_shape[1:])}",
            f"DTYPE = torch.{'float64' if model.dtype == np.float64 else 'float32'}",
            "",
            "",
            "def make_network():",
            '    """The architecture, without trained weights (fresh PyTorch initialisation)."""',
            "    return nn.Sequential(OrderedDict(["]
    for name, code in modules:
        body.append(f"        ({name!r}, {code}),")
    body += ["    ]))", "", "",
             f"# the trained weights: an .npz of the state dict ({sum(v.size for v in state.values()):,} numbers), "
             "base64-encoded",
             "WEIGHTS = ["]
    body += [f'    "{chunk}",' for chunk in chunks]
    body += ["]", "", "", 'if __name__ == "__main__":', "    raise SystemExit(main())", ""]
    return "\n".join(lines) + "\n".join(body)


def export_pytorch(model, path, input_scaling=None) -> None:
    """Write the stand-alone PyTorch script for ``model`` to ``path`` (atomically); ``input_scaling`` as in
    :func:`pytorch_script`."""
    if not os.fspath(path).lower().endswith(".py"):
        raise ValueError(f"the PyTorch export is a Python script; give a name ending in '.py', got {os.fspath(path)!r}")
    text = pytorch_script(model, input_scaling)
    with atomic_write(path, "w") as f:
        f.write(text)
