"""One tiny name -> object registry, used for verifiers, advantage estimators and losses.

Duplicate names are an error (two plugins silently shadowing each other is a bug that costs a
day to find); an unknown name raises a KeyError that lists the known ones.
"""
from __future__ import annotations

from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._items and self._items[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is already registered ({self._items[name]!r})")
            self._items[name] = obj
            return obj

        return deco

    def get(self, name: str) -> T:
        if name not in self._items:
            known = ", ".join(sorted(self._items)) or "none"
            raise KeyError(f"unknown {self.kind} {name!r}; known: {known}")
        return self._items[name]

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        return name in self._items


def resolve(registry: Registry[T], spec: str) -> T:
    """`name` from the registry, or `module:name` after importing `module` (which registers it)."""
    import importlib

    module, sep, name = spec.rpartition(":")
    if sep:
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise KeyError(f"cannot import {module!r} for {registry.kind} {name!r}: {e}") from None
    return registry.get(name)
