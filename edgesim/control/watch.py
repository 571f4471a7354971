"""Reload on save: watch the config, function code, KeyValueStore files and Lambda code.

A change loads the config again and checks every associated CloudFront Function before
anything is swapped in, so a broken edit leaves the last good version serving and the
error names the file, line and column (or the config's field path). Only then does
`edge.reload` take over, which lets requests in flight finish on the old generation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import watchfiles

from edgesim.config.load import ConfigError
from edgesim.config.model import EdgeConfig
from edgesim.edge.code_check import function_load_errors, shown

log = logging.getLogger("edgesim.watch")

# What runtimes and editors write next to code: never a reason to reload.
IGNORED_PARTS = frozenset({"__pycache__", ".git"})
IGNORED_SUFFIXES = (".pyc", ".swp", ".swx", "~")

# How often the watch wakes without changes, to notice `stop` and to signal `watching`.
WAKE_MS = 200


class Reloadable(Protocol):
    """What the watcher needs of an `Edge`."""

    @property
    def config(self) -> EdgeConfig: ...

    async def reload(self, config: EdgeConfig) -> None: ...


@dataclass
class ReloadOutcome:
    """What one reload attempt did; `errors` are `file:line:column: message`-style lines."""

    changed: list[str]
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def describe(self) -> str:
        what = ", ".join(self.changed) or "files"
        if self.ok:
            return f"edgesim: reloaded ({what} changed)"
        lines = "\n".join(f"  {e}" for e in self.errors)
        return f"edgesim: reload failed ({what} changed); still serving the last good version:\n{lines}"


@dataclass(frozen=True)
class Watched:
    """The files and directories a config's behaviour depends on."""

    files: frozenset[Path]
    trees: frozenset[Path]

    @classmethod
    def of(cls, config: EdgeConfig) -> Watched:
        files = {Path(f.code_path) for f in config.functions.values()}
        files |= {Path(p) for p in config.key_value_stores.values()}
        if config.source is not None:
            files.add(Path(config.source))
        trees = {Path(lam.code_path) for lam in config.lambdas.values()}
        return cls(frozenset(p.resolve() for p in files), frozenset(p.resolve() for p in trees))

    def roots(self) -> list[Path]:
        """Directories to watch: editors often save by replacing a file, which a file watch misses."""
        return sorted({p.parent for p in self.files} | set(self.trees))

    def __contains__(self, path: object) -> bool:
        candidate = Path(str(path)).resolve()
        if IGNORED_PARTS.intersection(candidate.parts) or candidate.name.endswith(IGNORED_SUFFIXES):
            return False
        return candidate in self.files or any(candidate.is_relative_to(tree) for tree in self.trees)


class ConfigWatcher:
    """Watches what the served config depends on and reloads `edge` when it changes.

    `load` reads the config again (with the command line's origin overrides); each
    listener gets every `ReloadOutcome` (the console, the dashboard). `watching` is set
    once file events are being received.
    """

    def __init__(
        self,
        edge: Reloadable,
        load: Callable[[], EdgeConfig],
        *,
        listeners: list[Callable[[ReloadOutcome], None]] | None = None,
        debounce_ms: int = 400,
        step_ms: int = 50,
    ) -> None:
        self.edge = edge
        self.load = load
        self.listeners = listeners or []
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self.watching = asyncio.Event()

    async def reload(self, changed: list[str]) -> ReloadOutcome:
        """Load, check, and swap in the new version only if it is good."""
        outcome = ReloadOutcome(changed)
        try:
            config = self.load()
            outcome.errors = function_load_errors(config)
            if outcome.ok:
                await self.edge.reload(config)
        except ConfigError as exc:
            outcome.errors = [f"{exc.source}: {path}: {message}" for path, message in exc.errors]
        except Exception as exc:  # a runtime that fails to start must not stop the watcher
            log.debug("reload failed", exc_info=True)
            outcome.errors = [f"{type(exc).__name__}: {exc}"]
        for listener in self.listeners:
            listener(outcome)
        return outcome

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set; the watched set follows the config after each reload."""
        while not stop.is_set():
            watched = Watched.of(self.edge.config)
            roots = [r for r in watched.roots() if r.exists()]
            if not roots:
                await stop.wait()
                return
            async for changes in watchfiles.awatch(
                *roots,
                watch_filter=lambda _change, path: path in watched,
                stop_event=stop,
                debounce=self.debounce_ms,
                step=self.step_ms,
                rust_timeout=WAKE_MS,
                yield_on_timeout=True,
            ):
                self.watching.set()  # the first (empty) wake-up proves the watch is in place
                if not changes:
                    continue
                changed = sorted({shown(Path(p)) for _, p in changes})
                await self.reload(changed)
                if Watched.of(self.edge.config) != watched:
                    break
