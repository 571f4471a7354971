"""A LocalEdge for plain `def` tests: the edge runs on an event loop of its own, in a thread.

`edge.get("/")` blocks until the answer is in and returns the httpx.Response, as
Starlette's and Flask's test clients do, so a test needs no async plugin at all.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx

from edgesim.edge.exchange import Exchange
from edgesim.testing.local import ConfigSource, LocalEdge

T = TypeVar("T")


class SyncEdge:
    """`with SyncEdge(config) as edge: edge.get("/")`; takes LocalEdge's options."""

    def __init__(self, config: ConfigSource, **options: Any) -> None:
        self.local = LocalEdge(config, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="edgesim-edge", daemon=True)

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    def start(self) -> SyncEdge:
        self._thread.start()
        try:
            self._run(self.local.start())
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stops the loop and its thread even when closing the edge fails, then re-raises that."""
        try:
            if self._thread.is_alive():
                self._run(self.local.close())
        finally:
            if self._thread.is_alive():
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join()
            self._loop.close()

    def __enter__(self) -> SyncEdge:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request through the edge; keyword arguments as httpx's `request`."""
        return self._run(self.local.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    @property
    def url(self) -> str:
        return self.local.url

    @property
    def exchanges(self) -> list[Exchange]:
        return self.local.exchanges

    @property
    def last_exchange(self) -> Exchange:
        return self.local.last_exchange
