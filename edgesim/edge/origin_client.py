"""Fetch from an origin the way CloudFront does: attempts, timeouts and streamed bodies.

The HTTP/1.1 client underneath is edgesim's own (`edge/http_client.py`: asyncio Protocols
and httptools): aiohttp's `ClientSession._request` was ~30 % of a proxied request's CPU
(bench/README.md). aiohttp had replaced httpx, which served ~450 req/s against aiohttp's
~8,100 as a pooled proxy client (bench/test_origin_client.py keeps that comparison).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from edgesim.cache.forwarding import OriginRequest
from edgesim.config.model import Origin
from edgesim.edge.errors import (
    ORIGIN_COMM_ERROR,
    ORIGIN_CONNECT_ERROR,
    ORIGIN_DNS_ERROR,
    ORIGIN_READ_ERROR,
    EdgeFailure,
)
from edgesim.edge.http_client import (
    ConnectError,
    ConnectTimeout,
    DnsError,
    HttpClient,
    HttpError,
    ReadTimeout,
    Response,
)
from edgesim.edge.model import EdgeResponse, Headers

log = logging.getLogger("edgesim.origin")

# Bodies up to this size are read whole (hooks and the cache want bytes); larger or
# unsized ones are streamed through to the viewer.
BUFFER_LIMIT = 1024 * 1024
RETRIED_ON_READ_TIMEOUT = frozenset({"GET", "HEAD"})


class OriginError(Exception):
    """The origin could not be reached or did not answer in time."""

    def __init__(self, failure: EdgeFailure) -> None:
        super().__init__(failure.cause)
        self.failure = failure


class OriginClient:
    """One pooled HTTP/1.1 client for all origins of a running edge."""

    def __init__(self) -> None:
        self._client: HttpClient | None = None
        self._endpoints: dict[str, tuple[str, str, int, str]] = {}

    async def start(self) -> None:
        if self._client is None:
            self._client = HttpClient()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _endpoint(self, base_url: str) -> tuple[str, str, int, str]:
        """Scheme, host, port and path prefix (an `--origin ID=URL` may carry one)."""
        endpoint = self._endpoints.get(base_url)
        if endpoint is None:
            parts = urlsplit(base_url)
            scheme = parts.scheme.lower()
            port = parts.port or (443 if scheme == "https" else 80)
            endpoint = (scheme, parts.hostname or "", port, parts.path)
            self._endpoints[base_url] = endpoint
        return endpoint

    async def fetch(self, origin: Origin, request: OriginRequest, *, viewer_scheme: str = "http") -> EdgeResponse:
        """Send the request, retrying as CloudFront does; raise OriginError when it gives up."""
        await self.start()
        assert self._client is not None
        scheme, host, port, prefix = self._endpoint(origin.base_url(viewer_scheme))
        # The path and query go out byte for byte as the viewer sent them (the model holds
        # them as ISO-8859-1); characters beyond it (set by a function) go out as UTF-8.
        target = _target_bytes(prefix + request.target)
        headers = [(_wire(name), _wire(_as_sent(value))) for name, value in request.headers]
        failure: EdgeFailure | None = None
        for attempt in range(1, origin.connection_attempts + 1):
            try:
                response = await self._client.request(
                    request.method, scheme, host, port, target, headers, request.body,
                    connect_timeout=origin.connection_timeout, read_timeout=origin.read_timeout,
                    keepalive_timeout=origin.keepalive_timeout,
                )
            except DnsError as exc:
                failure = EdgeFailure(502, ORIGIN_DNS_ERROR, f"CloudFront wasn't able to resolve the origin domain name. ({exc})")
            except ConnectError as exc:
                failure = EdgeFailure(502, ORIGIN_CONNECT_ERROR, f"CloudFront wasn't able to connect to the origin. ({exc.strerror or exc})")
            except ConnectTimeout:
                failure = EdgeFailure(
                    504, ORIGIN_COMM_ERROR, f"CloudFront could not connect to the origin within {origin.connection_timeout:g} s."
                )
            except ReadTimeout:
                failure = EdgeFailure(
                    504, ORIGIN_READ_ERROR, f"The origin did not answer within the origin read timeout ({origin.read_timeout:g} s)."
                )
                if request.method not in RETRIED_ON_READ_TIMEOUT:
                    break
            except HttpError as exc:
                failure = EdgeFailure(502, ORIGIN_READ_ERROR, f"The origin closed the connection or sent an invalid response. ({exc})")
            else:
                return await self._to_edge_response(response, request.method)
            log.info("origin %s attempt %d/%d failed: %s", origin.id, attempt, origin.connection_attempts, failure.cause)
        assert failure is not None
        raise OriginError(failure)

    async def _to_edge_response(self, response: Response, method: str) -> EdgeResponse:
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers)
        length = response.content_length
        if method == "HEAD" or response.status in (204, 304):
            response.release()
            return EdgeResponse(response.status, headers, b"", response.reason)
        if length is not None and length <= BUFFER_LIMIT:
            try:
                body = await response.read()
            except HttpError as exc:
                response.release()
                raise OriginError(
                    EdgeFailure(502, ORIGIN_READ_ERROR, f"The origin's body ended early or was invalid. ({exc})")
                ) from exc
            return EdgeResponse(response.status, headers, body, response.reason)
        return EdgeResponse(response.status, headers, response.iter_chunks(), response.reason)


def _wire(text: str) -> bytes:
    """What aiohttp did with a header name or value: UTF-8 (ASCII stays ASCII)."""
    return text.encode("utf-8")


def _target_bytes(target: str) -> bytes:
    try:
        return target.encode("latin-1")
    except UnicodeEncodeError:
        return target.encode("utf-8")


def _as_sent(value: str) -> str:
    """A header value as aiohttp must get it for the origin to see the viewer's bytes.

    The model holds wire bytes decoded as ISO-8859-1, and aiohttp writes values as UTF-8:
    bytes that are valid UTF-8 are handed over decoded, so they go out unchanged. Bytes
    that are not (a lone 0xE9) cannot pass through aiohttp as they are; they go out as the
    UTF-8 of their ISO-8859-1 reading, which is CloudFront's own conversion for values
    a function sees. A value a function set with characters beyond ISO-8859-1 is sent
    as UTF-8, as CloudFront sends it.
    """
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
