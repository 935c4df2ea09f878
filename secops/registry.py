"""One explicit registry per component kind: a ``type`` string maps to a class or factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from secops.errors import RegistryError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a stable ``type`` name to a component. A miss raises, listing the valid names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def add(item: T) -> T:
            if name in self._items:
                raise RegistryError(f"{self.kind} type {name!r} registered twice")
            self._items[name] = item
            return item

        return add

    def add(self, name: str, item: T) -> None:
        self.register(name)(item)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            valid = ", ".join(sorted(self._items)) or "(none)"
            raise RegistryError(f"unknown {self.kind} type {name!r}; valid types: {valid}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))
