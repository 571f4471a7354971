"""Static files with correct content types, ETag, Last-Modified and Range (Starlette's StaticFiles)."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

DEMO_SITE = Path(__file__).resolve().parent / "site"


class CacheControlled:
    """Adds one Cache-Control value to every answer, so caching can be tried against it."""

    def __init__(self, app: StaticFiles, cache_control: str | None) -> None:
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.cache_control:
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"cache-control", self.cache_control.encode())]
            await send(message)

        await self.app(scope, receive, send_with_header)


def static_app(root: Path, *, cache_control: str | None = None) -> Starlette:
    files = StaticFiles(directory=str(root), html=False, check_dir=True)
    return Starlette(routes=[Mount("/", app=CacheControlled(files, cache_control))])
