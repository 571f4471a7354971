"""The one form `--now` takes everywhere: ISO 8601 (UTC when no zone is given) or epoch milliseconds."""

from __future__ import annotations

import re
from datetime import datetime, timezone


def parse_now(value: str) -> float:
    """Epoch seconds; ValueError says what was expected."""
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value) / 1000.0
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--now: expected ISO 8601 or epoch milliseconds, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
