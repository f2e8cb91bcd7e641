"""A registry of one kind of adapter: a name → ``module:Class``, imported on first use."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Generic, TypeVar, cast

from integrations import base

T = TypeVar("T", bound=base.Configured)


class Registry(Generic[T]):
    """``kind`` names what it holds in errors; ``base`` is the class every entry extends
    (give it as the type argument too: ``Registry[Base]("kind", Base, {...})``)."""

    def __init__(self, kind: str, base: type[object], modules: Mapping[str, str]) -> None:
        self.kind = kind
        self.base = base
        self.modules = dict(modules)

    def names(self) -> list[str]:
        return list(self.modules)

    def get(self, name: str) -> type[T]:
        try:
            target = self.modules[name]
        except KeyError:
            known = ", ".join(self.modules)
            raise KeyError(f"unknown {self.kind} {name!r}; known: {known}") from None
        module_name, _, class_name = target.partition(":")
        found: object = getattr(importlib.import_module(module_name), class_name)
        if not (isinstance(found, type) and issubclass(found, self.base)):
            raise TypeError(f"{target} is not a {self.base.__name__}")  # pragma: no cover
        return cast("type[T]", found)  # checked just above against the declared base

    def create(self, name: str, config: dict[str, str]) -> T:
        """The adapter ``name`` built with ``config`` (checked against its schema)."""
        return self.get(name)(config)
