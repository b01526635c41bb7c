"""Views that say nothing about the open project stay out of the tab bars: an autoencoder's views on any other task,
the Perceptron dock on a network (their tabs only squeezed the others' titles to "Dec…", "Con…")."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget


class ViewRelevance:
    """Docks shown only while their ``relevant()`` holds: applied when a dock is added, when an answer changes
    (:meth:`apply`, after each rebuild) and on View ▸ Reset Layout (``reset=True``); View ▸ still opens a dock in
    between, and it stays until its answer changes."""

    def __init__(self):
        self._docks: dict[QDockWidget, list] = {}   # dock -> [relevant(), the answer last applied]

    def show_only_when(self, dock: QDockWidget, relevant) -> None:
        self._docks[dock] = [relevant, None]
        self.apply()

    def apply(self, *, reset: bool = False) -> None:
        for dock, entry in self._docks.items():
            relevant = bool(entry[0]())
            if reset or relevant != entry[1]:
                entry[1] = relevant
                dock.setVisible(relevant)
