"""The child process that holds one function's QuickJS engine for `isolation.py`.

QuickJS's regular-expression engine (and a few other C routines) never polls the
interrupt that enforces the compute budget, so a run can only be stopped from outside.
This process runs one `Engine` and, around each run, arms a CPU-time timer (ITIMER_PROF)
whose signal keeps its default action: the kernel ends the process when a run burns
more CPU than `kill_seconds`, wherever it is. The parent sees the pipe close and says so.

Frames on stdin/stdout are a 4-byte big-endian length and a body: the first frame in is
the pickled `Setup` (trusted: it comes from the parent), every other frame is JSON.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import pickle
import signal
import struct
import sys
from dataclasses import dataclass
from typing import BinaryIO

from edgesim.functions.kvs import KeyValueStore
from edgesim.functions.limits import ComputeBudget
from edgesim.functions.runtime import Engine, LoadError, Run

_HEADER = struct.Struct(">I")
_RUN_FIELDS = tuple(f.name for f in dataclasses.fields(Run))  # asdict() would deep-copy the value
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Setup:
    """What the child needs to build the same engine the parent would have built."""

    name: str
    source: str
    runtime: str
    store: KeyValueStore | None
    budget: ComputeBudget
    seed: int | None
    kill_seconds: float


def read_frame(stream: BinaryIO) -> bytes | None:
    """One frame's body, or None at end of input."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    body = stream.read(_HEADER.unpack(header)[0])
    return body if len(body) == _HEADER.unpack(header)[0] else None


def frame(body: bytes) -> bytes:
    return _HEADER.pack(len(body)) + body


def _die_with_parent() -> None:
    """Ask Linux for SIGKILL when the parent dies, so a crashed edge leaves no worker."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed pipe still ends the loop below
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def serve(incoming: BinaryIO, outgoing: BinaryIO) -> None:
    """Build the engine, answer `ready`, then answer each run until the pipe closes."""
    raw = read_frame(incoming)
    if raw is None:
        return
    setup: Setup = pickle.loads(raw)
    try:
        engine = Engine(setup.name, setup.source, setup.runtime, store=setup.store, budget=setup.budget,
                        seed=setup.seed)
    except LoadError as exc:
        outgoing.write(frame(json.dumps({"loadError": str(exc)}).encode()))
        outgoing.flush()
        return
    outgoing.write(frame(b'{"ready":true}'))
    outgoing.flush()
    while (body := read_frame(incoming)) is not None:
        event, now_ms, raw_query, event_type, edge_location = json.loads(body)
        signal.setitimer(signal.ITIMER_PROF, setup.kill_seconds)
        run = engine.run(event, now_ms=now_ms, raw_query=raw_query, edge_location=edge_location,
                         event_type=event_type)
        signal.setitimer(signal.ITIMER_PROF, 0)
        outgoing.write(frame(json.dumps({name: getattr(run, name) for name in _RUN_FIELDS}).encode()))
        outgoing.flush()


def main() -> None:
    _die_with_parent()
    signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the kill switch: terminate, do not raise
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal is for the parent
    incoming, outgoing = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the answer pipe
    serve(incoming, outgoing)


if __name__ == "__main__":
    main()
