"""An origin that fails on purpose, so error paths can be seen.

`/status/NNN` answers that status; `/every/N` fails (503) every N-th request and answers
200 otherwise; `/drop` closes the connection without an answer.
"""

from __future__ import annotations

import itertools

from starlette.types import Receive, Scope, Send

_counter = itertools.count(1)


class DropConnection(Exception):
    """Raised before any response is sent: uvicorn then closes the connection."""


async def flaky_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    parts = scope["path"].strip("/").split("/")
    status = 200
    if parts[0] == "status" and len(parts) > 1 and parts[1].isdigit():
        status = int(parts[1])
    elif parts[0] == "every" and len(parts) > 1 and parts[1].isdigit():
        status = 503 if next(_counter) % int(parts[1]) == 0 else 200
    elif parts[0] == "drop":
        raise DropConnection("dropping the connection on purpose")
    body = f"flaky origin answered {status}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
