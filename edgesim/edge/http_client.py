"""A lean HTTP/1.1 client for origins: asyncio Protocols, `httptools.HttpResponseParser`, a
keep-alive pool per (scheme, host, port).

Why not aiohttp: profiled against the fixed origin, aiohttp's `ClientSession._request` was
~30 % of a proxied request's CPU (bench/README.md, "what dominates"); an edge only ever
sends one request and reads one answer per connection turn, so most of that generality
(cookies, redirects, auto headers, decompression, tracing) is dead weight. This client does
one `write()` per request, parses with the same llhttp binding the viewer side uses, and
keeps only what CloudFront's origin side needs. Measured with `python -m bench.ab` (edgesim
with aiohttp vs with this client, c=16, fixed origin, load ~1): 2,630 -> 3,585 req/s median
(+36 %); bench/README.md keeps the row.

What it does:
- connections idle in a LIFO pool per (scheme, host, port) and are closed after the
  origin's keep-alive timeout; `Connection: close` (either side) or HTTP/1.0 without
  keep-alive ends a connection after its answer;
- a request on a reused connection the origin had closed (not one byte of answer came
  back) is sent again, once, on a fresh connection: `StaleConnection` never escapes;
- connect timeout covers TCP (and TLS) setup; the read timeout is the longest gap between
  bytes received while an answer is awaited (not while the consumer holds reading paused);
- 1xx interim answers are skipped; HEAD, 204 and 304 answers have no body (for HEAD the
  message ends at the head and the connection is not reused: httptools cannot be told);
- chunked bodies are decoded; headers are returned as the origin sent them;
- a body cut short (connection closed mid-body, or an invalid framing) is a
  `ResponseError` from `read()` or from the stream;
- streamed bodies pause reading from the socket while more than `HIGH_WATER` bytes wait for
  the consumer.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import deque
from collections.abc import AsyncIterator

import httptools

HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024
# Methods that carry no body by default: no `Content-Length: 0` unless a body is given.
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class HttpError(Exception):
    """The exchange with the origin failed."""


class ConnectError(HttpError):
    """TCP or TLS connection could not be made."""

    def __init__(self, message: str, strerror: str | None = None) -> None:
        super().__init__(message)
        self.strerror = strerror


class DnsError(ConnectError):
    """The host name did not resolve."""


class ConnectTimeout(HttpError):
    """No connection within the connect timeout."""


class ReadTimeout(HttpError):
    """No byte of the answer within the read timeout."""


class ResponseError(HttpError):
    """The origin closed the connection early or sent something that is not HTTP/1.x."""


class StaleConnection(ResponseError):
    """A reused connection was closed before a byte of the answer arrived."""


_ssl_context: ssl.SSLContext | None = None


def default_ssl_context() -> ssl.SSLContext:
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = ssl.create_default_context()
    return _ssl_context


class Response:
    """Status, reason and raw header fields; the body through `read()` or `iter_chunks()`."""

    __slots__ = ("status", "reason", "headers", "content_length", "_conn", "_chunks", "_size",
                 "_done", "_error", "_waiter", "_paused", "_whole")

    def __init__(self, conn: _Connection) -> None:
        self._conn: _Connection | None = conn
        self.status = 0
        self.reason = ""
        self.headers: list[tuple[bytes, bytes]] = []
        self.content_length: int | None = None
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._done = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._whole = False

    # -- fed by the connection --------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._size += len(data)
        if self._size > HIGH_WATER and not self._paused and not self._whole and self._conn is not None:
            self._paused = True
            self._conn.pause()
        self._wake()

    def _finish(self, error: BaseException | None = None) -> None:
        if self._done or self._error is not None:
            return
        if error is None:
            self._done = True
        else:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- read by the consumer ---------------------------------------------------------

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def read(self) -> bytes:
        """The whole body; ResponseError/ReadTimeout when it does not arrive whole."""
        self._whole = True
        while not self._done:
            if self._error is not None:
                raise self._error
            if self._paused:
                self._resume()
            await self._wait()
        body = b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        return body

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; raises when it is cut short. Closes the connection when
        abandoned before the end."""
        try:
            while True:
                if self._chunks:
                    chunk = self._chunks.popleft()
                    self._size -= len(chunk)
                    if self._paused and self._size < LOW_WATER:
                        self._resume()
                    yield chunk
                    continue
                if self._error is not None:
                    raise self._error
                if self._done:
                    return
                await self._wait()
        finally:
            self.release()

    def _resume(self) -> None:
        self._paused = False
        if self._conn is not None:
            self._conn.resume()

    def release(self) -> None:
        """Give the connection up: back to the pool when the answer is complete, else closed."""
        conn, self._conn = self._conn, None
        if conn is not None and not self._done:
            conn.abort()
        if conn is not None and self._paused:
            self._paused = False
            conn.resume()


class _Connection(asyncio.Protocol):
    """One origin connection; answers one request at a time."""

    def __init__(self, pool: HttpClient, key: tuple[str, str, int]) -> None:
        self._pool = pool
        self.key = key
        self._loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reusable = True
        self.used = False
        self.idle_handle: asyncio.TimerHandle | None = None
        self.idle_until = 0.0
        # Per request:
        self._response: Response | None = None
        self._head: asyncio.Future[Response] | None = None
        self._head_method = False
        self._received = False
        self._headers_done = False
        self._interim = False
        self._chunked = False
        self._read_timeout = 0.0
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._paused = False

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        response = self._response
        if response is None:
            # Bytes nobody asked for: the connection's framing cannot be trusted.
            self.reusable = False
            self.abort()
            return
        self._received = True
        self._last = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ResponseError(f"Invalid HTTP response from the origin: {exc}"))
            self.abort()

    def eof_received(self) -> bool | None:
        self.reusable = False
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        if self.idle_handle is not None:
            self.idle_handle.cancel()
            self.idle_handle = None
        if self._response is None:
            return
        if not self._received and self.used:
            self._fail(StaleConnection("The origin closed a kept-alive connection."))
        elif self._headers_done and self._response.content_length is None and not self._chunked:
            # Body delimited by the connection's close: this is its end.
            self._complete()
        else:
            detail = f" ({exc})" if exc else ""
            where = "mid-body" if self._headers_done else "before a complete answer"
            self._fail(ResponseError(f"The origin closed the connection {where}{detail}."))

    def pause_writing(self) -> None:  # pragma: no cover - requests are small
        pass

    def resume_writing(self) -> None:  # pragma: no cover
        pass

    # -- httptools callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._response is None or self._headers_done and not self._interim:
            self.reusable = False
        self._headers_done = False
        self._interim = False
        if self._response is not None:
            self._response.headers = []

    def on_status(self, status: bytes) -> None:
        if self._response is not None:
            self._response.reason = status.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._response is not None:
            self._response.headers.append((name, value))

    def on_headers_complete(self) -> None:
        response = self._response
        if response is None:
            return
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self._interim = True
            return
        self._headers_done = True
        response.status = status
        for name, value in response.headers:
            lower = name.lower()
            if lower == b"content-length":
                try:
                    response.content_length = int(value)
                except ValueError:
                    pass
            elif lower == b"transfer-encoding" and b"chunked" in value.lower():
                self._chunked = True
        if self._chunked:
            response.content_length = None
        if not self._parser.should_keep_alive():
            self.reusable = False
        head = self._head
        if head is not None and not head.done():
            head.set_result(response)
        if self._head_method:
            # httptools would wait for a body a HEAD answer does not have.
            self.reusable = False
            self._complete()

    def on_body(self, body: bytes) -> None:
        if self._response is not None and not self._head_method:
            self._response._feed(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        if self._response is not None:
            self._complete()

    # -- request lifecycle -------------------------------------------------------------

    def send(self, data: bytes, method: str, read_timeout: float) -> asyncio.Future[Response]:
        assert self.transport is not None
        self._response = Response(self)
        self._head = self._loop.create_future()
        self._head_method = method == "HEAD"
        self._received = False
        self._headers_done = False
        self._interim = False
        self._chunked = False
        self._read_timeout = read_timeout
        self._last = self._loop.time()
        self._timer = self._loop.call_at(self._last + read_timeout, self._check_timeout)
        self.transport.write(data)
        return self._head

    def _check_timeout(self) -> None:
        self._timer = None
        if self._response is None or self._paused:
            return
        deadline = self._last + self._read_timeout
        if self._loop.time() >= deadline:
            self._fail(ReadTimeout(f"No data from the origin for {self._read_timeout:g} s."))
            self.abort()
        else:
            self._timer = self._loop.call_at(deadline, self._check_timeout)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _complete(self) -> None:
        response = self._response
        self._response = None
        self._head = None
        self._cancel_timer()
        if response is None:
            return
        response._finish()
        response._conn = None
        if self._paused:
            self.resume()
        if self.reusable and not self.closed:
            self._pool._release(self)
        else:
            self.abort()

    def _fail(self, error: BaseException) -> None:
        response = self._response
        head = self._head
        self._response = None
        self._head = None
        self._cancel_timer()
        self.reusable = False
        if head is not None and not head.done():
            head.set_exception(error)
        if response is not None:
            response._conn = None
            response._finish(error)

    def pause(self) -> None:
        if not self._paused and self.transport is not None and not self.closed:
            self._paused = True
            self._cancel_timer()
            self.transport.pause_reading()

    def resume(self) -> None:
        if self._paused and self.transport is not None and not self.closed:
            self._paused = False
            self.transport.resume_reading()
            if self._response is not None and self._timer is None:
                self._last = self._loop.time()
                self._timer = self._loop.call_at(self._last + self._read_timeout, self._check_timeout)

    def abort(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.abort()
        if self._response is not None:
            self._fail(ResponseError("The connection to the origin was closed."))


class HttpClient:
    """A pool of HTTP/1.1 connections; `request()` returns once the answer's head arrived."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._keepalive: dict[tuple[str, str, int], float] = {}
        self._all: set[_Connection] = set()

    async def request(
        self,
        method: str,
        scheme: str,
        host: str,
        port: int,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes = b"",
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        keepalive_timeout: float = 5.0,
    ) -> Response:
        key = (scheme, host, port)
        self._keepalive[key] = keepalive_timeout
        data = self._serialize(method, host, port, scheme, target, headers, body)
        conn = self._acquire(key)
        if conn is not None:
            try:
                return await conn.send(data, method, read_timeout)
            except StaleConnection:
                self._all.discard(conn)
        conn = await self._connect(key, connect_timeout)
        return await conn.send(data, method, read_timeout)

    @staticmethod
    def _serialize(method: str, host: str, port: int, scheme: str, target: bytes,
                   headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        parts = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        has_host = False
        for name, value in headers:
            if not has_host and name.lower() == b"host":
                has_host = True
            parts += (name, b": ", value, b"\r\n")
        if not has_host:
            default = 443 if scheme == "https" else 80
            authority = host if port == default else f"{host}:{port}"
            parts += (b"Host: ", authority.encode("idna" if not authority.isascii() else "ascii"), b"\r\n")
        if body or method not in BODYLESS_METHODS:
            parts += (b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n")
        parts.append(b"\r\n")
        if body:
            parts.append(body)
        return b"".join(parts)

    def _acquire(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            conn = idle.pop()
            if conn.idle_handle is not None:
                conn.idle_handle.cancel()
                conn.idle_handle = None
            if conn.closed or not conn.reusable or conn.transport is None or conn.transport.is_closing() or now >= conn.idle_until:
                conn.abort()
                self._all.discard(conn)
                continue
            return conn
        return None

    async def _connect(self, key: tuple[str, str, int], timeout: float) -> _Connection:
        scheme, host, port = key
        loop = asyncio.get_running_loop()
        context = None
        if scheme == "https":
            context = self._ssl or default_ssl_context()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self, key), host, port, ssl=context,
                                       server_hostname=host if context else None),
                timeout,
            )
        except asyncio.TimeoutError as exc:
            raise ConnectTimeout(f"No connection to {host}:{port} within {timeout:g} s.") from exc
        except socket.gaierror as exc:
            raise DnsError(f"Cannot resolve {host}: {exc}", exc.strerror) from exc
        except OSError as exc:
            raise ConnectError(f"Cannot connect to {host}:{port}: {exc}", exc.strerror) from exc
        self._all.add(conn)
        return conn

    def _release(self, conn: _Connection) -> None:
        loop = asyncio.get_running_loop()
        timeout = self._keepalive.get(conn.key, 5.0)
        conn.used = True
        conn.idle_until = loop.time() + timeout
        conn.idle_handle = loop.call_at(conn.idle_until, self._expire, conn)
        self._idle.setdefault(conn.key, []).append(conn)

    def _expire(self, conn: _Connection) -> None:
        conn.idle_handle = None
        idle = self._idle.get(conn.key)
        if idle and conn in idle:
            idle.remove(conn)
        self._all.discard(conn)
        conn.abort()

    def idle_count(self, key: tuple[str, str, int] | None = None) -> int:
        if key is not None:
            return len(self._idle.get(key, ()))
        return sum(len(v) for v in self._idle.values())

    async def close(self) -> None:
        for conn in list(self._all):
            conn.abort()
        self._all.clear()
        self._idle.clear()
