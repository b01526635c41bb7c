"""Issue 17's loose ends, found by using the classroom features: the diagram's text follows the theme, the status bar
fits at a large zoom, presenting fits the canvas to the screen, a locked architecture cannot be edited on the canvas or
in the inspector, and the activations carry a colour bar."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsTextItem, QGraphicsView

from nnviz.ui import theme, zoom
from nnviz.ui.network_scene import Column, NetworkScene
from nnviz.ui.stepper.diagram import STEPPER_STYLE


@pytest.fixture(autouse=True)
def _light_at_100(qapp):
    yield
    zoom.set_zoom(1.0)
    theme.apply_theme(qapp, "light")


def _text_color(item) -> str:
    return (item.defaultTextColor() if isinstance(item, QGraphicsTextItem) else item.brush().color()).name()


# ------------------------------------------------------------------------------------------- 1. diagram text
@pytest.mark.parametrize("style", [None, STEPPER_STYLE], ids=["neuron-view", "stepper"])
@pytest.mark.parametrize("name", ["dark", "high-contrast"])
def test_the_diagrams_titles_and_unit_labels_take_the_new_themes_colours(qapp, qtbot, style, name):
    """Built in the light theme, then the theme changes: every title, subtitle, unit label and "+N more" marker is
    drawn in the new theme's text or muted colour (in the dark theme the light theme's were nearly invisible)."""
    theme.apply_theme(qapp, "light")
    scene = NetworkScene(style)
    view = QGraphicsView(scene)
    qtbot.addWidget(view)
    scene.build([Column(0, "Input", "2 values", units=2, names=["x₁", "x₂"]),
                 Column(1, "Layer 1 · dense", "Dense, tanh", units=12, weighted=True)])
    texts = scene.text_items()
    roles = {role for _item, role in texts}
    assert roles == {"text", "muted"} and len(texts) >= 6   # two titles, two subtitles, labels, "+4 more"
    light = theme.colors("light")
    assert all(_text_color(item) == QColor(light[role]).name() for item, role in texts)

    theme.apply_theme(qapp, name)
    scene.restyle()
    new = theme.colors(name)
    assert all(_text_color(item) == QColor(new[role]).name() for item, role in texts)
    assert all(item.scene() is scene and item.isVisible() for item, _role in texts)   # (none dropped)
    titles = [item.text() for item, role in texts if role == "text" and not isinstance(item, QGraphicsTextItem)]
    assert "Input" in titles and "Layer 1 · dense" in titles
