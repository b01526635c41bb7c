"""The main window's looks: its theme (light, dark, high contrast) and the one UI zoom of :mod:`nnviz.ui.zoom`
(every font, plot and the diagram, remembered per screen and for presenting), mixed into
:class:`~nnviz.ui.main_window.MainWindow`."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from nnviz.ui import icons, theme, zoom
from nnviz.ui.palette import tile_height


class WindowLooksMixin:
    """Needs the window's ``settings``, ``presentation``, ``layer_view``, ``neuron_view``, ``palette``,
    ``palette_scroll``, theme actions and ``status_message``."""

    def _on_dark_theme_toggled(self, checked: bool) -> None:
        self.set_theme("dark" if checked else "light")

    def set_theme(self, name: str) -> None:
        """"light", "dark" or "high-contrast" for the whole app, remembered."""
        if name not in theme.THEMES:
            raise ValueError(f"theme is one of {', '.join(theme.THEMES)}, got {name!r}")
        theme.apply_theme(QApplication.instance(), name)
        self.settings.setValue("theme", name)

    # ------------------------------------------------------------------ the UI zoom (nnviz.ui.zoom)
    def ui_zoom(self) -> float:
        return zoom.factor()

    def set_ui_zoom(self, value: float, remember: bool = True) -> float:
        """Zoom every font, plot and the diagram (75–250 %); ``remember``: for this screen (or for presenting)."""
        before = zoom.factor()
        applied = zoom.set_zoom(value)
        if remember:
            if self.presentation.is_presenting():
                self.presentation.zoom_changed_while_presenting(applied)
            else:
                zoom.save_for_screen(self.settings, self.screen(), applied)
            if applied != before and self.isVisible() and not self.presentation.maximized():
                self.apply_default_sizes()   # the panels' room grows with their text
        return applied

    def step_ui_zoom(self, direction: int) -> float:
        return self.set_ui_zoom(zoom.step(zoom.factor(), direction))

    def _on_ui_zoom_changed(self, value: float) -> None:
        old = getattr(self, "_ui_zoom_seen", 1.0)
        self._ui_zoom_seen = value
        if abs(value - old) > 1e-9:   # the canvas grows with the text (fitted once the docks have their new sizes)
            self.layer_view.zoom_by(value / old)
            neuron = getattr(self.neuron_view, "view", None)
            if neuron is not None:
                neuron.scale(value / old, value / old)
            QTimer.singleShot(0, self.fit_to_view)
            self._fit_palette_scroll()
            # (a message, not a permanent label: at 175 % the status bar has no room to spare)
            self.status_message(f"Text and plots at {value * 100:.0f} % — Ctrl+= / Ctrl+- / Ctrl+0 for 100 %")

    def _fit_palette_scroll(self) -> None:
        """Up to 125 % the palette's column keeps every tile in view (as without the scroll area); above, it may
        scroll down to half of them, so a short window keeps room for the plots; above 200 % to two rows (at 250 %
        half the tiles alone made the window taller than a 720-pixel screen)."""
        height = self.palette.sizeHint().height()
        f = zoom.factor()
        two_rows = 2 * tile_height() + (height - self.palette._rows() * tile_height())
        least = height if f <= 1.25 else height // 2 if f <= 2.0 else min(height // 2, two_rows)
        self.palette_scroll.setMinimumHeight(least)

    def _on_screen_changed(self, screen) -> None:
        """On another screen (the projector), the zoom that screen had."""
        if not self.presentation.is_presenting():
            self.set_ui_zoom(zoom.load_for_screen(self.settings, screen), remember=False)

    def _on_theme_changed(self, name: str) -> None:
        self.actionDarkTheme.setChecked(name == "dark")
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)
        for a in self.findChildren(QAction):
            icon_name = a.property("iconName")
            if icon_name:
                a.setIcon(icons.icon(icon_name))
        self.menu("File/Export").setIcon(icons.icon("export"))
        self._on_document_validity_changed(self.document.is_valid)
