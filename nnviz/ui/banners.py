"""The strips above the canvas: the red error banner (the network does not build, with a button to the layer) and the
amber notice (the network builds but cannot train on the data, with a button for the fix)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from nnviz.ui import icons, theme


class ErrorBanner(QFrame):
    """The red strip above the canvas that repeats the core's message while the network is invalid."""

    show_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.icon = QLabel()
        self.icon.setFixedSize(20, 20)
        self.label = QLabel()
        self.label.setObjectName("errorBannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Show layer")
        self.button.setObjectName("errorBannerButton")
        self.button.clicked.connect(self.show_requested)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(10)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def set_message(self, text: str, can_show: bool) -> None:
        self.icon.setPixmap(icons.icon("error", theme.colors()["error"]).pixmap(20, 20))
        self.label.setText(text)
        self.button.setVisible(can_show)
        self.setVisible(bool(text))


class NoticeBanner(ErrorBanner):
    """The amber strip under the error banner: the network builds but cannot train as it is (no data set, an output
    layer that does not fit the data), with what to do and, where there is one, a button that does it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self.label.setObjectName("noticeBannerText")
        self.button.setObjectName("noticeBannerButton")
        self.button.clicked.disconnect(self.show_requested)
        self.button.clicked.connect(self._on_button_clicked)
        self._action = None

    def set_notice(self, text: str, action_text: str = "", action=None) -> None:
        self.icon.setPixmap(icons.icon("info", theme.colors()["warning"]).pixmap(20, 20))
        self.label.setText(text)
        self._action = action
        self.button.setText(action_text)
        self.button.setVisible(bool(action_text and action))
        self.setVisible(bool(text))

    def _on_button_clicked(self) -> None:
        if self._action is not None:
            self._action()
