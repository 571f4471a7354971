"""Where Lambda@Edge logs go, named as CloudWatch names them (spec 6.3-6.4).

Function output lands in `/aws/lambda/us-east-1.<name>` of the region that ran it (the
prefix is the home region, in every region); CloudFront's validation failures in
`/aws/cloudfront/LambdaEdge/<distributionId>`. On disk a group is one file,
`<log_dir>/<region>/<group>.log`, so `tail -f` follows it; the console gets each line
prefixed with its region and group.

Logs never fail an invocation: when the log directory cannot be written (a full disk),
lines are dropped, that is said once on stderr, and writing resumes when it works again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

HOME_REGION = "us-east-1"


def function_log_group(function_name: str) -> str:
    return f"/aws/lambda/{HOME_REGION}.{function_name}"


def validation_log_group(distribution_id: str) -> str:
    return f"/aws/cloudfront/LambdaEdge/{distribution_id}"


def log_file(log_dir: Path, region: str, group: str) -> Path:
    return log_dir / region / (group.lstrip("/") + ".log")


def timestamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


class LogSink:
    """Appends log lines to per-region group files and echoes them to a console stream."""

    def __init__(self, log_dir: Path | None = None, console: TextIO | None = None) -> None:
        self.log_dir = log_dir
        self.console = console
        self.dropped = 0  # lines lost since the log directory stopped taking writes

    def write(self, region: str, group: str, lines: list[str]) -> None:
        if not lines:
            return
        if self.log_dir is not None:
            self._append(log_file(self.log_dir, region, group), lines)
        if self.console is not None:
            self.console.writelines(f"[{region} {group}] {line}\n" for line in lines)
            self.console.flush()

    def _append(self, path: Path, lines: list[str]) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.writelines(line + "\n" for line in lines)
        except OSError as exc:
            if not self.dropped:
                print(f"edgesim: cannot write Lambda logs under {self.log_dir} ({exc.strerror or exc}); "
                      "dropping log lines until it works again", file=sys.stderr, flush=True)
            self.dropped += len(lines)
            return
        if self.dropped:
            print(f"edgesim: Lambda logs under {self.log_dir} are written again ({self.dropped} lines were lost)",
                  file=sys.stderr, flush=True)
            self.dropped = 0
