"""One small name registry, shared by activations, losses, optimizers, initializers and layers.

``get`` takes a name (case-insensitive, with aliases), a Keras-style config dict
(``{"class_name": ..., "config": {...}}``) or an instance, as ``keras.<kind>.get`` does. Unknown
names fail with a message listing the valid ones.
"""

from __future__ import annotations

import difflib


class Registry:
    def __init__(self, kind: str, base: type):
        self.kind = kind
        self.base = base
        self._factories: dict[str, object] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, factory) -> None:
        self._factories[name] = factory

    def alias(self, alias: str, name: str) -> None:
        self._aliases[alias] = name

    def names(self) -> list[str]:
        return sorted(self._factories)

    def canonical(self, name: str) -> str:
        key = str(name).strip().lower()
        key = self._aliases.get(key, key)
        if key not in self._factories:
            # Keras class names like "MeanSquaredError" or "BinaryCrossentropy"
            snake = "".join("_" + c.lower() if c.isupper() else c for c in str(name).strip()).lstrip("_")
            key = self._aliases.get(snake, snake)
        if key not in self._factories:
            close = difflib.get_close_matches(str(name).strip().lower(), self.names(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown {self.kind} {name!r}{hint}; valid {self.plural} are: {', '.join(self.names())}")
        return key

    @property
    def plural(self) -> str:
        return self.kind + ("es" if self.kind.endswith("s") else "s")

    def get(self, identifier, **kwargs):
        if isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, dict):
            name = identifier.get("class_name") or identifier.get("name")
            if name is None:
                raise ValueError(f"a {self.kind} config needs 'class_name', got {identifier!r}")
            cfg = dict(identifier.get("config") or {})
            cfg.pop("name", None)
            return self._factories[self.canonical(name)](**cfg, **kwargs)
        if isinstance(identifier, str):
            return self._factories[self.canonical(identifier)](**kwargs)
        raise ValueError(f"cannot interpret {identifier!r} as a {self.kind}; valid {self.plural} are: {', '.join(self.names())}")
