"""Training settings and the one training path shared by the GUI's worker, the CLI and the tests.

A :class:`TrainingConfig` is what the training panel edits and what a project file stores: the
optimizer and its learning rate, the loss, batch size, epochs, validation split, a global L1/L2
regularization (as TensorFlow Playground has it) and the seed. ``compile_model`` turns it into a
compiled model; ``fit`` trains on a dataset's splits through ``Sequential.fit``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from nnviz.core import optimizers as _optimizers
from nnviz.core import regularizers as _regularizers

OPTIMIZERS = ("sgd", "adam", "rmsprop", "adagrad")
#: the squared-error cost as a choice: the course's C₀ = Σ_j (a_j − y_j)² (the slides' sum of squared errors) or
#: Keras' mean over the outputs, C₀ = (1/n) Σ_j (a_j − y_j)². ``TrainingConfig.loss`` holds the choice, so
#: training, the backprop stepper and the project file use the same cost.
COSTS = {"sum_squared_error": "Course: C₀ = Σⱼ (aⱼ − yⱼ)²", "mean_squared_error": "Keras: C₀ = (1/n) Σⱼ (aⱼ − yⱼ)²"}
REGULARIZATIONS = ("none", "l1", "l2")


@dataclass
class TrainingConfig:
    optimizer: str = "adam"
    learning_rate: float = 0.01
    momentum: float = 0.0          # SGD only
    nesterov: bool = False         # SGD only
    loss: str = "sparse_categorical_crossentropy"
    metrics: list = field(default_factory=lambda: ["accuracy"])
    batch_size: int = 10
    epochs: int = 100              # 0 = until paused, as Playground does
    validation_split: float = 0.0  # used when the dataset has no validation split of its own
    regularization: str = "none"
    regularization_rate: float = 0.001
    seed: int = 0

    def __post_init__(self):
        self.optimizer = str(self.optimizer).lower()
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid optimizers are: {', '.join(OPTIMIZERS)}")
        if self.regularization not in REGULARIZATIONS:
            raise ValueError(f"regularization must be one of {', '.join(REGULARIZATIONS)}, got {self.regularization!r}")
        if not 0 < float(self.learning_rate) <= 100:
            raise ValueError(f"learning rate must be greater than 0 and at most 100, got {self.learning_rate}")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")

    # ------------------------------------------------------------------ conversions
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainingConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown training setting(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def make_optimizer(self) -> _optimizers.Optimizer:
        if self.optimizer == "sgd":
            return _optimizers.SGD(self.learning_rate, momentum=self.momentum, nesterov=self.nesterov)
        return _optimizers.get(self.optimizer).__class__(learning_rate=self.learning_rate)

    def make_regularizer(self):
        if self.regularization == "none":
            return None
        return _regularizers.get({"class_name": self.regularization, "config": {self.regularization: self.regularization_rate}})

    # ------------------------------------------------------------------ applying
    def compile_model(self, model) -> None:
        """Compile ``model`` with these settings; the global regularizer goes on every kernel."""
        apply_regularization(model, self.regularization, self.regularization_rate)
        model.compile(optimizer=self.make_optimizer(), loss=self.loss, metrics=list(self.metrics))


def apply_regularization(model, kind: str, rate: float) -> None:
    """Set (or clear) a global L1/L2 penalty on every Dense and Conv2D kernel; safe mid-training."""
    for layer in model.layers:
        if "kernel" in layer.params and hasattr(layer, "kernel_regularizer"):
            layer.kernel_regularizer = None if kind == "none" else _regularizers.get(
                {"class_name": kind, "config": {kind: rate}})
    if model.built:
        model.refresh_regularizers()


def fit(model, dataset, config: TrainingConfig, epochs: int | None = None, callbacks=None, verbose: int = 0,
        initial_epoch: int = 0):
    """Train ``model`` (already compiled with ``config``) on ``dataset``'s training split.

    The dataset's own validation split is used when it has one; otherwise ``config.validation_split``.
    """
    epochs = config.epochs if epochs is None else epochs
    x_val = getattr(dataset, "x_val", None)
    validation_data = None
    validation_split = 0.0
    if x_val is not None and len(x_val):
        validation_data = (x_val, dataset.y_val)
    elif config.validation_split:
        validation_split = config.validation_split
    return model.fit(dataset.x_train, dataset.y_train, batch_size=config.batch_size, epochs=initial_epoch + epochs,
                     initial_epoch=initial_epoch, verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                     validation_split=validation_split, shuffle=True)
