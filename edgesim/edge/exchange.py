"""The record of one viewer request's walk through the edge.

The pipeline fills it in as it goes; observers (console line, access log, traces,
dashboard) read it afterwards and never reach into the pipeline itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from edgesim.config.model import CacheBehavior
from edgesim.edge.hooks import EdgeContext
from edgesim.edge.model import EdgeRequest, EdgeResponse


@dataclass
class Stage:
    """One step and how long it took, in milliseconds (Server-Timing, bench, dashboard)."""

    name: str
    duration_ms: float
    detail: str = ""


@dataclass(frozen=True)
class HookView:
    """A snapshot of what a hook saw or gave back, taken when it ran (later steps change
    the live objects): `line` is `GET /path?query` for a request, the status for a response."""

    line: str
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, message: EdgeRequest | EdgeResponse | None) -> HookView | None:
        if message is None:
            return None
        if isinstance(message, EdgeRequest):
            return cls(f"{message.method} {message.target}", tuple(message.headers))
        return cls(str(message.status), tuple(message.headers))


@dataclass
class HookRun:
    event_type: str
    function: str
    duration_ms: float
    outcome: str
    logs: list[str] = field(default_factory=list)
    version: str | None = None
    seen: HookView | None = None
    returned: HookView | None = None


@dataclass
class Exchange:
    context: EdgeContext
    viewer_request: EdgeRequest
    behavior: CacheBehavior | None = None
    response: EdgeResponse | None = None
    result_type: str = "Miss"
    result_detail: str = ""  # what only x-edge-detailed-result-type says (an error's kind, ...)
    error_reason: str = ""
    stages: list[Stage] = field(default_factory=list)
    hooks: list[HookRun] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    started_perf: float = field(default_factory=time.perf_counter)
    request_bytes: int = 0
    bytes_sent: int = 0
    first_byte_ms: float = 0.0
    finished_ms: float = 0.0
    viewer_aborted: bool = False
    policy_server_timing: bool = False

    def stage(self, name: str, since: float, detail: str = "") -> None:
        """Record a stage that began at `since` (a perf_counter reading) and ends now."""
        self.stages.append(Stage(name, (time.perf_counter() - since) * 1000.0, detail))

    @property
    def detailed_result_type(self) -> str:
        """x-edge-detailed-result-type: the result type, unless a step named a detail."""
        return self.result_detail or self.result_type

    @property
    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started_perf) * 1000.0
