"""Workers on uvloop, the event loop `edgesim serve` runs on.

uvloop's subprocess_exec refuses asyncio's `user=`, `group=` and `extra_groups=` (ValueError:
unexpected kwargs), so a worker becomes its sandbox user in its preexec step; these tests run
the whole start under `uvloop.run`. The functions are Node.js (/usr/bin/node is runnable by
any uid); the code lives in a world-readable directory, since pytest's are private to root.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvloop

from edgesim.edge.hooks import HookError
from edgesim.lambdas.provider import LambdaRuntime
from edgesim.lambdas.sandbox import Sandbox
from edgesim.lambdas.sandbox_group import SANDBOX_GROUP
from tests.lambdas.helpers import make_call, make_hook, requires_node, write_code

ROOT = os.geteuid() == 0
BUDGET = 24
WHO_AM_I = """
exports.handler = async () => ({status: '200', body: String(process.getuid())});
"""

pytestmark = [requires_node, pytest.mark.skipif(not ROOT, reason="only root runs workers as sandbox uids")]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="edgesim-uvloop-test-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path)


def public(directory: Path) -> Path:
    for path in (directory, *directory.rglob("*")):
        path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0))
    return directory


def status_field(pid: int, name: str) -> list[str]:
    with open(f"/proc/{pid}/status") as status:
        return next(line for line in status if line.startswith(name + ":")).split()[1:]


def max_processes(pid: int) -> str:
    with open(f"/proc/{pid}/limits") as limits:
        return next(line for line in limits if line.startswith("Max processes")).split()[2]


def test_a_worker_started_on_uvloop_runs_as_its_own_sandbox_user_with_its_process_budget(shared_dir, tmp_path):
    code = public(write_code(shared_dir / "who", {"index.js": WHO_AM_I}))

    async def scenario() -> tuple[str, list[str], list[str], str]:
        runtime = LambdaRuntime(log_dir=tmp_path / "logs", sandbox=Sandbox(max_processes=BUDGET))
        await runtime.start()
        try:
            assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
            result = await make_hook(runtime, code)(make_call("viewer-request"))
            (pid,) = [pid for pool in runtime.pools() for pid in pool.worker_pids()]
            return result.response.body.decode(), status_field(pid, "Uid"), status_field(pid, "Groups"), max_processes(pid)
        finally:
            await runtime.close()

    answered_uid, uids, groups, nproc = uvloop.run(scenario())
    base = Sandbox().uid_base
    assert int(answered_uid) > base
    assert uids == [answered_uid] * 4, "real, effective, saved and filesystem uid are all the sandbox's"
    assert groups == [str(SANDBOX_GROUP)], "only the snapshot readers' group (root's would let it read root-group files)"
    assert nproc == str(BUDGET)


def test_a_worker_that_cannot_start_on_uvloop_is_a_cloudfront_error_and_a_log_line(shared_dir, tmp_path):
    code = public(write_code(shared_dir / "no-exec", {"bootstrap": "#!/bin/sh\nexit 0\n"}))
    (code / "bootstrap").chmod(0o644)

    async def scenario() -> tuple[HookError, list[str], str]:
        runtime = LambdaRuntime(log_dir=tmp_path / "logs", sandbox=Sandbox(max_processes=BUDGET))
        await runtime.start()
        try:
            hook = make_hook(runtime, code, runtime_name="provided.al2023")
            with pytest.raises(HookError) as caught:
                await hook(make_call("viewer-request"))
            log = (tmp_path / "logs/us-east-1/aws/lambda/us-east-1.no-exec.log").read_text()
            return caught.value, caught.value.logs, log
        finally:
            await runtime.close()

    error, logs, log = uvloop.run(scenario())
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith(f"Runtime.InvalidEntrypoint: cannot start {code / 'bootstrap'}")
    assert any("edgesim: cannot start" in line and "Permission denied" in line for line in logs)
    assert "edgesim: cannot start" in log


# Started without CAP_SETGID (as in a container that dropped it), a root edgesim's worker
# cannot shed its groups. The worker is built directly: a LambdaRuntime's access probe
# would already fail there and never ask for isolation.
CANNOT_SWITCH = """
import sys
from pathlib import Path

import uvloop

from edgesim.lambdas.runtime_api import RuntimeApiServer
from edgesim.lambdas.runtimes import launch_plan
from edgesim.lambdas.sandbox import Sandbox
from edgesim.lambdas.worker import Worker, WorkerFailed, WorkerSpec


async def main():
    server = RuntimeApiServer()
    await server.start()
    spec = WorkerSpec(plan=launch_plan("nodejs20.x", Path(sys.argv[1]), 128), function_name="us-east-1.who",
                      version="1", handler="index.handler", memory_mb=128, region="us-east-1",
                      log_group="/aws/lambda/us-east-1.who", isolated=True)
    worker = Worker(spec, server, Sandbox())
    try:
        await worker.start(10.0)
    except WorkerFailed as failed:
        print(failed.error_type, failed.message, *worker.take_logs(), sep="\\n")
    await server.close()


uvloop.run(main())
"""


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux's setpriv to drop CAP_SETGID")
def test_a_worker_that_cannot_become_its_sandbox_user_on_uvloop_fails_its_init_with_the_reason(shared_dir):
    code = public(write_code(shared_dir / "who", {"index.js": WHO_AM_I}))
    done = subprocess.run(
        ["setpriv", "--bounding-set=-setgid", "--inh-caps=-setgid", sys.executable, "-c", CANNOT_SWITCH, str(code)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    error_type, message, *logs = done.stdout.splitlines()
    assert error_type == "Runtime.InvalidEntrypoint"
    pattern = (rf"cannot start {re.escape(shutil.which('node'))} as sandbox uid (\d+): Exception occurred in "
               r"preexec_fn\. \(OSError: cannot become uid \1: Operation not permitted\)")
    assert re.fullmatch(pattern, message), message
    assert logs and logs[-1].endswith("edgesim: " + message)
