"""Versions reaching regions one by one, as Lambda@Edge and CloudFront deployments do.

A rollout gives each region its own switch time, drawn from the replication profile
(`instant`, or `realistic`: minutes, from `figures`) and multiplied by `time_scale`, so a
test can watch a 15-minute rollout in seconds. Until its time, a region keeps the
version it had; successive rollouts reach each region in order. Nothing runs in the
background: which version is live is read off the clock when asked, so a fake clock
moves a rollout forward exactly.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from edgesim.topology import figures

log = logging.getLogger("edgesim.topology")

PROFILES = ("instant", "realistic")


@dataclass(frozen=True)
class Rollout:
    """One version on its way: when it started and when each region switches to it."""

    version: int
    started_at: float
    switch_at: dict[str, float]

    def switches_at(self, region: str) -> float:
        return self.switch_at.get(region, self.started_at)

    def done_at(self) -> float:
        return max(self.switch_at.values(), default=self.started_at)


class Replication:
    """Which version of each function is live in each region, and rollouts in progress."""

    def __init__(
        self,
        regions: list[str],
        *,
        profile: str = "instant",
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        seed: int | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"replication profile {profile!r} is not one of {', '.join(PROFILES)}")
        self.regions = list(regions)
        self.profile = profile
        self.time_scale = time_scale
        self.clock = clock
        self.rng = random.Random(seed)
        self.sleep = sleep
        self._rollouts: dict[str, list[Rollout]] = {}
        # What `live` answers changes only with a settle or a start, and with time while a
        # rollout is under way: from `quiet_from` on, and until `revision` moves, it is fixed.
        self.revision = 0
        self.quiet_from = -math.inf

    def settle(self, name: str, version: int) -> None:
        """`name` runs `version` everywhere already (what the edge started with)."""
        self._rollouts[name] = [Rollout(version, -math.inf, {})]
        self.revision += 1

    def start(self, name: str, version: int) -> Rollout:
        """Send `version` of `name` to every region; each switches after its own delay."""
        now = self.clock()
        previous = self._rollouts.get(name, [])
        switch_at = {}
        for region in self.regions:
            earliest = max((r.switches_at(region) for r in previous), default=now)
            switch_at[region] = max(now + self._delay(), earliest)
        rollout = Rollout(version, now, switch_at)
        self._rollouts[name] = [*self._pending(name, now), rollout]
        self.revision += 1
        self.quiet_from = max(self.quiet_from, rollout.done_at())
        plan = ", ".join(f"{region} in {at - now:.1f}s" for region, at in sorted(switch_at.items(), key=lambda i: i[1]))
        log.info("replicating %s version %d: %s", name, version, plan)
        return rollout

    def rollouts(self) -> dict[str, list[Rollout]]:
        """Every function's rollouts still in the record (for processes that follow this one)."""
        return {name: list(rollouts) for name, rollouts in self._rollouts.items()}

    def adopt(self, rollouts: dict[str, list[Rollout]], quiet_from: float) -> None:
        """Take another process's rollouts as they are: same versions, same switch times."""
        self._rollouts = {name: list(each) for name, each in rollouts.items()}
        self.quiet_from = quiet_from
        self.revision += 1

    def _delay(self) -> float:
        if self.profile == "instant":
            return 0.0
        drawn = figures.REPLICATION_MEDIAN_S * math.exp(self.rng.gauss(0.0, figures.REPLICATION_SPREAD))
        return min(max(drawn, figures.REPLICATION_MIN_S), figures.REPLICATION_MAX_S) * self.time_scale

    def _pending(self, name: str, now: float) -> list[Rollout]:
        """The rollouts that still matter: the newest complete one and everything after it."""
        rollouts = self._rollouts.get(name, [])
        for index in range(len(rollouts) - 1, -1, -1):
            if rollouts[index].done_at() <= now:
                return rollouts[index:]
        return rollouts

    def live(self, name: str, region: str, now: float | None = None) -> int | None:
        """The version `region` runs at `now`; None if none has reached it yet."""
        now = self.clock() if now is None else now
        for rollout in reversed(self._rollouts.get(name, [])):
            if rollout.switches_at(region) <= now:
                return rollout.version
        return None

    def target(self, name: str) -> int | None:
        rollouts = self._rollouts.get(name)
        return rollouts[-1].version if rollouts else None

    def in_progress(self, name: str) -> bool:
        rollouts = self._rollouts.get(name)
        return bool(rollouts) and rollouts[-1].done_at() > self.clock()

    def regions_view(self, name: str) -> dict[str, dict[str, Any]]:
        """Per region: the live version and the versions still on their way, with when they land."""
        now = self.clock()
        view = {}
        for region in self.regions:
            replicating = [
                {"version": str(r.version), "switches_at": r.switches_at(region),
                 "in_s": round(r.switches_at(region) - now, 3)}
                for r in self._pending(name, now)
                if r.switches_at(region) > now
            ]
            live = self.live(name, region, now)
            view[region] = {"live": None if live is None else str(live), "replicating": replicating}
        return view

    async def wait(self, name: str) -> None:
        """Return once every region runs the newest version of `name`."""
        while (rollouts := self._rollouts.get(name)) and (left := rollouts[-1].done_at() - self.clock()) > 0:
            await self.sleep(left)
