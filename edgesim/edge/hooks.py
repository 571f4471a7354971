"""The one interface through which the pipeline calls edge code.

A hook is anything that, given a `HookCall`, returns a `HookResult` or raises
`HookError`. The pipeline does not know whether a CloudFront Function, a Lambda@Edge
worker or a test double is behind it (mitmproxy's addons and Envoy's filters work the
same way): each runtime translates the model to its own event, validates what comes
back, and reports failures as CloudFront would name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from edgesim.config.model import Association, CacheBehavior, Origin
from edgesim.edge.model import EdgeRequest, EdgeResponse

VIEWER_REQUEST = "viewer-request"
ORIGIN_REQUEST = "origin-request"
ORIGIN_RESPONSE = "origin-response"
VIEWER_RESPONSE = "viewer-response"
REQUEST_EVENTS = frozenset({VIEWER_REQUEST, ORIGIN_REQUEST})


@dataclass(frozen=True)
class EdgeContext:
    """Facts about the request that every runtime puts into its event."""

    request_id: str
    distribution_id: str
    distribution_domain_name: str
    pop: str = "IAD89-C1"
    region: str = "us-east-1"


@dataclass
class HookCall:
    """One invocation: the event type, what the hook sees, and where the request goes.

    `response` is set for the two response events. `origin` is the origin the request
    is bound for (set for origin events, and for viewer-request so origin helpers can
    change it).
    """

    event_type: str
    context: EdgeContext
    request: EdgeRequest
    response: EdgeResponse | None = None
    origin: Origin | None = None


@dataclass
class HookResult:
    """What a hook hands back.

    For request events exactly one of `request` (go on) and `response` (answer now) is
    set; for response events `response` is. `origin` is set when the code chose another
    origin (CloudFront Functions' origin helpers, Lambda@Edge's `request.origin`).
    """

    request: EdgeRequest | None = None
    response: EdgeResponse | None = None
    origin: Origin | None = None
    logs: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    version: str | None = None


class HookError(Exception):
    """A hook failed the way CloudFront reports it to the viewer.

    `error_name` is CloudFront's name for the failure (`FunctionValidationError`,
    `LambdaExecutionError`, ...), `status` the code the viewer gets and `reason` the
    sentence that tells a developer which rule or header broke. `logs` are what the code
    printed before it failed: a failing function's own output is what explains it.
    """

    def __init__(self, status: int, error_name: str, function: str, reason: str, *, logs: list[str] | None = None) -> None:
        super().__init__(f"{error_name} in {function}: {reason}")
        self.status = status
        self.error_name = error_name
        self.function = function
        self.reason = reason
        self.logs = list(logs or [])


class Hook(Protocol):
    """Edge code bound to one event of one behavior; `kind` is the association's ("function"
    or "lambda"), which names the responses it generates."""

    name: str
    kind: str

    async def __call__(self, call: HookCall) -> HookResult: ...


class HookProvider(Protocol):
    """Builds the hook for one association (one per runtime: functions, lambdas)."""

    def hook_for(self, association: Association) -> Hook: ...


class HookSet:
    """The hooks of each behavior, built once per loaded config."""

    def __init__(self, by_behavior: Mapping[str, Mapping[str, Hook]] | None = None) -> None:
        self._by_behavior = {k: dict(v) for k, v in (by_behavior or {}).items()}

    @classmethod
    def from_providers(
        cls, behaviors: tuple[CacheBehavior, ...], providers: Mapping[str, HookProvider]
    ) -> HookSet:
        """Ask the provider of each association's kind ("function"/"lambda") for its hook."""
        table: dict[str, dict[str, Hook]] = {}
        for behavior in behaviors:
            hooks = table.setdefault(behavior.field_path, {})
            for assoc in behavior.associations:
                provider = providers.get(assoc.kind)
                if provider is None:
                    raise LookupError(f"no runtime for {assoc.kind} associations ({assoc.arn})")
                hooks[assoc.event_type] = provider.hook_for(assoc)
        return cls(table)

    def get(self, behavior: CacheBehavior, event_type: str) -> Hook | None:
        hooks = self._by_behavior.get(behavior.field_path)
        return hooks.get(event_type) if hooks else None
