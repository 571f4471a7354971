"""A load generator light enough to leave the cores to the server it measures.

    python -m bench.lightload URL PATH REQUESTS CONCURRENCY   # prints one JSON line

`edgesim.bench.loadgen` (aiohttp, a sample kept per answer) spends about 290 µs of CPU per
request here, more than the edge does; on a 2-core machine it takes most of a core, and
what a second edge worker could use with it. This one writes a fixed keep-alive request
and parses answers with httptools on uvloop, one connection per unit of concurrency.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

import httptools


class _Connection(asyncio.Protocol):
    def __init__(self, request: bytes, load: _Load) -> None:
        self.request = request
        self.load = load
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._next()

    def _next(self) -> None:
        assert self.transport is not None
        if self.load.take():
            self.transport.write(self.request)
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        self.load.statuses[self.parser.get_status_code()] += 1
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.load.left > 0 and exc is not None:
            self.load.failures += 1
        if not self.closed.done():
            self.closed.set_result(None)


class _Load:
    def __init__(self, requests: int) -> None:
        self.left = requests
        self.statuses: Counter[int] = Counter()
        self.failures = 0

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


async def drive(url: str, path: str, requests: int, concurrency: int) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUser-Agent: lightload\r\n\r\n".encode()
    load = _Load(requests)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    connections = [(await loop.create_connection(lambda: _Connection(request, load), host, port))[1]
                   for _ in range(concurrency)]
    await asyncio.gather(*(c.closed for c in connections))
    seconds = time.perf_counter() - started
    done = sum(load.statuses.values())
    return {"seconds": seconds, "requests": done, "rps": done / seconds, "statuses": dict(load.statuses),
            "failures": load.failures}


def main() -> None:
    import uvloop

    url, path, requests, concurrency = sys.argv[1:5]
    print(json.dumps(uvloop.run(drive(url, path, int(requests), int(concurrency)))))


if __name__ == "__main__":
    main()
