"""Lambda@Edge workers in their box: a fork bomb hits a process limit, nothing a worker
started (even after setsid()) outlives it, and as root a worker is nobody edgesim knows.

The code lives in a world-readable directory so that, as root, workers run as their own
sandbox uid (pytest's own temporary directories are private to root)."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from edgesim.edge.hooks import HookError
from edgesim.lambdas.provider import LambdaRuntime
from edgesim.lambdas.runtimes import launch_plan
from edgesim.lambdas.sandbox import Sandbox, scan_processes
from tests.lambdas.helpers import make_call, make_hook, viewer_request, write_code

pytestmark = pytest.mark.asyncio(loop_scope="function")

BUDGET = 24  # processes per worker in these tests (Lambda's is 1,024)
ROOT = os.geteuid() == 0
FORK_BOMB = """
import os, time
def lambda_handler(event, context):
    children = []
    try:
        for _ in range(200):  # the test's own bound, far above the budget
            pid = os.fork()
            if pid == 0:
                time.sleep(120)
                os._exit(0)
            children.append(pid)
    finally:
        print("children", *children)
    return {"status": "200", "body": "forked 200 times"}
"""
# The child calls setsid() and forks a grandchild that sleeps, then exits: the grandchild
# is in no process group or session of the worker's.
ESCAPES = """
import os, time
def lambda_handler(event, context):
    read, write = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write, str(os.getpid()).encode())
            time.sleep(120)
        os._exit(0)
    os.close(write)
    grandchild = os.read(read, 32).decode()
    if event["Records"][0]["cf"]["request"]["uri"] == "/exit":
        print("grandchild", grandchild, flush=True)
        os._exit(7)
    return {"status": "200", "body": grandchild}
"""
WHO_AM_I = """
import os
def lambda_handler(event, context):
    try:
        open(event["Records"][0]["cf"]["request"]["uri"]).read()
        secret = "read"
    except PermissionError:
        secret = "denied"
    try:
        os.kill(os.getppid(), 0)
        parent = "signalled"
    except PermissionError:
        parent = "denied"
    return {"status": "200", "body": f"{os.getuid()} {secret} {parent}"}
"""


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A code directory any user can read, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="edgesim-sandbox-test-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path)


@pytest_asyncio.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[LambdaRuntime]:
    rt = LambdaRuntime(log_dir=tmp_path / "logs", sandbox=Sandbox(max_processes=BUDGET))
    await rt.start()
    try:
        yield rt
    finally:
        await rt.close()


def public_code(directory: Path, source: str) -> Path:
    code = write_code(directory, {"lambda_function.py": source})
    for path in (code, code / "lambda_function.py"):
        path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
    return code


def python_hook(runtime: LambdaRuntime, code: Path, **kwargs: object):
    return make_hook(runtime, code, runtime_name="python3.12", **kwargs)


def worker_pids(runtime: LambdaRuntime) -> list[int]:
    return [pid for pool in runtime.pools() for pid in pool.worker_pids()]


def uid_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("Uid:")).split()[1])


async def gone(pids: list[int], uid: int | None) -> bool:
    """No process of these pids (or of that uid) alive; SIGKILL is quick, reaping may lag."""
    for _ in range(200):
        procs = [p for p in scan_processes(with_uids=True) if p.state not in ("Z", "X")]
        if not any(p.pid in pids or (uid is not None and uid in p.uids) for p in procs):
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.fixture
def sandboxed_python(shared_dir: Path) -> None:
    """As root, workers switch users only if a sandbox uid can run some Python here."""
    sandbox = Sandbox()
    if ROOT and not sandbox.can_execute(launch_plan("python3.12", shared_dir, 128, sandbox.can_execute).argv[0]):
        pytest.skip("no Python on this machine can be run by an unprivileged user")


async def test_fork_bomb_hits_the_process_limit_and_nothing_of_it_survives_a_recycle(runtime, shared_dir, sandboxed_python):
    bomb = python_hook(runtime, public_code(shared_dir / "bomb", FORK_BOMB))
    with pytest.raises(HookError) as caught:
        await bomb(make_call("viewer-request"))
    error = caught.value
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith("BlockingIOError: [Errno 11]")
    children = [int(pid) for line in error.logs if line.startswith("children") for pid in line.split()[1:]]
    assert 0 < len(children) < BUDGET
    (worker,) = worker_pids(runtime)
    uid = uid_of(worker) if ROOT else None
    assert uid != 0

    hello = python_hook(runtime, public_code(shared_dir / "hello", "def lambda_handler(e, c):\n    return {'status': '200', 'body': 'still serving'}\n"))
    assert (await hello(make_call("viewer-request"))).response.body == b"still serving"

    (pool,) = [p for p in runtime.pools() if p.spec.function_name.endswith(".bomb")]
    assert await pool.reap(0) == 1
    assert await gone([worker, *children], uid)


async def test_a_grandchild_that_left_with_setsid_dies_when_the_pool_closes(runtime, shared_dir):
    hook = python_hook(runtime, public_code(shared_dir / "escapes", ESCAPES))
    grandchild = int((await hook(make_call("viewer-request"))).response.body)
    (worker,) = worker_pids(runtime)
    assert os.getsid(grandchild) not in (os.getsid(worker), worker)
    await runtime.close()
    assert await gone([worker, grandchild], None)


@pytest.mark.skipif(not ROOT, reason="a normal user's worker cannot be told apart from edgesim once it has died")
async def test_as_root_a_worker_that_exits_takes_its_setsid_grandchild_along(runtime, shared_dir, sandboxed_python):
    hook = python_hook(runtime, public_code(shared_dir / "escapes-then-exits", ESCAPES))
    with pytest.raises(HookError) as caught:
        await hook(make_call("viewer-request", request=viewer_request(uri="/exit")))
    assert caught.value.reason == "Runtime.ExitError: Runtime exited with error: exit status 7"
    (grandchild,) = [int(line.split()[1]) for line in caught.value.logs if line.startswith("grandchild")]
    assert await gone([grandchild], None)
    assert (await hook(make_call("viewer-request"))).response.status == 200


@pytest.mark.skipif(not ROOT, reason="switching users needs root")
async def test_as_root_each_worker_is_its_own_unprivileged_user(runtime, shared_dir, tmp_path, sandboxed_python):
    secret = tmp_path / "edgesim-secret"
    secret.write_text("hunter2")
    secret.chmod(0o600)
    hook = python_hook(runtime, public_code(shared_dir / "who", WHO_AM_I))
    call = lambda: make_call("viewer-request", request=viewer_request(uri=str(secret)))  # noqa: E731
    first, second = await asyncio.gather(hook(call()), hook(call()))
    answers = [r.response.body.decode().split() for r in (first, second)]
    assert [a[1:] for a in answers] == [["denied", "denied"]] * 2
    uids = {int(a[0]) for a in answers}
    assert len(uids) == 2 and all(uid >= runtime.sandbox.uid_base for uid in uids)


@pytest.mark.skipif(not ROOT, reason="only root switches users")
async def test_code_a_sandbox_user_cannot_read_runs_as_root_and_says_so(runtime, tmp_path):
    private = write_code(tmp_path / "private", {"lambda_function.py": "import os\ndef lambda_handler(e, c):\n    return {'status': '200', 'body': str(os.getuid())}\n"})
    private.parent.chmod(0o700)
    assert (await python_hook(runtime, private)(make_call("viewer-request"))).response.body == b"0"
    log = (runtime.sink.log_dir / "us-east-1/aws/lambda/us-east-1.private.log").read_text()
    assert "is not readable by other users; the worker runs as root, without a per-worker process limit" in log


async def test_two_edgesims_on_one_machine_never_lease_the_same_sandbox_uid(tmp_path):
    """Otherwise one's cleanup (kill everything of the uid) kills the other's workers."""
    ours = Sandbox(lease_dir=tmp_path)
    held = ours.lease()
    other = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from edgesim.lambdas.sandbox import Sandbox;"
                               "print(Sandbox(lease_dir=Path(sys.argv[1])).lease().uid)", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )
    assert int(other.stdout) != held.uid
    await ours.release(held)
