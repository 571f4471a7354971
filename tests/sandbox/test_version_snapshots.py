"""Version snapshots as the sandbox sees them: as root, a sandbox uid can read and walk a
Lambda's snapshot (else its worker would run as root) but can change nothing in it, and no
other user can read it; no copy is setuid; as a normal user the snapshots stay private."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
from pathlib import Path

import pytest

from edgesim.lambdas.sandbox import Sandbox
from edgesim.topology.versions import VersionStore

ROOT = os.geteuid() == 0


def private_code(directory: Path) -> Path:
    """Code only its owner can read, with a file anyone may write and a setuid helper."""
    code = directory / "code"
    (code / "lib").mkdir(parents=True)
    (code / "index.js").write_text("exports.handler = async (e) => e.Records[0].cf.request;\n")
    (code / "index.js").chmod(0o600)
    (code / "lib" / "open.js").write_text("module.exports = 1;\n")
    (code / "lib" / "open.js").chmod(0o666)
    (code / "helper").write_text("#!/bin/sh\nid -u\n")
    (code / "helper").chmod(0o4777)
    (code / "lib").chmod(0o777)
    directory.chmod(0o700)
    return code


def modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in (root, *root.rglob("*"))}


def as_sandbox_uid(*argv: str) -> subprocess.CompletedProcess:
    identity = Sandbox().probe_identity
    return subprocess.run(argv, user=identity.uid, group=identity.gid, extra_groups=[], cwd="/", capture_output=True)


@pytest.mark.skipif(not ROOT, reason="only root runs workers as sandbox uids")
def test_as_root_a_sandbox_uid_can_read_a_lambda_snapshot_of_private_code_but_not_change_it(tmp_path):
    store = VersionStore()
    try:
        version = store.snapshot("edge", "lambda", private_code(tmp_path / "src"))
        snapshot = version.code_path
        assert Sandbox().refusal(("/usr/bin/env", str(snapshot / "index.js")), snapshot) is None
        assert as_sandbox_uid("cat", str(snapshot / "lib" / "open.js")).returncode == 0
        for target in (snapshot / "index.js", snapshot / "lib" / "open.js", snapshot / "lib", snapshot, snapshot.parent):
            assert as_sandbox_uid("test", "-w", str(target)).returncode != 0, f"{target} is writable by a sandbox uid"
        assert as_sandbox_uid("touch", str(snapshot / "lib" / "planted.js")).returncode != 0
        found = modes(store.root)
        assert not [path for path, mode in found.items() if mode & (stat.S_IWGRP | stat.S_IWOTH)], found
        assert found[str((snapshot / "helper").relative_to(store.root))] == 0o750, "no setuid copy, still runnable by workers"
        assert all(p.stat().st_uid == 0 for p in (store.root, *store.root.rglob("*")))
    finally:
        store.remove_all()


def as_stranger(*argv: str) -> subprocess.CompletedProcess:
    """A local user who is neither root nor a sandbox uid (nobody)."""
    return subprocess.run(argv, user=65534, group=65534, extra_groups=[], cwd="/", capture_output=True)


@pytest.mark.skipif(not ROOT, reason="only root shares snapshots with sandbox uids")
def test_as_root_a_lambda_snapshot_is_readable_by_sandbox_workers_and_by_no_other_user(tmp_path):
    code = private_code(tmp_path / "src")
    (code / ".env").write_text("API_KEY=secret\n")
    (code / ".env").chmod(0o600)
    store = VersionStore()
    try:
        snapshot = store.snapshot("edge", "lambda", code).code_path
        sandbox = Sandbox()
        worker = sandbox.lease()  # a worker's identity, switched to as a worker's is
        try:
            seen = subprocess.run(["cat", str(snapshot / ".env")], preexec_fn=sandbox.preexec(worker), cwd="/",
                                  capture_output=True)
        finally:
            asyncio.run(sandbox.release(worker))
        assert seen.stdout == b"API_KEY=secret\n", seen.stderr
        for target in (snapshot / ".env", snapshot / "index.js", snapshot / "lib" / "open.js"):
            assert as_stranger("cat", str(target)).returncode != 0, f"{target} is readable by any local user"
        found = modes(store.root)
        assert not [path for path, mode in found.items() if mode & 0o007], found
    finally:
        store.remove_all()


@pytest.mark.skipif(not ROOT, reason="only root shares snapshots with sandbox uids")
def test_as_root_a_cloudfront_function_snapshot_stays_private_to_the_edge(tmp_path):
    (tmp_path / "fn.js").write_text("function handler(event) { return event.request; }\n")
    store = VersionStore()
    try:
        snapshot = store.snapshot("fn", "function", tmp_path / "fn.js").code_path
        assert as_sandbox_uid("cat", str(snapshot)).returncode != 0
        assert as_stranger("cat", str(snapshot)).returncode != 0
    finally:
        store.remove_all()


def test_unshared_snapshots_stay_private_to_their_owner(tmp_path):
    store = VersionStore(shared=False)
    try:
        store.snapshot("edge", "lambda", private_code(tmp_path / "src"))
        found = modes(store.root)
        assert found["."] == 0o700
        assert not [path for path, mode in found.items() if mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_ISUID | stat.S_ISGID)], found
    finally:
        store.remove_all()
