"""Put an edge together from a loaded config: pipeline, hook runtimes, observers, app.

The CLI, the pytest plugin and the tests all build their edge here, so each runs the
same thing. An `Edge` can swap in a new config while it serves (reload on save): requests
in flight finish on the pipeline they started with, and caches and the origin client
carry over, as a CloudFront deployment leaves the cache alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


from edgesim.config.model import EdgeConfig
from edgesim.edge.app import EdgeApp, Observer, Runtime, build_app
from edgesim.edge.hooks import HookProvider, HookSet
from edgesim.edge.origin_client import OriginClient
from edgesim.edge.exchange import Exchange
from edgesim.edge.model import EdgeRequest
from edgesim.edge.pipeline import Pipeline
from edgesim.edge.tiers import CacheTiers
from edgesim.topology.latency import LatencyModel
from edgesim.topology.places import Topology
from edgesim.topology.releases import Releases
from edgesim.topology.replication import Replication, Rollout
from edgesim.topology.versions import FunctionHistory, VersionError, VersionStore

log = logging.getLogger("edgesim.edge")


@dataclass
class EdgeOptions:
    """Run-time choices that are not part of the distribution (command line, test fixtures)."""

    pop: str | None = None
    now: float | None = None
    seed: int | None = None
    caching: bool = True
    server_timing: bool = True
    # Listeners pinned to a POP: local port -> POP code (`serve --listen PORT=POP`).
    listener_pops: dict[int, str] = field(default_factory=dict)
    log_dir: Path | None = None
    lambda_console: TextIO | None = None
    clock: Callable[[], float] = time.time
    observers: list[Observer] = field(default_factory=list)
    # How the edge waits out latency hops and rollouts; tests pass a recorder.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    # The caches per POP and REC; a `serve --workers` worker shares the supervisor's.
    cache_tiers: Callable[..., CacheTiers] = CacheTiers
    # Versions and rollouts owned by another process (the supervisor of `serve --workers`):
    # this edge takes them as they are (`Edge.adopt`) instead of snapshotting code itself.
    follows: EdgeState | None = None
    # `serve --inspect`: Node.js Lambda@Edge handlers take the V8 inspector from this port on.
    inspect_port: int | None = None


@dataclass
class EdgeState:
    """What every process serving one distribution must agree on: versions and rollouts."""

    histories: dict[str, FunctionHistory]
    rollouts: dict[str, list[Rollout]]
    quiet_from: float


class PublishError(Exception):
    """A publish CloudFront would refuse: unknown function, or code that does not load."""


def runtime_providers(config: EdgeConfig, options: EdgeOptions) -> dict[str, HookProvider]:
    """One provider per kind of function the config associates with a behavior."""
    kinds = {a.kind for b in config.distribution.all_behaviors() for a in b.associations}
    providers: dict[str, HookProvider] = {}
    if "function" in kinds:
        from edgesim.functions.provider import FunctionHookProvider

        providers["function"] = FunctionHookProvider(config, now=options.now, seed=options.seed)
    if "lambda" in kinds:
        from edgesim.lambdas.provider import LambdaHookProvider

        providers["lambda"] = LambdaHookProvider(
            config, log_dir=options.log_dir, console=options.lambda_console, now=options.now,
            inspect_port=options.inspect_port,
        )
    return providers


@dataclass
class _Generation:
    """One loaded config with the pipeline and runtimes built for it."""

    config: EdgeConfig
    pipeline: Pipeline
    runtimes: list[Runtime]
    releases: Releases | None = None
    in_flight: int = 0

    async def close(self) -> None:
        for runtime in reversed(self.runtimes):
            await runtime.close()
        if self.releases is not None:
            await self.releases.close()


class Edge:
    """A distribution being served; `pipeline` is always the current generation's."""

    def __init__(self, config: EdgeConfig, options: EdgeOptions | None = None, *, hooks: HookSet | None = None) -> None:
        self.options = options or EdgeOptions()
        self.origin_client = OriginClient()
        self.topology = Topology.from_settings(config.settings, self.options.pop)
        sizes = config.settings.cache
        self.tiers = self.options.cache_tiers(
            self.topology,
            pop_bytes=sizes.pop_max_bytes,
            rec_bytes=sizes.rec_max_bytes,
            max_object_bytes=sizes.max_object_bytes,
            clock=self.options.clock,
        )
        places = config.settings.places
        self.latency = LatencyModel.from_settings(places, seed=self.options.seed, sleep=self.options.sleep)
        self.replication = Replication(
            self.topology.regions, profile=places.replication_profile, time_scale=places.time_scale,
            clock=self.options.clock, seed=self.options.seed, sleep=self.options.sleep,
        )
        self.auto_publish = places.auto_publish
        self.versions = VersionStore(self.options.clock)
        self._asked: dict[str, int] = {}
        self._fixed_hooks = hooks
        if self.options.follows is not None:
            self.adopt(self.options.follows)
        elif hooks is None:
            self._track(config, first=True)
        self._current = self._build(config)
        self._retired: list[_Generation] = []
        self.on_reload: list[Callable[[EdgeConfig], None]] = []

    @property
    def config(self) -> EdgeConfig:
        return self._current.config

    @property
    def pipeline(self) -> Pipeline:
        return self._current.pipeline

    def _build(self, config: EdgeConfig) -> _Generation:
        runtimes: list[Runtime] = []
        hooks = self._fixed_hooks
        releases = None
        if hooks is None:
            providers = runtime_providers(config, self.options)
            releases = Releases(config, self.versions, self.replication, providers)
            for region in self.topology.regions:  # load what runs now, so broken code shows at start
                hooks = releases.hooks_for(region)
            runtimes = [p for p in providers.values() if hasattr(p, "start") and hasattr(p, "close")]  # type: ignore[misc]
        pipeline = Pipeline(
            config,
            hooks=hooks,
            origin_client=self.origin_client,
            topology=self.topology,
            tiers=self.tiers,
            pop=self.options.pop,
            caching=self.options.caching and config.settings.cache.enabled,
            server_timing=self.options.server_timing,
            listener_pops=self.options.listener_pops,
            clock=self.options.clock,
            latency=self.latency,
            regional_hooks=releases.hooks_for if releases else None,
        )
        return _Generation(config, pipeline, runtimes, releases)

    async def start(self) -> None:
        await self.origin_client.start()
        for runtime in self._current.runtimes:
            await runtime.start()

    async def close(self) -> None:
        for generation in [self._current, *self._retired]:
            await generation.close()
        self._retired.clear()
        await self.origin_client.close()
        self.versions.remove_all()

    async def reload(self, config: EdgeConfig) -> None:
        """Serve `config` from now on; the old runtimes close once their requests are done.

        If the new runtimes fail to start, the old generation keeps serving and the error
        propagates to the caller (the watcher prints it). Code that changed becomes a new
        version and starts replicating (with `AutoPublish`, the default); a Lambda
        association naming another version replicates that one.
        """
        if self._fixed_hooks is None and self.options.follows is None:
            self._track(config, first=False)
        generation = self._build(config)
        for runtime in generation.runtimes:
            await runtime.start()
        old, self._current = self._current, generation
        self._retired.append(old)
        for listener in self.on_reload:
            listener(config)
        asyncio.get_running_loop().create_task(self._retire(old))

    async def _retire(self, generation: _Generation) -> None:
        while generation.in_flight:
            await asyncio.sleep(0.01)
        await generation.close()
        if generation in self._retired:
            self._retired.remove(generation)

    # -- versions ------------------------------------------------------------------------

    def shared_state(self) -> EdgeState:
        """The versions and rollouts, for the worker processes that follow this edge."""
        replication = self.replication
        return EdgeState(self.versions.histories, replication.rollouts(), replication.quiet_from)

    def adopt(self, state: EdgeState) -> None:
        """Run the versions and rollouts another process published, on its schedule."""
        self.versions.histories = state.histories
        self.replication.adopt(state.rollouts, state.quiet_from)

    def _track(self, config: EdgeConfig, *, first: bool) -> None:
        """Give each function of `config` its versions and start the rollouts the config asks for."""
        wanted = _associated_versions(config)
        code = [(f.name, "function", f.code_path) for f in config.functions.values()]
        code += [(lam.name, "lambda", lam.code_path) for lam in config.lambdas.values()]
        for name, kind, source in code:
            history = self.versions.histories.get(name)
            asked, previously_asked = wanted.get(name), self._asked.get(name)
            if asked is not None:
                self._asked[name] = asked
            if history is None or history.kind != kind:
                version = self.versions.snapshot(name, kind, source, asked or 1)
                self._go_live(name, version.number, instantly=first)
                continue
            history.source = source
            if asked is not None and asked != previously_asked:
                number = asked if asked in history.versions else self.versions.snapshot(name, kind, source, asked).number
                self._go_live(name, number, instantly=False)
            elif self.auto_publish:
                self._publish_if_changed(name)

    def _go_live(self, name: str, number: int, *, instantly: bool) -> None:
        if instantly:
            self.replication.settle(name, number)
        else:
            self.replication.start(name, number)

    def _publish_if_changed(self, name: str) -> None:
        """Snapshot the code on disk and replicate it if it differs from the associated version."""
        history = self.versions.history(name)
        current = self.replication.target(name)
        version = self.versions.snapshot(name, history.kind, history.source)
        if current is not None and history.versions[current].fingerprint == version.fingerprint:
            self.versions.discard(name, version.number)
        else:
            self.replication.start(name, version.number)

    def publish(self, name: str) -> dict[str, Any]:
        """Publish `name`'s code on disk: DEVELOPMENT to LIVE, or a new Lambda version associated.

        Unchanged code publishes nothing (as Lambda's PublishVersion). A CloudFront
        Function that does not load is refused before any region sees it. Returns
        `{"name", "version", "published", "function"}`, `function` as in `function_versions()`.
        """
        history = self.versions.histories.get(name)
        if history is None:
            raise PublishError(f"no function or Lambda named {name!r}")
        try:
            version = self.versions.snapshot(name, history.kind, history.source)
        except VersionError as exc:
            raise PublishError(str(exc)) from exc
        current = self.replication.target(name)
        published = current is None or history.versions[current].fingerprint != version.fingerprint
        releases = self._current.releases
        problem = releases.load_error(name, version.number) if published and releases else None
        if not published or problem:
            self.versions.discard(name, version.number)
        if problem:
            raise PublishError(f"{name}: {problem}")
        if published:
            self.replication.start(name, version.number)
        number = version.number if published else current
        return {"name": name, "version": str(number), "published": published, "function": self.function_versions()[name]}

    def function_versions(self) -> dict[str, dict[str, Any]]:
        """Every function's versions and, per region, which runs and which are on their way (JSON-ready)."""
        view = {}
        for name, history in sorted(self.versions.histories.items()):
            live = self.replication.target(name)
            live_version = history.versions.get(live) if live is not None else None
            development = self.versions.development_fingerprint(name)
            regions = self.replication.regions_view(name)
            for region, state in regions.items():
                state["pops"] = self.topology.pops_in(region)
            view[name] = {
                "kind": history.kind,
                "code": str(history.source),
                "development": {
                    "fingerprint": development,
                    "published": live_version is not None and live_version.fingerprint == development,
                },
                "live": None if live is None else str(live),
                "versions": [
                    {"version": str(v.number), "fingerprint": v.fingerprint, "created_at": v.created_at,
                     "code": str(v.code_path)}
                    for v in sorted(history.versions.values(), key=lambda v: v.number)
                ],
                "regions": regions,
                "status": "InProgress" if self.replication.in_progress(name) else "Deployed",
            }
        return view

    async def wait_for_rollout(self, name: str | None = None) -> None:
        """Return once `name` (or every function) runs its newest version in every region."""
        for each in [name] if name is not None else list(self.versions.histories):
            await self.replication.wait(each)

    def invalidate(self, paths: list[str]) -> int:
        """Clear the objects CloudFront invalidation `paths` match from every tier."""
        return self.tiers.invalidate(paths)

    def cache_entries(self) -> dict[str, list[dict[str, object]]]:
        """What each tier holds, for the control API and `edgesim cache ls`."""
        return {
            tier: [
                {"key": str(e.key), "path": e.key.invalidation_path, "status": e.status, "size": e.size,
                 "ttl_left": round(e.ttl_left, 3), "age": e.age}
                for e in entries
            ]
            for tier, entries in self.tiers.entries().items()
        }

    async def handle(self, request: EdgeRequest) -> Exchange:
        """Serve one request on the current generation, counting it in flight there."""
        generation = self._current
        generation.in_flight += 1
        try:
            # what this request stored, every worker sees before the viewer gets the answer
            return await self.tiers.settled(generation.pipeline.handle, request)
        finally:
            generation.in_flight -= 1


def _associated_versions(config: EdgeConfig) -> dict[str, int]:
    """The version each Lambda's associations name (the highest, if they differ)."""
    wanted: dict[str, int] = {}
    for behavior in config.distribution.all_behaviors():
        for assoc in behavior.associations:
            if assoc.kind == "lambda" and assoc.version and assoc.version.isdigit():
                wanted[assoc.name] = max(wanted.get(assoc.name, 0), int(assoc.version))
    return wanted


def build_edge_app(
    config: EdgeConfig, options: EdgeOptions | None = None, *, hooks: HookSet | None = None
) -> EdgeApp:
    """The viewer-facing app for `config`; `hooks` replaces the configured runtimes (tests)."""
    edge = Edge(config, options, hooks=hooks)
    return build_app(edge, observers=edge.options.observers)
