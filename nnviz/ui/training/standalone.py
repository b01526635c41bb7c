"""A minimal stand-in for ``nnviz.session.document.ProjectDocument``: the part of its interface that training
uses (see docs/architecture.md). For the benchmarks, the tests of the training views, and scripts that
want the training window without the editor.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from nnviz.core.training import TrainingConfig


class StandaloneDocument(QObject):
    architecture_changed = Signal()
    weights_changed = Signal()
    dataset_changed = Signal()
    training_config_changed = Signal()
    validity_changed = Signal(bool)
    history_changed = Signal()

    def __init__(self, model=None, dataset=None, config: TrainingConfig | None = None, parent=None):
        super().__init__(parent)
        self.model = model
        self.dataset = dataset
        self.training_config = config or TrainingConfig()
        self.history: dict[str, list[float]] = {}
        self.error = None

    @property
    def is_valid(self) -> bool:
        return self.model is not None and self.model.built

    def set_model(self, model) -> None:
        self.model = model
        self.architecture_changed.emit()
        self.validity_changed.emit(self.is_valid)

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self.dataset_changed.emit()

    def set_training_config(self, config: TrainingConfig) -> None:
        if config.to_dict() == self.training_config.to_dict():
            return
        self.training_config = TrainingConfig.from_dict(config.to_dict())
        self.training_config_changed.emit()

    def set_weights(self, weights) -> None:
        self.model.set_weights(list(weights))
        self.weights_changed.emit()

    def append_history(self, logs: dict) -> None:
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))
        self.history_changed.emit()

    def reset_history(self) -> None:
        self.history = {}
        self.history_changed.emit()
