"""Cutting a viewer's Range request out of a fully cached object (spec 7.2).

CloudFront serves ranges from a cached full object itself. Multi-range requests must be
ascending and non-overlapping; anything malformed gets the whole object as a 200, and a
range wholly past the end gets 416 (which is never cached).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace

from edgesim.edge.model import EdgeResponse

_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class _Invalid(Exception):
    pass


def _parse(header: str, size: int) -> list[tuple[int, int]]:
    """Satisfiable (first, last) byte pairs, [] when none is; raises _Invalid for a bad header."""
    unit, eq, specs = header.partition("=")
    if not eq or unit.strip().lower() != "bytes":
        raise _Invalid
    out: list[tuple[int, int]] = []
    for spec in specs.split(","):
        m = _SPEC.match(spec)
        if m is None or m.group(1) == m.group(2) == "":
            raise _Invalid
        first, last = m.group(1), m.group(2)
        if first == "":  # suffix: the last N bytes
            n = int(last)
            if n == 0:
                continue
            start, end = max(0, size - n), size - 1
        else:
            start = int(first)
            end = size - 1 if last == "" else int(last)
            if end < start:
                raise _Invalid
            if start >= size:
                continue
            end = min(end, size - 1)
        out.append((start, end))
    for (_, prev_end), (start, _) in zip(out, out[1:]):
        if start <= prev_end:
            raise _Invalid  # overlapping or descending
    return out


def _if_range_matches(if_range: str, response: EdgeResponse) -> bool:
    if if_range.startswith('"') or if_range.startswith("W/"):
        etag = response.headers.get("ETag")
        return etag is not None and not if_range.startswith("W/") and etag == if_range
    return response.headers.get("Last-Modified") == if_range


def serve_range(
    response: EdgeResponse,
    range_header: str | None,
    *,
    if_range: str | None = None,
    boundary: str | None = None,
) -> EdgeResponse:
    """The viewer's answer for `Range: range_header` from a cached 200 with a bytes body."""
    if range_header is None or response.status != 200 or response.is_streamed:
        return response
    if if_range is not None and not _if_range_matches(if_range, response):
        return response
    body = bytes(response.body)  # type: ignore[arg-type]
    size = len(body)
    try:
        ranges = _parse(range_header, size)
    except _Invalid:
        return response
    if not ranges:
        headers = response.headers.copy()
        headers.set("Content-Range", f"bytes */{size}")
        headers.set("Content-Length", "0")
        return replace(response, status=416, headers=headers, body=b"")
    headers = response.headers.copy()
    if len(ranges) == 1:
        start, end = ranges[0]
        part = body[start : end + 1]
        headers.set("Content-Range", f"bytes {start}-{end}/{size}")
        headers.set("Content-Length", str(len(part)))
        return replace(response, status=206, headers=headers, body=part)
    boundary = boundary or secrets.token_hex(12)
    content_type = response.headers.get("Content-Type")
    chunks: list[bytes] = []
    for start, end in ranges:
        head = f"--{boundary}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        head += f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n"
        chunks += [head.encode("latin-1"), body[start : end + 1], b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode("latin-1"))
    data = b"".join(chunks)
    headers.set("Content-Type", f"multipart/byteranges; boundary={boundary}")
    headers.set("Content-Length", str(len(data)))
    return replace(response, status=206, headers=headers, body=data)
