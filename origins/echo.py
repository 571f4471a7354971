"""Answers every request with the request it saw, as JSON: what the edge really forwarded."""

from __future__ import annotations

import base64
import json

from starlette.types import Receive, Scope, Send


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    try:
        body_text, encoding = body.decode("utf-8"), "text"
    except UnicodeDecodeError:
        body_text, encoding = base64.b64encode(body).decode(), "base64"
    names = scope.get("extensions", {}).get("edgesim.header_names")
    raw = scope["headers"]
    headers = [
        [(names[i] if names and len(names) == len(raw) else n).decode("latin-1"), v.decode("latin-1")]
        for i, (n, v) in enumerate(raw)
    ]
    seen = {
        "method": scope["method"],
        "path": (scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
        "query": scope.get("query_string", b"").decode("latin-1"),
        "headers": headers,
        "body": body_text,
        "bodyEncoding": encoding,
        "client": list(scope.get("client") or []),
    }
    payload = json.dumps(seen, indent=1).encode()
    status = 200
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload if scope["method"] != "HEAD" else b""})
