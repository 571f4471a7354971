"""Where a log goes: `-` for standard output, else a file that is appended to."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO


def open_output(target: str) -> tuple[TextIO, bool]:
    """The stream for `target` and whether it is fresh (so header lines belong at its top)."""
    if target == "-":
        return sys.stdout, True
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = path.open("a", encoding="utf-8", buffering=1)
    return stream, stream.tell() == 0
