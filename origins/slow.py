"""An origin that takes its time: `?delay=S` before the headers, `?drip=S` between body chunks."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from starlette.types import Receive, Scope, Send


async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    query = parse_qs(scope.get("query_string", b"").decode())
    delay = float(query.get("delay", ["5"])[0])
    drip = float(query.get("drip", ["0"])[0])
    chunks = int(query.get("chunks", ["4"])[0])
    await asyncio.sleep(delay)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for i in range(chunks):
        if drip:
            await asyncio.sleep(drip)
        await send({"type": "http.response.body", "body": f"chunk {i}\n".encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b""})
