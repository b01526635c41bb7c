"""Recurrent layers — SimpleRNN, LSTM and GRU — over inputs of shape ``(timesteps, features)``.

Keras 3's weight layouts and defaults: ``kernel`` (features, G·units) multiplies the input,
``recurrent_kernel`` (units, G·units) the previous state ``h_{t−1}``, the gates side by side in Keras'
order (LSTM: i, f, c, o; GRU: z, r, h), ``glorot_uniform`` kernels, ``orthogonal`` recurrent kernels,
zero biases (LSTM's forget gate starts at 1: ``unit_forget_bias``). The state starts at zero.

``forward`` runs the sequence once: the input part ``x_t · kernel + bias`` of every step in one matrix
product, then one small product per step for the recurrent part. ``backward`` is backpropagation
through time: it walks the steps in reverse, carrying ``∂C/∂h`` (and LSTM's ``∂C/∂c``) back one step
at a time, and again collects the weight gradients of all steps in one product each.
"""

from __future__ import annotations

import numpy as np

from nnviz.core import activations as _activations
from nnviz.core import initializers, regularizers
from nnviz.core.catalog import LayerSpec, OptionSpec, activation_text
from nnviz.core.checks import positive_int
from nnviz.core.layers.base import Layer


class _Recurrent(Layer):
    """What the three share: shapes, weights, the input and weight gradients of a whole sequence."""

    @staticmethod
    def catalog_options(gated: bool) -> tuple[OptionSpec, ...]:
        """The settings the three offer in the editor; the gated two add the gates' activation."""
        gate = (OptionSpec("recurrent_activation", "activation", "Gate activation",
                           "σ applied to the gates (sigmoid in Keras)"),) if gated else ()
        return (OptionSpec("units", "int", "Units", "Size of the state h: number of recurrent units",
                           minimum=1, maximum=1024),
                OptionSpec("activation", "activation", "Activation", "g applied to the state (tanh in Keras)"), *gate,
                OptionSpec("return_sequences", "bool", "Return sequences", "Output every time step's state (to stack "
                           "another recurrent layer) instead of the last one"),
                OptionSpec("use_bias", "bool", "Use bias", "Add learned biases"))

    #: gates side by side in the kernels (1 for SimpleRNN, 4 for LSTM, 3 for GRU)
    gates = 1

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, return_sequences: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, type(self).__name__, "units")
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.return_sequences = bool(return_sequences)

    # ----------------------------------------------------------------- shapes and weights
    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} needs a sequence input (timesteps, features), got "
                             f"{tuple(input_shape)}; images of shape (rows, columns, 1) can be read row by row "
                             f"as a sequence of rows (e.g. the digits data set's 'sequence' layout)")
        steps = input_shape[0]
        return (steps, self.units) if self.return_sequences else (self.units,)

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _initial_bias(self, n_in):
        return self.bias_initializer(self._bias_shape(), self.rng, n_in, self.units)

    def _create_params(self, input_shape):
        n_in, width = input_shape[-1], self.gates * self.units
        params = {"kernel": self.kernel_initializer((n_in, width), self.rng, n_in, width),
                  "recurrent_kernel": self.recurrent_initializer((self.units, width), self.rng, self.units, width)}
        if self.use_bias:
            params["bias"] = self._initial_bias(n_in)
        return params

    # ----------------------------------------------------------------- shared math
    def _input_part(self, x):
        """``x_t · kernel (+ bias)`` for every step at once: (batch, timesteps, G·units)."""
        xw = x @ self.params["kernel"]
        if self.use_bias:
            xw += self.params["bias"] if self.params["bias"].ndim == 1 else self.params["bias"][0]
        return xw

    def _d_hidden(self, d_out):
        """``∂C/∂h_t`` for every step: the upstream gradient lands on the last step only unless the
        layer returns the whole sequence."""
        if self.return_sequences:
            return d_out
        d_h = np.zeros(self.cache["h"].shape, d_out.dtype)
        d_h[:, -1] = d_out
        return d_h

    def _previous_states(self):
        """``h_{t−1}`` for every step: zeros, then the outputs shifted by one step."""
        h = self.cache["h"]
        h_prev = np.empty_like(h)
        h_prev[:, 0] = 0
        h_prev[:, 1:] = h[:, :-1]
        return h_prev

    def _weight_gradients(self, d_xw, d_rec):
        """From ``∂C/∂(x_t·W)`` and ``∂C/∂(h_{t−1}·U)`` of every step: dW = Σ_t x_tᵀ·d, dU = Σ_t h_{t−1}ᵀ·d."""
        x = self.cache["x"]
        width = d_xw.shape[-1]
        np.matmul(x.reshape(-1, x.shape[-1]).T, d_xw.reshape(-1, width), out=self.grads["kernel"])
        h_prev = self._previous_states()
        np.matmul(h_prev.reshape(-1, self.units).T, d_rec.reshape(-1, width), out=self.grads["recurrent_kernel"])
        if self.use_bias:
            self._bias_gradient(d_xw, d_rec)
        if not self.needs_input_grad:
            return None
        return d_xw @ self.params["kernel"].T                          # dX_t = d(x_t·W) · Wᵀ

    def _bias_gradient(self, d_xw, d_rec):
        d_xw.sum(axis=(0, 1), out=self.grads["bias"])

    def output(self):
        h = self.cache["h"]
        return h if self.return_sequences else h[:, -1]

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=self.activation.get_config(), use_bias=self.use_bias,
                      kernel_initializer=self.kernel_initializer.get_config(),
                      recurrent_initializer=self.recurrent_initializer.get_config(),
                      bias_initializer=self.bias_initializer.get_config(),
                      kernel_regularizer=None if self.kernel_regularizer is None
                      else self.kernel_regularizer.get_config(),
                      return_sequences=self.return_sequences)
        return config


class SimpleRNN(_Recurrent):
    """``h_t = g(x_t · kernel + h_{t−1} · recurrent_kernel + bias)``, ``h_0 = 0``."""

    catalog = LayerSpec(
        category="recurrent", order=100, summary="Recurrent units over a sequence",
        description="Recurrent layer: reads a sequence (time steps, features) one step at a time, with a state h "
                    "that carries what it has seen: h_t = g(x_t·W + h_(t−1)·U + b). Outputs the last state, or "
                    "every step's with 'Return sequences' (to stack another recurrent layer).",
        defaults={"units": 16}, options=_Recurrent.catalog_options(gated=False),
        title=lambda o: recurrent_title("SimpleRNN", o))

    gates = 1

    def forward(self, x, training=False):
        xw = self._input_part(x)
        u = self.params["recurrent_kernel"]
        n, steps, _ = x.shape
        z = np.empty((n, steps, self.units), xw.dtype)
        h = np.empty_like(z)
        state = np.zeros((n, self.units), xw.dtype)
        for t in range(steps):
            z[:, t] = xw[:, t] + state @ u
            state = h[:, t] = self.activation.forward(z[:, t])
        self.cache.update(x=x, z=z, h=h)
        return self.output()

    def backward(self, d_out):
        z, h = self.cache["z"], self.cache["h"]
        u = self.params["recurrent_kernel"]
        d_h = self._d_hidden(d_out)
        d_z = np.empty_like(z)
        d_next = np.zeros_like(h[:, 0])               # ∂C/∂h_t through step t+1
        for t in reversed(range(z.shape[1])):
            d_z[:, t] = self.activation.backward(z[:, t], h[:, t], d_h[:, t] + d_next)   # δ_t = ∂C/∂h_t · g'(z_t)
            d_next = d_z[:, t] @ u.T                  # ∂C/∂h_{t−1} = δ_t · Uᵀ
        return self._weight_gradients(d_z, d_z)


class LSTM(_Recurrent):
    """Gates ``i, f, o = σ(x_t·W + h_{t−1}·U + b)`` and candidate ``c̃ = g(...)`` (each its slice of the
    kernels), then ``c_t = f·c_{t−1} + i·c̃`` and ``h_t = o · g(c_t)``."""

    catalog = LayerSpec(
        category="recurrent", order=110, summary="Recurrent units with a memory cell",
        description="Long short-term memory: a recurrent layer whose cell state c is kept or forgotten by learned "
                    "gates (input, forget, output), so it can remember over many steps. Needs a sequence input "
                    "(time steps, features), e.g. the digits read row by row.",
        defaults={"units": 16}, options=_Recurrent.catalog_options(gated=True),
        title=lambda o: recurrent_title("LSTM", o))

    gates = 4

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", unit_forget_bias: bool = True,
                 **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _initial_bias(self, n_in):
        bias = super()._initial_bias(n_in)
        if self.unit_forget_bias:
            bias[self.units:2 * self.units] = 1.0
        return bias

    def forward(self, x, training=False):
        xw = self._input_part(x)
        u = self.params["recurrent_kernel"]
        k = self.units
        n, steps, _ = x.shape
        pre = np.empty((n, steps, 4 * k), xw.dtype)        # z of every gate, [i | f | c̃ | o]
        gate = np.empty_like(pre)                          # a of every gate
        c = np.empty((n, steps, k), xw.dtype)
        tanh_c = np.empty_like(c)
        h = np.empty_like(c)
        h_t = np.zeros((n, k), xw.dtype)
        c_t = np.zeros((n, k), xw.dtype)
        sig, g = self.recurrent_activation, self.activation
        for t in range(steps):
            p = pre[:, t] = xw[:, t] + h_t @ u
            a = gate[:, t]
            a[:, :2 * k] = sig.forward(p[:, :2 * k])      # i, f
            a[:, 2 * k:3 * k] = g.forward(p[:, 2 * k:3 * k])  # c̃
            a[:, 3 * k:] = sig.forward(p[:, 3 * k:])      # o
            c_t = c[:, t] = a[:, k:2 * k] * c_t + a[:, :k] * a[:, 2 * k:3 * k]
            tanh_c[:, t] = g.forward(c_t)
            h_t = h[:, t] = a[:, 3 * k:] * tanh_c[:, t]
        self.cache.update(x=x, pre=pre, gate=gate, c=c, tanh_c=tanh_c, h=h)
        return self.output()

    def backward(self, d_out):
        pre, gate, c, tanh_c = (self.cache[key] for key in ("pre", "gate", "c", "tanh_c"))
        u = self.params["recurrent_kernel"]
        k = self.units
        sig, g = self.recurrent_activation, self.activation
        d_h = self._d_hidden(d_out)
        d_pre = np.empty_like(pre)
        d_h_next = np.zeros_like(c[:, 0])                 # ∂C/∂h_t through step t+1
        d_c_next = np.zeros_like(c[:, 0])                 # ∂C/∂c_t through step t+1
        for t in reversed(range(pre.shape[1])):
            a, p = gate[:, t], pre[:, t]
            i, f, cand, o = a[:, :k], a[:, k:2 * k], a[:, 2 * k:3 * k], a[:, 3 * k:]
            c_prev = c[:, t - 1] if t else np.zeros_like(d_c_next)
            dh = d_h[:, t] + d_h_next
            dc = d_c_next + g.backward(c[:, t], tanh_c[:, t], dh * o)      # h = o·g(c)
            d = d_pre[:, t]
            d[:, :k] = sig.backward(p[:, :k], i, dc * cand)               # ∂c/∂i = c̃
            d[:, k:2 * k] = sig.backward(p[:, k:2 * k], f, dc * c_prev)   # ∂c/∂f = c_{t−1}
            d[:, 2 * k:3 * k] = g.backward(p[:, 2 * k:3 * k], cand, dc * i)  # ∂c/∂c̃ = i
            d[:, 3 * k:] = sig.backward(p[:, 3 * k:], o, dh * tanh_c[:, t])  # ∂h/∂o = g(c)
            d_c_next = dc * f                                             # ∂c_t/∂c_{t−1} = f
            d_h_next = d @ u.T
        return self._weight_gradients(d_pre, d_pre)

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=self.recurrent_activation.get_config(),
                      unit_forget_bias=self.unit_forget_bias)
        return config


class GRU(_Recurrent):
    """Keras 3's GRU (``reset_after=True``): with ``r_t = h_{t−1}·U + b_rec`` split as [z | r | h],

    ``z = σ(x·W_z + b_z + r_z)``, ``r = σ(x·W_r + b_r + r_r)``, ``h̃ = g(x·W_h + b_h + r ⊙ r_h)``,
    ``h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃``. The bias has two rows: input bias and recurrent bias.
    """

    catalog = LayerSpec(
        category="recurrent", order=120, summary="Gated recurrent units",
        description="Gated recurrent unit: a lighter LSTM with two gates (update z, reset r) and no separate cell "
                    "state: h_t = z·h_(t−1) + (1 − z)·h̃_t. Needs a sequence input (time steps, features).",
        defaults={"units": 16}, options=_Recurrent.catalog_options(gated=True),
        title=lambda o: recurrent_title("GRU", o))

    gates = 3

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid", reset_after: bool = True,
                 **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        if not reset_after:
            raise ValueError("GRU supports reset_after=True only (Keras 3's default and the layout "
                             "ONNX and PyTorch use)")
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.reset_after = True

    def _bias_shape(self):
        return (2, 3 * self.units)

    def _recurrent_bias(self):
        return self.params["bias"][1] if self.use_bias else 0.0

    def forward(self, x, training=False):
        xw = self._input_part(x)
        u = self.params["recurrent_kernel"]
        b_rec = self._recurrent_bias()
        k = self.units
        n, steps, _ = x.shape
        pre = np.empty((n, steps, 3 * k), xw.dtype)        # z of [z | r | h̃]
        gate = np.empty_like(pre)                          # a of [z | r | h̃]
        rec_h = np.empty((n, steps, k), xw.dtype)          # h_{t−1}·U_h + b_rec,h, before the reset gate
        h = np.empty((n, steps, k), xw.dtype)
        h_t = np.zeros((n, k), xw.dtype)
        sig, g = self.recurrent_activation, self.activation
        for t in range(steps):
            rec = h_t @ u + b_rec
            p, a = pre[:, t], gate[:, t]
            p[:, :2 * k] = xw[:, t, :2 * k] + rec[:, :2 * k]
            a[:, :2 * k] = sig.forward(p[:, :2 * k])
            rec_h[:, t] = rec[:, 2 * k:]
            p[:, 2 * k:] = xw[:, t, 2 * k:] + a[:, k:2 * k] * rec_h[:, t]
            a[:, 2 * k:] = g.forward(p[:, 2 * k:])
            z = a[:, :k]
            h_t = h[:, t] = z * h_t + (1 - z) * a[:, 2 * k:]
        self.cache.update(x=x, pre=pre, gate=gate, rec_h=rec_h, h=h)
        return self.output()

    def backward(self, d_out):
        pre, gate, rec_h, h = (self.cache[key] for key in ("pre", "gate", "rec_h", "h"))
        u = self.params["recurrent_kernel"]
        k = self.units
        sig, g = self.recurrent_activation, self.activation
        d_h = self._d_hidden(d_out)
        d_xw = np.empty_like(pre)                          # ∂C/∂(x_t·W + b_in)
        d_rec = np.empty_like(pre)                         # ∂C/∂(h_{t−1}·U + b_rec)
        d_h_next = np.zeros_like(h[:, 0])
        for t in reversed(range(pre.shape[1])):
            a, p = gate[:, t], pre[:, t]
            z, r, cand = a[:, :k], a[:, k:2 * k], a[:, 2 * k:]
            h_prev = h[:, t - 1] if t else np.zeros_like(d_h_next)
            dh = d_h[:, t] + d_h_next
            d_cand = g.backward(p[:, 2 * k:], cand, dh * (1 - z))          # ∂h/∂h̃ = 1 − z
            d_r = d_cand * rec_h[:, t]                                    # h̃'s argument holds r ⊙ r_h
            dx = d_xw[:, t]
            dx[:, :k] = sig.backward(p[:, :k], z, dh * (h_prev - cand))   # ∂h/∂z = h_{t−1} − h̃
            dx[:, k:2 * k] = sig.backward(p[:, k:2 * k], r, d_r)
            dx[:, 2 * k:] = d_cand
            dr = d_rec[:, t]
            dr[:, :2 * k] = dx[:, :2 * k]
            dr[:, 2 * k:] = d_cand * r
            d_h_next = dh * z + dr @ u.T                                  # direct path + through U
        return self._weight_gradients(d_xw, d_rec)

    def _bias_gradient(self, d_xw, d_rec):
        d_xw.sum(axis=(0, 1), out=self.grads["bias"][0])
        d_rec.sum(axis=(0, 1), out=self.grads["bias"][1])

    def get_config(self):
        config = super().get_config()
        config.update(recurrent_activation=self.recurrent_activation.get_config(), reset_after=self.reset_after)
        return config


def recurrent_title(class_name: str, o: dict) -> str:
    """A recurrent layer's block title: "LSTM 16", "GRU 8 · relu · all steps"."""
    act = activation_text(o.get("activation", "tanh"))
    return (f"{class_name} {o.get('units', '?')}" + (f" · {act}" if act != "tanh" else "")
            + (" · all steps" if o.get("return_sequences") else ""))
