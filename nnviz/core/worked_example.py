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

EXPLANATION = """\
### Backpropagation by hand

A network with 2 inputs, a hidden layer of 2 ReLU units and an output layer of 2 sigmoid units, trained on
one pair: **x = (1, 0.5)**, **y = (1, 0)**, with mean squared error and plain SGD, learning rate η = 0.5.
The weights are chosen so you can check every step with pencil and paper (and a calculator for the sigmoid).

**Notation** (the course's): layer l = 1, 2 (the input x is a⁽⁰⁾); w_jk⁽ˡ⁾ connects unit k of layer l−1 to
unit j of layer l; z_j⁽ˡ⁾ = Σ_k w_jk⁽ˡ⁾ a_k⁽ˡ⁻¹⁾ + b_j⁽ˡ⁾ and a_j⁽ˡ⁾ = g⁽ˡ⁾(z_j⁽ˡ⁾).

**Forward.** Hidden layer: z₀⁽¹⁾ = 0.5·1 + 1·0.5 + 0 = 1 and z₁⁽¹⁾ = 0.25·1 + 0.5·0.5 + 0.25 = 0.75; ReLU keeps
both, so a⁽¹⁾ = (1, 0.75). Output layer: z₀⁽²⁾ = 0.75·1 − 1·0.75 + 0 = 0 and z₁⁽²⁾ = 0.5·1 + 1·0.75 − 0.25 = 1,
so a⁽²⁾ = (σ(0), σ(1)) = (0.5, 0.7311).

**Loss.** Keras' mean squared error averages over the outputs: C₀ = ½[(0.5 − 1)² + (0.7311 − 0)²]
= ½(0.25 + 0.5344) = 0.3922. Each output's share is one of the two halves.

**Backward.** ∂C₀/∂a_j⁽²⁾ = a_j − y_j = (−0.5, 0.7311). The sigmoid's slope is a(1 − a): 0.25 and 0.1966.
Their products are the errors δ⁽²⁾ = (−0.125, 0.1437). Each weight's gradient is δ_j·a_k: for example
∂C₀/∂w₀₁⁽²⁾ = −0.125·0.75 = −0.09375. The error sent back to the hidden layer is
∂C₀/∂a_k⁽¹⁾ = Σ_j w_jk⁽²⁾ δ_j⁽²⁾: 0.75·(−0.125) + 0.5·0.1437 = −0.02188 and −1·(−0.125) + 1·0.1437 = 0.2687.
ReLU's slope is 1 for positive z, so δ⁽¹⁾ = (−0.02188, 0.2687), and ∂C₀/∂w_jk⁽¹⁾ = δ_j⁽¹⁾·x_k.

**Update.** Every weight moves against its gradient: w ← w − η·∂C₀/∂w, e.g.
w₀₁⁽²⁾ ← −1 − 0.5·(−0.09375) = −0.9531.

Step through with **Next**: each step highlights the units and connections involved and shows the formula
with the numbers put in. **Apply** performs the update on the model — exactly what one training step does.
"""


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
