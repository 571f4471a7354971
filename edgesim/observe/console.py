"""One readable line per request on the console: what happened, at a glance."""

from __future__ import annotations

import sys
from typing import TextIO

from edgesim.edge.exchange import Exchange

COLOURS = {2: "\033[32m", 3: "\033[36m", 4: "\033[33m", 5: "\033[31m"}
RESET = "\033[0m"


def format_line(exchange: Exchange, *, colour: bool = False) -> str:
    """`GET /path?q 200 Miss IAD89-C1 3.1ms [viewer-request add-index 0.04ms]`."""
    request = exchange.viewer_request
    response = exchange.response
    status = response.status if response else 0
    status_text = str(status)
    if colour:
        status_text = f"{COLOURS.get(status // 100, '')}{status}{RESET}"
    hooks = " ".join(f"[{h.event_type} {h.function} {h.duration_ms:.2f}ms{'' if h.outcome == 'ok' else ' ' + h.outcome}]" for h in exchange.hooks)
    line = f"{request.method} {request.target} {status_text} {exchange.result_type} {exchange.context.pop} {exchange.elapsed_ms:.1f}ms"
    if hooks:
        line += " " + hooks
    if exchange.error_reason:
        line += f" - {exchange.error_reason}"
    return line


class ConsoleObserver:
    """Prints each exchange as one line, in colour when the stream is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.colour = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, exchange: Exchange) -> None:
        print(format_line(exchange, colour=self.colour), file=self.stream, flush=True)
