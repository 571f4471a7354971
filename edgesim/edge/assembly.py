"""Put an edge together from a loaded config: pipeline, hook runtimes, observers, app.

The CLI, the pytest plugin and the tests all build their edge here, so each runs the
same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from starlette.applications import Starlette

from edgesim.config.model import EdgeConfig
from edgesim.edge.app import Observer, Runtime, build_app
from edgesim.edge.hooks import HookProvider, HookSet
from edgesim.edge.pipeline import Pipeline


@dataclass
class EdgeOptions:
    """Run-time choices that are not part of the distribution (command line, test fixtures)."""

    pop: str | None = None
    now: float | None = None
    seed: int | None = None
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


def build_edge_app(
    config: EdgeConfig, options: EdgeOptions | None = None, *, hooks: HookSet | None = None
) -> Starlette:
    """The viewer-facing app for `config`; `hooks` replaces the configured runtimes (tests)."""
    options = options or EdgeOptions()
    runtimes: Iterable[Runtime] = ()
    if hooks is None:
        providers = runtime_providers(config, options)
        hooks = HookSet.from_providers(config.distribution.all_behaviors(), providers)
        runtimes = [p for p in providers.values() if hasattr(p, "start") and hasattr(p, "close")]  # type: ignore[misc]
    pipeline = Pipeline(config, hooks=hooks, pop=options.pop)
    return build_app(pipeline, runtimes=runtimes, observers=options.observers)
