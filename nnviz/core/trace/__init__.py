"""The backprop trace: one training step of a compiled model, as an ordered list of immutable steps.

    trace = backprop_trace(model, x, y, granularity="unit")
    for step in trace:
        print(step.title)
        print(step.to_text())           # z_1^(2) = w_10^(2)·a_0^(1) + ... = 0.15·0.05 + ... = 0.3775
    trace.apply(model)                   # == model.train_on_batch(x, y), bit for bit

Nothing is re-derived: the trace runs the model's one training step (:func:`nnviz.core.step.train_step`,
the very code ``train_on_batch`` and ``fit`` run) with an observer that copies what the layers computed
(their inputs and outputs, what their caches keep for explanations — ``z``, ``d_z``, batch statistics,
dropout masks —, the gradients they wrote, the gradient each hands back), and saves the model's state
before and after with :mod:`nnviz.core.state`.  Then it puts the "before" state back: the model is left
exactly as it was (weights, BatchNormalization's moving statistics, random generators, gradient
buffers, caches, optimizer).  :meth:`BackpropTrace.apply` restores the recorded "after" state, so it
equals ``train_on_batch`` by construction.

Notation (the course's): layers are numbered ``l = 1 .. L`` with ``model.layers[l - 1]`` being layer
``l``; ``a^(0)`` is the input x.  ``z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l)``, ``a_j^(l) = g^(l)(z_j^(l))``,
where ``w_jk^(l)`` is ``kernel[k, j]`` of the Dense layer (Keras stores kernels as (inputs, units)).
``C_0`` is the loss of one sample; for a batch of N samples the gradients are those of ``C``, the batch
mean, which is what the model trains on.

Steps come at three granularities built from the same computation: ``"unit"`` (every Dense unit and
every weight), ``"layer"`` (one step per layer per phase) and ``"phase"`` (one step per phase).  Layer
and phase steps hold the steps below them, so the numbers always agree.

Explanations are registered by class (:mod:`nnviz.core.trace.explain`)
--------------------------------------------------------------------------
What the trace says about a layer, a loss or an optimizer lives in a class registered for it, never in
a switch on type names:

* layers — ``@explains(MyLayer)`` on a subclass of :class:`LayerExplanation` (see
  :mod:`nnviz.core.trace.layers` for every built-in layer); it gives the forward and backward templates
  and notes, the extras to keep from the layer's cache, and the layer-level equations. The lookup
  follows the layer's MRO, so a subclass of Dense is explained as a Dense. A layer with no explanation
  of its own gets the generic one; a parameter-free layer that only reshapes (``Flatten``-like: same
  number of values per sample in and out) is explained as a reshape without registering anything.
* losses — ``@explains_loss(MyLoss)`` on a :class:`LossExplanation` (:mod:`nnviz.core.trace.losses`).
* optimizers — ``@explains_optimizer(MyOptimizer)`` on an :class:`OptimizerExplanation`
  (:mod:`nnviz.core.trace.optimizers`).

Register from a module that imports ``nnviz.core.trace.explain`` (not from the layer's own module: the
trace imports the layers, so that would be an import cycle); importing ``nnviz.core.trace`` loads the
built-in explanations.
"""

from nnviz.core.trace.backprop import (GRANULARITIES, PHASES, ROLES, BackpropTrace, StaleTraceError,
                                       backprop_trace)
from nnviz.core.trace.backward_steps import BackwardPass, BackwardUnit, LayerBackward
from nnviz.core.trace.explain import (LayerExplanation, LossExplanation, OptimizerExplanation, ShapeExplanation,
                                      explains, explains_loss, explains_optimizer, layer_explanation)
from nnviz.core.trace.formula import Equation, Token, format_number
from nnviz.core.trace.steps import (EdgeHighlight, ForwardPass, ForwardUnit, Highlights, LayerForward, LayerInfo,
                                    LossStep, NodeHighlight, Step, UnitRow)
from nnviz.core.trace.update_steps import LayerUpdate, UpdatePass, WeightUpdate


__all__ = [
    "backprop_trace", "BackpropTrace", "Step", "ForwardUnit", "LayerForward", "ForwardPass", "LossStep",
    "BackwardUnit", "LayerBackward", "BackwardPass", "WeightUpdate", "LayerUpdate", "UpdatePass", "Token",
    "Equation", "Highlights", "NodeHighlight", "EdgeHighlight", "UnitRow", "LayerInfo", "StaleTraceError",
    "format_number", "PHASES", "GRANULARITIES", "ROLES", "explains", "explains_loss", "explains_optimizer",
    "LayerExplanation", "ShapeExplanation", "LossExplanation", "OptimizerExplanation", "layer_explanation",
]
