"""Under load, a request finishes on the versions it started with and none is lost."""

from __future__ import annotations

import asyncio

import httpx

from edgesim.edge.assembly import EdgeOptions, build_edge_app
from edgesim.edge.server import BackgroundServer
from tests.conftest import CACHING_DISABLED
from tests.topology.helpers import edge_config, get, write_function


class GatedOrigin:
    """Answers /held only once `release` is set, so a request can be caught mid-flight."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/held":
            self.arrived.set()
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


async def test_a_request_in_flight_finishes_on_the_version_it_started_with(tmp_path, make_edge):
    gated = GatedOrigin()
    server = BackgroundServer(gated)
    await server.start()
    try:
        write_function(tmp_path, "mark", "v1")
        edge = await make_edge(edge_config(tmp_path, server.port, functions=("mark",),
                                           behavior={"CachePolicyId": CACHING_DISABLED}))
        held = asyncio.create_task(edge.handle(get("/held")))
        await gated.arrived.wait()
        write_function(tmp_path, "mark", "v2")
        edge.publish("mark")
        after = await edge.handle(get("/after"))
        gated.release.set()
        before = await held
    finally:
        await server.stop()
    assert [run.version for run in before.hooks] == ["1", "1"]
    assert before.response.headers.get("x-code") == "v1"
    assert [run.version for run in after.hooks] == ["2", "2"]
    assert after.response.headers.get("x-code") == "v2"


async def test_publishes_and_invalidations_under_load_lose_no_request(tmp_path, origin):
    write_function(tmp_path, "mark", "v1")
    exchanges = []
    app = build_edge_app(edge_config(tmp_path, origin.port, functions=("mark",)), EdgeOptions(observers=[exchanges.append]))
    server = BackgroundServer(app)
    await server.start()
    edge = app.state.edge
    limit = asyncio.Semaphore(16)
    answers: list[httpx.Response] = []

    async def one(client: httpx.AsyncClient, i: int) -> None:
        async with limit:
            pop = ("FRA56-C1", "IAD89-C1", "NRT57-P2")[i % 3]
            answers.append(await client.get(f"/item/{i % 7}", headers={"X-Edgesim-Pop": pop}))

    async def change() -> None:
        for number in range(2, 6):
            await asyncio.sleep(0.01)
            write_function(tmp_path, "mark", f"v{number}")
            edge.publish("mark")
            edge.invalidate(["/item/*"])

    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            await asyncio.gather(change(), *(one(client, i) for i in range(240)))
    finally:
        await server.stop()
    assert len(answers) == 240
    assert {answer.status_code for answer in answers} == {200}
    assert len(exchanges) == 240
    for exchange in exchanges:
        request_version, response_version = (run.version for run in exchange.hooks)
        assert request_version == response_version
        assert exchange.response.headers.get("x-code") == f"v{response_version}"
    assert len({exchange.hooks[0].version for exchange in exchanges}) > 1, "the load saw more than one version"
    assert edge.function_versions()["mark"]["live"] == "5"
