"""An origin whose answers tests script per path, and which counts what reached it.

Served on a real loopback socket by uvicorn in the test's event loop, so a test can both
script it and read its counters without a second process.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from starlette.types import Receive, Scope, Send


@dataclass
class Script:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    etag: str | None = None


class CountingOrigin:
    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[dict] = []

    def script(self, path: str, **kwargs) -> Script:
        script = self.scripts[path] = Script(**kwargs)
        return script

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.hits[path] += 1
        self.requests.append({"method": scope["method"], "path": path, "headers": headers,
                              "query": scope["query_string"].decode()})
        script = self.scripts.get(path, Script())
        out = [(k.encode(), v.encode()) for k, v in script.headers]
        if script.etag:
            out.append((b"etag", script.etag.encode()))
            if headers.get("if-none-match") == script.etag:
                await send({"type": "http.response.start", "status": 304, "headers": out})
                await send({"type": "http.response.body", "body": b""})
                return
        body = script.body or f"{path} #{self.hits[path]}".encode()
        out.append((b"content-length", str(len(body)).encode()))
        if not any(k == b"content-type" for k, _ in out):
            out.append((b"content-type", b"text/plain"))
        await send({"type": "http.response.start", "status": script.status, "headers": out})
        await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})
