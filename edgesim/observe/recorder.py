"""The recent exchanges, kept for the dashboard, and a live feed of what happens.

A bounded ring buffer (the oldest record goes when it is full) and any number of
subscribers, each with its own bounded queue: a stalled browser tab loses events, it
never slows the edge down or grows memory.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from edgesim.edge.exchange import Exchange
from edgesim.observe.records import exchange_record, summary

Event = tuple[str, dict[str, Any]]
_CLOSED: Event = ("closed", {})


class Recorder:
    """Observer that records each exchange and publishes `("exchange", summary)` events."""

    def __init__(self, capacity: int = 500, queue_size: int = 1000) -> None:
        self.capacity = capacity
        self.queue_size = queue_size
        self._records: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self.closed = False

    def __call__(self, exchange: Exchange) -> None:
        record = exchange_record(exchange)
        self._records[record["id"]] = record
        while len(self._records) > self.capacity:
            self._records.popitem(last=False)
        self.publish("exchange", summary(record))

    def recent(self) -> list[dict[str, Any]]:
        """Summaries of the kept exchanges, oldest first."""
        return [summary(r) for r in self._records.values()]

    def get(self, request_id: str) -> dict[str, Any] | None:
        return self._records.get(request_id)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Send an event to every subscriber; a full queue drops its oldest event."""
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait((kind, data))

    async def subscribe(self) -> AsyncIterator[Event]:
        """Events from now on, until `close()`."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self.queue_size)
        self._subscribers.add(queue)
        try:
            while not (self.closed and queue.empty()):
                event = await queue.get()
                if event is _CLOSED:
                    return
                yield event
        finally:
            self._subscribers.discard(queue)

    def close(self) -> None:
        """End every subscription (server shutdown), so open event streams finish."""
        self.closed = True
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(_CLOSED)
