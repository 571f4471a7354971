"""The only HTTP types the pipeline knows.

Every hook runtime translates these to its own event shape and back; the pipeline, the
cache and the origin client never see a CloudFront Functions or Lambda@Edge event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union

Body = Union[bytes, AsyncIterator[bytes]]


class Headers:
    """An ordered multi-map of header fields that keeps each name's original case.

    Lookups are case-insensitive, as HTTP says; iteration yields the fields in the
    order they arrived, which CloudFront preserves towards the origin.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields: list[tuple[str, str]] = list(fields)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        lower = name.lower()
        return any(n.lower() == lower for n, _ in self._fields)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._fields == other._fields

    def __repr__(self) -> str:
        return f"Headers({self._fields!r})"

    def copy(self) -> Headers:
        return Headers(self._fields)

    def get(self, name: str, default: str | None = None) -> str | None:
        lower = name.lower()
        for n, v in self._fields:
            if n.lower() == lower:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [v for n, v in self._fields if n.lower() == lower]

    def add(self, name: str, value: str) -> None:
        self._fields.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every field of this name by one, at the place of the first."""
        lower = name.lower()
        out: list[tuple[str, str]] = []
        placed = False
        for n, v in self._fields:
            if n.lower() == lower:
                if not placed:
                    out.append((name, value))
                    placed = True
            else:
                out.append((n, v))
        if not placed:
            out.append((name, value))
        self._fields = out

    def remove(self, name: str) -> None:
        lower = name.lower()
        self._fields = [(n, v) for n, v in self._fields if n.lower() != lower]

    def names(self) -> list[str]:
        return [n for n, _ in self._fields]

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def raw_size(self) -> int:
        """Bytes these fields take on the wire as `Name: value\\r\\n` lines."""
        return sum(len(n) + len(v) + 4 for n, v in self._fields)


@dataclass
class EdgeRequest:
    """A viewer request as CloudFront holds it between hooks.

    `uri` is the path as received (still percent-encoded) and `querystring` the raw
    query without its `?`; CloudFront passes both through untouched unless a hook or
    a policy changes them.
    """

    method: str
    uri: str
    querystring: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    client_port: int = 0
    http_version: str = "1.1"
    scheme: str = "http"
    server_port: int = 0

    @property
    def target(self) -> str:
        return f"{self.uri}?{self.querystring}" if self.querystring else self.uri

    def copy(self) -> EdgeRequest:
        return EdgeRequest(
            method=self.method,
            uri=self.uri,
            querystring=self.querystring,
            headers=self.headers.copy(),
            body=self.body,
            client_ip=self.client_ip,
            client_port=self.client_port,
            http_version=self.http_version,
            scheme=self.scheme,
            server_port=self.server_port,
        )


@dataclass
class EdgeResponse:
    """A response on its way to the viewer: from an origin, the cache, a hook or CloudFront.

    `body` is bytes, or an async iterator of chunks for a response streamed from the
    origin. `status_description` is the reason phrase Lambda@Edge lets a function set.
    """

    status: int
    headers: Headers = field(default_factory=Headers)
    body: Body = b""
    status_description: str = ""

    @property
    def is_streamed(self) -> bool:
        return not isinstance(self.body, (bytes, bytearray))

    async def read(self) -> bytes:
        """Collect a streamed body into bytes (once) and keep them on the response."""
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body)
        chunks = [chunk async for chunk in self.body]
        self.body = b"".join(chunks)
        return self.body
