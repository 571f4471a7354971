"""What one cache hit costs by each way of sharing a cache between processes:

    .venv/bin/python -m bench.shared_cache [--lookups 20000]

- local: `CacheStore.lookup` in the worker's own memory (a replica, as `serve --workers`
  keeps, or the single-process edge);
- unix socket: ask a cache process for the key over a Unix socket and wait for the
  pickled entry, the way a worker would talk to a cache server of its own (or to Redis,
  which adds its protocol to the same hop; no Redis server is installed here), on uvloop;
- sqlite: one SELECT by key from a WAL-mode SQLite file in /dev/shm that every process
  could open, and unpickling the entry.

Each prints the CPU time per lookup of the asking process (and of the cache process,
for the socket) and the wall time per lookup; the object is a 1 kB answer.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import pickle
import sqlite3
import tempfile
import time

from bench.processes import cpu_seconds
from edgesim.cache.key import CacheKey
from edgesim.cache.store import CacheStore
from edgesim.cache.ttl import CacheDecision
from edgesim.edge.model import Headers
from edgesim.workers.wire import MessageProtocol

KEY = CacheKey(host="d111111abcdef8.cloudfront.net", path="/data.json", method="GET", accept_encoding="gzip")
HEADERS = Headers([("Content-Type", "application/json"), ("Cache-Control", "max-age=3600"), ("ETag", '"abc"')])


def run(main):  # type: ignore[no-untyped-def]
    """On uvloop, as `edgesim serve` runs."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def filled_store() -> CacheStore:
    store = CacheStore()
    store.put(KEY, 200, HEADERS, b"x" * 1024, CacheDecision(store=True, ttl=3600))
    return store


def local(lookups: int) -> tuple[float, float]:
    store = filled_store()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(lookups):
        store.lookup(KEY)
    return (time.process_time() - cpu) / lookups, (time.perf_counter() - wall) / lookups


def _cache_server(path: str, ready: multiprocessing.synchronize.Event) -> None:
    store = filled_store()

    async def serve() -> None:
        def answer(protocol: MessageProtocol, message: tuple) -> None:
            protocol.send(("entry", store.lookup(message[1]).entry))

        server = await asyncio.get_running_loop().create_unix_server(lambda: MessageProtocol(answer), path)
        ready.set()
        async with server:
            await server.serve_forever()

    run(serve())


def unix_socket(lookups: int) -> tuple[float, float, float]:
    path = os.path.join(tempfile.mkdtemp(prefix="edgesim-bench-"), "cache.sock")
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_cache_server, args=(path, ready), daemon=True)
    server.start()
    ready.wait()

    async def ask() -> tuple[float, float, float]:
        answers: asyncio.Queue = asyncio.Queue()
        _, protocol = await asyncio.get_running_loop().create_unix_connection(
            lambda: MessageProtocol(lambda _p, m: answers.put_nowait(m)), path)
        server_cpu, cpu, wall = cpu_seconds(server.pid), time.process_time(), time.perf_counter()
        for _ in range(lookups):
            protocol.send(("lookup", KEY))
            await answers.get()
        return ((time.process_time() - cpu) / lookups, (cpu_seconds(server.pid) - server_cpu) / lookups,
                (time.perf_counter() - wall) / lookups)

    try:
        return run(ask())
    finally:
        server.terminate()


def sqlite(lookups: int) -> tuple[float, float]:
    folder = tempfile.mkdtemp(prefix="edgesim-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    db = sqlite3.connect(os.path.join(folder, "cache.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE entries (key BLOB PRIMARY KEY, entry BLOB)")
    entry = filled_store().lookup(KEY).entry
    db.execute("INSERT INTO entries VALUES (?, ?)", (pickle.dumps(KEY), pickle.dumps(entry)))
    wanted = pickle.dumps(KEY)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(lookups):
        (blob,) = db.execute("SELECT entry FROM entries WHERE key = ?", (wanted,)).fetchone()
        pickle.loads(blob)
    return (time.process_time() - cpu) / lookups, (time.perf_counter() - wall) / lookups


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.shared_cache", description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=20000)
    lookups = parser.parse_args(argv).lookups
    cpu, wall = local(lookups)
    print(f"local        {cpu * 1e6:6.1f} µs CPU per lookup                      {wall * 1e6:6.1f} µs wall")
    cpu, server_cpu, wall = unix_socket(lookups)
    print(f"unix socket  {cpu * 1e6:6.1f} µs CPU per lookup + {server_cpu * 1e6:5.1f} in the cache process {wall * 1e6:6.1f} µs wall")
    cpu, wall = sqlite(lookups)
    print(f"sqlite       {cpu * 1e6:6.1f} µs CPU per lookup                      {wall * 1e6:6.1f} µs wall")
    print(f"1-min load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
