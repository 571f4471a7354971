"""The AWS Lambda Runtime API, served on loopback for edgesim's workers.

The API has no worker identity in its paths, so each worker gets its own port (its
`AWS_LAMBDA_RUNTIME_API`); one aiohttp app serves them all and tells workers apart by the
local port a request arrived on. Any process that speaks this API is a worker: edgesim's
bootstraps, `awslambdaric`, a custom `bootstrap`.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

PREFIX = "/2018-06-01/runtime"
MAX_PAYLOAD = 6 * 1024 * 1024  # Lambda's synchronous response limit
TOO_LARGE = "Function.ResponseSizeTooLarge"
# A worker that breaks the protocol mid-invocation: no usable result, so CloudFront's
# LambdaExecutionError, and the worker is replaced. (Lambda's own names for these are
# unpublished; these follow its `Runtime.*` pattern.)
WRONG_REQUEST_ID = "Runtime.InvalidRequestID"
TRUNCATED = "Runtime.TruncatedResponse"


class ProtocolViolation(Exception):
    """The worker broke the Runtime API during an invocation; it cannot be trusted again."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass
class RuntimeReply:
    """What a worker posted for one invocation: a result, or an error it reported."""

    ok: bool
    body: bytes
    error_type: str | None = None


@dataclass
class Invocation:
    """One event handed to one worker, and the reply it is waiting for."""

    payload: bytes
    function_arn: str
    timeout_s: float
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_ms: int = 0
    started: float = 0.0
    reply: asyncio.Future[RuntimeReply] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Channel:
    """A worker's side of the API: the invocation queue, and its init outcome.

    `ready` resolves when the worker first asks for an invocation (init done), or with
    the error it posted to /init/error.
    """

    def __init__(self, site: web.SockSite, port: int) -> None:
        self.site = site
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.queue: asyncio.Queue[Invocation | None] = asyncio.Queue()
        self.current: Invocation | None = None
        self.ready: asyncio.Future[RuntimeReply | None] = asyncio.get_running_loop().create_future()
        self.closed = False

    def dispatch(self, invocation: Invocation) -> None:
        self.queue.put_nowait(invocation)

    def resolve(self, request_id: str, reply: RuntimeReply) -> bool:
        """Settle the current invocation; an answer for another id fails it instead."""
        inv = self.current
        if inv is None:
            return False
        if inv.request_id != request_id:
            self.violate(ProtocolViolation(WRONG_REQUEST_ID, f"the runtime answered for request id {request_id!r}, "
                                           f"not the invocation in progress ({inv.request_id})"))
            return False
        self.current = None
        if not inv.reply.done():
            inv.reply.set_result(reply)
        return True

    def violate(self, violation: ProtocolViolation) -> None:
        """Fail the invocation in progress because the worker broke the protocol."""
        inv, self.current = self.current, None
        if inv is not None and not inv.reply.done():
            inv.reply.set_exception(violation)


class RuntimeApiServer:
    """One loopback HTTP server; a port per worker channel."""

    def __init__(self) -> None:
        self._channels: dict[int, Channel] = {}
        app = web.Application(client_max_size=MAX_PAYLOAD + 1024 * 1024)
        app.router.add_get(PREFIX + "/invocation/next", self._next)
        app.router.add_post(PREFIX + "/invocation/{id}/response", self._response)
        app.router.add_post(PREFIX + "/invocation/{id}/error", self._error)
        app.router.add_post(PREFIX + "/init/error", self._init_error)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self._runner.setup()
            self._started = True

    async def close(self) -> None:
        for channel in list(self._channels.values()):
            await self.close_channel(channel)
        if self._started:
            await self._runner.cleanup()
            self._started = False

    async def open_channel(self) -> Channel:
        """Listen on a fresh loopback port for one worker."""
        await self.start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        channel = Channel(site, port)
        self._channels[port] = channel
        return channel

    async def close_channel(self, channel: Channel) -> None:
        if channel.closed:
            return
        channel.closed = True
        self._channels.pop(channel.port, None)
        channel.queue.put_nowait(None)  # release a pending /next
        await channel.site.stop()

    def _channel(self, request: web.Request) -> Channel:
        port = request.transport.get_extra_info("sockname")[1]  # type: ignore[union-attr]
        channel = self._channels.get(port)
        if channel is None:
            raise web.HTTPGone(text='{"errorType":"WorkerGone"}', content_type="application/json")
        return channel

    async def _next(self, request: web.Request) -> web.StreamResponse:
        channel = self._channel(request)
        if not channel.ready.done():
            channel.ready.set_result(None)
        inv = await channel.queue.get()
        if inv is None:
            raise web.HTTPGone()
        channel.current = inv
        inv.started = time.perf_counter()
        inv.deadline_ms = int(time.time() * 1000 + inv.timeout_s * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": inv.function_arn,
            "Lambda-Runtime-Trace-Id": _trace_id(),
            "Content-Type": "application/json",
        }
        return web.Response(body=inv.payload, headers=headers)

    async def _response(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        try:
            body = await _read_body(request, channel)
        except web.HTTPRequestEntityTooLarge:
            body = None
        if body is None or len(body) > MAX_PAYLOAD:
            message = f"Response payload size exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes)."
            reply = RuntimeReply(False, _error_json(TOO_LARGE, message), TOO_LARGE)
            channel.resolve(request.match_info["id"], reply)
            return _json(413, {"errorType": "RequestEntityTooLarge", "errorMessage": "payload too large"})
        if not channel.resolve(request.match_info["id"], RuntimeReply(True, body)):
            return _invalid_request_id()
        return _accepted()

    async def _error(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        try:
            body = await _read_body(request, channel)
            reply = RuntimeReply(False, body, _error_type(request, body))
        except web.HTTPRequestEntityTooLarge:
            message = f"Error payload size exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes)."
            reply = RuntimeReply(False, _error_json(TOO_LARGE, message), TOO_LARGE)
        if not channel.resolve(request.match_info["id"], reply):
            return _invalid_request_id()
        return _accepted()

    async def _init_error(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        body = await request.read()
        if channel.ready.done():
            return _json(403, {"errorType": "InvalidStateTransition", "errorMessage": "init already done"})
        channel.ready.set_result(RuntimeReply(False, body, _error_type(request, body)))
        return _accepted()


async def _read_body(request: web.Request, channel: Channel) -> bytes:
    """The posted body; a worker that hangs up halfway fails the invocation in progress."""
    try:
        return await request.read()
    except (ConnectionError, asyncio.IncompleteReadError, aiohttp.ClientPayloadError) as exc:
        channel.violate(ProtocolViolation(TRUNCATED, f"the runtime hung up in the middle of its answer ({exc!r})"))
        raise web.HTTPBadRequest() from exc


def _error_type(request: web.Request, body: bytes) -> str:
    """The type a worker reported: its JSON `errorType`, else the header, else Lambda's default."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("errorType"), str):
        return parsed["errorType"]
    return request.headers.get("Lambda-Runtime-Function-Error-Type") or "Runtime.Unknown"


def error_message(body: bytes) -> str:
    """The `errorMessage` of an error a worker posted (or the raw body if it is not JSON)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    if isinstance(parsed, dict):
        return str(parsed.get("errorMessage", ""))
    return str(parsed)


def _error_json(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _json(status: int, body: dict[str, str]) -> web.Response:
    return web.json_response(body, status=status)


def _accepted() -> web.Response:
    return web.Response(status=202, body=b'{"status":"OK"}', content_type="application/json")


def _invalid_request_id() -> web.Response:
    return _json(400, {"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"})


def _trace_id() -> str:
    random = os.urandom(20).hex()
    return f"Root=1-{int(time.time()):08x}-{random[:24]};Parent={random[24:]};Sampled=0"
