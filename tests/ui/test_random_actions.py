"""A seeded random walk through the main window while it trains (issue 12): edits, data sets, undo and
redo, view switches and training toggles in any order. Any exception in a slot or view update (pytest-qt
fails the test on those) or any Qt warning (tests/ui/conftest.py) fails it."""

from __future__ import annotations

import os
import random

import pytest
from PySide6.QtCore import QCoreApplication

from nnviz.ui.training.integration import attach_training

LAYERS = ["Dense", "Dropout", "Activation", "Flatten", "BatchNormalization", "Embedding", "SimpleRNN", "LSTM",
          "GRU", "Conv2D", "MaxPooling2D"]
DATASETS = [{"name": "circle", "params": {"n_points": 100}}, {"name": "xor", "params": {"n_points": 100}},
            {"name": "digits", "params": {"flatten": True}}, {"name": "digits", "params": {"sequence": True}},
            {"name": "sentiment", "params": {"n_samples": 200}}, {"name": "gauss", "params": {"n_points": 100}}]
OPTIONS = [("units", 3), ("units", 1), ("return_sequences", True), ("return_sequences", False),
           ("activation", "softmax"), ("rate", 0.9), ("output_dim", 2)]


def actions(window, rng: random.Random):
    doc = window.document

    def add():
        doc.add_layer(rng.randint(0, doc.layer_count()), rng.choice(LAYERS))

    def remove():
        if doc.layer_count():
            doc.remove_layers([rng.randrange(doc.layer_count())])

    def option():
        if doc.layer_count():
            index = rng.randrange(doc.layer_count())
            key, value = rng.choice(OPTIONS)
            if key in doc.layer_options(index):
                try:
                    doc.set_layer_option(index, key, value)
                except ValueError:   # a refused setting says so; the document is unchanged
                    pass

    def dataset():
        doc.set_dataset(rng.choice(DATASETS))

    def undo():
        doc.undo_stack.undo()

    def redo():
        doc.undo_stack.redo()

    def view():
        window.set_view_mode(rng.choice(["layers", "neurons"]))

    def train():
        if window.actionTrain.isEnabled():
            window.actionTrain.trigger()

    return [add, add, remove, option, dataset, undo, undo, redo, view, train]


SEEDS = range(1, 1 + int(os.environ.get("NNVIZ_RANDOM_SEEDS", "2")))   # NNVIZ_RANDOM_SEEDS=N for a longer hunt
STEPS = int(os.environ.get("NNVIZ_RANDOM_STEPS", "60"))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_actions_while_training_raise_nothing(main_window, seed):
    window = main_window
    controller = attach_training(window, window.document, backend="thread")
    rng = random.Random(seed)
    steps = actions(window, rng)
    try:
        window.actionTrain.trigger()
        for _ in range(STEPS):
            rng.choice(steps)()
            for _ in range(3):
                QCoreApplication.processEvents()
    finally:
        window.ask_save_changes = lambda: "discard"
        controller.shutdown()
