"""What CloudFront refuses before it looks at a viewer request (spec caching §7.8, §7.10).

Oversize requests answer 413 and malformed ones 400; both close the connection (the
app does that for every `INVALID_REQUEST` answer), as AWS's request-behavior page says
for the size limits. Requests the HTTP parser itself refuses (smuggling attempts, bare CR
or LF, obs-fold, garbage) never get this far: uvicorn answers them 400 and closes.
"""

from __future__ import annotations

import re

from edgesim.edge.errors import INVALID_REQUEST, EdgeFailure
from edgesim.edge.model import EdgeRequest

MAX_URL_LENGTH = 8192
MAX_REQUEST_HEADER_BYTES = 20480

# RFC 9110 §7.2 Host: uri-host [ ":" port ]; a reg-name, an IPv4 address or an IP literal.
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$")


def request_limit_failure(request: EdgeRequest) -> EdgeFailure | None:
    """The failure for a request over CloudFront's URL or header-block limit, or malformed; else None."""
    target = request.target
    if len(target) > MAX_URL_LENGTH:
        return EdgeFailure(413, INVALID_REQUEST, f"The request URL is {len(target)} characters; CloudFront allows {MAX_URL_LENGTH}.")
    request_line = len(request.method) + len(target) + len("HTTP/1.1") + 4
    size = request_line + request.headers.raw_size() + 2
    if size > MAX_REQUEST_HEADER_BYTES:
        return EdgeFailure(
            413,
            INVALID_REQUEST,
            f"The request line and headers take {size} bytes; CloudFront allows {MAX_REQUEST_HEADER_BYTES}.",
        )
    return malformed_request_failure(request)


def malformed_request_failure(request: EdgeRequest) -> EdgeFailure | None:
    """A 400 for a request the parser let through but HTTP forbids (RFC 9112 §3.2-3.3).

    The target must be a path (`OPTIONS *` and authority forms have no object to serve),
    and an HTTP/1.1 request needs exactly one valid Host (CloudFront picks the
    distribution by it). An HTTP/1.0 request may come without one.
    """
    if not request.uri.startswith("/"):
        return EdgeFailure(400, INVALID_REQUEST, "The request target is not a path; CloudFront serves only origin-form targets.")
    hosts = request.headers.get_all("host")
    if len(hosts) > 1:
        return EdgeFailure(400, INVALID_REQUEST, "The request has more than one Host header.")
    if not hosts and request.http_version not in ("1.0", "0.9"):
        return EdgeFailure(400, INVALID_REQUEST, "The HTTP/1.1 request has no Host header.")
    if hosts and not _HOST.match(hosts[0].strip()):
        return EdgeFailure(400, INVALID_REQUEST, "The Host header is not a valid host name.")
    return None
