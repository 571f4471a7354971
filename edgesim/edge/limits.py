"""CloudFront's size limits on viewer requests (spec caching §7.10).

Both limits answer 413 and close the connection, as AWS's request-behavior page says.
"""

from __future__ import annotations

from edgesim.edge.errors import INVALID_REQUEST, EdgeFailure
from edgesim.edge.model import EdgeRequest

MAX_URL_LENGTH = 8192
MAX_REQUEST_HEADER_BYTES = 20480


def request_limit_failure(request: EdgeRequest) -> EdgeFailure | None:
    """The failure for a request over CloudFront's URL or header-block limit, else None."""
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
    return None
