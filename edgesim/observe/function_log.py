"""Function logs: each console.log / print line of a hook, tagged with where it came from.

`2025-05-01T10:00:00.123Z [add-index 2 viewer-request us-east-1 <request id>] message`:
function, version, event type, region and request id, so a line found in a file leads
back to the request (the dashboard and the access log carry the same id). The version is
the published one that ran the request, as the region's release pinned it (`HookRun.version`):
the number `edgesim publish` prints and the Functions tab lists; during a rollout a region
still on the old version tags its lines with the old number.
"""

from __future__ import annotations

import time
from typing import TextIO

from edgesim.edge.exchange import Exchange
from edgesim.observe.outputs import open_output


def iso_timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def function_log_lines(exchange: Exchange) -> list[str]:
    """Every hook log line of the exchange, tagged; a failed hook adds its error as a last line."""
    if not any(run.logs or run.outcome != "ok" for run in exchange.hooks):
        return []
    stamp = iso_timestamp(exchange.started)
    context = exchange.context
    lines = []
    for run in exchange.hooks:
        version = run.version or "-"  # "-": a hook set given whole, outside any release (tests)
        name = run.function.removesuffix(f":{version}")  # Lambda hooks are named `name:version` already
        tag = f"[{name} {version} {run.event_type} {context.region} {context.request_id}]"
        messages = list(run.logs)
        if run.outcome != "ok":
            messages.append(f"{run.outcome}: {exchange.error_reason}" if exchange.error_reason else run.outcome)
        lines.extend(f"{stamp} {tag} {message}" for message in messages)
    return lines


class FunctionLog:
    """Observer that writes the tagged function log lines of each request to a stream.

    Beside the console line, a failed request's lines would repeat its reason (a failed
    Lambda's runtime lines are a dozen), so the console's function log leaves failed
    requests to the log file (`include_failed=False`): one failure, one console line.
    """

    def __init__(self, stream: TextIO, *, include_failed: bool = True) -> None:
        self.stream = stream
        self.include_failed = include_failed

    @classmethod
    def to(cls, target: str) -> FunctionLog:
        """A function log on stdout (`-`) or appended to a file."""
        return cls(open_output(target)[0])

    def __call__(self, exchange: Exchange) -> None:
        if not self.include_failed and any(run.outcome != "ok" for run in exchange.hooks):
            return
        lines = function_log_lines(exchange)
        if lines:
            self.stream.write("".join(line + "\n" for line in lines))
            self.stream.flush()
