"""The document's undo commands: one per edit of the architecture, each calling one of the document's private
mutators (``_insert``, ``_remove_many``, ``_move``, ...) that change the architecture, rebuild and signal."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from nnviz.session.document import ProjectDocument


class _DocumentCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, text: str):
        super().__init__(text)
        self.doc = doc


class AddLayerCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, index: int, entry: dict):
        super().__init__(doc, f"Add {entry['class_name']}")
        self.index = index
        self.entry = copy.deepcopy(entry)

    def redo(self):
        self.doc._insert(self.index, self.entry)

    def undo(self):
        self.doc._remove(self.index)


class RemoveLayersCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, indices: list[int]):
        names = [doc.arch.layers[i]["config"].get("name") for i in indices]
        text = f"Remove {names[0]}" if len(names) == 1 else f"Remove {len(names)} layers"
        super().__init__(doc, text)
        self.indices = list(indices)
        self.removed: list[tuple[int, dict]] = []

    def redo(self):
        self.removed = copy.deepcopy(self.doc._remove_many(self.indices))

    def undo(self):
        self.doc._insert_many(self.removed)


class MoveLayerCommand(_DocumentCommand):
    """Moves one layer; consecutive moves of the same layer merge into one command."""

    ID = 1001

    def __init__(self, doc: ProjectDocument, src: int, dst: int):
        super().__init__(doc, f"Move {doc.arch.layers[src]['config'].get('name')}")
        self.src, self.dst = src, dst

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveLayerCommand) or other.src != self.dst:
            return False
        self.dst = other.dst
        self.setObsolete(self.src == self.dst)
        return True

    def redo(self):
        self.doc._move(self.src, self.dst)

    def undo(self):
        self.doc._move(self.dst, self.src)


class SetLayerOptionCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, index: int, key: str, value):
        name = doc.arch.layers[index]["config"].get("name")
        super().__init__(doc, f"Set {key} of {name}")
        self.index, self.key, self.value = index, key, copy.deepcopy(value)
        config = doc.arch.layers[index]["config"]
        self.had_key = key in config
        self.old = copy.deepcopy(config.get(key))

    def redo(self):
        self.doc._set_option(self.index, self.key, self.value)

    def undo(self):
        if self.had_key:
            self.doc._set_option(self.index, self.key, self.old)
        else:
            self.doc._unset_option(self.index, self.key)


class SetInputShapeCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, shape: tuple[int, ...]):
        super().__init__(doc, f"Set input shape to {', '.join(map(str, shape))}")
        self.old = doc.input_shape
        self.new = tuple(shape)

    def redo(self):
        self.doc._set_input_shape(self.new)

    def undo(self):
        self.doc._set_input_shape(self.old)


class TrainingStateCommand(_DocumentCommand):
    """Training as an undo entry: the weights, optimizer state and curves before and after it (a run, a Reset, the
    stepper's Apply, a rewind). Consecutive entries of one run (``merge_key``: paused, then resumed) merge."""

    ID = 1002

    def __init__(self, doc: ProjectDocument, text: str, before, after, merge_key=None):
        super().__init__(doc, text)
        self.before, self.after, self.merge_key = before, after, merge_key

    def id(self) -> int:
        return self.ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, TrainingStateCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        self.setText(other.text())
        return True

    def redo(self):
        self.doc._apply_training_state(self.after)

    def undo(self):
        self.doc._apply_training_state(self.before)


class SetDatasetCommand(_DocumentCommand):
    """Switching the data set: the input shape follows it, the curves of the old data start over; undo brings
    back the data set, the input shape, and the weights, optimizer state and curves of before."""

    def __init__(self, doc: ProjectDocument, dataset, spec, before_state):
        super().__init__(doc, f"Use data set {spec.get('name') if spec else 'none'}")
        self.new = (dataset, copy.deepcopy(spec))
        self.old = (doc.dataset, doc.dataset_spec)
        self.old_shape = doc.input_shape
        self.before_state = before_state

    def redo(self):
        self.doc._set_dataset(*self.new, input_shape=None, state=None)

    def undo(self):
        self.doc._set_dataset(*self.old, input_shape=self.old_shape, state=self.before_state)
