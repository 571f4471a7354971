"""Numbered, immutable versions of each function's code.

Publishing on AWS freezes code: a Lambda version or a CloudFront Function's LIVE stage
keeps running what was published even after the source changes. edgesim does the same
by copying the code into a per-edge directory (a CloudFront Function's file, a Lambda's
task root) and numbering the copy; hooks for a version load from its copy only. The code
on disk is the DEVELOPMENT stage (Lambda's `$LATEST`).

As root, a Lambda worker runs as a sandbox uid (`lambdas/sandbox.py`) that must read its
version's copy but never change it. A Lambda's snapshot then belongs to the sandbox's
group, which every worker joins and no login user is in: readable and walkable by the
group, writable only by root, closed to other users (a 0600 `.env` beside the handler
stays out of their reach). A CloudFront Function's copy, read by the edge alone, stays
private, as does everything as a normal user. No copy keeps a setuid or setgid bit:
copied by root, it would be root's.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from edgesim.lambdas.sandbox_group import SANDBOX_GROUP

# Lambda@Edge's largest deployment package (origin events, unzipped bound is higher but
# a copy this size already means the code path points at the wrong directory).
MAX_SNAPSHOT_BYTES = 50 * 1024 * 1024
SKIPPED = shutil.ignore_patterns(".git", "__pycache__", ".venv", "venv", ".pytest_cache")
# A snapshot's modes: the owner's bits of the copy, less setuid/setgid/sticky; shared with
# the sandbox's group, plus the group's read, and walk or run where the owner may.
KEPT_BITS = 0o700
READ_BY_GROUP = 0o040
RUN_BY_GROUP = 0o010


def fingerprint(path: Path) -> str:
    """Content hash of a code file, or of a code directory's file names, sizes and times."""
    digest = hashlib.sha256()
    try:
        if path.is_dir():
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                info = item.stat()
                digest.update(f"{item.relative_to(path)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        else:
            digest.update(path.read_bytes())
    except OSError:
        return "unreadable"
    return digest.hexdigest()[:12]


class VersionError(Exception):
    """Code that cannot become a version (missing, unreadable, too large)."""


@dataclass(frozen=True)
class Version:
    number: int
    code_path: Path
    fingerprint: str
    created_at: float


@dataclass
class FunctionHistory:
    """One function's versions; `source` is its code on disk (DEVELOPMENT / $LATEST)."""

    name: str
    kind: str
    source: Path
    versions: dict[int, Version] = field(default_factory=dict)

    @property
    def newest(self) -> int:
        return max(self.versions, default=0)


class VersionStore:
    """Every function's history, with the snapshots in a directory made at the first one."""

    def __init__(self, clock: Callable[[], float] = time.time, *, shared: bool | None = None) -> None:
        self.clock = clock
        self.histories: dict[str, FunctionHistory] = {}
        self.shared = os.geteuid() == 0 if shared is None else shared  # Lambda copies readable by sandbox uids
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="edgesim-versions-"))
            _seal(self._root, shared=self.shared)
        return self._root

    def history(self, name: str) -> FunctionHistory:
        return self.histories[name]

    def version(self, name: str, number: int) -> Version:
        return self.histories[name].versions[number]

    def snapshot(self, name: str, kind: str, source: Path, number: int | None = None) -> Version:
        """Copy `source` as version `number` (default: the next one) of `name`."""
        history = self.histories.get(name)
        if history is None or history.kind != kind:
            history = self.histories[name] = FunctionHistory(name, kind, source)
        history.source = source
        number = number if number is not None else history.newest + 1
        if number in history.versions:
            raise VersionError(f"{name} already has a version {number}")
        target = self.root / name / str(number)
        try:
            code_path = _copy(source, target, whole_directory=kind == "lambda")
            _seal_tree(target, shared=self.shared and kind == "lambda")
        except OSError as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise VersionError(f"cannot copy {source}: {exc.strerror or exc}") from exc
        version = Version(number, code_path, fingerprint(code_path), self.clock())
        history.versions[number] = version
        return version

    def discard(self, name: str, number: int) -> None:
        """Forget a snapshot nothing ran (a publish of unchanged code)."""
        self.histories[name].versions.pop(number)
        shutil.rmtree(self.root / name / str(number), ignore_errors=True)

    def development_fingerprint(self, name: str) -> str:
        return fingerprint(self.histories[name].source)

    def remove_all(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


def _copy(source: Path, target: Path, *, whole_directory: bool) -> Path:
    """Copy the code and return where `source`'s counterpart is in the copy."""
    if not source.exists():
        raise VersionError(f"{source} does not exist")
    if source.is_file() and not whole_directory:
        target.mkdir(parents=True)
        return Path(shutil.copy2(source, target / source.name))
    root = source if source.is_dir() else source.parent
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    if size > MAX_SNAPSHOT_BYTES:
        raise VersionError(f"{root} holds {size // (1024 * 1024)} MB, more than a Lambda package may")
    copied = Path(shutil.copytree(root, target / root.name, ignore=SKIPPED))
    return copied if source.is_dir() else copied / source.name


def _seal_tree(target: Path, *, shared: bool) -> None:
    """Set the modes of a fresh snapshot, its directory and its function's directory."""
    _seal(target.parent, shared=shared)
    for directory, _, files in os.walk(target):
        _seal(Path(directory), shared=shared)
        for name in files:
            _seal(Path(directory, name), shared=shared)


def _seal(path: Path, *, shared: bool) -> None:
    if path.is_symlink():
        return  # copytree copies what links point to; a chmod here would change the target
    mode = path.stat().st_mode & KEPT_BITS
    if shared:
        mode |= READ_BY_GROUP | (RUN_BY_GROUP if mode & stat.S_IXUSR else 0)
        os.chown(path, -1, SANDBOX_GROUP)
    path.chmod(mode)
