"""One worker: a real process behind its own Runtime API channel.

The process gets Lambda's environment and nothing of edgesim's (no host secrets), its
own process group, and what `sandbox.py` gives it: its own uid when edgesim is root, a
process budget, a kill that takes down everything it started, and a watch on the memory
its process tree holds (`memory.py`); over its memory size it is killed, and the
invocation fails with `Runtime.OutOfMemory` as on Lambda.
Its stdout and stderr share one pipe that is read without blocking; after each reply the
pipe is drained, so every line the function wrote before answering lands in that
invocation's logs.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from edgesim.lambdas.debugging import debugpy_home
from edgesim.lambdas.logs import timestamp
from edgesim.lambdas.memory import set_oom_score_adj
from edgesim.lambdas.runtime_api import (
    Channel,
    Invocation,
    ProtocolViolation,
    RuntimeApiServer,
    RuntimeReply,
    error_message,
)
from edgesim.lambdas.runtimes import LaunchPlan
from edgesim.lambdas.sandbox import Identity, Sandbox, kill_everything

PASSED_THROUGH = ("PATH", "LANG", "LC_ALL")
OUT_OF_MEMORY = "Runtime.OutOfMemory"


@dataclass(frozen=True)
class WorkerSpec:
    """Everything needed to start workers of one function version in one region."""

    plan: LaunchPlan
    function_name: str
    version: str
    handler: str
    memory_mb: int
    region: str
    log_group: str
    clock_offset_ms: float = 0.0
    extra_env: dict[str, str] = field(default_factory=dict)
    isolated: bool = False  # runs as a sandbox uid of its own (root only, code readable by it)
    debug_port: int | None = None  # `serve --inspect`: the inspector's port; no timeout then


class WorkerFailed(Exception):
    """The worker cannot answer: it crashed, timed out or failed its init.

    `error_type` is what Lambda would report (`Runtime.ExitError`, the init error's type,
    ...); `before_start` means the invocation never reached the function, so it can be
    retried on another worker.
    """

    def __init__(self, error_type: str, message: str, *, before_start: bool = False) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.before_start = before_start


class WorkerTimedOut(Exception):
    """The invocation ran past its deadline; the worker has been killed."""


def lambda_environment(spec: WorkerSpec, address: str, stream: str) -> dict[str, str]:
    """The environment Lambda gives a function, plus the host's PATH and locale."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": address,
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": str(spec.plan.cwd),
            "LAMBDA_RUNTIME_DIR": str(Path(spec.plan.argv[-1]).parent),
            "AWS_EXECUTION_ENV": spec.plan.execution_env,
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "TZ": ":UTC",
        }
    )
    if spec.clock_offset_ms:
        env["EDGESIM_CLOCK_OFFSET_MS"] = str(int(spec.clock_offset_ms))
    if spec.debug_port is not None:
        env["EDGESIM_INSPECT_PORT"] = str(spec.debug_port)
        home = debugpy_home()
        if home is not None:
            env["EDGESIM_DEBUGPY_HOME"] = home
    env.update(spec.extra_env)
    return env


class Worker:
    """A started process, its channel and the log lines it has written."""

    def __init__(self, spec: WorkerSpec, server: RuntimeApiServer, sandbox: Sandbox) -> None:
        self.spec = spec
        self._server = server
        self._sandbox = sandbox
        self._identity: Identity | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._channel: Channel | None = None
        self._log_fd = -1
        self._partial = b""
        self._lines: list[str] = []
        self._exited: asyncio.Future[int] | None = None
        self._inflight: Invocation | None = None
        self._status_fd = -1
        self._killed_holding_kb = 0  # what its tree held when the memory watch killed it
        self._memory_kill: asyncio.Task[None] | None = None
        self.idle_since = 0.0
        self.stream = time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{spec.version}]{os.urandom(16).hex()}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        """Running, and not killed by the memory watch (its exit may not be noticed yet)."""
        return self._exited is not None and not self._exited.done() and not self._killed_holding_kb

    async def start(self, init_timeout: float) -> float:
        """Spawn the process and wait for its first /next; returns the init time in ms."""
        loop = asyncio.get_running_loop()
        began = time.perf_counter()
        self._channel = await self._server.open_channel()
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        self._log_fd = read_fd
        try:
            self._identity = self._sandbox.lease() if self.spec.isolated else None
            self._proc = await asyncio.create_subprocess_exec(
                *self.spec.plan.argv,
                stdin=subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                cwd=self.spec.plan.cwd,
                env=lambda_environment(self.spec, self._channel.address, self.stream),
                start_new_session=True,
                preexec_fn=self._sandbox.preexec(self._identity),
            )
        except (OSError, ValueError, RuntimeError, subprocess.SubprocessError) as exc:
            # the command cannot run, the child could not become its user, or the event loop
            # refused the spawn: every one is a failed init, never a crash of the server
            os.close(write_fd)
            reason = f"cannot start {self.spec.plan.argv[0]}{self._as_whom()}: {_cause(exc)}"
            await self.kill()
            self._lines.append(f"{timestamp()} edgesim: {reason}")
            raise WorkerFailed("Runtime.InvalidEntrypoint", reason) from exc
        os.close(write_fd)
        try:
            self._status_fd = os.open(f"/proc/{self._proc.pid}/status", os.O_RDONLY)
        except OSError:
            pass  # already gone; the exit watcher reports it
        set_oom_score_adj(self._proc.pid)
        self._sandbox.memory.watch(self._proc.pid, self.spec.memory_mb, self._over_memory)
        loop.add_reader(read_fd, self._read_logs)
        self._exited = loop.create_future()
        loop.create_task(self._watch_exit())
        ready = self._channel.ready
        done, _ = await asyncio.wait({ready, self._exited}, timeout=init_timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready in done and ready.result() is None:
            self._sandbox.memory.idle(self._proc.pid)
            return (time.perf_counter() - began) * 1000
        if ready in done:
            reply = ready.result()
            assert reply is not None
            await self.kill()
            raise WorkerFailed(reply.error_type or "Runtime.Unknown", error_message(reply.body))
        if self._exited in done:
            self.drain_logs()
            await self.kill()
            raise WorkerFailed(self._exit_error_type(), _exit_message(self._exited.result()))
        await self.kill()
        raise WorkerFailed("Runtime.InitTimeout", f"Init timed out after {init_timeout:.2f} seconds")

    async def invoke(self, invocation: Invocation) -> RuntimeReply:
        """Hand one event to the process and wait for its reply, its death or the deadline."""
        assert self._channel is not None and self._exited is not None and self._proc is not None
        self._inflight = invocation
        self._sandbox.memory.busy(self._proc.pid)
        self._channel.dispatch(invocation)
        # A timer rather than wait_for: one hop fewer between the reply and this coroutine.
        # Under a debugger (`serve --inspect`) a paused handler is waited for.
        timer = None
        if self.spec.debug_port is None:
            timer = asyncio.get_running_loop().call_later(invocation.timeout_s, _expire, invocation.reply)
        try:
            return await invocation.reply
        except WorkerTimedOut:
            await self.kill()
            raise
        except ProtocolViolation as exc:
            raise WorkerFailed(exc.error_type, exc.message) from exc  # the pool replaces the worker
        finally:
            if timer is not None:
                timer.cancel()
            self._inflight = None
            self._sandbox.memory.idle(self._proc.pid)
            self.drain_logs()

    def peak_rss_mb(self) -> int:
        """The process's peak resident memory (VmHWM), in MB, as Lambda's REPORT shows it;
        for a worker the memory watch killed, what its processes held then."""
        kilobytes = self._killed_holding_kb
        if self._status_fd >= 0:
            try:
                status = os.pread(self._status_fd, 4096, 0)
            except OSError:
                status = b""  # reaped: its peak went with it
            start = status.find(b"VmHWM:")
            if start >= 0:
                kilobytes = max(kilobytes, int(status[start + 6 : status.index(b"kB", start)]))
        return -(-kilobytes // 1024)

    def take_logs(self) -> list[str]:
        lines, self._lines = self._lines, []
        return lines

    def drain_logs(self) -> None:
        """Read what the process has written so far (it wrote it before it answered)."""
        if self._log_fd >= 0:
            self._read_logs()

    async def kill(self) -> None:
        """Kill the process and everything it started, and release its uid, channel and pipe."""
        if self._proc is not None:
            self._sandbox.memory.unwatch(self._proc.pid)
        if self._proc is not None and self._proc.returncode is None:
            await kill_everything(self._proc.pid, self._identity.uid if self._identity else None)
            await self._proc.wait()
        if self._memory_kill is not None:
            await self._memory_kill
        if self._identity is not None:
            await self._sandbox.release(self._identity)  # what escaped the tree before it died
            self._identity = None
        if self._log_fd >= 0:
            self._read_logs()
        if self._log_fd >= 0:
            self._close_log_pipe()
        if self._status_fd >= 0:
            os.close(self._status_fd)
            self._status_fd = -1
        if self._channel is not None:
            await self._server.close_channel(self._channel)

    async def _watch_exit(self) -> None:
        assert self._proc is not None and self._exited is not None
        code = await self._proc.wait()
        self._sandbox.memory.unwatch(self._proc.pid)
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)  # children left behind
        except (ProcessLookupError, PermissionError):
            pass
        self._exited.set_result(code)
        inv = self._inflight
        if inv is not None and not inv.reply.done():
            self.drain_logs()
            before_start = inv.started == 0.0
            inv.reply.set_exception(
                WorkerFailed(self._exit_error_type(), _exit_message(code), before_start=before_start)
            )

    def _over_memory(self, resident_kb: int) -> None:
        """The memory watch's verdict: the tree holds more than the memory size, so it dies now
        (the exit watcher then fails the invocation in flight, as Lambda's VM would): all that
        lives of its tree and uid, found afresh."""
        self._killed_holding_kb = resident_kb
        self._memory_kill = asyncio.get_running_loop().create_task(self._kill_for_memory())

    async def _kill_for_memory(self) -> None:
        """The tree and the uid as they are now; `kill` waits for this before it frees the uid."""
        assert self._proc is not None
        root = self._proc.pid if self._proc.returncode is None else -1  # once reaped, its pid is anyone's
        await kill_everything(root, self._identity.uid if self._identity else None)

    def _as_whom(self) -> str:
        return f" as sandbox uid {self._identity.uid}" if self._identity is not None else ""

    def _exit_error_type(self) -> str:
        return OUT_OF_MEMORY if self._killed_holding_kb else "Runtime.ExitError"

    def _read_logs(self) -> None:
        while True:
            try:
                chunk = os.read(self._log_fd, 65536)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno != errno.EBADF:
                    raise
                return
            if not chunk:
                self._close_log_pipe()
                return
            data = self._partial + chunk
            *complete, self._partial = data.split(b"\n")
            self._lines.extend(line.decode("utf-8", "replace").rstrip("\r") for line in complete)

    def _close_log_pipe(self) -> None:
        asyncio.get_running_loop().remove_reader(self._log_fd)
        os.close(self._log_fd)
        self._log_fd = -1
        if self._partial:
            self._lines.append(self._partial.decode("utf-8", "replace"))
            self._partial = b""


def _expire(reply: asyncio.Future[RuntimeReply]) -> None:
    if not reply.done():
        reply.set_exception(WorkerTimedOut())


def _cause(exc: BaseException) -> str:
    """What went wrong, with what a preexec step raised (uvloop hands it over as the cause)."""
    cause = exc.__cause__
    return f"{exc} ({type(cause).__name__}: {cause})" if cause is not None else str(exc)


def _exit_message(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name.removeprefix("SIG").lower()
        except ValueError:
            name = str(-code)
        return f"Runtime exited with error: signal: {name}"
    return f"Runtime exited with error: exit status {code}"
