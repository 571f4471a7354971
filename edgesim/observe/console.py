"""One readable line per request on the console: what happened, at a glance.

`GET /a?b 200 Miss IAD89-C1 3.1ms [viewer-request add-index 0.04ms]`: status, X-Cache
result, POP, total time and each hook with its time. A failed hook shows CloudFront's
error name, and the line ends with the reason (which function, rule or header).
"""

from __future__ import annotations

import sys
from typing import TextIO

from edgesim.edge.exchange import Exchange, HookRun

STATUS_COLOURS = {2: "32", 3: "36", 4: "33", 5: "31"}
RESULT_COLOURS = {"Hit": "32", "RefreshHit": "32", "Miss": "33", "FunctionGeneratedResponse": "35",
                  "LambdaGeneratedResponse": "35", "Redirect": "36"}
ERROR_COLOUR = "31"
DIM = "2"


def paint(text: str, code: str | None, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour and code else text


def _hook(run: HookRun, colour: bool) -> str:
    text = f"[{run.event_type} {run.function} {run.duration_ms:.2f}ms"
    if run.outcome != "ok":
        return paint(f"{text} {run.outcome}]", ERROR_COLOUR, colour)
    return paint(text + "]", DIM, colour)


def format_line(exchange: Exchange, *, colour: bool = False) -> str:
    """The console line for one finished exchange (ANSI colours when `colour`)."""
    request = exchange.viewer_request
    status = exchange.response.status if exchange.response else 0
    result = exchange.result_type
    if exchange.detailed_result_type != result:
        result += f"/{exchange.detailed_result_type}"
    parts = [
        request.method,
        request.target,
        paint(str(status), STATUS_COLOURS.get(status // 100), colour),
        paint(result, RESULT_COLOURS.get(exchange.result_type, ERROR_COLOUR), colour),
        exchange.context.pop,
        f"{(exchange.finished_ms or exchange.elapsed_ms):.1f}ms",
        *(_hook(run, colour) for run in exchange.hooks),
    ]
    line = " ".join(parts)
    if exchange.error_reason:
        line += " - " + paint(exchange.error_reason, ERROR_COLOUR, colour)
    return line


class ConsoleObserver:
    """Prints each exchange as one line, in colour when the stream is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.colour = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, exchange: Exchange) -> None:
        print(format_line(exchange, colour=self.colour), file=self.stream, flush=True)
