"""Messages between the supervisor and its workers: pickled tuples, each after its length.

Pickle is safe here: the socket lives in a directory only this user can enter, and both
ends are edgesim processes of one `serve`.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from collections.abc import Callable
from typing import Any

LENGTH = struct.Struct(">I")
Message = tuple[Any, ...]


def frame(message: Message) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(payload)) + payload


class MessageProtocol(asyncio.Protocol):
    """Splits the byte stream into messages and hands each to `on_message`, in order."""

    def __init__(self, on_message: Callable[[MessageProtocol, Message], None],
                 on_lost: Callable[[MessageProtocol], None] | None = None) -> None:
        self.on_message = on_message
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while len(buffer) - start >= LENGTH.size:
            (size,) = LENGTH.unpack_from(buffer, start)
            end = start + LENGTH.size + size
            if len(buffer) < end:
                break
            with memoryview(buffer) as view:
                message = pickle.loads(view[start + LENGTH.size:end])
            start = end
            self.on_message(self, message)
        del buffer[:start]

    def send(self, message: Message) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(message))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.on_lost is not None:
            self.on_lost(self)
