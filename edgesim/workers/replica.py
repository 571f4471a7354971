"""A worker's side of the shared state: cache replicas, the link to the hub, records.

Each worker reads its caches locally (a hit costs what it costs in one process) and
sends every write to the hub, which applies it to the one authoritative copy and sends
the resulting changes, in one order, to every worker, the writer included. A request
that wrote waits, before its answer leaves, until every worker has applied its writes
(its own: a hit does not wait on another request's store), so the next request finds
the object whichever worker takes it. Dashboard records go to
the hub in batches; access log lines are appended to the one file by each worker.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
import pickle
from contextvars import ContextVar
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from edgesim.cache.store import CacheEntry, CacheStore, Lookup, RequestHeaders
from edgesim.cache.ttl import CacheDecision
from edgesim.edge.exchange import Exchange
from edgesim.edge.model import Headers
from edgesim.edge.tiers import R, T, CacheTiers
from edgesim.observe.records import exchange_record
from edgesim.workers.wire import Message, MessageProtocol

log = logging.getLogger("edgesim.workers")

# How often a worker sends what need not arrive at once: its dashboard records, and
# which objects it served (so the hub's LRU order, which decides evictions for all,
# follows hits at every worker). Of the records, only the newest the dashboard keeps
# (`Recorder.capacity`) go in each report: older ones would be dropped on arrival.
REPORT_INTERVAL_S = 0.25


class RequestWrites:
    """The cache writes of one request: the batch they went out in (0 while still queued)."""

    __slots__ = ("queued", "token")

    def __init__(self) -> None:
        self.queued = False
        self.token = 0


# The request being served in this task (and the tasks it starts), while `settled` runs it.
_REQUEST_WRITES: ContextVar[RequestWrites | None] = ContextVar("edgesim_request_writes", default=None)


class HubLink:
    """The worker's connection to the hub: batches what a loop turn sends, waits for acks."""

    def __init__(self, protocol: MessageProtocol) -> None:
        self.protocol = protocol
        self.tiers: ReplicaTiers | None = None
        self._outbox: list[Message] = []
        self._flushing = False
        self._writes = 0  # cache writes in the outbox
        self._tokens = itertools.count(1)
        self._written_token = 0  # the last batch with writes
        self._synced_token = 0
        self.gone = False  # the hub is: no write will be acknowledged again
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._touched: set[tuple[str, Any]] = set()
        self._records: deque[dict[str, Any]] = deque()
        self.handlers: dict[str, Callable[..., Any]] = {}
        self._early: list[Message] = []
        self._writers: list[RequestWrites] = []  # requests with writes in the outbox

    def send(self, message: Message, *, write: bool = False) -> None:
        """Queue a message for the end of this loop turn (so in-place edits made right
        after a `put`, as `_copy_entry` makes, travel with it)."""
        self._outbox.append(message)
        if write:
            self._writes += 1
            writes = _REQUEST_WRITES.get()
            if writes is not None and not writes.queued:
                writes.queued = True
                self._writers.append(writes)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(self.flush)

    def touch(self, tier: str, slot: Any) -> None:
        self._touched.add((tier, slot))

    def record(self, record: dict[str, Any]) -> None:
        self._records.append(record)

    def flush(self) -> None:
        self._flushing = False
        if not self._outbox:
            return
        token = 0
        if self._writes:
            token = self._written_token = next(self._tokens)
            for writes in self._writers:
                writes.queued, writes.token = False, token
        self.protocol.send(("batch", self._outbox, token))
        self._outbox, self._writes, self._writers = [], 0, []

    async def settle(self, writes: RequestWrites | None = None) -> None:
        """Return once every worker has applied `writes` (default: every write so far)."""
        if writes is None or writes.queued:
            self.flush()
        token = self._written_token if writes is None else writes.token
        if self.gone or token <= self._synced_token:
            return
        future = self._waiting.get(token)
        if future is None:
            future = self._waiting[token] = asyncio.get_running_loop().create_future()
        await future

    async def report(self) -> None:
        """Send the records and touches gathered since the last report, every interval."""
        while True:
            await asyncio.sleep(REPORT_INTERVAL_S)
            if self._records:
                # pickled one by one: the hub keeps each as it comes and unpacks it only if asked
                packed = [(r["id"], pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)) for r in self._records]
                self._records.clear()
                self.send(("records", packed))
            if self._touched:
                touched, self._touched = self._touched, set()
                self.send(("touch", list(touched)))

    def attach(self, tiers: ReplicaTiers, handlers: dict[str, Callable[..., Any]], *, kept: int) -> None:
        """Start applying the hub's messages (those that came while the edge was built first);
        `kept` is how many records the hub's recorder keeps."""
        self.tiers, self.handlers = tiers, handlers
        self._records = deque(maxlen=kept)
        early, self._early = self._early, []
        for message in early:
            self.received(message)

    def received(self, message: Message) -> None:
        kind = message[0]
        if self.tiers is None:
            self._early.append(message)
        elif kind == "apply":
            _, seq, changes = message
            self.tiers.apply(changes)
            self.protocol.send(("applied", seq))
        elif kind == "synced":
            token = message[1]
            self._synced_token = max(self._synced_token, token)
            for waiting in [t for t in self._waiting if t <= token]:
                future = self._waiting.pop(waiting)
                if not future.done():
                    future.set_result(None)
        else:  # a new state or a reload: acknowledged once done
            *arguments, seq = message[1:]
            outcome = self.handlers[kind](*arguments)
            if inspect.isawaitable(outcome):
                asyncio.ensure_future(outcome).add_done_callback(lambda done: self._done(done, kind, seq))
            else:
                self.protocol.send(("applied", seq))

    def _done(self, task: asyncio.Future[Any], kind: str, seq: int) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("worker failed to apply the supervisor's %s: %s", kind, task.exception())
        self.protocol.send(("applied", seq))

    def lost(self) -> None:
        """The hub is gone: nothing will acknowledge writes any more, so stop waiting."""
        self.gone = True
        for future in self._waiting.values():
            if not future.done():
                future.set_result(None)
        self._waiting.clear()


class ReplicaStore(CacheStore):
    """A worker's copy of one tier: reads stay local, writes also go to the hub.

    Evictions are the hub's to decide (its LRU order covers every worker's hits), so
    this copy never evicts on its own; it drops what the hub says went.
    """

    def __init__(self, name: str, link: HubLink, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self.link = link

    def lookup(self, key: Any, request_headers: RequestHeaders = None) -> Lookup:
        found = super().lookup(key, request_headers)
        if found.entry is not None:
            self.link.touch(self.name, (key, found.entry.variant))
        return found

    def put(self, key: Any, status: int, headers: Headers, body: bytes, decision: CacheDecision,
            request_headers: Headers | None = None) -> CacheEntry | None:
        entry = super().put(key, status, headers, body, decision, request_headers)
        if entry is not None:
            self.link.send(("put", self.name, entry), write=True)
        return entry

    def refresh(self, entry: CacheEntry, decision: CacheDecision, headers: Headers | None = None) -> None:
        super().refresh(entry, decision, headers)
        if self._entries.get((entry.key, entry.variant)) is entry:
            self.link.send(("put", self.name, entry), write=True)

    def _evict(self) -> None:
        return

    def drop(self, slot: Any) -> None:
        self._remove(slot)


@dataclass
class ReplicaTiers(CacheTiers):
    """The worker's tiers: replicas kept in step with the hub through `link`."""

    link: HubLink | None = field(default=None, kw_only=True)

    def _new_store(self, name: str, max_bytes: int) -> CacheStore:
        assert self.link is not None
        return ReplicaStore(name, self.link, max_bytes, self.max_object_bytes, clock=self.clock)

    async def settled(self, handle: Callable[[T], Awaitable[R]], request: T) -> R:
        assert self.link is not None
        writes = RequestWrites()
        serving = _REQUEST_WRITES.set(writes)
        try:
            answer = await handle(request)
        finally:
            _REQUEST_WRITES.reset(serving)
        if writes.queued or writes.token:
            await self.link.settle(writes)
        return answer

    async def settle(self) -> None:
        """Return once every worker has applied every write made here so far."""
        assert self.link is not None
        await self.link.settle()

    def apply(self, changes: list[Message]) -> None:
        """The hub's changes, in its order: objects stored or dropped, invalidations."""
        for change in changes:
            kind = change[0]
            if kind == "put":
                self.tier(change[1]).insert(change[2])
            elif kind == "drop":
                store = self.tier(change[1])
                assert isinstance(store, ReplicaStore)
                store.drop(change[2])
            elif kind == "invalidate":
                self.invalidate(change[1])


class RecordShipper:
    """Observer that sends each exchange's dashboard record to the hub's recorder."""

    def __init__(self, link: HubLink, worker: int) -> None:
        self.link = link
        self.worker = worker

    def __call__(self, exchange: Exchange) -> None:
        record = exchange_record(exchange)
        record["worker"] = self.worker
        self.link.record(record)
