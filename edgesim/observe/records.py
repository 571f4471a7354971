"""An exchange as plain JSON-ready data, for the control API and the dashboard.

Taken once, when the request is done, so the record holds no live objects and a stored
body is at most `BODY_PREVIEW` bytes.
"""

from __future__ import annotations

from typing import Any

from edgesim.edge.exchange import Exchange, HookView
from edgesim.edge.model import Body, Headers

BODY_PREVIEW = 4096
TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")

SUMMARY_KEYS = (
    "id", "started", "method", "target", "status", "x_cache", "result_type", "detailed_result_type",
    "pop", "region", "duration_ms", "first_byte_ms", "stages", "hooks", "error_reason",
)


def body_preview(body: Body, headers: Headers) -> dict[str, Any]:
    """What the dashboard shows of a body: text up to BODY_PREVIEW bytes, or just its size."""
    if not isinstance(body, (bytes, bytearray)):
        return {"size": None, "text": None, "note": "streamed from the origin, not kept"}
    content_type = (headers.get("Content-Type") or "").lower()
    encoded = (headers.get("Content-Encoding") or "identity").lower() != "identity"
    if not body or encoded or not any(t in content_type for t in TEXT_TYPES):
        return {"size": len(body), "text": None, "note": "" if not body else "binary or encoded"}
    text = bytes(body[:BODY_PREVIEW]).decode("utf-8", "replace")
    return {"size": len(body), "text": text, "note": "truncated" if len(body) > BODY_PREVIEW else ""}


def exchange_record(exchange: Exchange) -> dict[str, Any]:
    """The full detail of one exchange: request in, response out, stages, hook runs and logs."""
    request, response, context = exchange.viewer_request, exchange.response, exchange.context
    behavior = exchange.behavior
    return {
        "id": context.request_id,
        "started": exchange.started,
        "method": request.method,
        "target": request.target,
        "status": response.status if response else None,
        "x_cache": response.headers.get("X-Cache") if response else None,
        "result_type": exchange.result_type,
        "detailed_result_type": exchange.detailed_result_type,
        "pop": context.pop,
        "region": context.region,
        "behavior": behavior.path_pattern if behavior else None,
        "duration_ms": round(exchange.finished_ms or exchange.elapsed_ms, 3),
        "first_byte_ms": round(exchange.first_byte_ms, 3),
        "request_bytes": exchange.request_bytes,
        "bytes_sent": exchange.bytes_sent,
        "viewer_aborted": exchange.viewer_aborted,
        "error_reason": exchange.error_reason,
        "stages": [{"name": s.name, "duration_ms": round(s.duration_ms, 3), "detail": s.detail} for s in exchange.stages],
        "hooks": [
            {
                "event_type": h.event_type,
                "function": h.function,
                "duration_ms": round(h.duration_ms, 3),
                "outcome": h.outcome,
                "logs": list(h.logs),
                "version": h.version,
                "seen": _view(h.seen),
                "returned": _view(h.returned),
            }
            for h in exchange.hooks
        ],
        "request": {
            "method": request.method,
            "target": request.target,
            "http_version": request.http_version,
            "scheme": request.scheme,
            "client": f"{request.client_ip}:{request.client_port}",
            "headers": [list(pair) for pair in request.headers],
            "body": body_preview(request.body, request.headers),
        },
        "response": None
        if response is None
        else {
            "status": response.status,
            "headers": [list(pair) for pair in response.headers],
            "body": body_preview(response.body, response.headers),
        },
    }


def _view(view: HookView | None) -> dict[str, Any] | None:
    # The snapshot's tuple of pairs is already immutable; JSON writes it as arrays.
    return None if view is None else {"line": view.line, "headers": view.headers}


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a record the live timeline needs (no headers, no bodies)."""
    return {key: record[key] for key in SUMMARY_KEYS}
