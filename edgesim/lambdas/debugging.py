"""`edgesim serve --inspect PORT`: Node.js Lambda@Edge handlers under a debugger.

Each Node.js function gets the V8 inspector on a port of its own (PORT for the first in
the config, PORT + 1 for the next, ...), on 127.0.0.1 only. So that a breakpoint is always
in the process the debugger is attached to, such a function runs one invocation at a time
(the others wait their turn, as in a debugger they would anyway), and its timeout is not
enforced: a handler paused at a breakpoint answers when it is resumed, not with a 503
after 5 seconds. The deadline the function reads (`context.getRemainingTimeInMillis()`)
stays CloudFront's.
"""

from __future__ import annotations

from edgesim.config.model import EdgeConfig
from edgesim.lambdas.runtimes import family

INSPECT_HOST = "127.0.0.1"
DEFAULT_INSPECT_PORT = 9229  # Node's own default, where Chrome and VS Code look first


def debug_ports(config: EdgeConfig, first_port: int) -> dict[str, int]:
    """The inspector port of each Node.js function, in the order the config lists them."""
    names = [name for name, lam in config.lambdas.items() if family(lam.runtime) == "node"]
    return {name: first_port + offset for offset, name in enumerate(names)}


def describe_debug_ports(config: EdgeConfig, ports: dict[str, int]) -> list[str]:
    """The console lines `serve --inspect` prints: where to attach, and what is not inspectable."""
    lines = [f"Lambda {name}: debugger on {INSPECT_HOST}:{port} (Chrome: chrome://inspect; VS Code: attach to port {port}); "
             "one invocation at a time, no timeout" for name, port in ports.items()]
    others = [name for name, lam in config.lambdas.items() if name not in ports]
    if others:
        lines.append(f"--inspect: only Node.js handlers take a debugger; not {', '.join(others)}")
    if not config.lambdas:
        lines.append("--inspect: no Lambda@Edge function in this config to debug")
    return lines
