"""Serve an ASGI app with uvicorn, keeping the header case the viewer sent.

ASGI lower-cases header names; CloudFront keeps the viewer's spelling (Lambda@Edge shows
it as each header's `key`). The protocol below records the original names in a scope
extension; the app pairs them back with the lower-cased list.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_NAMES_EXTENSION = "edgesim.header_names"


class CoalescingTransport:
    """Holds what a response writes until the end of the loop turn, then sends it at once.

    uvicorn writes a response's head when the app sends `http.response.start` and its
    body with the next message, two `send()` calls where one does; both happen in the
    same loop turn, so gathering them costs no latency and saves a syscall per request.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(d) for d in self._pending)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CaseKeepingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the header names as they arrived, writing through
    a `CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_names: list[bytes] = []
        self.scope["extensions"] = {HEADER_NAMES_EXTENSION: self._header_names}  # type: ignore[typeddict-unknown-key]

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_names.append(name)
        super().on_header(name, value)


def uvicorn_config(app: Any, *, host: str, port: int, sock: socket.socket | None = None, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=CaseKeepingHttpToolsProtocol,
        lifespan="auto",
        log_level=log_level,
        access_log=False,
        server_header=False,
        date_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=3,
    )


class BackgroundServer:
    """A uvicorn server on an already bound socket, run as a task of the current loop."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.sock = bind_socket(host, port)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(uvicorn_config(app, host=host, port=self.port, log_level=log_level))
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        self.server.config.setup_event_loop = lambda: None  # type: ignore[method-assign]
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task


def bind_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket with TCP_NODELAY, which accepted connections inherit.

    The protocol must be IPPROTO_TCP, not 0: asyncio only turns Nagle off on sockets it
    recognises as TCP, and with Nagle on a keep-alive answer written in two parts waits
    for the peer's delayed ACK (40 ms on Linux). With `reuse_port`, each worker of
    `serve --workers` listens on the port with a socket of its own (SO_REUSEPORT).
    """
    sock = _tcp_socket(host, reuse_port=reuse_port)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def reserve_port(host: str, port: int) -> socket.socket:
    """Hold `host:port` for workers to listen on with SO_REUSEPORT, without listening here.

    The kernel spreads new connections over the listening sockets of the port, one per
    worker; sharing one listening socket instead let whichever worker woke first take
    most of a load test's connections (measured: 255 against 5 µs of CPU per request).
    """
    with _tcp_socket(host, reuse_port=False) as probe:
        probe.bind((host, port))  # fails, as `bind_socket` would, while anything else holds the port,
        port = probe.getsockname()[1]  # even another edge whose workers listen with SO_REUSEPORT
    sock = _tcp_socket(host, reuse_port=True)
    sock.bind((host, port))
    return sock


def _tcp_socket(host: str, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock
