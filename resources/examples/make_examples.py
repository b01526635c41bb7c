"""Writes the bundled example projects (``*.nnviz``) next to this file.

    python resources/examples/make_examples.py [NAME ...]

Each example is built with the core and saved with ``nnviz.io.project.save_project``, untrained (the
architecture's seed makes the initial weights reproducible). The training settings are tuned so that
``nnviz.core.training.fit`` reaches the accuracy ``meta["expected_accuracy"]`` states on the test split
within a few seconds (``tests/io/test_examples_train.py`` checks it).

Two of the course's networks are architecture-only (``dataset`` is ``None``): the 8→6→6→4 network and the
CNN for 20×20×3 images come without data in the course, and no bundled data set has 8 features with 4
classes or 20×20 colour images. Their input shapes and parameter counts are the course's (124 and 68,770).
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from nnviz.core import GRU, LSTM, Conv2D, Dense, Embedding, Flatten, Input, MaxPooling2D, Sequential  # noqa: E402
from nnviz.core.data import text  # noqa: E402
from nnviz.core.data import catalog  # noqa: E402
from nnviz.core.training import TrainingConfig  # noqa: E402
from nnviz.io.perceptron_project import new_project as perceptron_project  # noqa: E402
from nnviz.io.project import Project, save_project  # noqa: E402


def dataset(name: str, **params) -> dict:
    """A data set spec with every parameter written out (so a changed default cannot change the example)."""
    full = catalog.get_spec(name).defaults()
    full.update(params)
    return {"name": name, "params": full}


def example(name, layers, data, training, title, description, expected=None, seed=1, notes=""):
    model = Sequential(layers, name=name.replace("-", "_"), seed=seed)
    meta = {"title": title, "description": description}
    if notes:
        meta["notes"] = notes
    if expected is not None:
        meta["expected_accuracy"] = expected
    project = Project.from_model(model, TrainingConfig(**training), data, meta=meta)
    project.weights = None  # untrained: the seed in the architecture gives the initial weights
    return name, project


BINARY = dict(loss="binary_crossentropy", metrics=["accuracy"])
SPARSE = dict(loss="sparse_categorical_crossentropy", metrics=["accuracy"])


RECONSTRUCT = dict(loss="mean_squared_error", metrics=["mae"])


def perceptron(name, data, features, title, description, learning_rate=1.0, epochs=50):
    return name, perceptron_project(data, features, learning_rate=learning_rate, epochs=epochs,
                                    meta={"title": title, "description": description})


def systems() -> list[tuple[str, Project]]:
    """The autoencoder and the perceptron (issue 18)."""
    return [
        example(
            "autoencoder-digits",
            [Input((64,)), Dense(32, activation="relu"), Dense(2, name="code"), Dense(32, activation="relu"),
             Dense(64, activation="sigmoid")],
            dataset("digits", flatten=True, reconstruct=True, input_noise=0.0, noise_kind="gaussian"),
            dict(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=60, **RECONSTRUCT),
            "Autoencoder: digits through 2 numbers",
            "Unsupervised: the target of every digit is the digit itself. The encoder squeezes 64 pixels into a "
            "code of 2 numbers, the decoder rebuilds the image from them. Watch the code space sort the digits "
            "by class it was never told, and walk it with the decoder.", seed=1),
        example(
            "autoencoder-denoising",
            [Input((64,)), Dense(32, activation="relu"), Dense(64, activation="sigmoid")],
            dataset("digits", flatten=True, reconstruct=True, input_noise=0.5, noise_kind="gaussian"),
            dict(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=40, **RECONSTRUCT),
            "Autoencoder: removing noise",
            "A denoising autoencoder: each digit is shown with strong Gaussian noise and the network learns to "
            "give back the clean digit. Its output is closer to the clean digits than its noisy input: less "
            "than half the squared error.", seed=2),
        perceptron("perceptron-and", dataset("logic_gate", gate="and"), 2, "Perceptron: AND",
                   "Rosenblatt's single-layer perceptron on the AND truth table: a step unit, w ← w + η (t − ŷ) x "
                   "after each mistake. A straight line separates (1, 1) from the rest: it converges in 6 epochs."),
        perceptron("perceptron-or", dataset("logic_gate", gate="or"), 2, "Perceptron: OR",
                   "The perceptron rule on OR: one straight line separates (0, 0) from the other corners, so an "
                   "epoch without a mistake comes after a few updates of the decision line."),
        perceptron("perceptron-gauss", dataset("gauss", features=["x1", "x2"]), 2, "Perceptron: two Gaussian clouds",
                   "Two well separated clouds of points: the perceptron rule moves the decision line after each "
                   "mistake until it separates them, within the convergence theorem's (R/γ)² mistakes. Raise the "
                   "noise to 25 % and the clouds overlap: it never converges.",
                   learning_rate=0.1),
        perceptron("perceptron-xor", dataset("logic_gate", gate="xor"), 2, "Perceptron: XOR (never converges)",
                   "'Not all functions': no straight line separates XOR's corners, so the perceptron's line keeps "
                   "moving; after a few epochs its weights repeat and nnviz says no line separates these classes."),
    ]


def examples() -> list[tuple[str, Project]]:
    return systems() + [
        example(
            "course-2-3-2",
            [Input((2,)), Dense(3, activation="relu"), Dense(2, activation="softmax")],
            dataset("weight_height", scaling="minmax"),
            dict(optimizer="adam", learning_rate=0.05, batch_size=6, epochs=200, **SPARSE),
            "Course: 2 → 3 → 2",
            "The course's first network: two inputs (weight and height), three ReLU neurons and a softmax "
            "output of two classes — 17 weights in all. It learns the course's six people in a moment.",
            expected=1.0),
        example(
            "course-8-6-6-4",
            [Input((8,)), Dense(6, activation="relu"), Dense(6, activation="relu"), Dense(4, activation="softmax")],
            None,
            dict(optimizer="adam", learning_rate=0.01, batch_size=10, epochs=50, **SPARSE),
            "Course: 8 → 6 → 6 → 4",
            "The course's layer example: 8 inputs, two hidden layers of 6 ReLU neurons and 4 softmax outputs "
            "(124 weights). Explore its shapes and weights; the course gives it no data.",
            notes="Architecture only: no bundled data set has 8 features and 4 classes. Load a CSV with 8 "
                  "feature columns and a 4-class label to train it."),
        example(
            "clinical-trial",
            [Input((1,)), Dense(16, activation="relu"), Dense(32, activation="relu"),
             Dense(2, activation="softmax")],
            dataset("clinical_trial"),
            dict(optimizer="adam", learning_rate=1e-4, batch_size=10, epochs=20, **SPARSE),
            "Course: clinical trial",
            "Does a patient of a given age get side effects? The course's 1 → 16 → 32 → 2 network, trained "
            "as in the course with Adam at a learning rate of 0.0001, batch size 10, for 20 epochs: about "
            "93 % accuracy.",
            notes="The course's output layer is Dense(2, sigmoid); softmax is the right pairing with "
                  "sparse_categorical_crossentropy, so the example uses it.",
            expected=0.90),
        example(
            "course-cnn",
            [Input((20, 20, 3)), Dense(16, activation="relu"),
             Conv2D(32, (3, 3), activation="relu", padding="same"),
             MaxPooling2D(pool_size=(2, 2), strides=2, padding="valid"),
             Conv2D(64, (5, 5), activation="relu", padding="same"), Flatten(), Dense(2, activation="softmax")],
            None,
            dict(optimizer="adam", learning_rate=0.001, batch_size=32, epochs=10, **SPARSE),
            "Course: the small CNN",
            "The course's convolutional network for 20×20 colour images: a Dense layer applied to every "
            "pixel, two Conv2D layers and a max pooling, then Flatten and a 2-class softmax — 68,770 weights. "
            "Look at how each layer changes the shape.",
            notes="Architecture only: no bundled data set has 20×20 colour images. For a CNN that trains, "
                  "open the 'Digits: CNN' example."),
        example(
            "xor",
            [Input((2,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
            dataset("xor"),
            dict(optimizer="adam", learning_rate=0.03, batch_size=10, epochs=40, **BINARY),
            "XOR",
            "One class where x1 and x2 have the same sign, the other where they differ: no straight line "
            "separates them, so a single neuron cannot learn it. One hidden layer of 8 tanh neurons can.",
            expected=0.95),
        example(
            "circle",
            [Input((2,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
            dataset("circle"),
            dict(optimizer="adam", learning_rate=0.03, batch_size=10, epochs=40, **BINARY),
            "Circle",
            "One class inside a circle, the other in a ring around it. A hidden layer of 8 tanh neurons bends "
            "the decision boundary into a closed curve.",
            expected=0.95),
        example(
            "spiral",
            [Input((4,)), Dense(8, activation="tanh"), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
            dataset("spiral", features=["x1", "x2", "sin(x1)", "sin(x2)"]),
            dict(optimizer="adam", learning_rate=0.03, batch_size=10, epochs=150, **BINARY),
            "Spiral",
            "Two interleaved spirals — the hardest Playground data set. With sin(x1) and sin(x2) as extra "
            "input features and two hidden layers of 8 tanh neurons it is learned to over 90 %.",
            expected=0.90),
        example(
            "digits-mlp",
            [Input((8, 8, 1)), Flatten(), Dense(32, activation="relu"), Dense(10, activation="softmax")],
            dataset("digits"),
            dict(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=20, **SPARSE),
            "Digits: dense network",
            "Handwritten digits of 8×8 pixels. Flatten turns each image into 64 inputs for a hidden layer of "
            "32 ReLU neurons and a 10-class softmax.",
            expected=0.90),
        example(
            "digits-cnn",
            [Input((8, 8, 1)), Conv2D(8, 3, padding="same", activation="relu"), MaxPooling2D(),
             Conv2D(16, 3, padding="same", activation="relu"), MaxPooling2D(), Flatten(),
             Dense(10, activation="softmax")],
            dataset("digits"),
            dict(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=15, **SPARSE),
            "Digits: convolutional network",
            "The same digits with a small CNN: two Conv2D + MaxPooling2D stages find strokes and corners, "
            "then a softmax layer reads the digit from them.",
            expected=0.90),
        example(
            "digits-lstm",
            [Input((8, 8)), LSTM(32), Dense(10, activation="softmax")],
            dataset("digits", sequence=True),
            dict(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=15, **SPARSE),
            "Digits: recurrent network (LSTM)",
            "The digits read row by row: each image is a sequence of 8 time steps of 8 pixels. An LSTM of 32 "
            "units carries what it has seen in its state and cell; a softmax layer reads the digit from the last "
            "state.",
            expected=0.90),
        example(
            "sentiment-gru",
            [Input((text.LENGTH,)), Embedding(len(text.VOCABULARY), 8), GRU(16), Dense(1, activation="sigmoid")],
            dataset("sentiment"),
            dict(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=15, **BINARY),
            "Sentiment: Embedding + GRU (course)",
            "The course's RNN sentiment demo on generated movie reviews: an Embedding turns each word into a "
            "vector of 8, a GRU reads them in order, and a sigmoid says positive or negative. Word order "
            "matters here ('not good', '… but great'): counting words gets about 72 %.",
            expected=0.95),
        example(
            "overfitting",
            [Input((2,)), Dense(64, activation="relu"), Dense(64, activation="relu"), Dense(1, activation="sigmoid")],
            dataset("gauss", n_points=80, noise=40.0, train_ratio=50, seed=3),
            dict(optimizer="adam", learning_rate=0.01, batch_size=8, epochs=150, validation_split=0.4, **BINARY),
            "Overfitting: a big network on a small noisy set",
            "Forty noisy points and 4,417 weights: the network learns the training points by heart, and the "
            "validation loss turns up while the training loss keeps falling. L2, dropout or stopping early fix it.",
            notes="For the lessons: without regularization the validation loss is lowest in the first epochs and "
                  "then rises; with L2 at 0.01 it stays near its lowest."),
        example(
            "underfitting-xor",
            [Input((2,)), Dense(1, activation="sigmoid")],
            dataset("xor"),
            dict(optimizer="adam", learning_rate=0.03, batch_size=10, epochs=40, **BINARY),
            "Underfitting: one neuron on XOR",
            "A single sigmoid neuron draws one straight line, and no straight line separates XOR: accuracy stays "
            "near chance however long it trains. Add a hidden layer to fix it.",
            notes="For the lessons: the network is too small for the data (underfitting)."),
    ]


def main(argv=None) -> int:
    """Write every example, or only those named on the command line."""
    only = set(sys.argv[1:] if argv is None else argv)
    for name, project in examples():
        if only and name not in only:
            continue
        path = os.path.join(HERE, name + ".nnviz")
        save_project(path, project)
        print(f"wrote {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
