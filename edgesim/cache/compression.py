"""Edge compression: when CloudFront compresses an origin response, and how (spec 7.3, 9.9).

`compression_for` says yes or no with the reason (the gates fail silently in CloudFront,
so edgesim reports which one closed); `compress` rewrites the response.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, replace

import brotli

from edgesim.cache.policies import CachePolicy
from edgesim.edge.model import EdgeResponse, Headers

COMPRESSIBLE_TYPES = frozenset(
    {
        "application/dash+xml", "application/eot", "application/font", "application/font-sfnt",
        "application/javascript", "application/json", "application/opentype", "application/otf",
        "application/pkcs7-mime", "application/protobuf", "application/rss+xml",
        "application/truetype", "application/ttf", "application/vnd.apple.mpegurl",
        "application/vnd.mapbox-vector-tile", "application/vnd.ms-fontobject",
        "application/xhtml+xml", "application/xml", "application/x-font-opentype",
        "application/x-font-truetype", "application/x-font-ttf", "application/x-httpd-cgi",
        "application/x-javascript", "application/x-mpegurl", "application/x-opentype",
        "application/x-otf", "application/x-perl", "application/x-ttf", "font/eot", "font/opentype",
        "font/otf", "font/ttf", "image/svg+xml", "text/css", "text/csv", "text/html",
        "text/javascript", "text/js", "text/plain", "text/richtext", "text/tab-separated-values",
        "text/xml", "text/x-component", "text/x-java-source", "text/x-script", "vnd.apple.mpegurl",
    }
)
COMPRESSIBLE_STATUSES = frozenset({200, 403, 404})
MIN_BYTES = 1_000
MAX_BYTES = 10_000_000


@dataclass(frozen=True)
class CompressionChoice:
    """`encoding` is `br`, `gzip` or None; `reason` names the gate that decided."""

    encoding: str | None
    reason: str


def compression_for(
    accept_encoding: str | None,
    status: int,
    headers: Headers,
    body: bytes,
    *,
    policy: CachePolicy,
    behavior_compress: bool,
) -> CompressionChoice:
    """Whether CloudFront would compress this response for this viewer.

    `accept_encoding` is the normalised value from the cache key (`br,gzip`, `br`,
    `gzip` or None), so it already reflects the policy's flags.
    """
    if not behavior_compress:
        return CompressionChoice(None, "behavior has Compress=false")
    if policy.caching_disabled:
        return CompressionChoice(None, "cache policy TTLs are all 0")
    if not (policy.gzip or policy.brotli):
        return CompressionChoice(None, "cache policy enables neither gzip nor Brotli")
    if not policy.normalizes_accept_encoding:
        return CompressionChoice(None, "Accept-Encoding is listed as a cache key header")
    if not accept_encoding:
        return CompressionChoice(None, "viewer accepts neither enabled encoding")
    if status not in COMPRESSIBLE_STATUSES:
        return CompressionChoice(None, f"status {status} is not 200, 403 or 404")
    if "content-encoding" in headers:
        return CompressionChoice(None, "origin response already has Content-Encoding")
    raw_length = headers.get("Content-Length")
    if raw_length is None:
        return CompressionChoice(None, "no Content-Length")
    try:
        length = int(raw_length)
    except ValueError:
        return CompressionChoice(None, "invalid Content-Length")
    if length != len(body) or not body:
        return CompressionChoice(None, "Content-Length does not match the body")
    if not MIN_BYTES <= length <= MAX_BYTES:
        return CompressionChoice(None, f"size {length} outside 1,000-10,000,000 bytes")
    content_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if content_type not in COMPRESSIBLE_TYPES:
        return CompressionChoice(None, f"content type {content_type or '(none)'} is not compressible")
    encoding = "br" if "br" in accept_encoding.split(",") else "gzip"
    return CompressionChoice(encoding, "compressed")


def _weak_etag(etag: str) -> str | None:
    if etag.startswith("W/"):
        return etag
    if etag.startswith('"'):
        return f"W/{etag}"
    return None


def compress(response: EdgeResponse, encoding: str) -> EdgeResponse:
    """The response with its bytes body encoded as `encoding` (`br` or `gzip`)."""
    body = bytes(response.body)  # type: ignore[arg-type]  # callers read streams first
    data = brotli.compress(body) if encoding == "br" else gzip.compress(body, mtime=0)
    headers = response.headers.copy()
    headers.set("Content-Encoding", encoding)
    headers.set("Content-Length", str(len(data)))
    if (etag := headers.get("ETag")) is not None:
        weak = _weak_etag(etag)
        if weak is None:
            headers.remove("ETag")
        else:
            headers.set("ETag", weak)
    vary = [v.strip() for value in headers.get_all("Vary") for v in value.split(",") if v.strip()]
    if "accept-encoding" not in {v.lower() for v in vary}:
        headers.set("Vary", ", ".join([*vary, "Accept-Encoding"]))
    return replace(response, headers=headers, body=data)
