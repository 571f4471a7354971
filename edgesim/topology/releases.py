"""The hooks each region runs now: every association bound to the version live there.

One `Releases` belongs to one loaded config (an Edge generation). Asked for a region, it
reads which version of each function replication has brought there and hands back a
`HookSet` built from those versions' code copies; hook sets are kept per combination of
versions, so a region switching reuses what another region already loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from edgesim.config.model import Association, EdgeConfig
from edgesim.edge.hooks import Hook, HookCall, HookProvider, HookResult, HookSet
from edgesim.topology.replication import Replication
from edgesim.topology.versions import VersionStore


class VersionedHook:
    """A hook that reports the version it ran (CloudFront Functions do not say so themselves)."""

    def __init__(self, inner: Hook, version: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.kind = inner.kind
        self.version = version

    async def __call__(self, call: HookCall) -> HookResult:
        result = await self.inner(call)
        result.version = result.version or self.version
        return result


class Releases:
    """Hooks per region for one config, from the versions replication made live there."""

    def __init__(
        self,
        config: EdgeConfig,
        versions: VersionStore,
        replication: Replication,
        providers: Mapping[str, HookProvider],
    ) -> None:
        self.config = config
        self.versions = versions
        self.replication = replication
        self.providers = providers
        self.behaviors = config.distribution.all_behaviors()
        self.names = sorted({a.name for b in self.behaviors for a in b.associations})
        self._hooks: dict[tuple[str, int, str], Hook] = {}
        self._sets: dict[tuple[tuple[str, int | None], ...], HookSet] = {}
        self._quiet: dict[str, tuple[int, HookSet]] = {}
        self._load_errors: dict[tuple[str, int], str] = {}
        self._version_providers: list[Any] = []

    def hooks_for(self, region: str) -> HookSet:
        """What a request served in `region` runs, as of now (looked up once per region
        while no rollout is under way)."""
        replication = self.replication
        now = replication.clock()
        quiet = now >= replication.quiet_from
        if quiet:
            cached = self._quiet.get(region)
            if cached is not None and cached[0] == replication.revision:
                return cached[1]
        live = tuple((name, replication.live(name, region, now)) for name in self.names)
        hooks = self._sets.get(live)
        if hooks is None:
            versions = dict(live)
            table: dict[str, dict[str, Hook]] = {}
            for behavior in self.behaviors:
                bound = table.setdefault(behavior.field_path, {})
                for assoc in behavior.associations:
                    number = versions[assoc.name]
                    if number is not None:  # not replicated here yet: CloudFront does not run it
                        bound[assoc.event_type] = self.hook(assoc, number)
            hooks = self._sets[live] = HookSet(table)
        if quiet:
            self._quiet[region] = (replication.revision, hooks)
        return hooks

    def hook(self, association: Association, number: int) -> Hook:
        """The hook running version `number` of the association's function (built once)."""
        key = (association.name, number, f"{association.event_type} {association.arn}")
        hook = self._hooks.get(key)
        if hook is None:
            hook = self._hooks[key] = self._build(association, number)
        return hook

    def _build(self, association: Association, number: int) -> Hook:
        provider: Any = self.providers.get(association.kind)
        if provider is None:
            raise LookupError(f"no runtime for {association.kind} associations ({association.arn})")
        code_path = self.versions.version(association.name, number).code_path
        if association.kind == "lambda":
            from edgesim.lambdas.provider import LambdaEdgeHook

            lam = self.config.lambdas.get(association.name)
            if lam is None:
                raise LookupError(f"no Lambda named {association.name!r} in Lambdas (for {association.arn})")
            return LambdaEdgeHook(provider.runtime, replace(lam, code_path=code_path), replace(association, version=str(number)))
        from edgesim.functions.provider import FunctionHookProvider

        function = self.config.functions.get(association.name)
        if function is None:
            raise LookupError(f"no function named {association.name!r} in Functions")
        frozen = replace(function, code_path=code_path)
        own = FunctionHookProvider(
            replace(self.config, functions={association.name: frozen}),
            now=provider.now, seed=provider.seed, compute_budget=provider.budget,
        )
        self._version_providers.append(own)
        hook = own.hook_for(association)  # loads the engine now, not on the first request
        engine = own.engine(frozen)
        if isinstance(engine, str):
            self._load_errors[(association.name, number)] = engine
        return VersionedHook(hook, str(number))

    async def close(self) -> None:
        """Close the per-version function providers (their isolated engines are child processes)."""
        for provider in self._version_providers:
            await provider.close()
        self._version_providers.clear()

    def load_error(self, name: str, number: int) -> str | None:
        """Why version `number` of `name` cannot run, or None; builds its hooks if not built yet."""
        for behavior in self.behaviors:
            for assoc in behavior.associations:
                if assoc.name == name:
                    self.hook(assoc, number)
        return self._load_errors.get((name, number))
