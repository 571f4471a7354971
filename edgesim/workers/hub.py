"""The supervisor's side of the shared state: the one copy of the caches, and the workers.

The hub applies each worker's cache writes to its `HubTiers` (the copy the control API
lists and invalidates, with the byte bounds and LRU evictions), then sends what changed
to every worker in one order, numbered; a writer's batch is acknowledged once every
worker has applied it. The workers' dashboard records go to the one recorder.
Invalidations, publishes and reloads start here and reach the
workers the same way.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edgesim.cache.store import CacheEntry, CacheStore
from edgesim.edge.tiers import CacheTiers
from edgesim.observe.recorder import Recorder
from edgesim.observe.records import summary
from edgesim.workers.wire import Message, MessageProtocol

log = logging.getLogger("edgesim.workers")


class HubStore(CacheStore):
    """The authoritative copy of one tier; notes every slot it drops, so workers drop it too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dropped: list[Any] = []

    def _remove(self, slot: Any) -> None:
        if slot in self._entries:
            self.dropped.append(slot)
        super()._remove(slot)

    def touch(self, slot: Any) -> None:
        if slot in self._entries:
            self._entries.move_to_end(slot)


@dataclass
class HubTiers(CacheTiers):
    """The caches every worker shares; invalidations here reach every worker's replica."""

    broadcast: Callable[[list[Message]], None] = field(default=lambda changes: None, kw_only=True)

    def _new_store(self, name: str, max_bytes: int) -> CacheStore:
        return HubStore(max_bytes, self.max_object_bytes, clock=self.clock)

    def store_entry(self, tier: str, entry: CacheEntry) -> list[Message]:
        """Keep a worker's entry; the changes every replica must make to match."""
        store = self.tier(tier)
        assert isinstance(store, HubStore)
        slot = (entry.key, entry.variant)
        store.dropped.clear()
        stored = store.insert(entry)
        changes: list[Message] = [("drop", tier, s) for s in store.dropped if s != slot]
        if stored is not None:
            changes.append(("put", tier, entry))
        store.dropped.clear()
        return changes

    def touch(self, tier: str, slot: Any) -> None:
        store = self.tier(tier)
        assert isinstance(store, HubStore)
        store.touch(slot)

    def invalidate(self, paths: list[str]) -> int:
        removed = super().invalidate(paths)
        for store in [*self._pops.values(), *self._recs.values()]:
            store.dropped.clear()  # type: ignore[attr-defined]
        self.broadcast([("invalidate", paths)])
        return removed

    def snapshot(self) -> list[Message]:
        """Every stored object, oldest use first: what a worker that joins late applies."""
        return [("put", tier, entry) for tier, store in self._named_stores() for entry in store._entries.values()]

    def _named_stores(self) -> list[tuple[str, CacheStore]]:
        return [*((f"POP {c}", s) for c, s in self._pops.items()), *((f"REC {r}", s) for r, s in self._recs.items())]


class PackedRecorder(Recorder):
    """The dashboard's records from every worker, kept as the workers pickled them.

    Unpickling a record cost the supervisor 9-28 µs (more with hooks): per request, that
    was the larger part of what `--workers 2` spent over two separate edges. A record is
    unpacked when the dashboard asks for it, and its summary only while someone watches
    the live feed.
    """

    def __init__(self) -> None:
        super().__init__()
        self._packed: OrderedDict[str, bytes] = OrderedDict()

    def keep_packed(self, request_id: str, packed: bytes) -> None:
        self._packed[request_id] = packed
        while len(self._packed) > self.capacity:
            self._packed.popitem(last=False)
        if self._subscribers:
            self.publish("exchange", summary(pickle.loads(packed)))

    def recent(self) -> list[dict[str, Any]]:
        return [summary(pickle.loads(packed)) for packed in self._packed.values()]

    def get(self, request_id: str) -> dict[str, Any] | None:
        packed = self._packed.get(request_id)
        return None if packed is None else pickle.loads(packed)


@dataclass
class _Worker:
    protocol: MessageProtocol
    applied: int = 0


class Hub:
    """Serves the workers on a Unix socket and keeps their replicas in one order."""

    def __init__(self, tiers: HubTiers, recorder: PackedRecorder, welcome: Callable[[], Message]) -> None:
        self.tiers = tiers
        tiers.broadcast = self.broadcast
        self.recorder = recorder
        self.welcome = welcome
        self.seq = 0
        self.workers: dict[MessageProtocol, _Worker] = {}
        self._waiting: list[tuple[int, Callable[[], None]]] = []
        self.ready = 0
        self._ready_changed = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None

    async def start(self, path: str) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: MessageProtocol(self._received, self._lost), path)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for worker in list(self.workers.values()):
            if worker.protocol.transport is not None:
                worker.protocol.transport.close()

    async def all_ready(self, count: int) -> None:
        """Return once `count` workers serve (each says so once its listeners accept)."""
        while self.ready < count:
            self._ready_changed.clear()
            await self._ready_changed.wait()

    def broadcast(self, changes: list[Message]) -> int:
        """Send changes to every worker; returns their number in the order."""
        if changes:
            self.seq += 1
            for worker in self.workers.values():
                worker.protocol.send(("apply", self.seq, changes))
        return self.seq

    def send_all(self, message: Message) -> None:
        self.seq += 1  # workers acknowledge it as they would a change
        for worker in self.workers.values():
            worker.protocol.send(message + (self.seq,))

    async def barrier(self) -> None:
        """Return once every worker has applied everything sent so far."""
        future = asyncio.get_running_loop().create_future()
        self._when_applied(self.seq, lambda: future.done() or future.set_result(None))
        await future

    def _when_applied(self, seq: int, then: Callable[[], None]) -> None:
        self._waiting.append((seq, then))
        self._release()

    def _release(self) -> None:
        low = min((w.applied for w in self.workers.values()), default=self.seq)
        ready = [then for seq, then in self._waiting if seq <= low]
        self._waiting = [(seq, then) for seq, then in self._waiting if seq > low]
        for then in ready:
            then()

    def _received(self, protocol: MessageProtocol, message: Message) -> None:
        kind = message[0]
        if kind == "batch":
            self._batch(protocol, message[1], message[2])
        elif kind == "applied":
            worker = self.workers.get(protocol)
            if worker is not None:
                worker.applied = max(worker.applied, message[1])
                self._release()
        elif kind == "ready":
            self.ready += 1
            self._ready_changed.set()
        elif kind == "hello":
            # Joins the order here: everything sent from now on reaches it too.
            self.workers[protocol] = _Worker(protocol, applied=self.seq)
            protocol.send(self.welcome() + (self.tiers.snapshot(), self.seq))

    def _batch(self, protocol: MessageProtocol, items: list[Message], token: int) -> None:
        changes: list[Message] = []
        for item in items:
            kind = item[0]
            if kind == "put":
                changes += self.tiers.store_entry(item[1], item[2])
            elif kind == "records":
                for request_id, packed in item[1]:
                    self.recorder.keep_packed(request_id, packed)
            elif kind == "touch":
                for tier, slot in item[1]:
                    self.tiers.touch(tier, slot)
        seq = self.broadcast(changes)
        if token:
            self._when_applied(seq, lambda: protocol.send(("synced", token)))

    def _lost(self, protocol: MessageProtocol) -> None:
        if self.workers.pop(protocol, None) is not None:
            self._release()
