"""The viewer-facing ASGI app: HTTP in, `EdgeRequest` to the pipeline, the answer back out.

A Starlette app with one catch-all route, so that lifespan and routing are Starlette's;
the route's endpoint speaks raw ASGI to keep the raw path and the header case and order
CloudFront keeps.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from edgesim.edge.errors import INVALID_REQUEST
from edgesim.edge.exchange import Exchange
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.edge.server import HEADER_NAMES_EXTENSION

log = logging.getLogger("edgesim.app")

Observer = Callable[[Exchange], None]


class Runtime(Protocol):
    """Something with worker processes or engines to start with the app and stop after it."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Served(Runtime, Protocol):
    """What the app serves: an `Edge`, which starts, stops and handles requests."""

    async def handle(self, request: EdgeRequest) -> Exchange: ...


def request_from_scope(scope: Scope, body: bytes) -> EdgeRequest:
    """Build the model from an ASGI scope, restoring header names as the viewer spelled them."""
    raw_headers = scope["headers"]
    names = scope.get("extensions", {}).get(HEADER_NAMES_EXTENSION)
    if names is not None and len(names) == len(raw_headers):
        pairs = [(n.decode("latin-1"), v.decode("latin-1")) for n, (_, v) in zip(names, raw_headers)]
    else:
        pairs = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw_headers]
    client = scope.get("client") or ("127.0.0.1", 0)
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return EdgeRequest(
        method=scope["method"],
        uri=raw_path.decode("latin-1").split("?", 1)[0],
        querystring=scope.get("query_string", b"").decode("latin-1"),
        headers=Headers(pairs),
        body=body,
        client_ip=client[0],
        client_port=client[1],
        http_version=scope.get("http_version", "1.1"),
        scheme=scope.get("scheme", "http"),
        server_port=(scope.get("server") or ("", 0))[1] or 0,
    )


class ViewerGone(Exception):
    """The viewer disconnected before its request body arrived whole."""


async def read_body(receive: Receive) -> bytes:
    """The whole request body; raises ViewerGone when the viewer leaves half-way, so a
    truncated request is never passed on (to a hook, the cache or the origin)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ViewerGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_response(response: EdgeResponse, send: Send, *, head: bool) -> int:
    """Write the response and return the bytes sent (status line and headers included).

    A bytes body gets an exact Content-Length; a stream is passed through as it comes.
    """
    headers = response.headers
    if isinstance(response.body, (bytes, bytearray)) and not head and response.status not in (204, 304):
        headers.set("Content-Length", str(len(response.body)))
    sent = len(f"HTTP/1.1 {response.status} \r\n\r\n") + headers.raw_size()
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(n.encode("latin-1"), _wire_value(v)) for n, v in headers],
        }
    )
    if head:
        await _drain(response)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return sent
    if isinstance(response.body, (bytes, bytearray)):
        await send({"type": "http.response.body", "body": bytes(response.body), "more_body": False})
        return sent + len(response.body)
    async for chunk in response.body:
        if chunk:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent += len(chunk)
    await send({"type": "http.response.body", "body": b"", "more_body": False})
    return sent


def _wire_value(value: str) -> bytes:
    """A header value's bytes: the model's ISO-8859-1 reading of wire bytes, or UTF-8 for
    characters beyond it (a value a function set as text; CloudFront sends UTF-8)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


async def _drain(response: EdgeResponse) -> None:
    if not isinstance(response.body, (bytes, bytearray)):
        async for _ in response.body:
            pass


class EdgeEndpoint:
    """The raw ASGI endpoint behind the catch-all route."""

    def __init__(self, served: Served, observers: Iterable[Observer] = ()) -> None:
        self.served = served
        self.observers = list(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await read_body(receive)
        except ViewerGone:
            return
        request = request_from_scope(scope, body)
        exchange = await self.served.handle(request)
        assert exchange.response is not None
        exchange.request_bytes = len(request.method) + len(request.target) + 12 + request.headers.raw_size() + len(request.body)
        exchange.first_byte_ms = exchange.elapsed_ms
        if exchange.detailed_result_type == INVALID_REQUEST:
            # CloudFront closes the connection after refusing an oversize or malformed request.
            exchange.response.headers.set("Connection", "close")
        try:
            exchange.bytes_sent = await send_response(exchange.response, send, head=request.method == "HEAD")
        except OSError:
            exchange.viewer_aborted = True
            raise
        finally:
            # Observed even when the viewer hung up mid-answer: the access log says 000/Error.
            exchange.finished_ms = exchange.elapsed_ms
            for observe in self.observers:
                try:
                    observe(exchange)
                except Exception:
                    log.exception("observer %r failed", observe)


class EdgeApp:
    """The viewer-facing ASGI app: HTTP straight to the edge endpoint, the rest to Starlette.

    Starlette runs the lifespan (start and stop the edge) and holds `state`; viewer
    requests skip its error, exception and routing middleware, which a catch-all raw
    endpoint does not need and which cost about 5 % of a proxied request.
    """

    def __init__(self, starlette: Starlette, endpoint: EdgeEndpoint) -> None:
        self.starlette = starlette
        self.endpoint = endpoint
        self.state = starlette.state

    def lifespan(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """Start and stop the edge without a server (the pytest plugin's in-process edge)."""
        return self.starlette.router.lifespan_context(self.starlette)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.endpoint(scope, receive, send)
        else:
            await self.starlette(scope, receive, send)


def build_app(served: Served, *, observers: Iterable[Observer] = ()) -> EdgeApp:
    """The edge as an ASGI app: `served` starts before the first request and stops after the last."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        await served.start()
        try:
            yield {}
        finally:
            await served.close()

    starlette = Starlette(lifespan=lifespan)
    starlette.state.edge = served
    # Every HTTP target reaches the pipeline, `OPTIONS *` included, which refuses what is
    # not a path with CloudFront's 400.
    return EdgeApp(starlette, EdgeEndpoint(served, observers))
