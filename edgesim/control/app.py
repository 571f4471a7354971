"""The control API and dashboard of a running edge, served on its own loopback port.

JSON for scripts and the page alike: recent requests and their detail, a live event
stream (server-sent events), cache contents per tier, invalidations in CloudFront's
request shape, and the functions with their published versions and rollouts. The page
itself is plain HTML and JavaScript shipped in the package, so it works with no internet
access, and carries a snapshot of the recent requests so it shows data before any stream.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from edgesim.cache.store import validate_invalidation_path
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from edgesim.config.model import EdgeConfig
from edgesim.observe.recorder import Recorder

STATIC = Path(__file__).resolve().parent / "static"
SNAPSHOT_ELEMENT = '<script id="snapshot" type="application/json">{}</script>'


def functions_view(config: EdgeConfig, replication: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each function and Lambda of the config: runtime, code, where it is associated, versions.

    `current` and `versions` are the published versions (`replication`, as
    `Edge.function_versions()` gives it), so a publish shows without a reload.
    """
    associations: dict[str, list[dict[str, Any]]] = {}
    for behavior in config.distribution.all_behaviors():
        for assoc in behavior.associations:
            associations.setdefault(assoc.name, []).append(
                {"path_pattern": behavior.path_pattern, "event_type": assoc.event_type, "arn": assoc.arn,
                 "version": assoc.version}
            )
    rows = []
    for kind, table in (("function", config.functions), ("lambda", config.lambdas)):
        for name, item in table.items():
            state = replication.get(name, {})
            rows.append(
                {
                    "name": name,
                    "kind": kind,
                    "runtime": item.runtime,
                    "code": str(item.code_path),
                    "associations": associations.get(name, []),
                    "current": f"v{state['live']}" if state.get("live") else None,
                    "status": state.get("status"),
                    "versions": [
                        {"version": f"v{v['version']}", "fingerprint": v["fingerprint"], "loaded_at": v["created_at"]}
                        for v in state.get("versions", [])
                    ],
                }
            )
    return rows


def invalidation_paths(document: Any) -> list[str]:
    """The paths of a CreateInvalidation body, `{"Paths": {"Items": [...]}}` (raises ValueError)."""
    try:
        items = document["Paths"]["Items"]
    except (TypeError, KeyError) as exc:
        raise ValueError('expected {"Paths": {"Items": ["/path", ...]}}') from exc
    if not isinstance(items, list) or not items:
        raise ValueError("Paths.Items must be a non-empty list")
    for path in items:
        if not isinstance(path, str):
            raise ValueError(f"each path must be a string, got {path!r}")
        validate_invalidation_path(path)
    return items


def sse_message(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def inline_json(data: Any) -> str:
    """JSON safe inside a `<script>` element: no `</script>`, comment or entity can start in it."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_with_snapshot(page: str, snapshot: dict[str, Any]) -> str:
    """The dashboard page with what `/api/edge` and `/api/requests` would answer now, built in.

    The page draws it before the event stream opens, so a screenshot taken at the load
    event (a plain `chromium --headless --screenshot`) shows data, not "connecting".
    """
    return page.replace(SNAPSHOT_ELEMENT.format("null"), SNAPSHOT_ELEMENT.format(inline_json(snapshot)), 1)


def build_control_app(edge: Any, recorder: Recorder) -> Starlette:
    """The control app for `edge` (an `Edge`); `recorder` must be one of the edge's observers."""
    page = (STATIC / "index.html").read_text("utf-8")

    def about_view() -> dict[str, Any]:
        distribution = edge.config.distribution
        return {"distribution_id": distribution.id, "domain_name": distribution.domain_name,
                "pop": edge.topology.pop().code, "kept": recorder.capacity}

    async def index(request: Request) -> Response:
        snapshot = {"edge": about_view(), "requests": recorder.recent(), "taken_at": time.time()}
        return HTMLResponse(page_with_snapshot(page, snapshot), headers={"Cache-Control": "no-store"})

    async def about(request: Request) -> Response:
        return JSONResponse(about_view())

    async def requests(request: Request) -> Response:
        return JSONResponse({"requests": recorder.recent()})

    async def request_detail(request: Request) -> Response:
        record = recorder.get(request.path_params["request_id"])
        if record is None:
            return JSONResponse({"message": "no such request (only recent ones are kept)"}, status_code=404)
        return JSONResponse(record)

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            yield "retry: 1000\n\n"
            async for kind, data in recorder.subscribe():
                yield sse_message(kind, data)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    async def cache(request: Request) -> Response:
        return JSONResponse(edge.cache_entries())

    async def invalidate(request: Request) -> Response:
        try:
            paths = invalidation_paths(await request.json())
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            return JSONResponse({"message": str(exc)}, status_code=400)
        removed = edge.invalidate(paths)
        invalidation = {
            "Id": "I" + uuid.uuid4().hex[:13].upper(),
            "Status": "Completed",
            "CreateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "InvalidationBatch": {"Paths": {"Quantity": len(paths), "Items": paths}},
        }
        recorder.publish("invalidation", {"paths": paths, "removed": removed})
        return JSONResponse({"Invalidation": invalidation, "Removed": removed}, status_code=201)

    async def functions(request: Request) -> Response:
        replication = edge.function_versions()
        return JSONResponse({"functions": functions_view(edge.config, replication), "replication": replication})

    async def publish(request: Request) -> Response:
        # `edgesim publish NAME` posts here (edgesim/topology/command.py).
        from edgesim.edge.assembly import PublishError

        try:
            published = edge.publish(request.path_params["name"])
        except PublishError as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)
        recorder.publish("publish", {k: published[k] for k in ("name", "version", "published")})
        return JSONResponse(published)

    routes = [
        Route("/", index),
        Route("/api/edge", about),
        Route("/api/requests", requests),
        Route("/api/requests/{request_id}", request_detail),
        Route("/api/events", events),
        Route("/api/cache", cache),
        Route("/api/invalidations", invalidate, methods=["POST"]),
        Route("/api/functions", functions),
        Route("/api/functions/{name}/publish", publish, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)
