"""The Weights view in a short dock (the bottom row of a 1280 × 720 window, a projector) gives its titles' line to
the matrix: the kernel's title becomes the plot's tool tip; in a tall dock the title is back."""

from __future__ import annotations

import pytest

from nnviz.core import Dense, Sequential
from nnviz.ui import zoom
from nnviz.ui.training.weights_view import WeightsView


@pytest.fixture(autouse=True)
def _back_to_100():
    yield
    zoom.set_zoom(1.0)


def _view(qtbot, size):
    view = WeightsView(histogram_interval=0.0)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.set_model(Sequential([Dense(4, activation="tanh", input_shape=(2,)), Dense(2, activation="softmax")], seed=0))
    return view


def _title_shown(view) -> bool:
    return view.kernel_plot.titleLabel.isVisible() and bool(view.kernel_plot.titleLabel.text)


def test_in_a_short_dock_the_kernels_title_gives_its_line_to_the_matrix(qtbot):
    view = _view(qtbot, (323, 195))   # the Weights dock at 1280 × 720
    qtbot.waitUntil(lambda: not _title_shown(view))
    assert "dense" in view.kernel_plot.toolTip() and "kernel" in view.kernel_plot.toolTip()
    short_matrix = view.kernel_plot.getViewBox().height()
    view.resize(323, 320)
    qtbot.waitUntil(lambda: _title_shown(view))
    assert view.kernel_plot.titleLabel.text.startswith("dense") and view.kernel_plot.toolTip() == ""
    # the same room with the title: the matrix was a title line shorter
    view.resize(323, 195)
    qtbot.waitUntil(lambda: not _title_shown(view))
    assert view.kernel_plot.getViewBox().height() == pytest.approx(short_matrix, abs=2)


def test_zoomed_in_a_dock_of_the_same_pixels_counts_as_short(qtbot):
    view = _view(qtbot, (600, 420))
    qtbot.waitUntil(lambda: _title_shown(view))
    zoom.set_zoom(1.75)
    view.resize(600, 421)   # (a resize re-arranges, as the zoom's relayout does)
    qtbot.waitUntil(lambda: not _title_shown(view))
    assert not view.hist_plot.titleLabel.isVisible() or not view.hist_plot.isVisible()
