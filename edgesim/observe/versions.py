"""Which revision of each function's code is being served, and which came before.

Every time a config is loaded (at start and on each reload) the code of each CloudFront
Function and Lambda@Edge is fingerprinted; a fingerprint not seen before becomes the next
revision number, as publishing does on CloudFront. Function logs are tagged with it and
the dashboard lists the history.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from edgesim.config.model import EdgeConfig


@dataclass(frozen=True)
class Revision:
    number: int
    fingerprint: str
    loaded_at: float


@dataclass
class CodeHistory:
    """One function's code location and every revision served since start."""

    name: str
    kind: str
    runtime: str
    code_path: str
    revisions: list[Revision] = field(default_factory=list)

    @property
    def current(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None


def fingerprint(path: Path) -> str:
    """Content hash of a code file, or of a code directory's file names, sizes and times."""
    digest = hashlib.sha256()
    try:
        if path.is_dir():
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                stat = item.stat()
                digest.update(f"{item.relative_to(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        else:
            digest.update(path.read_bytes())
    except OSError:
        return "unreadable"
    return digest.hexdigest()[:12]


class CodeVersions:
    """Revision history per function name; `observe` is an `Edge.on_reload` listener."""

    def __init__(self) -> None:
        self.histories: dict[str, CodeHistory] = {}

    def observe(self, config: EdgeConfig) -> None:
        code = [(f.name, "function", f.runtime, f.code_path) for f in config.functions.values()]
        code += [(lam.name, "lambda", lam.runtime, lam.code_path) for lam in config.lambdas.values()]
        for name, kind, runtime, path in code:
            history = self.histories.get(name)
            if history is None or history.kind != kind:
                history = self.histories[name] = CodeHistory(name, kind, runtime, str(path))
            history.runtime, history.code_path = runtime, str(path)
            seen = fingerprint(Path(path))
            if history.current is None or history.current.fingerprint != seen:
                history.revisions.append(Revision(len(history.revisions) + 1, seen, time.time()))

    def current(self, name: str) -> str | None:
        """`v<N>` for the revision now served, or None for code never loaded."""
        history = self.histories.get(name)
        revision = history.current if history else None
        return f"v{revision.number}" if revision else None
