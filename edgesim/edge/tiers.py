"""The caches of a running edge: one per POP and one per regional edge cache.

They belong to the `Edge`, not to a pipeline, so a reload keeps them (a CloudFront
deployment leaves cached objects alone) and invalidations reach every tier.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from edgesim.cache.store import CacheStore, EntryInfo, validate_invalidation_path
from edgesim.topology.places import Topology

DEFAULT_POP_BYTES = 64 * 1024 * 1024
DEFAULT_REC_BYTES = 256 * 1024 * 1024
DEFAULT_OBJECT_BYTES = 32 * 1024 * 1024
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class CacheTiers:
    topology: Topology
    pop_bytes: int = DEFAULT_POP_BYTES
    rec_bytes: int = DEFAULT_REC_BYTES
    max_object_bytes: int = DEFAULT_OBJECT_BYTES
    clock: Callable[[], float] = time.time
    _pops: dict[str, CacheStore] = field(default_factory=dict, init=False)
    _recs: dict[str, CacheStore] = field(default_factory=dict, init=False)

    def pop_cache(self, code: str) -> CacheStore:
        store = self._pops.get(code)
        if store is None:
            store = self._pops[code] = self._new_store(f"POP {code}", self.pop_bytes)
        return store

    def rec_cache(self, region: str) -> CacheStore:
        store = self._recs.get(region)
        if store is None:
            store = self._recs[region] = self._new_store(f"REC {region}", self.rec_bytes)
        return store

    def tier(self, name: str) -> CacheStore:
        """A store by its listing name, `POP <code>` or `REC <region>`."""
        kind, _, place = name.partition(" ")
        return self.pop_cache(place) if kind == "POP" else self.rec_cache(place)

    def _new_store(self, name: str, max_bytes: int) -> CacheStore:
        return CacheStore(max_bytes, self.max_object_bytes, clock=self.clock)

    async def settled(self, handle: Callable[[T], Awaitable[R]], request: T) -> R:
        """`handle(request)`, returned once every process sharing these tiers sees what it
        stored (`serve --workers`; one process sees its writes at once)."""
        return await handle(request)

    def invalidate(self, paths: list[str]) -> int:
        """Clear matching objects from every tier; returns how many entries went."""
        for path in paths:
            validate_invalidation_path(path)
        removed = 0
        for store in [*self._pops.values(), *self._recs.values()]:
            for path in paths:
                removed += store.invalidate(path)
        return removed

    def entries(self) -> dict[str, list[EntryInfo]]:
        """Entries per tier, named `POP <code>` and `REC <region>`."""
        listing = {f"POP {code}": store.entries() for code, store in sorted(self._pops.items())}
        listing.update({f"REC {region}": store.entries() for region, store in sorted(self._recs.items())})
        return listing

    def clear(self) -> None:
        for store in [*self._pops.values(), *self._recs.values()]:
            store.clear()
