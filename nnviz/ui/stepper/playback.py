"""The stepper's playback: a Play/Pause button, a speed slider and the timer that steps on by itself."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSlider

SPEEDS = (0.5, 1, 2, 3, 5, 8, 12)   # steps per second, by slider position


class Playback(QObject):
    """Owns ``play_button``, ``speed_slider``, ``speed_label`` and ``timer``; ``ticked`` at the chosen speed
    while playing, ``toggled(bool)`` when the user presses the button."""

    ticked = Signal()
    toggled = Signal(bool)

    def __init__(self, parent_widget):
        super().__init__(parent_widget)
        self.play_button = QPushButton("▶ Play", parent_widget)
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step on by itself at the chosen speed")
        self.play_button.toggled.connect(self.toggled)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, parent_widget)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(2)
        self.speed_slider.setFixedWidth(90)
        self.speed_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_slider.setToolTip("Playing speed")
        self.speed_slider.valueChanged.connect(self._on_speed_slider_value_changed)
        self.speed_label = QLabel(parent_widget)
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setMinimumWidth(64)
        self.timer = QTimer(self)
        self.timer.setObjectName("playTimer")
        self.timer.timeout.connect(self._on_timer_timeout)
        self._on_speed_slider_value_changed(self.speed_slider.value())

    @property
    def is_playing(self) -> bool:
        return self.timer.isActive()

    def start(self) -> None:
        self.timer.start()
        self._sync_button()

    def stop(self) -> None:
        self.timer.stop()
        self._sync_button()

    def set_speed(self, steps_per_second: float) -> None:
        self.speed_slider.setValue(int(np.argmin([abs(s - steps_per_second) for s in SPEEDS])))

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_slider.value()]

    def _sync_button(self) -> None:
        playing = self.timer.isActive()
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(playing)
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    def _on_timer_timeout(self) -> None:
        if self.timer.isActive():      # (not a late tick after a pause)
            self.ticked.emit()

    def _on_speed_slider_value_changed(self, pos: int) -> None:
        speed = SPEEDS[pos]
        self.timer.setInterval(int(round(1000 / speed)))
        self.speed_label.setText(f"{speed:g} step{'s' if speed != 1 else ''}/s")
