"""What keeps a worker's processes inside their box, and takes all of them down with it.

Lambda caps an environment at 1,024 processes and threads, and nothing a function starts
outlives it. Here:

- As root, each worker runs as its own unprivileged uid/gid (from `uid_base`, far from
  system, user and subordinate-id ranges), in the sandbox's group (which alone may read
  the Lambda code snapshots: `topology/versions.py`), so `RLIMIT_NPROC` binds per worker, workers
  cannot signal or trace each other, and every process a worker ever started (even one
  that called `setsid()` or cleared its environment) is found again by its uid. A worker
  only runs so when its interpreter, bootstrap and code are usable by such a uid. A uid
  is leased under a lock file (`lease_dir`), so two edgesim processes on one machine (a
  server and a test run) never hand out the same uid, and one's cleanup never kills the
  other's workers.
- Otherwise (a normal user, or code a sandbox uid cannot read) the worker runs as
  edgesim's user; `RLIMIT_NPROC` is set to the user's current process count plus the
  budget (it does not bind root).
- Memory is watched, not rlimited (`memory.py`): Lambda caps the memory an environment
  holds, not its address space.
- Every worker is a child subreaper (`PR_SET_CHILD_SUBREAPER`, kept across exec), so
  while it lives, orphans of its descendants are reparented to it rather than to init,
  and its process tree holds everything it started. Killing freezes that tree (SIGSTOP,
  so a fork bomb cannot outrun the kill), then SIGKILLs it, then every process of the
  worker's uid.

A cgroup would be tighter, but it is not writable on every machine edgesim runs on.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import functools
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edgesim.lambdas.memory import MemoryWatch
from edgesim.lambdas.sandbox_group import SANDBOX_GROUP

PROCESS_BUDGET = 1024  # Lambda's quota: processes and threads per execution environment
DEFAULT_UID_BASE = SANDBOX_GROUP  # away from system, user, container and subordinate ids
UID_COUNT = 65536
KILL_ROUNDS = 50  # stop/kill passes; each catches what the previous one saw being born
KILL_GRACE_S = 0.005
PROBE_TIMEOUT_S = 10.0
PR_SET_CHILD_SUBREAPER = 36
LEASE_DIR = Path("/run/edgesim/sandbox-uids")  # root's alone: no other user can plant files there

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Identity:
    """The uid/gid one worker runs as."""

    uid: int
    gid: int


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    state: str
    uids: tuple[int, ...]


def scan_processes(with_uids: bool) -> list[Proc]:
    """Every process on the machine (uids read from `status`, which a process cannot hide)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            uids: tuple[int, ...] = ()
            if with_uids:
                with open(f"/proc/{name}/status", "rb") as status:
                    line = next(row for row in status if row.startswith(b"Uid:"))
                uids = tuple(int(v) for v in line.split()[1:4])
        except (OSError, IndexError, StopIteration, ValueError):
            continue  # gone while we looked
        found.append(Proc(int(name), int(fields[1]), fields[0].decode(), uids))
    return found


def _tree(root: int, procs: list[Proc]) -> set[int]:
    children: dict[int, list[int]] = {}
    for proc in procs:
        children.setdefault(proc.ppid, []).append(proc.pid)
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo.extend(children.get(pid, ()))
    return tree


async def kill_everything(root_pid: int, uid: int | None) -> bool:
    """Freeze then kill `root_pid`'s tree and, when given, every process of `uid`.

    True once nothing of it is left alive (zombies are dead: their parent reaps them).
    """
    stopped: set[int] = set()
    for _ in range(KILL_ROUNDS):
        procs = scan_processes(with_uids=uid is not None)
        live = {p.pid for p in procs if p.state not in ("Z", "X")}
        victims = (_tree(root_pid, procs) | {p.pid for p in procs if uid in p.uids}) & live
        if not victims:
            return True
        fresh = victims - stopped
        if fresh:  # something was born since the last pass: freeze it before killing
            for pid in fresh:
                _signal(pid, signal.SIGSTOP)
            stopped |= fresh
            continue
        for pid in victims:
            _signal(pid, signal.SIGKILL)
        await asyncio.sleep(KILL_GRACE_S)  # let the killed exit before looking again
    return False


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass



def _become_subreaper() -> None:
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


class Sandbox:
    """Hands out worker identities and limits, and cleans up after workers."""

    def __init__(
        self,
        *,
        max_processes: int = PROCESS_BUDGET,
        uid_base: int = DEFAULT_UID_BASE,
        switch_user: bool | None = None,
        lease_dir: Path = LEASE_DIR,
    ) -> None:
        self.max_processes = max_processes
        self.uid_base = uid_base
        self.switch_user = os.geteuid() == 0 if switch_user is None else switch_user
        self.lease_dir = lease_dir
        self._leased: dict[int, int] = {}  # uid -> its locked lease file
        self.memory = MemoryWatch()

    @property
    def probe_identity(self) -> Identity:
        """A sandbox uid no worker gets: what `can_execute` and `refusal` check access as."""
        return Identity(self.uid_base, self.uid_base)

    def can_execute(self, path: str) -> bool:
        """Whether a sandbox uid can run this file (an interpreter under /root cannot)."""
        return self.switch_user and _probe((path,), (), None, self.probe_identity) is None

    def refusal(self, argv: tuple[str, ...], code_dir: Path) -> str | None:
        """None when a sandbox uid can start this command and read the code, else why not."""
        if not self.switch_user:
            return "edgesim is not root"
        executables = [argv[0]]
        interpreter = shebang(Path(argv[0]))
        if interpreter is not None:
            executables.append(interpreter)
        readables = tuple(arg for arg in argv[1:] if arg.startswith("/"))
        return _probe(tuple(executables), readables, str(code_dir), self.probe_identity)

    def lease(self) -> Identity:
        """A uid of the range that no worker of any edgesim holds and no process runs as."""
        busy = {uid for p in scan_processes(with_uids=True) for uid in p.uids}
        self.lease_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for uid in range(self.uid_base + 1, self.uid_base + UID_COUNT):
            if uid in self._leased or uid in busy:
                continue
            lock = os.open(self.lease_dir / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(lock)  # another edgesim's, not yet running anything
                continue
            self._leased[uid] = lock
            return Identity(uid, uid)
        raise RuntimeError(f"all {UID_COUNT - 1} sandbox uids from {self.uid_base + 1} are in use")

    async def release(self, identity: Identity) -> None:
        """Kill whatever still runs as a worker's uid; the uid goes back only once nothing does."""
        if await kill_everything(-1, identity.uid):
            os.close(self._leased.pop(identity.uid))

    def process_limit(self, identity: Identity | None) -> int | None:
        """RLIMIT_NPROC for a worker: per uid, it counts every process of the user; never
        above edgesim's hard limit, which the worker (no longer root when it sets it) cannot pass."""
        if identity is not None:
            wanted = self.max_processes
        elif os.geteuid() == 0:
            return None  # does not bind root; setting it would only mislead
        else:
            mine = sum(1 for p in scan_processes(with_uids=True) if p.uids[:1] == (os.getuid(),))
            wanted = mine + self.max_processes
        _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        return wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)

    def preexec(self, identity: Identity | None) -> Callable[[], None]:
        """What the child does before exec: become `identity`, then take its limits.

        The switch is done here rather than by `user=`/`group=`/`extra_groups=`, which
        uvloop's subprocess_exec (the loop `edgesim serve` runs on) rejects. Groups go
        first and the uid last, since only root may change them; the process limit is set
        after, by the lowered user, who can only lower it.
        """
        nproc = self.process_limit(identity)

        def prepare() -> None:
            if identity is not None:
                try:
                    os.setgroups([SANDBOX_GROUP])  # the only group that may read code snapshots
                    os.setresgid(identity.gid, identity.gid, identity.gid)
                    os.setresuid(identity.uid, identity.uid, identity.uid)
                except OSError as exc:  # one string argument: all uvloop passes back of it
                    raise OSError(f"cannot become uid {identity.uid}: {exc.strerror}") from None
            if nproc is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            _become_subreaper()

        return prepare


@functools.lru_cache(maxsize=256)
def _probe(executables: tuple[str, ...], readables: tuple[str, ...], code_dir: str | None,
           identity: Identity) -> str | None:
    """Ask the kernel, as `identity`, whether it can run, read and walk these (ACLs count)."""
    test, find = shutil.which("test"), shutil.which("find")
    if test is None or find is None:
        return "no `test` or `find` to check access with"
    checks = [([test, "-x", path], path, "executable") for path in executables]
    checks += [([test, "-r", path], path, "readable") for path in readables]
    if code_dir is not None:
        unreadable = ["(", "!", "-readable", "-o", "-type", "d", "!", "-executable", ")", "-print", "-quit"]
        checks.append(([find, code_dir, *unreadable], code_dir, "readable"))
    for argv, subject, what in checks:
        try:
            done = subprocess.run(argv, user=identity.uid, group=identity.gid, extra_groups=[SANDBOX_GROUP],
                                  cwd="/", capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"cannot check access: {exc}"
        if done.returncode != 0 or done.stdout.strip():
            return f"{done.stdout.strip() or subject} is not {what} by other users"
    return None


def shebang(path: Path) -> str | None:
    """The interpreter a `bootstrap` script names, if it is a script."""
    try:
        with path.open("rb") as script:
            head = script.readline(256)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    parts = head[2:].split()
    return parts[0].decode(errors="replace") if parts else None
