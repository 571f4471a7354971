"""CloudFront Functions quotas (spec §4) and the compute budget edgesim measures against."""

from __future__ import annotations

from dataclasses import dataclass

RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")
CODE_SIZE_LIMIT = 10 * 1024  # bytes of source as uploaded, comments included
MEMORY_LIMIT = 2 * 1024 * 1024  # bytes the function may allocate beyond the runtime itself
LOG_LIMIT = 10 * 1024  # console.log output kept per run
URL_LIMIT = 8192  # uri plus query string, in characters
KVS_KEY_LIMIT = 512
KVS_VALUE_LIMIT = 1024
KVS_STORE_LIMIT = 5 * 1024 * 1024
CUSTOM_LOG_LIMIT = 800


@dataclass(frozen=True)
class ComputeBudget:
    """How long a run may take.

    AWS does not publish the maximum behind compute utilization; `limit_ms` is what
    edgesim calls 100 % (1 ms, the figure third parties cite). A single run past
    `limit_ms * stop_factor` is stopped and reported as an execution error, which is
    how edgesim treats a function CloudFront would throttle. CloudFront throttles only
    functions that exceed the limit continuously, and a developer's machine varies far
    more than an edge server, so the watchdog sits at 20x: it stops runaway code, not a
    run that a busy laptop slowed down. Utilization still reports against `limit_ms`.
    """

    limit_ms: float = 1.0
    stop_factor: float = 20.0

    def __post_init__(self) -> None:
        if self.limit_ms <= 0 or self.stop_factor < 1:
            raise ValueError("compute budget needs limit_ms > 0 and stop_factor >= 1")

    @property
    def stop_seconds(self) -> float:
        return self.limit_ms * self.stop_factor / 1000.0

    def utilization(self, seconds: float) -> int:
        """CloudFront's 0-100 ComputeUtilization for a run of `seconds`."""
        return max(0, min(100, round(seconds * 1000.0 / self.limit_ms * 100)))
