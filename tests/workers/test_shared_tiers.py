"""The hub and two workers' replicas, in one event loop over a real Unix socket.

What the end-to-end tests in test_workers.py cannot force: the hub's copy is the only one
that evicts, and what it evicts leaves every replica; a 304 refresh at one worker reaches
the others; a worker that joins late starts with every stored object.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from edgesim.cache.key import CacheKey
from edgesim.cache.store import Freshness
from edgesim.cache.ttl import CacheDecision
from edgesim.edge.model import Headers
from edgesim.topology.places import Topology
from edgesim.workers.hub import Hub, HubTiers, PackedRecorder
from edgesim.workers.replica import HubLink, ReplicaTiers
from edgesim.workers.wire import MessageProtocol

POP = "POP IAD89-C1"
BODY = b"x" * 1000


def key(path: str) -> CacheKey:
    return CacheKey(host="d111111abcdef8.cloudfront.net", path=path, method="GET")


async def join(path: str, *, applies: bool = True) -> ReplicaTiers:
    """A worker's replica, connected and welcomed as `edgesim.workers.worker` does it;
    one that never `applies` the hub's changes holds every write's sync back."""
    welcomed: asyncio.Future = asyncio.get_running_loop().create_future()
    links: list[HubLink] = []

    def received(_protocol: MessageProtocol, message: tuple) -> None:
        if message[0] == "welcome":
            welcomed.set_result(message)
        elif applies or message[0] != "apply":
            links[0].received(message)

    _, protocol = await asyncio.get_running_loop().create_unix_connection(
        lambda: MessageProtocol(received, lambda _p: links[0].lost()), path)
    link = HubLink(protocol)
    links.append(link)
    protocol.send(("hello", 0))
    _, _, _, snapshot, seq = await welcomed
    tiers = ReplicaTiers(Topology(), pop_bytes=3500, link=link)
    tiers.apply(snapshot)
    link.attach(tiers, {}, kept=10)
    protocol.send(("applied", seq))
    return tiers


async def hub_with_two_workers(tmp_path: Path) -> tuple[Hub, ReplicaTiers, ReplicaTiers]:
    hub = Hub(HubTiers(Topology(), pop_bytes=3500), PackedRecorder(), lambda: ("welcome", {}, None))
    path = str(tmp_path / "hub.sock")
    await hub.start(path)
    return hub, await join(path), await join(path)


def store(tiers: ReplicaTiers, path: str, ttl: float = 60) -> None:
    tiers.tier(POP).put(key(path), 200, Headers([("ETag", '"1"')]), BODY, CacheDecision(store=True, ttl=ttl))


async def test_what_the_hub_evicts_leaves_every_replica(tmp_path):
    hub, first, second = await hub_with_two_workers(tmp_path)
    try:
        for path in ("/a", "/b", "/c", "/d"):  # room for three of these at the hub
            store(first, path)
            await first.settle()
        for replica in (first, second):
            assert replica.tier(POP).lookup(key("/a")).state is Freshness.MISS
            assert all(replica.tier(POP).lookup(key(p)).state is Freshness.FRESH for p in ("/b", "/c", "/d"))
        assert [e.key.path for e in hub.tiers.tier(POP).entries()] == ["/b", "/c", "/d"]
    finally:
        await hub.close()


async def test_a_refresh_at_one_worker_reaches_the_others(tmp_path):
    hub, first, second = await hub_with_two_workers(tmp_path)
    try:
        store(first, "/r", ttl=0)
        await first.settle()
        stale = second.tier(POP).lookup(key("/r"))
        assert stale.state is Freshness.STALE
        second.tier(POP).refresh(stale.entry, CacheDecision(store=True, ttl=60), Headers([("ETag", '"2"')]))
        await second.settle()
        fresh = first.tier(POP).lookup(key("/r"))
        assert fresh.state is Freshness.FRESH and fresh.entry.headers.get("ETag") == '"2"'
    finally:
        await hub.close()


async def test_a_worker_that_joins_late_starts_with_every_stored_object(tmp_path):
    hub, first, _ = await hub_with_two_workers(tmp_path)
    try:
        store(first, "/early")
        await first.settle()
        late = await join(str(tmp_path / "hub.sock"))
        assert late.tier(POP).lookup(key("/early")).entry.body == BODY
    finally:
        await hub.close()


async def test_a_hit_does_not_wait_for_another_requests_store_to_reach_every_worker(tmp_path):
    hub, first, _ = await hub_with_two_workers(tmp_path)
    try:
        store(first, "/cached")
        await first.settle()
        await join(str(tmp_path / "hub.sock"), applies=False)  # from now on no write is synced

        async def storing(path: str) -> None:
            store(first, path)

        async def hitting(path: str) -> Freshness:
            return first.tier(POP).lookup(key(path)).state

        writer = asyncio.create_task(first.settled(storing, "/new"))
        await asyncio.sleep(0)  # the store is made and its batch sent
        assert await asyncio.wait_for(first.settled(hitting, "/cached"), 10) is Freshness.FRESH
        assert not writer.done(), "the storing request still waits for the worker that has not applied it"
        writer.cancel()
    finally:
        await hub.close()


async def test_a_store_made_after_the_hub_is_gone_does_not_hold_its_request(tmp_path):
    """The supervisor died: the worker serves out its last requests (uvicorn's graceful
    shutdown) and nothing will ever acknowledge their writes; they must not wait for it."""
    hub, first, _ = await hub_with_two_workers(tmp_path)
    await hub.close()
    while not first.link.gone:
        await asyncio.sleep(0.01)

    async def storing(path: str) -> str:
        store(first, path)
        return path

    assert await asyncio.wait_for(first.settled(storing, "/after"), 10) == "/after"
