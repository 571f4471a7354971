"""One viewer request through the edge, in CloudFront's order.

`Pipeline.handle` reads top to bottom like ARCHITECTURE.md's flow: limits, behavior,
viewer-request, (cache), origin-request, origin fetch with failover, origin-response,
viewer-response, CloudFront's own headers. Each step either goes on or answers now.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from edgesim.config.model import CacheBehavior, EdgeConfig, Origin
from edgesim.edge import errors
from edgesim.edge.behaviors import BehaviorMatcher
from edgesim.edge.cloudfront_headers import (
    DROPPED_FROM_ORIGIN_RESPONSE,
    add_viewer_response_headers,
    new_request_id,
    strip_hop_by_hop,
    via_value,
)
from edgesim.edge.errors import EdgeFailure
from edgesim.edge.exchange import Exchange, HookRun
from edgesim.edge.hooks import (
    ORIGIN_REQUEST,
    ORIGIN_RESPONSE,
    VIEWER_REQUEST,
    VIEWER_RESPONSE,
    EdgeContext,
    HookCall,
    HookError,
    HookResult,
    HookSet,
)
from edgesim.edge.limits import request_limit_failure
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.edge.origin_client import OriginClient, OriginError, OriginRequest
from edgesim.edge.origin_request import build_origin_request

log = logging.getLogger("edgesim.pipeline")

FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _Answer(Exception):
    """Raised by a step that answers the viewer now; `result` is the X-Cache / log result type."""

    response: EdgeResponse
    result: str
    detail: str = ""


class Pipeline:
    """The edge of one distribution at one POP."""

    def __init__(
        self,
        config: EdgeConfig,
        *,
        hooks: HookSet | None = None,
        origin_client: OriginClient | None = None,
        pop: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.config = config
        self.distribution = config.distribution
        self.matcher = BehaviorMatcher(config.distribution)
        self.hooks = hooks or HookSet()
        self.origin_client = origin_client or OriginClient()
        self.pop = pop or config.settings.pop
        self.region = region
        self.via = via_value(self.pop)

    async def handle(self, request: EdgeRequest) -> Exchange:
        """Serve one viewer request; never raises for anything a viewer or an origin can do."""
        context = EdgeContext(
            request_id=new_request_id(),
            distribution_id=self.distribution.id,
            distribution_domain_name=self.distribution.domain_name,
            pop=self.pop,
            region=self.region,
        )
        exchange = Exchange(context=context, viewer_request=request)
        try:
            response = await self._serve(exchange, request.copy())
        except _Answer as answer:
            response = answer.response
            exchange.result_type = answer.result
            exchange.detailed_result_type = answer.detail or answer.result
        add_viewer_response_headers(
            response.headers,
            result=exchange.result_type,
            pop=self.pop,
            request_id=context.request_id,
            via=self.via,
        )
        exchange.response = response
        return exchange

    async def _serve(self, exchange: Exchange, request: EdgeRequest) -> EdgeResponse:
        failure = request_limit_failure(request)
        if failure:
            self._fail(exchange, failure)
        behavior = self.matcher.match(request.uri)
        exchange.behavior = behavior
        self._check_method(exchange, behavior, request)
        self._check_viewer_protocol(exchange, behavior, request)
        if request.uri == "/" and self.distribution.default_root_object:
            request.uri = "/" + self.distribution.default_root_object
        origin = self._primary_origin(behavior)

        outcome = await self._run_hook(exchange, behavior, VIEWER_REQUEST, request, origin=origin)
        if outcome.response is not None:
            raise _Answer(outcome.response, "FunctionGeneratedResponse")
        request = outcome.request or request
        origin = outcome.origin or origin

        response = await self._from_origin(exchange, behavior, request, origin)
        if response.status >= 400:
            exchange.result_type = "Error"
            return response
        outcome = await self._run_hook(exchange, behavior, VIEWER_RESPONSE, request, response=response)
        return outcome.response or response

    def _check_method(self, exchange: Exchange, behavior: CacheBehavior, request: EdgeRequest) -> None:
        if request.method not in behavior.allowed_methods:
            self._fail(exchange, errors.method_not_allowed())
        if request.method == "GET" and request.body:
            self._fail(exchange, EdgeFailure(403, errors.INVALID_REQUEST, "A GET request with a body is not allowed."))

    def _check_viewer_protocol(self, exchange: Exchange, behavior: CacheBehavior, request: EdgeRequest) -> None:
        if request.scheme == "https" or behavior.viewer_protocol_policy == "allow-all":
            return
        if behavior.viewer_protocol_policy == "https-only":
            self._fail(exchange, EdgeFailure(403, errors.INVALID_REQUEST, "This distribution only accepts HTTPS requests."))
        status = 301 if request.method in ("GET", "HEAD") else 307
        host = request.headers.get("host") or self.distribution.domain_name
        location = f"https://{host.split(':')[0]}{request.target}"
        body = errors.redirect_page(status)
        headers = Headers([("Server", "CloudFront"), ("Content-Type", "text/html"),
                           ("Content-Length", str(len(body))), ("Location", location)])
        raise _Answer(EdgeResponse(status, headers, body), "Redirect")

    def _primary_origin(self, behavior: CacheBehavior) -> Origin:
        group = self.distribution.origin_groups.get(behavior.target_origin_id)
        origin_id = group.primary if group else behavior.target_origin_id
        return self.distribution.origins[origin_id]

    async def _from_origin(
        self, exchange: Exchange, behavior: CacheBehavior, request: EdgeRequest, origin: Origin
    ) -> EdgeResponse:
        """origin-request, fetch, origin-response; again against the secondary of a failing group."""
        group = self.distribution.origin_groups.get(behavior.target_origin_id)
        can_fail_over = group is not None and request.method in FAILOVER_METHODS and origin.id == group.primary
        try:
            response = await self._origin_round(exchange, behavior, request, origin)
        except _Answer:
            if not can_fail_over:
                raise
            log.info("origin group %s: primary %s failed, trying %s", group.id, group.primary, group.secondary)
        else:
            if not can_fail_over or response.status not in group.failover_status_codes:
                return response
            log.info("origin group %s: primary answered %d, trying %s", group.id, response.status, group.secondary)
        secondary = self.distribution.origins[group.secondary]
        return await self._origin_round(exchange, behavior, request, secondary)

    async def _origin_round(
        self, exchange: Exchange, behavior: CacheBehavior, request: EdgeRequest, origin: Origin
    ) -> EdgeResponse:
        outcome = await self._run_hook(exchange, behavior, ORIGIN_REQUEST, request, origin=origin)
        if outcome.response is not None:
            return outcome.response
        request = outcome.request or request
        origin = outcome.origin or origin
        self._check_origin_allowed(exchange, origin)

        started = time.perf_counter()
        origin_request = build_origin_request(
            request, origin, behavior, request_id=exchange.context.request_id, via=self.via
        )
        try:
            response = await self.origin_client.fetch(origin, origin_request, viewer_scheme=request.scheme)
        except OriginError as exc:
            exchange.stage("origin", started, origin.id)
            self._fail(exchange, exc.failure)
        exchange.stage("origin", started, origin.id)
        response.headers = _from_origin_headers(response.headers)

        outcome = await self._run_hook(exchange, behavior, ORIGIN_RESPONSE, request, response=response, origin=origin)
        return outcome.response or response

    def _check_origin_allowed(self, exchange: Exchange, origin: Origin) -> None:
        """Forward only to origins the config names (a function may pick one, not invent one)."""
        known = self.distribution.origins.get(origin.id)
        if known is not None and (known.domain_name, known.url_override) == (origin.domain_name, origin.url_override):
            return
        if any(o.domain_name == origin.domain_name for o in self.distribution.origins.values()):
            return
        if origin.domain_name in ("localhost", "127.0.0.1", "::1"):
            return
        self._fail(
            exchange,
            EdgeFailure(
                502,
                errors.ORIGIN_CONNECT_ERROR,
                f"edgesim forwards only to configured origins; '{origin.domain_name}' is not one "
                "(add it to Origins, or map it with --origin ID=URL).",
            ),
        )

    async def _run_hook(
        self,
        exchange: Exchange,
        behavior: CacheBehavior,
        event_type: str,
        request: EdgeRequest,
        *,
        response: EdgeResponse | None = None,
        origin: Origin | None = None,
    ) -> HookResult:
        """Call the hook bound to this event, or go on unchanged when there is none."""
        hook = self.hooks.get(behavior, event_type)
        if hook is None:
            return HookResult(request=request if response is None else None, response=response)
        call = HookCall(
            event_type=event_type, context=exchange.context, request=request, response=response, origin=origin
        )
        started = time.perf_counter()
        try:
            result = await hook(call)
        except HookError as exc:
            duration = (time.perf_counter() - started) * 1000.0
            exchange.hooks.append(HookRun(event_type, hook.name, duration, exc.error_name))
            exchange.stage(event_type, started, hook.name)
            log.warning("%s %s failed with %s: %s", event_type, exc.function, exc.error_name, exc.reason)
            result_type = exc.error_name if exc.error_name.startswith("Lambda") else "Error"
            exchange.error_reason = exc.reason
            page = errors.error_page(exc.status, errors.hook_failure_cause(exc.error_name), exchange.context.request_id)
            raise _Answer(page, result_type, exc.error_name) from exc
        exchange.hooks.append(
            HookRun(event_type, hook.name, result.duration_ms, "ok", list(result.logs), result.version)
        )
        exchange.stage(event_type, started, hook.name)
        return result

    def _fail(self, exchange: Exchange, failure: EdgeFailure) -> None:
        exchange.error_reason = failure.cause
        log.info("%s %s: %s", failure.status, failure.detail, failure.cause)
        raise _Answer(errors.error_page(failure.status, failure.cause, exchange.context.request_id), "Error", failure.detail)


def _from_origin_headers(headers: Headers) -> Headers:
    """What CloudFront keeps of an origin's response header block."""
    kept = strip_hop_by_hop(headers)
    return Headers((n, v) for n, v in kept if n.lower() not in DROPPED_FROM_ORIGIN_RESPONSE)
