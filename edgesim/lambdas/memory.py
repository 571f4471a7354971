"""A worker's memory size, enforced on the memory it holds, as Lambda enforces it.

Lambda's memory setting is the RAM of the execution environment; address space is free.
An address-space rlimit (what edgesim used before) refused what runs on Lambda: V8 reserves
about 10 GB of address space for each WebAssembly memory (so `WebAssembly.instantiate`
failed, and with it Node's built-in `fetch`, whose HTTP parser is WebAssembly), and each
Python thread reserves an 8 MB stack (24 threads did not start at 128 MB).

cgroup v2's `memory.max` would be exact, but it cannot be had everywhere edgesim runs: on
the development and CI machines the memory controller is mounted as cgroup v1 and the
unified hierarchy has no controller but `hugetlb`, and a normal user may create cgroups
only where systemd delegated a subtree. So one mechanism, the same for root and for a
normal user:

- `MemoryWatch` samples the resident size of every live worker (its `/proc/PID/statm`
  kept open: one descriptor a worker) and of the processes it started (opened at each
  sample, so a function that forks a thousand children costs edgesim no descriptors),
  looks for new processes in each worker's tree every `DISCOVERY_EVERY` samples, and
  reports a tree whose sum is over the memory size; the worker then kills its live tree
  and its uid (`sandbox.kill_everything`), never pids seen at an earlier sample, which may
  belong to someone else by then. It samples every `BUSY_INTERVAL_S` while a worker starts or
  runs an invocation, and every `IDLE_INTERVAL_S` while all are idle (idle workers are
  watched too: nothing here freezes them as Lambda does). Each wake-up of the event loop
  costs about 0.1 ms of CPU on the 2-core dev box, so a fast idle timer alone would cost
  more than the sampling. The interval bounds how far a runaway gets.
- The verdict for an invocation is the worker's peak resident size (`VmHWM`, which the
  kernel keeps exactly), read after it answers (`pool.py`): a spike between two samples
  still fails the invocation.
- Node's heap is capped by `--max-old-space-size` as well (`runtimes.py`).
- Workers get `oom_score_adj` 1000, so if the machine runs out of memory between two
  samples, the kernel's OOM killer takes a worker rather than edgesim or anything else.

Resident sizes of processes that share pages (a `fork` without `exec`) are summed, so such
a tree is judged a little more strictly than Lambda's VM would judge it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

BUSY_INTERVAL_S = 0.02
IDLE_INTERVAL_S = 0.2
DISCOVERY_EVERY = 10  # samples between looks for processes a worker started
OOM_SCORE_ADJ = 1000  # the kernel's first choice when the machine runs out of memory
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

OverMemory = Callable[[int], None]  # called with the resident KB of the tree


def descendants(root: int) -> list[int]:
    """Every process below `root`, found through each thread's `children` list."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue  # gone
        for tid in threads:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as children:
                    kids = [int(kid) for kid in children.read().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def set_oom_score_adj(pid: int) -> None:
    """Make `pid` (and what it starts from now on) the OOM killer's first victim."""
    try:
        with open(f"/proc/{pid}/oom_score_adj", "w") as adj:
            adj.write(str(OOM_SCORE_ADJ))
    except OSError:
        pass  # already gone: the exit watcher reports it


class _Tree:
    """One watched worker: its limit, its callback, its `statm` file and its descendants' pids."""

    def __init__(self, root: int, limit_kb: int, on_over: OverMemory) -> None:
        self.root = root
        self.limit_kb = limit_kb
        self.on_over = on_over
        self.samples = 0
        self._descendants: list[int] = []
        try:
            self._root_statm = os.open(f"/proc/{root}/statm", os.O_RDONLY)
        except OSError:
            self._root_statm = -1  # gone already: the exit watcher reports it

    def discover(self) -> None:
        self._descendants = descendants(self.root)

    def resident_kb(self) -> int:
        root = _pread(self._root_statm) if self._root_statm >= 0 else b""
        return sum(_resident_kb(statm) for statm in (root, *map(_read_statm, self._descendants)))

    def close(self) -> None:
        if self._root_statm >= 0:
            os.close(self._root_statm)
            self._root_statm = -1


def _pread(fd: int) -> bytes:
    try:
        return os.pread(fd, 128, 0)
    except OSError:
        return b""  # exited since the last look: it holds nothing


def _read_statm(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return statm.read(128)
    except OSError:
        return b""


def _resident_kb(statm: bytes) -> int:
    fields = statm.split()
    return int(fields[1]) * PAGE_KB if len(fields) > 1 else 0


class MemoryWatch:
    """Samples every watched worker on one timer of the event loop, while any is watched."""

    def __init__(self) -> None:
        self._trees: dict[int, _Tree] = {}
        self._busy: set[int] = set()
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, pid: int, memory_mb: int, on_over: OverMemory) -> None:
        """Report `pid`'s tree to `on_over` (once) when it holds more than `memory_mb`;
        it counts as busy (starting) until `idle`."""
        tree = _Tree(pid, memory_mb * 1024, on_over)
        tree.discover()
        self._trees[pid] = tree
        self.busy(pid)

    def busy(self, pid: int) -> None:
        """`pid` runs an invocation: sample at the busy pace from now on."""
        if pid not in self._trees:
            return  # killed already
        self._busy.add(pid)
        loop = asyncio.get_running_loop()
        if self._timer is None or self._timer.when() > loop.time() + BUSY_INTERVAL_S:
            self._schedule(loop)

    def idle(self, pid: int) -> None:
        self._busy.discard(pid)

    def unwatch(self, pid: int) -> None:
        tree = self._trees.pop(pid, None)
        if tree is not None:
            tree.close()
        self._busy.discard(pid)
        if not self._trees and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
        interval = BUSY_INTERVAL_S if self._busy else IDLE_INTERVAL_S
        self._timer = loop.call_later(interval, self._sample)

    def _sample(self) -> None:
        self._timer = None
        for pid, tree in list(self._trees.items()):
            tree.samples += 1
            if tree.samples % DISCOVERY_EVERY == 0:
                tree.discover()
            resident = tree.resident_kb()
            if resident > tree.limit_kb:
                self.unwatch(pid)
                tree.on_over(resident)
        if self._trees:
            self._schedule(asyncio.get_running_loop())
