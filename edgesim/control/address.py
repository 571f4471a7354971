"""Where a running edge's control API listens: loopback, on its viewer port + 1.

`serve` picks its control port by this rule, and the commands that talk to a running
edge (`invalidate`, `publish`, `test-function --stage`) find it by the same rule, so
`--port` means the same thing everywhere.
"""

from __future__ import annotations

import argparse

DEFAULT_VIEWER_PORT = 8080


def control_port_for(viewer_port: int) -> int:
    return viewer_port + 1


def add_control_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--control", metavar="URL", help="the running edge's control API (default: --port + 1 on 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_VIEWER_PORT,
                        help=f"the running edge's viewer port (default {DEFAULT_VIEWER_PORT})")


def control_url(args: argparse.Namespace) -> str:
    return (args.control or f"http://127.0.0.1:{control_port_for(args.port)}").rstrip("/")
