"""The session layer (QtCore only): the project document, undo commands, autosave, the training worker."""
