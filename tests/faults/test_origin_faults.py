"""Origins that misbehave on purpose: each fault gets CloudFront's answer for that request
only, and the next request to a healthy path is served as usual (no restart)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import config_from, custom_origin, distribution


class FaultyOrigin:
    """A raw asyncio origin; the request path picks the fault."""

    async def start(self) -> FaultyOrigin:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        self.hung: list[asyncio.StreamWriter] = []
        return self

    async def close(self) -> None:
        for writer in self.hung:
            writer.close()
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        path = head.split(b" ")[1].decode()
        if path == "/reset-before-answer":
            writer.transport.abort()
        elif path == "/reset-mid-body":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
            await writer.drain()
            writer.transport.abort()
        elif path == "/short-body":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\nConnection: close\r\n\r\nonly twenty bytes...")
            await writer.drain()
            writer.close()
        elif path == "/garbage":
            writer.write(b"SPDY/9 banana\r\n\x00\x01\x02\r\n\r\n")
            await writer.drain()
            writer.close()
        elif path == "/hang":
            self.hung.append(writer)
            return
        elif path.startswith("/status/"):
            body = b"failing on purpose"
            writer.write(b"HTTP/1.1 %s Oops\r\nContent-Length: %d\r\n\r\n" % (path[8:].encode(), len(body)) + body)
            await writer.drain()
            writer.close()
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()


@pytest_asyncio.fixture
async def faulty() -> AsyncIterator[FaultyOrigin]:
    origin = await FaultyOrigin().start()
    yield origin
    await origin.close()


@pytest_asyncio.fixture
async def edge(edge_factory: Any, faulty: FaultyOrigin) -> Any:
    origin = custom_origin("faulty", faulty.port, ConnectionAttempts=1, ConnectionTimeout=1,
                           CustomOriginConfig={"OriginReadTimeout": 1})
    return await edge_factory(config_from(distribution([origin])))


async def assert_healthy(edge: Any) -> None:
    response = await edge.client.get("/fine")
    assert (response.status_code, response.text) == (200, "ok")


@pytest.mark.parametrize(("path", "status"), [
    ("/reset-before-answer", 502),
    ("/garbage", 502),
    ("/hang", 504),
])
async def test_origin_failure_before_an_answer_gets_cloudfronts_error_page(edge: Any, path: str, status: int) -> None:
    response = await edge.client.get(path)
    assert response.status_code == status
    assert response.headers["x-cache"] == "Error from cloudfront"
    assert f"<H1>{status} ERROR</H1>" in response.text
    await assert_healthy(edge)


@pytest.mark.parametrize("path", ["/reset-mid-body", "/short-body"])
async def test_origin_body_cut_short_never_reaches_the_viewer_as_a_whole_answer(edge: Any, path: str) -> None:
    import httpx

    try:
        response = await edge.client.get(path)
    except httpx.HTTPError:
        pass  # the viewer's connection was cut: what CloudFront does once the headers went out
    else:
        assert response.status_code == 502
    await assert_healthy(edge)


async def test_refused_connection_is_502_origin_connect_error(edge_factory: Any) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    edge = await edge_factory(config_from(distribution([custom_origin("gone", closed_port, ConnectionAttempts=1)])))
    response = await edge.client.get("/")
    assert response.status_code == 502
    assert "<H1>502 ERROR</H1>" in response.text


async def test_burst_of_5xx_is_passed_through_and_service_recovers(edge: Any) -> None:
    answers = await asyncio.gather(*(edge.client.get(f"/status/{500 + i % 4}") for i in range(40)))
    assert sorted({a.status_code for a in answers}) == [500, 501, 502, 503]
    await assert_healthy(edge)
