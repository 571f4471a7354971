"""`edgesim serve --workers N`: N edge processes on the same listeners, one shared state.

The supervisor (`supervisor.py`) binds the listeners, owns what must stay one (the caches
of every POP and REC, versions and rollouts, the access log, the dashboard and control
API) in its `Hub` (`hub.py`), and starts the workers (`worker.py`), which listen on the
same ports (SO_REUSEPORT) and keep a replica of the caches (`replica.py`) that the hub keeps in
step over a Unix socket (`wire.py`). docs/architecture.md says why this shape.
"""

from __future__ import annotations

import argparse
import os


def worker_count(value: str) -> int:
    """`--workers N` or `auto`: one per CPU this process may run on (its affinity mask, which
    a container or `taskset` narrows), not every CPU the machine has."""
    if value == "auto":
        return len(os.sched_getaffinity(0))
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of workers (1 or more) or 'auto', not {value!r}")
    return int(value)
