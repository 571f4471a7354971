"""The origin-side HTTP/1.1 client against raw asyncio servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from edgesim.edge.http_client import (
    HIGH_WATER,
    ConnectError,
    HttpClient,
    ReadTimeout,
    ResponseError,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Raw"], Awaitable[None]]


class Raw:
    """A loopback server running `handler` per connection; counts connections and requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []

    async def start(self) -> Raw:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer, self)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def head(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        return head


@pytest_asyncio.fixture
async def client() -> AsyncIterator[HttpClient]:
    c = HttpClient()
    yield c
    await c.close()


async def serve(handler: Handler) -> Raw:
    return await Raw(handler).start()


async def get(client: HttpClient, raw: Raw, method: str = "GET", path: bytes = b"/",
              headers: list[tuple[bytes, bytes]] | None = None, body: bytes = b"", **kw: float):
    kw.setdefault("read_timeout", 5.0)
    return await client.request(method, "http", "127.0.0.1", raw.port, path, headers or [], body, **kw)


def keep_alive(answer: bytes, count: int = 100) -> Handler:
    """Answer up to `count` requests on one connection with `answer`, then close it."""
    async def handler(reader, writer, raw):
        for _ in range(count):
            await raw.head(reader)
            writer.write(answer)
            await writer.drain()
    return handler


async def test_keep_alive_connection_is_reused(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok"))
    for _ in range(3):
        response = await get(client, raw)
        assert (response.status, response.reason, await response.read()) == (200, "OK", b"ok")
    assert raw.connections == 1 and len(raw.requests) == 3
    assert (b"X-A", b"b") in response.headers


async def test_request_is_sent_as_given(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    headers = [(b"Host", b"example.com"), (b"X-Caf\xc3\xa9", b"\xc3\xa9 \xe9"), (b"x-lower", b"v")]
    response = await get(client, raw, "GET", b"/a%20b/\xe9?q=1&q=%2F", headers)
    await response.read()
    assert raw.requests[0] == (
        b"GET /a%20b/\xe9?q=1&q=%2F HTTP/1.1\r\nHost: example.com\r\nX-Caf\xc3\xa9: \xc3\xa9 \xe9\r\n"
        b"x-lower: v\r\n\r\n"
    )


async def test_post_body_is_framed_by_content_length(client: HttpClient) -> None:
    seen: list[bytes] = []

    async def handler(reader, writer, raw):
        head = await raw.head(reader)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        seen.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    raw = await serve(handler)
    response = await get(client, raw, "POST", b"/p", [], b"payload")
    assert response.status == 201 and seen == [b"payload"]
    assert b"Host: 127.0.0.1:%d\r\n" % raw.port in raw.requests[0]


async def test_connection_the_origin_closed_is_retried_once_on_a_fresh_one(client: HttpClient) -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        # Keep-alive was announced, yet the next request finds the connection closed.
        await reader.readuntil(b"\r\n\r\n")

    raw = await serve(handler)
    assert await (await get(client, raw)).read() == b"ok"
    assert client.idle_count() == 1
    assert await (await get(client, raw)).read() == b"ok"
    assert raw.connections == 2


async def test_idle_connections_close_after_the_keepalive_timeout(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    await (await get(client, raw, keepalive_timeout=0.05)).read()
    assert client.idle_count() == 1
    await asyncio.sleep(0.2)
    assert client.idle_count() == 0
    await (await get(client, raw)).read()
    assert raw.connections == 2


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
])
async def test_connection_close_is_honoured(client: HttpClient, answer: bytes) -> None:
    raw = await serve(keep_alive(answer))
    for _ in range(2):
        assert await (await get(client, raw)).read() == b"ok"
    assert raw.connections == 2 and client.idle_count() == 0


async def test_body_until_close(client: HttpClient) -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
        await writer.drain()
        writer.close()

    raw = await serve(handler)
    response = await get(client, raw)
    assert response.content_length is None
    assert b"".join([c async for c in response.iter_chunks()]) == b"until the end"


async def test_chunked_body_is_decoded_and_headers_kept(client: HttpClient) -> None:
    raw = await serve(keep_alive(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
    ))
    for _ in range(2):
        response = await get(client, raw)
        assert response.content_length is None
        assert (b"Transfer-Encoding", b"chunked") in response.headers
        assert b"".join([c async for c in response.iter_chunks()]) == b"hello world"
    assert raw.connections == 1


async def test_head_answer_has_no_body_and_its_connection_is_not_reused(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"))
    response = await get(client, raw, "HEAD")
    assert response.status == 200 and response.content_length == 1234
    assert await response.read() == b""
    await (await get(client, raw, "HEAD")).read()
    assert raw.connections == 2


@pytest.mark.parametrize("status", [204, 304])
async def test_204_and_304_have_no_body_and_keep_the_connection(client: HttpClient, status: int) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 %d X\r\nContent-Length: 10\r\n\r\n" % status))
    for _ in range(2):
        response = await get(client, raw)
        assert (response.status, await response.read()) == (status, b"")
    assert raw.connections == 1


async def test_interim_1xx_answers_are_skipped(client: HttpClient) -> None:
    raw = await serve(keep_alive(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    ))
    for _ in range(2):
        response = await get(client, raw)
        assert (response.status, response.headers, await response.read()) == (200, [(b"Content-Length", b"2")], b"ok")
    assert raw.connections == 1


async def test_body_shorter_than_its_content_length_is_an_error(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly twenty bytes...", count=1))
    response = await get(client, raw)
    with pytest.raises(ResponseError):
        await response.read()
    response = await get(client, raw)
    with pytest.raises(ResponseError):
        async for _ in response.iter_chunks():
            pass


async def test_bytes_past_the_content_length_end_the_connection(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n"))
    assert await (await get(client, raw)).read() == b"ok"
    assert await (await get(client, raw)).read() == b"ok"
    assert raw.connections == 2


async def test_garbage_is_a_response_error(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"SPDY/9 banana\r\n\x00\x01\x02\r\n\r\n", count=1))
    with pytest.raises(ResponseError):
        await get(client, raw)


async def test_close_before_any_answer_on_a_fresh_connection_is_not_retried(client: HttpClient) -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)

    raw = await serve(handler)
    with pytest.raises(ResponseError):
        await get(client, raw)
    assert raw.connections == 1


async def test_refused_connection_is_a_connect_error(client: HttpClient) -> None:
    raw = await serve(keep_alive(b""))
    raw.server.close()
    await raw.server.wait_closed()
    with pytest.raises(ConnectError):
        await get(client, raw)


async def test_read_timeout_is_the_gap_between_received_bytes(client: HttpClient) -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        for part in (b"a", b"b"):
            await asyncio.sleep(0.05)
            writer.write(part)
            await writer.drain()
        await asyncio.sleep(10)

    raw = await serve(handler)
    response = await get(client, raw, read_timeout=0.3)
    with pytest.raises(ReadTimeout):
        await response.read()
    assert raw.connections == 1 and client.idle_count() == 0


async def test_silent_origin_times_out_before_the_head(client: HttpClient) -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)
        await asyncio.sleep(10)

    raw = await serve(handler)
    with pytest.raises(ReadTimeout):
        await get(client, raw, read_timeout=0.05)


async def test_streamed_body_pauses_reading_while_the_consumer_lags(client: HttpClient) -> None:
    size = HIGH_WATER * 8

    async def handler(reader, writer, raw):
        await raw.head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        writer.write(b"x" * size)
        await writer.drain()

    raw = await serve(handler)
    response = await get(client, raw)
    await asyncio.sleep(0.2)
    buffered = response._size
    assert buffered < size // 2
    total = 0
    async for chunk in response.iter_chunks():
        total += len(chunk)
    assert total == size


async def test_abandoned_stream_closes_its_connection(client: HttpClient) -> None:
    raw = await serve(keep_alive(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"))
    response = await get(client, raw)
    stream = response.iter_chunks()
    assert await stream.__anext__() == b"abc"
    await stream.aclose()
    await (await get(client, raw, "HEAD")).read()
    assert raw.connections == 2


# -- OriginClient on top: attempts are counted as connections, not timed ----------------

from edgesim.cache.forwarding import OriginRequest  # noqa: E402
from edgesim.config.model import Origin  # noqa: E402
from edgesim.edge.model import Headers  # noqa: E402
from edgesim.edge.origin_client import OriginClient, OriginError  # noqa: E402


@pytest.mark.parametrize(("method", "attempts"), [("GET", 3), ("HEAD", 3), ("POST", 1)])
async def test_read_timeout_is_retried_for_get_and_head_only(method: str, attempts: int) -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)
        await asyncio.sleep(10)

    raw = await serve(handler)
    origin = Origin("o", "127.0.0.1", http_port=raw.port, read_timeout=0.05, connection_attempts=3)
    client = OriginClient()
    try:
        with pytest.raises(OriginError) as info:
            await client.fetch(origin, OriginRequest(method, "/", "", Headers([("Host", "x")])))
    finally:
        await client.close()
    assert (info.value.failure.status, info.value.failure.detail) == (504, "OriginReadError")
    assert raw.connections == attempts


async def test_stale_connection_retry_does_not_count_an_attempt() -> None:
    async def handler(reader, writer, raw):
        await raw.head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")

    raw = await serve(handler)
    origin = Origin("o", "127.0.0.1", http_port=raw.port, connection_attempts=1)
    client = OriginClient()
    try:
        for _ in range(3):
            response = await client.fetch(origin, OriginRequest("GET", "/", "", Headers()))
            assert response.body == b"ok"
    finally:
        await client.close()
    assert raw.connections == 3
