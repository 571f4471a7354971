"""Raw-socket helpers: a recording origin and a strict reader of HTTP/1.1 answers.

The origin is a small asyncio server (no framework) that writes down every request line
and header block it receives, so a test can prove what reached it and what did not.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field


@dataclass
class Seen:
    method: str
    target: str
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class RecordingOrigin:
    """A keep-alive HTTP/1.1 origin that answers 200 with what it saw, as JSON."""

    seen: list[Seen] = field(default_factory=list)
    server: asyncio.base_events.Server | None = None
    port: int = 0

    async def start(self) -> RecordingOrigin:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def targets(self) -> list[str]:
        return [s.target for s in self.seen]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(1000):
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head[:-4].split(b"\r\n")
                method, target, _ = lines[0].decode("latin-1").split(" ", 2)
                headers = [tuple(x.strip() for x in line.split(b":", 1)) for line in lines[1:]]
                length = next((int(v) for n, v in headers if n.lower() == b"content-length"), 0)
                body = await reader.readexactly(length) if length else b""
                self.seen.append(Seen(method, target, headers, body))  # type: ignore[arg-type]
                payload = json.dumps({"target": target, "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in headers]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


@dataclass
class Conversation:
    """Everything read back on one connection: the answers in order, and whether it closed."""

    answers: list[Answer]
    closed: bool
    leftover: bytes

    @property
    def statuses(self) -> list[int]:
        return [a.status for a in self.answers]


def parse_answers(data: bytes, *, head_only: bool = False) -> tuple[list[Answer], bytes]:
    """Split a byte stream into HTTP/1.1 responses (Content-Length or chunked bodies)."""
    answers: list[Answer] = []
    while b"\r\n\r\n" in data:
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers = [tuple(p.strip().decode("latin-1") for p in line.split(b":", 1)) for line in lines[1:]]
        values = {n.lower(): v for n, v in headers}  # type: ignore[misc]
        if status == 100:
            answers.append(Answer(status, headers, b""))  # type: ignore[arg-type]
            data = rest
            continue
        if head_only or status in (204, 304):
            body, data = b"", rest
        elif "content-length" in values:
            length = int(values["content-length"])
            if len(rest) < length:
                break
            body, data = rest[:length], rest[length:]
        elif values.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                body += rest[:size]
                rest = rest[size + 2 :]
                if size == 0:
                    break
            data = rest
        else:
            body, data = rest, b""
        answers.append(Answer(status, headers, body))  # type: ignore[arg-type]
    return answers, data


async def converse(port: int, data: bytes, *, quiet_for: float = 1.0, chunks: list[bytes] | None = None,
                   pause: float = 0.0) -> Conversation:
    """Send `data` (or `chunks` with `pause` between them) and read until the edge closes
    or stays quiet for `quiet_for` seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in chunks or [data]:
            writer.write(part)
            await writer.drain()
            if pause:
                await asyncio.sleep(pause)
    except ConnectionError:
        pass
    received = b""
    closed = False
    try:
        for _ in range(10_000):
            chunk = await asyncio.wait_for(reader.read(65536), quiet_for)
            if not chunk:
                closed = True
                break
            received += chunk
    except asyncio.TimeoutError:
        pass
    except ConnectionError:
        closed = True
    writer.close()
    answers, leftover = parse_answers(received)
    return Conversation(answers, closed, leftover)
