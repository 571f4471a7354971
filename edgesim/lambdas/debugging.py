"""`edgesim serve --inspect PORT`: Lambda@Edge handlers under a debugger.

Each Node.js function gets the V8 inspector (Chrome DevTools, VS Code), and each Python
function debugpy (VS Code, any Debug Adapter Protocol client) when edgesim's environment
has it (`pip install 'edgesim[debug]'`), on a port of its own: PORT for the first in the
config, PORT + 1 for the next, ..., on 127.0.0.1 only. So that a breakpoint is always in
the process the debugger is attached to, such a function runs one invocation at a time
(the others wait their turn, as in a debugger they would anyway), and its timeout is not
enforced: a handler paused at a breakpoint answers when it is resumed, not with a 503
after 5 seconds. The deadline the function reads (`context.getRemainingTimeInMillis()`,
`get_remaining_time_in_millis()`) stays CloudFront's.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from edgesim.config.model import EdgeConfig
from edgesim.lambdas.runtimes import family

INSPECT_HOST = "127.0.0.1"
DEFAULT_INSPECT_PORT = 9229  # Node's own default, where Chrome and VS Code look first
HOW_TO_ATTACH = {
    "node": "Chrome: chrome://inspect; VS Code: attach, type node, port {port}",
    "python": "VS Code: attach, type debugpy, port {port}",
}


@cache
def debugpy_home() -> str | None:
    """The folder holding edgesim's debugpy package (Python workers load it from there), or
    None when it is not installed."""
    found = importlib.util.find_spec("debugpy")
    if found is None or found.origin is None:
        return None
    return str(Path(found.origin).parent.parent)


def debuggable(runtime: str) -> bool:
    kind = family(runtime)
    return kind == "node" or (kind == "python" and debugpy_home() is not None)


def debug_ports(config: EdgeConfig, first_port: int) -> dict[str, int]:
    """The debugger port of each function that can take one, in the order the config lists them."""
    names = [name for name, lam in config.lambdas.items() if debuggable(lam.runtime)]
    return {name: first_port + offset for offset, name in enumerate(names)}


def describe_debug_ports(config: EdgeConfig, ports: dict[str, int]) -> list[str]:
    """The console lines `serve --inspect` prints: where to attach, and what takes no debugger."""
    lines = [f"Lambda {name}: debugger on {INSPECT_HOST}:{port} "
             f"({HOW_TO_ATTACH[family(config.lambdas[name].runtime)].format(port=port)}); "
             "one invocation at a time, no timeout" for name, port in ports.items()]
    for name, lam in config.lambdas.items():
        if name in ports:
            continue
        why = ("Python handlers need debugpy: pip install 'edgesim[debug]'" if family(lam.runtime) == "python"
               else "a custom runtime's bootstrap is its own")
        lines.append(f"--inspect: no debugger for {name} ({why})")
    if not config.lambdas:
        lines.append("--inspect: no Lambda@Edge function in this config to debug")
    return lines
