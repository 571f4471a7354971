"""One viewer request through the edge, in CloudFront's order.

`Pipeline.handle` reads top to bottom like ARCHITECTURE.md's flow: limits, behavior,
viewer-request, the two cache tiers, origin-request, origin fetch with failover,
origin-response, storing, viewer-response, the response headers policy and CloudFront's
own headers. Each step either goes on or answers now (`_Answer`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace

from edgesim.cache.compression import compress, compression_for
from edgesim.cache.forwarding import origin_request_for
from edgesim.cache.key import CacheKey, cache_key_for
from edgesim.cache.policies import PolicyCatalog
from edgesim.cache.ranges import serve_range
from edgesim.cache.response_headers import apply_response_headers_policy
from edgesim.cache.store import CacheEntry, CacheStore, Freshness, RequestCollapser
from edgesim.cache.ttl import CacheDecision, cache_decision, is_cached_method
from edgesim.cache.viewer import ViewerInfo
from edgesim.config.model import CacheBehavior, EdgeConfig, Origin
from edgesim.edge import errors
from edgesim.edge.behaviors import BehaviorMatcher
from edgesim.edge.cloudfront_headers import (
    DROPPED_FROM_ORIGIN_RESPONSE,
    GENERATED_AT_VIEWER_REQUEST,
    MISS_GENERATED_RESPONSE,
    add_viewer_response_headers,
    new_request_id,
    strip_hop_by_hop,
    via_value,
    with_generated_headers,
)
from edgesim.edge.errors import EdgeFailure
from edgesim.edge.exchange import Exchange, HookRun, HookView, Stage
from edgesim.edge.hooks import (
    ORIGIN_REQUEST,
    ORIGIN_RESPONSE,
    VIEWER_REQUEST,
    VIEWER_RESPONSE,
    EdgeContext,
    Hook,
    HookCall,
    HookError,
    HookResult,
    HookSet,
)
from edgesim.edge.limits import request_limit_failure
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.edge.origin_client import OriginClient, OriginError
from edgesim.edge.plans import BehaviorPlan, behavior_plans, custom_errors_by_status
from edgesim.edge.tiers import CacheTiers
from edgesim.observe.server_timing import server_timing_value
from edgesim.topology.latency import POP_ORIGIN, POP_REC, REC_ORIGIN, VIEWER_POP, LatencyModel
from edgesim.topology.places import Pop, Topology
from edgesim.topology.routing import Placement, place

log = logging.getLogger("edgesim.pipeline")

FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# The hooks (function versions) a request started with. Set per request in `handle`;
# fills it starts as tasks (collapsed, stale-while-revalidate) inherit it, so a request
# finishes on the versions it began with while its region switches.
_REQUEST_HOOKS: ContextVar[HookSet | None] = ContextVar("edgesim_request_hooks", default=None)


@dataclass
class _Answer(Exception):
    """Raised by a step that answers the viewer now with a response generated at the edge;
    `result` is the X-Cache / log result type, `detail` what only the detailed type says."""

    response: EdgeResponse
    result: str
    detail: str = ""
    status_from_origin: bool = False


@dataclass
class _Fetched:
    """What one round to the origin gave, and the detail when an origin-request function
    generated it instead (MissGeneratedResponse)."""

    response: EdgeResponse
    detail: str = ""


@dataclass
class _Filled:
    """What a trip to the origin produced for a cache key: the response, its result type and
    the round's detail."""

    response: EdgeResponse
    result: str
    detail: str = ""


class Pipeline:
    """The edge of one distribution: every POP's path through the cache tiers to the origin."""

    def __init__(
        self,
        config: EdgeConfig,
        *,
        hooks: HookSet | None = None,
        origin_client: OriginClient | None = None,
        topology: Topology | None = None,
        tiers: CacheTiers | None = None,
        pop: str | None = None,
        caching: bool = True,
        clock: Callable[[], float] = time.time,
        latency: LatencyModel | None = None,
        regional_hooks: Callable[[str], HookSet] | None = None,
        server_timing: bool = True,
        listener_pops: dict[int, str] | None = None,
    ) -> None:
        self.config = config
        self.distribution = config.distribution
        self.matcher = BehaviorMatcher(config.distribution)
        self.plans = behavior_plans(config, PolicyCatalog.from_config(config))
        self.custom_errors = custom_errors_by_status(config)
        self.hooks = hooks or HookSet()
        self.origin_client = origin_client or OriginClient()
        self.topology = topology or Topology.from_settings(config.settings, pop)
        self.tiers = tiers or CacheTiers(self.topology)
        self.pinned_pop = pop
        self.listener_pops = listener_pops or {}
        self.latency = latency or LatencyModel()
        self.regional_hooks = regional_hooks
        self.caching = caching
        self.server_timing = server_timing
        self.clock = clock
        self.collapser: RequestCollapser[_Filled] = RequestCollapser()

    async def handle(self, request: EdgeRequest) -> Exchange:
        """Serve one viewer request; never raises for anything a viewer or an origin can do."""
        pinned = self.listener_pops.get(request.server_port, self.pinned_pop)
        placement = place(request, self.topology, pinned)
        request, pop = placement.request, placement.pop
        context = EdgeContext(
            request_id=new_request_id(),
            distribution_id=self.distribution.id,
            distribution_domain_name=self.distribution.domain_name,
            pop=pop.code,
            region=pop.region,
        )
        exchange = Exchange(context=context, viewer_request=request)
        pinned = _REQUEST_HOOKS.set(self.regional_hooks(pop.region) if self.regional_hooks else self.hooks)
        try:
            await self._hop(exchange, VIEWER_POP, pop)
            response = await self._serve(exchange, request.copy(), placement)
        except _Answer as answer:
            response = replace(answer.response, headers=with_generated_headers(answer.response.headers, self.clock()))
            exchange.result_type = answer.result
            exchange.result_detail = answer.detail
        except Exception as exc:
            # A bug in edgesim, not CloudFront behaviour: say so loudly and keep serving.
            log.exception("edgesim failed on %s %s", request.method, request.target)
            exchange.result_type = "Error"
            exchange.error_reason = f"edgesim internal error: {exc!r}"
            page = errors.error_page(500, "edgesim hit an internal error; see its log.", context.request_id)
            response = replace(page, headers=with_generated_headers(page.headers, self.clock()))
        finally:
            _REQUEST_HOOKS.reset(pinned)
        add_viewer_response_headers(
            response.headers,
            result=exchange.result_type,
            pop=pop.code,
            request_id=context.request_id,
            via=via_value(pop.code),
        )
        if self.server_timing or exchange.policy_server_timing:
            response.headers.set("Server-Timing", server_timing_value(exchange))
        exchange.response = response
        return exchange

    async def _hop(self, exchange: Exchange, hop: str, pop: Pop) -> None:
        """Wait out one hop of the latency model (nothing when it is off) and record it."""
        waited = await self.latency.wait(hop, pop.region)
        if waited is not None:
            exchange.stages.append(Stage(f"hop-{hop}", waited))

    async def _serve(self, exchange: Exchange, request: EdgeRequest, placement: Placement) -> EdgeResponse:
        pop = placement.pop
        failure = request_limit_failure(request)
        if failure:
            self._fail(exchange, failure)
        behavior = self.matcher.match(request.uri)
        plan = self.plans[behavior.field_path]
        exchange.behavior = behavior
        self._check_method(exchange, behavior, request)
        self._check_viewer_protocol(exchange, behavior, request)
        if request.uri == "/" and self.distribution.default_root_object:
            request.uri = "/" + self.distribution.default_root_object
        origin = self._primary_origin(behavior)

        outcome = await self._run_hook(exchange, behavior, VIEWER_REQUEST, request, origin=origin)
        if outcome.response is not None:
            generated_by = self._hook(behavior, VIEWER_REQUEST)
            assert generated_by is not None
            raise _Answer(outcome.response, GENERATED_AT_VIEWER_REQUEST[generated_by.kind])
        request = outcome.request or request
        origin = outcome.origin or origin
        viewer = placement.viewer(request)

        response = await self._fetch(exchange, plan, request, origin, viewer, pop)
        custom_error = self.custom_errors.get(response.status)
        if custom_error is not None and custom_error.response_page_path:
            response = await self._custom_error_page(exchange, custom_error.response_page_path, response, pop)
            response.status = custom_error.response_code or response.status
            exchange.result_type = "Error"
        elif response.status >= 400:
            exchange.result_type = "Error"
        else:
            outcome = await self._run_hook(exchange, behavior, VIEWER_RESPONSE, request, response=response)
            response = outcome.response or response
        return self._with_policy_headers(exchange, plan, request, response)

    async def _fetch(
        self, exchange: Exchange, plan: BehaviorPlan, request: EdgeRequest, origin: Origin, viewer: ViewerInfo, pop: Pop
    ) -> EdgeResponse:
        """Through the cache tiers for cacheable requests, straight to the origin otherwise."""
        cacheable = (
            self.caching
            and not plan.caches_nothing
            and is_cached_method(request.method, plan.behavior.cached_methods)
        )
        if cacheable:
            return await self._through_cache(exchange, plan, request, origin, viewer, pop)
        fetched = await self._from_origin(exchange, plan, request, origin, viewer)
        exchange.result_detail = fetched.detail
        return fetched.response

    # -- the cache tiers ---------------------------------------------------------------

    async def _through_cache(
        self, exchange: Exchange, plan: BehaviorPlan, request: EdgeRequest, origin: Origin, viewer: ViewerInfo, pop: Pop
    ) -> EdgeResponse:
        started = time.perf_counter()
        key = cache_key_for(request, plan.policies.cache, self.distribution.domain_name, viewer)
        forwarded: list[Headers] = []

        def vary_basis() -> Headers:
            """What the origin sees decides Vary variants; built only when an object varies."""
            if not forwarded:
                forwarded.append(self._origin_request(plan, request, origin, viewer, exchange).headers)
            return forwarded[0]

        pop_store = self.tiers.pop_cache(pop.code)
        rec_store = self.tiers.rec_cache(pop.region)
        now = self.clock()

        found = pop_store.lookup(key, vary_basis)
        if found.state is Freshness.FRESH:
            exchange.stage("cache-edge", started, "hit")
            exchange.result_type = "Hit"
            return self._ranged(request, _from_entry(found.entry, now))
        if self.latency.enabled:
            exchange.stage("cache-edge", started, "miss")
            await self._hop(exchange, POP_REC, pop)
            started = time.perf_counter()
        regional = rec_store.lookup(key, vary_basis)
        if regional.state is Freshness.FRESH:
            _copy_entry(regional.entry, pop_store, vary_basis)
            exchange.stage("cache-rec", started, "hit")
            exchange.result_type = "Hit"
            return self._ranged(request, _from_entry(regional.entry, now))
        exchange.stage("cache-lookup", started, "miss")

        stale = found.entry if found.state is Freshness.STALE else regional.entry
        stores = (pop_store, rec_store)

        async def fill() -> _Filled:
            return await self._fill(exchange, plan, request, origin, viewer, key, stale, stores, vary_basis)

        if stale is not None and stale.within_stale_while_revalidate(now):
            asyncio.get_running_loop().create_task(self.collapser.run((pop.code, key), fill))
            exchange.result_type = "Hit"
            return self._ranged(request, _from_entry(stale, now))
        if plan.collapses:
            filled, collapsed = await self.collapser.run((pop.code, key), fill)
            if collapsed and not filled.response.is_streamed:
                exchange.result_type = "Hit"
                return self._ranged(request, replace(filled.response, headers=filled.response.headers.copy()))
            if collapsed:
                filled = await fill()
        else:
            filled = await fill()
        exchange.result_type = filled.result
        exchange.result_detail = filled.detail
        return self._ranged(request, filled.response)

    async def _fill(
        self,
        exchange: Exchange,
        plan: BehaviorPlan,
        request: EdgeRequest,
        origin: Origin,
        viewer: ViewerInfo,
        key: CacheKey,
        stale: CacheEntry | None,
        stores: tuple[CacheStore, CacheStore],
        vary_basis: Callable[[], Headers],
    ) -> _Filled:
        """Go to the origin for a key that missed both tiers, and store what may be stored."""
        pop_store, rec_store = stores
        try:
            fetched = await self._from_origin(
                exchange, plan, request, origin, viewer, validators=stale.validators() if stale else [],
                widen_range=request.method == "GET", via_rec=True,
            )
        except _Answer as answer:
            error_ttl = self._error_caching_ttl(answer.response.status)
            if stale is not None and answer.status_from_origin and stale.within_stale_if_error(self.clock(), error_ttl):
                log.info("origin failed; serving the stale copy of %s", key)
                return _Filled(_from_entry(stale, self.clock()), "Hit")
            raise
        response = fetched.response
        now = self.clock()
        if response.status == 304 and stale is not None:
            merged = stale.headers.copy()
            for name in ("Cache-Control", "Expires", "Date", "ETag", "Last-Modified"):
                if (value := response.headers.get(name)) is not None:
                    merged.set(name, value)
            decision = cache_decision(stale.status, merged, plan.policies.cache, now=now)
            rec_store.refresh(stale, decision, response.headers)
            _copy_entry(stale, pop_store, vary_basis)
            return _Filled(_from_entry(stale, now), "RefreshHit")
        if (
            stale is not None
            and 500 <= response.status <= 599
            and stale.within_stale_if_error(now, self._error_caching_ttl(response.status))
        ):
            return _Filled(_from_entry(stale, now), "Hit")

        result = "Error" if response.status >= 400 else "Miss"
        custom = self.custom_errors.get(response.status)
        decision = cache_decision(
            response.status, response.headers, plan.policies.cache, now=now,
            error_caching_min_ttl=custom.error_caching_min_ttl if custom else None,
        )
        storing = decision.store and request.method == "GET"
        if response.is_streamed:
            if storing:
                response.body = self._store_when_complete(response, key, decision, stores, vary_basis)
            return _Filled(response, result, fetched.detail)
        response = self._compressed(plan, key, response)
        if storing:
            body = bytes(response.body)  # type: ignore[arg-type]
            rec_store.put(key, response.status, response.headers, body, decision, vary_basis())
            pop_store.put(key, response.status, response.headers, body, decision, vary_basis())
        return _Filled(response, result, fetched.detail)

    def _store_when_complete(
        self,
        response: EdgeResponse,
        key: CacheKey,
        decision: CacheDecision,
        stores: tuple[CacheStore, CacheStore],
        vary_basis: Callable[[], Headers],
    ) -> AsyncIterator[bytes]:
        """Pass a streamed body through to the viewer and store it once it arrived whole."""
        stream = response.body
        limit = self.tiers.max_object_bytes
        headers = response.headers.copy()

        async def tee() -> AsyncIterator[bytes]:
            parts: list[bytes] = []
            size = 0
            async for chunk in stream:  # type: ignore[union-attr]
                size += len(chunk)
                if size <= limit:
                    parts.append(chunk)
                yield chunk
            if size <= limit:
                body = b"".join(parts)
                for store in reversed(stores):
                    store.put(key, response.status, headers, body, decision, vary_basis())

        return tee()

    def _compressed(self, plan: BehaviorPlan, key: CacheKey, response: EdgeResponse) -> EdgeResponse:
        choice = compression_for(
            key.accept_encoding, response.status, response.headers, bytes(response.body),  # type: ignore[arg-type]
            policy=plan.policies.cache, behavior_compress=plan.behavior.compress,
        )
        return compress(response, choice.encoding) if choice.encoding else response

    def _ranged(self, request: EdgeRequest, response: EdgeResponse) -> EdgeResponse:
        if request.method != "GET" or "range" not in request.headers:
            return response
        return serve_range(response, request.headers.get("range"), if_range=request.headers.get("if-range"))

    def _error_caching_ttl(self, status: int) -> int:
        custom = self.custom_errors.get(status)
        return custom.error_caching_min_ttl if custom else 10

    async def _custom_error_page(self, exchange: Exchange, path: str, error: EdgeResponse, pop: Pop) -> EdgeResponse:
        """Fetch `ResponsePagePath` through the behavior that matches it (no viewer hooks run)."""
        page_request = EdgeRequest(method="GET", uri=path, headers=Headers([("Host", self.distribution.domain_name)]))
        behavior = self.matcher.match(path)
        plan = self.plans[behavior.field_path]
        viewer = ViewerInfo.from_request(page_request)
        try:
            page = await self._fetch(exchange, plan, page_request, self._primary_origin(behavior), viewer, pop)
        except _Answer as answer:
            return answer.response
        if page.status >= 400:
            log.info("custom error page %s answered %d; the viewer gets that", path, page.status)
        return page

    # -- the origin ----------------------------------------------------------------------

    def _origin_request(
        self, plan: BehaviorPlan, request: EdgeRequest, origin: Origin, viewer: ViewerInfo, exchange: Exchange
    ):  # type: ignore[no-untyped-def]
        return origin_request_for(
            request,
            plan.policies.cache,
            plan.policies.origin_request,
            origin_domain=origin.domain_name,
            viewer=viewer,
            origin_path=origin.origin_path,
            origin_is_s3=origin.is_s3,
            custom_headers=origin.custom_headers,
            request_id=exchange.context.request_id,
            via=via_value(exchange.context.pop),
        )

    async def _from_origin(
        self,
        exchange: Exchange,
        plan: BehaviorPlan,
        request: EdgeRequest,
        origin: Origin,
        viewer: ViewerInfo,
        *,
        validators: list[tuple[str, str]] | None = None,
        widen_range: bool = False,
        via_rec: bool = False,
    ) -> _Fetched:
        """origin-request, fetch, origin-response; again against the secondary of a failing group."""
        group = self.distribution.origin_groups.get(plan.behavior.target_origin_id)
        can_fail_over = group is not None and request.method in FAILOVER_METHODS and origin.id == group.primary
        kwargs = dict(validators=validators or [], widen_range=widen_range, via_rec=via_rec)
        try:
            fetched = await self._origin_round(exchange, plan, request, origin, viewer, **kwargs)
        except _Answer as answer:
            if not can_fail_over or not answer.status_from_origin:
                raise
            log.info("origin group %s: primary %s failed, trying %s", group.id, group.primary, group.secondary)
        else:
            status = fetched.response.status
            if not can_fail_over or status not in group.failover_status_codes:
                return fetched
            log.info("origin group %s: primary answered %d, trying %s", group.id, status, group.secondary)
        secondary = self.distribution.origins[group.secondary]
        return await self._origin_round(exchange, plan, request, secondary, viewer, **kwargs)

    async def _origin_round(
        self,
        exchange: Exchange,
        plan: BehaviorPlan,
        request: EdgeRequest,
        origin: Origin,
        viewer: ViewerInfo,
        *,
        validators: list[tuple[str, str]],
        widen_range: bool,
        via_rec: bool,
    ) -> _Fetched:
        forwarded = self._origin_request(plan, request, origin, viewer, exchange)
        to_origin = replace(request, uri=request.uri, querystring=forwarded.querystring, headers=forwarded.headers)
        outcome = await self._run_hook(exchange, plan.behavior, ORIGIN_REQUEST, to_origin, origin=origin)
        if outcome.response is not None:
            generated = outcome.response
            headers = with_generated_headers(generated.headers, self.clock())
            return _Fetched(replace(generated, headers=headers), MISS_GENERATED_RESPONSE)
        sent = outcome.request or to_origin
        origin = outcome.origin or origin
        self._check_origin_allowed(exchange, origin)
        headers = sent.headers.copy()
        headers.set("X-Amz-Cf-Id", exchange.context.request_id)
        if widen_range:
            # CloudFront may widen a range it forwards; edgesim asks for the whole object,
            # caches it, and cuts the viewer's range from it.
            headers.remove("Range")
            headers.remove("If-Range")
        for name, value in validators:
            headers.set(name, value)
        path = origin.origin_path + sent.uri
        target = f"{path}?{sent.querystring}" if sent.querystring else path

        pop = self.topology.pop(exchange.context.pop)
        await self._hop(exchange, REC_ORIGIN if via_rec else POP_ORIGIN, pop)
        started = time.perf_counter()
        try:
            response = await self.origin_client.fetch(
                origin, replace(forwarded, method=sent.method, headers=headers, body=sent.body, path=path,
                                querystring=sent.querystring),
                viewer_scheme=request.scheme,
            )
        except OriginError as exc:
            exchange.stage("origin", started, origin.id)
            self._fail(exchange, exc.failure, from_origin=True)
        exchange.stage("origin", started, origin.id)
        log.debug("origin %s %s %s -> %d", origin.id, sent.method, target, response.status)
        response.headers = _from_origin_headers(response.headers)
        if not plan.keeps_set_cookie:
            response.headers.remove("Set-Cookie")

        outcome = await self._run_hook(exchange, plan.behavior, ORIGIN_RESPONSE, sent, response=response, origin=origin)
        return _Fetched(outcome.response or response)

    # -- checks ------------------------------------------------------------------------

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

    def _with_policy_headers(
        self, exchange: Exchange, plan: BehaviorPlan, request: EdgeRequest, response: EdgeResponse
    ) -> EdgeResponse:
        policy = plan.policies.response_headers
        if policy is None:
            return response
        applied = apply_response_headers_policy(policy, request, response, now=self.clock())
        exchange.policy_server_timing = applied.server_timing
        return applied.response

    # -- hooks -------------------------------------------------------------------------

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
        hook = self._hook(behavior, event_type)
        if hook is None:
            return HookResult(request=request if response is None else None, response=response)
        if response is not None and response.is_streamed:
            await response.read()
        call = HookCall(
            event_type=event_type, context=exchange.context, request=request, response=response, origin=origin
        )
        version: str | None = getattr(hook, "version", None)
        seen = HookView.of(response if response is not None else request)
        started = time.perf_counter()
        try:
            result = await hook(call)
        except HookError as exc:
            duration = (time.perf_counter() - started) * 1000.0
            exchange.hooks.append(HookRun(event_type, hook.name, duration, exc.error_name, list(exc.logs), version, seen))
            exchange.stage(event_type, started, _qualified(hook.name, version))
            log.info("%s %s failed with %s: %s", event_type, exc.function, exc.error_name, exc.reason)  # the console line says it
            exchange.error_reason = exc.reason
            page = errors.error_page(exc.status, errors.hook_failure_cause(exc.error_name), exchange.context.request_id)
            # X-Cache and the log's result types name the failure (`LambdaValidationError`,
            # `FunctionExecutionError`, ... from cloudfront), as CloudFront's do.
            raise _Answer(page, exc.error_name) from exc
        version = result.version or version
        exchange.hooks.append(HookRun(
            event_type, hook.name, result.duration_ms, "ok", list(result.logs), version,
            seen=seen,
            returned=HookView.of(result.response if result.response is not None else result.request),
        ))
        exchange.stage(event_type, started, _qualified(hook.name, version))
        return result

    def _hook(self, behavior: CacheBehavior, event_type: str) -> Hook | None:
        """The hook this request runs at this event (its region's versions, pinned for it)."""
        hooks = _REQUEST_HOOKS.get()
        return (hooks if hooks is not None else self.hooks).get(behavior, event_type)

    def _fail(self, exchange: Exchange, failure: EdgeFailure, *, from_origin: bool = False) -> None:
        exchange.error_reason = failure.cause
        log.info("%s %s: %s", failure.status, failure.detail, failure.cause)
        page = errors.error_page(failure.status, failure.cause, exchange.context.request_id)
        raise _Answer(page, "Error", failure.detail, status_from_origin=from_origin)


def _qualified(name: str, version: str | None) -> str:
    """`name:version` as Lambda qualifies an ARN (the stage detail Server-Timing shows)."""
    if version is None or name.endswith(f":{version}"):
        return name
    return f"{name}:{version}"


def _from_origin_headers(headers: Headers) -> Headers:
    """What CloudFront keeps of an origin's response header block."""
    kept = strip_hop_by_hop(headers)
    return Headers((n, v) for n, v in kept if n.lower() not in DROPPED_FROM_ORIGIN_RESPONSE)


def _from_entry(entry: CacheEntry, now: float) -> EdgeResponse:
    """A viewer response from a cached object, with `Age` when it is not 0."""
    headers = entry.headers.copy()
    age = entry.age(now)
    if age > 0:
        headers.set("Age", str(age))
    return EdgeResponse(entry.status, headers, entry.body)


def _copy_entry(entry: CacheEntry, store: CacheStore, vary_basis: Callable[[], Headers]) -> None:
    """Put a REC object into a POP cache, keeping its age and expiry."""
    decision = CacheDecision(store=True, ttl=entry.ttl, stale_while_revalidate=entry.stale_while_revalidate,
                             stale_if_error=entry.stale_if_error, conditional=entry.conditional)
    copy = store.put(entry.key, entry.status, entry.headers, entry.body, decision, vary_basis() if entry.vary else None)
    if copy is not None:
        copy.stored_at = entry.stored_at
