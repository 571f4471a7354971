"""Access logs in CloudFront's standard log format, so existing log parsers read them.

One tab-separated line per request with the 33 fields of spec §7.11 in order, after the
`#Version` and `#Fields` header lines. Values are URL-encoded with CloudFront's character
list and a missing value is `-`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TextIO

from edgesim.edge.exchange import Exchange
from edgesim.observe.outputs import open_output

VERSION_LINE = "#Version: 1.0"

# Characters CloudFront writes as %XX besides ASCII 0-32 and >= 127 (spec §7.11).
ENCODED_CHARACTERS = frozenset('<>"#%{}|\\^~[]`\' ')

PROTOCOL_VERSIONS = {"0.9": "HTTP/0.9", "1.0": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2.0", "3": "HTTP/3.0"}
CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/")


def encode_value(value: str) -> str:
    """CloudFront's RFC 1738-style encoding; bytes outside latin-1 are encoded as UTF-8."""
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode("utf-8")
    return "".join(
        f"%{b:02X}" if b <= 32 or b >= 127 or chr(b) in ENCODED_CHARACTERS else chr(b) for b in raw
    )


def _header(exchange: Exchange, name: str) -> str | None:
    return exchange.viewer_request.headers.get(name)


def _response_header(exchange: Exchange, name: str) -> str | None:
    return exchange.response.headers.get(name) if exchange.response else None


def _range(exchange: Exchange, group: int) -> str | None:
    match = CONTENT_RANGE.match(_response_header(exchange, "Content-Range") or "")
    return match.group(group) if match else None


def _finished(exchange: Exchange) -> time.struct_time:
    return time.gmtime(exchange.started + exchange.finished_ms / 1000.0)


def _status(exchange: Exchange) -> str:
    if exchange.response is None or (exchange.viewer_aborted and exchange.bytes_sent == 0):
        return "000"
    return str(exchange.response.status)


def _result_after_last_byte(exchange: Exchange) -> str:
    """Field 14 is decided after the last byte: a viewer that hung up turns it into Error."""
    return "Error" if exchange.viewer_aborted else exchange.result_type


def _seconds(ms: float) -> str:
    return f"{ms / 1000.0:.3f}"


Field = Callable[[Exchange], "str | int | None"]

# The 33 fields of spec §7.11, in CloudFront's order: (name in the #Fields line, value).
FIELDS: list[tuple[str, Field]] = [
    ("date", lambda x: time.strftime("%Y-%m-%d", _finished(x))),
    ("time", lambda x: time.strftime("%H:%M:%S", _finished(x))),
    ("x-edge-location", lambda x: x.context.pop),
    ("sc-bytes", lambda x: x.bytes_sent),
    ("c-ip", lambda x: x.viewer_request.client_ip),
    ("cs-method", lambda x: x.viewer_request.method),
    ("cs(Host)", lambda x: x.context.distribution_domain_name),
    ("cs-uri-stem", lambda x: x.viewer_request.uri),
    ("sc-status", _status),
    ("cs(Referer)", lambda x: _header(x, "Referer")),
    ("cs(User-Agent)", lambda x: _header(x, "User-Agent")),
    ("cs-uri-query", lambda x: x.viewer_request.querystring or None),
    ("cs(Cookie)", lambda x: None),  # replaced when cookie logging is on (AccessLog.include_cookies)
    ("x-edge-result-type", _result_after_last_byte),
    ("x-edge-request-id", lambda x: x.context.request_id),
    ("x-host-header", lambda x: _header(x, "Host")),
    ("cs-protocol", lambda x: x.viewer_request.scheme),
    ("cs-bytes", lambda x: x.request_bytes),
    ("time-taken", lambda x: _seconds(x.finished_ms)),
    ("x-forwarded-for", lambda x: _header(x, "X-Forwarded-For")),
    ("ssl-protocol", lambda x: None),  # edgesim's viewer side is plain HTTP
    ("ssl-cipher", lambda x: None),
    ("x-edge-response-result-type", lambda x: x.result_type),
    ("cs-protocol-version", lambda x: PROTOCOL_VERSIONS.get(x.viewer_request.http_version)),
    ("fle-status", lambda x: None),  # field-level encryption is not emulated
    ("fle-encrypted-fields", lambda x: None),
    ("c-port", lambda x: x.viewer_request.client_port),
    ("time-to-first-byte", lambda x: _seconds(x.first_byte_ms)),
    ("x-edge-detailed-result-type", lambda x: "Error" if x.viewer_aborted else x.detailed_result_type),
    ("sc-content-type", lambda x: _response_header(x, "Content-Type")),
    ("sc-content-len", lambda x: _response_header(x, "Content-Length")),
    ("sc-range-start", lambda x: _range(x, 1)),
    ("sc-range-end", lambda x: _range(x, 2)),
]

FIELD_NAMES = [name for name, _ in FIELDS]
FIELDS_LINE = "#Fields: " + " ".join(FIELD_NAMES)


def log_record(exchange: Exchange, *, include_cookies: bool = False) -> str:
    """One access-log line (no newline) for a finished exchange."""
    values = []
    for name, read in FIELDS:
        value = _header(exchange, "Cookie") if include_cookies and name == "cs(Cookie)" else read(exchange)
        values.append("-" if value is None or value == "" else encode_value(str(value)))
    return "\t".join(values)


class AccessLog:
    """Observer that appends one record per request; header lines go first on a fresh stream.

    `include_cookies` is CloudFront's `Logging.IncludeCookies`: without it `cs(Cookie)` is `-`.
    """

    def __init__(self, stream: TextIO, *, include_cookies: bool = False, write_header: bool = True) -> None:
        self.stream = stream
        self.include_cookies = include_cookies
        if write_header:
            stream.write(f"{VERSION_LINE}\n{FIELDS_LINE}\n")
            stream.flush()

    @classmethod
    def to(cls, target: str, *, include_cookies: bool = False) -> AccessLog:
        """An access log on stdout (`-`) or appended to a file, with header lines only on a fresh one."""
        stream, fresh = open_output(target)
        return cls(stream, include_cookies=include_cookies, write_header=fresh)

    def __call__(self, exchange: Exchange) -> None:
        self.stream.write(log_record(exchange, include_cookies=self.include_cookies) + "\n")
        self.stream.flush()
