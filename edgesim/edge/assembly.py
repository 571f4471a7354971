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
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette

from edgesim.config.model import EdgeConfig
from edgesim.edge.app import Observer, Runtime, build_app
from edgesim.edge.hooks import HookProvider, HookSet
from edgesim.edge.origin_client import OriginClient
from edgesim.edge.exchange import Exchange
from edgesim.edge.model import EdgeRequest
from edgesim.edge.pipeline import Pipeline
from edgesim.edge.tiers import CacheTiers
from edgesim.topology.places import Topology

log = logging.getLogger("edgesim.edge")


@dataclass
class EdgeOptions:
    """Run-time choices that are not part of the distribution (command line, test fixtures)."""

    pop: str | None = None
    now: float | None = None
    seed: int | None = None
    caching: bool = True
    clock: Callable[[], float] = time.time
    observers: list[Observer] = field(default_factory=list)


def runtime_providers(config: EdgeConfig, options: EdgeOptions) -> dict[str, HookProvider]:
    """One provider per kind of function the config associates with a behavior."""
    kinds = {a.kind for b in config.distribution.all_behaviors() for a in b.associations}
    providers: dict[str, HookProvider] = {}
    if "function" in kinds:
        from edgesim.functions.provider import FunctionHookProvider

        providers["function"] = FunctionHookProvider(config, now=options.now, seed=options.seed)
    if "lambda" in kinds:
        from edgesim.lambdas.provider import LambdaHookProvider

        providers["lambda"] = LambdaHookProvider(config)
    return providers


@dataclass
class _Generation:
    """One loaded config with the pipeline and runtimes built for it."""

    config: EdgeConfig
    pipeline: Pipeline
    runtimes: list[Runtime]
    in_flight: int = 0


class Edge:
    """A distribution being served; `pipeline` is always the current generation's."""

    def __init__(self, config: EdgeConfig, options: EdgeOptions | None = None, *, hooks: HookSet | None = None) -> None:
        self.options = options or EdgeOptions()
        self.origin_client = OriginClient()
        self.topology = Topology.from_settings(config.settings, self.options.pop)
        self.tiers = CacheTiers(self.topology, clock=self.options.clock)
        self._fixed_hooks = hooks
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
        if hooks is None:
            providers = runtime_providers(config, self.options)
            hooks = HookSet.from_providers(config.distribution.all_behaviors(), providers)
            runtimes = [p for p in providers.values() if hasattr(p, "start") and hasattr(p, "close")]  # type: ignore[misc]
        pipeline = Pipeline(
            config,
            hooks=hooks,
            origin_client=self.origin_client,
            topology=self.topology,
            tiers=self.tiers,
            caching=self.options.caching,
            clock=self.options.clock,
        )
        return _Generation(config, pipeline, runtimes)

    async def start(self) -> None:
        await self.origin_client.start()
        for runtime in self._current.runtimes:
            await runtime.start()

    async def close(self) -> None:
        for generation in [self._current, *self._retired]:
            for runtime in reversed(generation.runtimes):
                await runtime.close()
        self._retired.clear()
        await self.origin_client.close()

    async def reload(self, config: EdgeConfig) -> None:
        """Serve `config` from now on; the old runtimes close once their requests are done.

        If the new runtimes fail to start, the old generation keeps serving and the error
        propagates to the caller (the watcher prints it).
        """
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
        for runtime in reversed(generation.runtimes):
            await runtime.close()
        if generation in self._retired:
            self._retired.remove(generation)

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
            return await generation.pipeline.handle(request)
        finally:
            generation.in_flight -= 1


def build_edge_app(
    config: EdgeConfig, options: EdgeOptions | None = None, *, hooks: HookSet | None = None
) -> Starlette:
    """The viewer-facing app for `config`; `hooks` replaces the configured runtimes (tests)."""
    edge = Edge(config, options, hooks=hooks)
    return build_app(edge, observers=edge.options.observers)
