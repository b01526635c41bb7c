"""The bundled worked example: a 2-2-2 network whose every backprop number a student can check by hand.

Hand-picked weights make the hidden layer's arithmetic exact in decimals (ReLU, so g′ = 1 there) and the
output layer's pre-activations 0 and 1 (sigmoid: a = 0.5 and σ(1) ≈ 0.7311). Keras' mean squared error
averages over the two outputs, so ``C_0 = ½ Σ_j (a_j − y_j)²`` — the classic textbook loss — and
``∂C_0/∂a_j = a_j − y_j``.

    ex = worked_example()
    trace = backprop_trace(ex.model, ex.x, ex.y)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.layers import Dense
from nnviz.core.model import Sequential
from nnviz.core.training import TrainingConfig

TITLE = "Backpropagation by hand: a 2-2-2 network"

#: the training pair
X = [[1.0, 0.5]]
Y = [[1.0, 0.0]]
LEARNING_RATE = 0.5

# w_jk^(l) connects unit k of layer l−1 to unit j of layer l; Keras stores kernel[k, j] = w_jk.
# Layer 1 (ReLU):   z_0 = 0.5·x_0 + 1.0·x_1 + 0.0      z_1 = 0.25·x_0 + 0.5·x_1 + 0.25
KERNEL_1 = [[0.5, 0.25],
            [1.0, 0.5]]
BIAS_1 = [0.0, 0.25]
# Layer 2 (sigmoid): z_0 = 0.75·a_0 − 1.0·a_1 + 0.0   z_1 = 0.5·a_0 + 1.0·a_1 − 0.25
KERNEL_2 = [[0.75, 0.5],
            [-1.0, 1.0]]
BIAS_2 = [0.0, -0.25]

#: the explanation, one paragraph a part: (what it gives away: the phase and layer of the steps that compute its
#: numbers, or None; its Markdown, in the trace's notation: z_0^(1) is set as the stepper's formulas set it)
PARTS = (
    (None, """\
### Backpropagation by hand"""),
    (None, """\
A network with 2 inputs, a hidden layer of 2 ReLU units and an output layer of 2 sigmoid units, trained on
one pair: **x = (1, 0.5)**, **y = (1, 0)**, with mean squared error and plain SGD, learning rate η = 0.5.
The weights are chosen so you can check every step with pencil and paper (and a calculator for the sigmoid)."""),
    (None, """\
**Notation** (the course's): layer l = 1, 2 (the input x is a^(0)); w_jk^(l) connects unit k of layer l−1 to
unit j of layer l; z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l) and a_j^(l) = g^(l)(z_j^(l))."""),
    (("forward", 1), """\
**Forward, hidden layer.** z_0^(1) = 0.5·1 + 1·0.5 + 0 = 1 and z_1^(1) = 0.25·1 + 0.5·0.5 + 0.25 = 0.75;
ReLU keeps both, so a^(1) = (1, 0.75)."""),
    (("forward", 2), """\
**Forward, output layer.** z_0^(2) = 0.75·1 − 1·0.75 + 0 = 0 and z_1^(2) = 0.5·1 + 1·0.75 − 0.25 = 1,
so a^(2) = (σ(0), σ(1)) = (0.5, 0.7311)."""),
    (("loss", None), """\
**Loss.** The course's C_0 is the sum of the squared errors: (0.5 − 1)² + (0.7311 − 0)² = 0.25 + 0.5344
= 0.7844. Keras' mean squared error, which trains here, takes their mean: it divides by n = 2, the number of
outputs, so C_0 = 0.7844/2 = 0.3922 (each output's share C_0,j is half its squared error: 0.125 and 0.2672)."""),
    (("backward", 2), """\
**Backward, output layer.** ∂C_0/∂a_j^(2) = 2·(a_j − y_j)/D with D = 2, the number of outputs (the mean's 1/n;
the course's sum has no /D): (−0.5, 0.7311). The sigmoid's slope is a(1 − a): 0.25 and 0.1966. Their products
are the errors δ^(2) = (−0.125, 0.1437). Each weight's gradient is δ_j·a_k: for example
∂C_0/∂w_01^(2) = −0.125·0.75 = −0.09375."""),
    (("backward", 1), """\
**Backward, hidden layer.** The error sent back is ∂C_0/∂a_k^(1) = Σ_j w_jk^(2) δ_j^(2):
0.75·(−0.125) + 0.5·0.1437 = −0.02188 and −1·(−0.125) + 1·0.1437 = 0.2687. ReLU's slope is 1 for positive z,
so δ^(1) = (−0.02188, 0.2687), and ∂C_0/∂w_jk^(1) = δ_j^(1)·x_k."""),
    (("update", 2), """\
**Update.** Every weight moves against its gradient: w ← w − η·∂C_0/∂w, e.g.
w_01^(2) ← −1 − 0.5·(−0.09375) = −0.9531."""),
    (None, """\
Step through with **Next**: each step highlights the units and connections involved and shows the formula
with the numbers put in. **Apply** performs the update on the model — exactly what one training step does."""),
)

EXPLANATION = "\n\n".join(text for _, text in PARTS) + "\n"

#: what a part hidden by Predict first says instead of its numbers
HIDDEN_NOTE = "*(shown once you have predicted or revealed these steps)*"


def explanation_shown(markdown: str, trace, index: int, hidden: bool) -> str:
    """``markdown`` (the explanation) as Predict first shows it at step ``index`` of ``trace``: a paragraph of
    :data:`PARTS` that gives away numbers of a step not yet answered (a later step, or step ``index`` itself while
    ``hidden``) keeps its title and says it is hidden; other paragraphs are shown as they are."""
    keys = {text: key for key, text in PARTS if key is not None}
    out = []
    for paragraph in markdown.rstrip("\n").split("\n\n"):
        key = keys.get(paragraph)
        if key is not None and not _answered(trace, index, hidden, *key):
            title = paragraph.split("**")[1] if paragraph.startswith("**") else ""
            paragraph = f"**{title}** {HIDDEN_NOTE}" if title else HIDDEN_NOTE
        out.append(paragraph)
    return "\n\n".join(out) + "\n"


def _answered(trace, index: int, hidden: bool, phase: str, layer) -> bool:
    """Whether every step of ``phase`` (and ``layer``) is behind step ``index``, or is it and answered."""
    for i in range(len(trace)):
        step = trace[i]
        if step.phase == phase and (layer is None or step.layer_index == layer):
            if i > index or (i == index and hidden):
                return False
    return True


@dataclass(frozen=True)
class WorkedExample:
    title: str
    explanation: str        # Markdown, for the stepper's explanation panel
    model: Sequential       # float64, built, compiled, hand-picked weights
    x: np.ndarray           # (1, 2)
    y: np.ndarray           # (1, 2)
    training: TrainingConfig


def training_config() -> TrainingConfig:
    return TrainingConfig(optimizer="sgd", learning_rate=LEARNING_RATE, loss="mean_squared_error", metrics=[],
                          batch_size=1, epochs=1, seed=0)


def build_model() -> Sequential:
    """The 2-2-2 network with its hand-picked weights, float64, compiled with SGD(0.5) and MSE."""
    model = Sequential([Dense(2, input_shape=(2,), activation="relu", name="hidden"),
                        Dense(2, activation="sigmoid", name="output")],
                       name="worked_example", dtype="float64", seed=0)
    model.set_weights([np.array(KERNEL_1), np.array(BIAS_1), np.array(KERNEL_2), np.array(BIAS_2)])
    training_config().compile_model(model)
    return model


def worked_example() -> WorkedExample:
    return WorkedExample(TITLE, EXPLANATION, build_model(), np.array(X, dtype=np.float64),
                         np.array(Y, dtype=np.float64), training_config())
