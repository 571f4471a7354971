"""Finished exchanges built by hand, as the pipeline and app would leave them."""

from __future__ import annotations

from edgesim.edge.exchange import Exchange, HookRun, Stage
from edgesim.edge.hooks import EdgeContext
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers

REQUEST_ID = "x5X8Y2bJ3yq6cV1eK0bZmN4dQ7rT9uW2aS5fG8hJ1kL3zX6cV9bN2m=="


def make_exchange(
    *,
    uri: str = "/index.html",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    status: int = 200,
    response_headers: list[tuple[str, str]] | None = None,
    result: str = "Miss",
    detail: str | None = None,
    hooks: list[HookRun] | None = None,
    stages: list[Stage] | None = None,
    error_reason: str = "",
) -> Exchange:
    request_headers = headers if headers is not None else [("Host", "d111111abcdef8.cloudfront.net"), ("User-Agent", "curl/8.5.0")]
    exchange = Exchange(
        context=EdgeContext(REQUEST_ID, "EDFDVBD6EXAMPLE", "d111111abcdef8.cloudfront.net", pop="FRA56-C1", region="eu-central-1"),
        viewer_request=EdgeRequest("GET", uri, query, Headers(request_headers), client_ip="192.0.2.10", client_port=53211),
        response=EdgeResponse(status, Headers(response_headers if response_headers is not None else [("Content-Type", "text/html"), ("Content-Length", "11")]), b"hello world"),
        result_type=result,
        result_detail=detail or "",
        error_reason=error_reason,
        hooks=hooks or [],
        stages=stages or [],
        started=1714557600.25,  # 2024-05-01 10:00:00.25 UTC
        request_bytes=120,
        bytes_sent=345,
        first_byte_ms=2.5,
        finished_ms=3.25,
    )
    return exchange
