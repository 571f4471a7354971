"""Run one bundled origin: `python -m origins static|echo|slow|flaky [--port N] [--root DIR]`.

Prints `listening on http://127.0.0.1:PORT` once it accepts connections, so a test or a
script can start it on port 0 and read where it went.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from edgesim.edge.server import BackgroundServer
from origins.echo import echo_app
from origins.flaky import flaky_app
from origins.slow import slow_app
from origins.static import DEMO_SITE, static_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m origins", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("static", "echo", "slow", "flaky"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--root", type=Path, default=DEMO_SITE, help="directory for the static origin")
    parser.add_argument("--cache-control", default=None, help="Cache-Control the static origin adds")
    args = parser.parse_args(argv)
    apps = {
        "static": lambda: static_app(args.root, cache_control=args.cache_control),
        "echo": lambda: echo_app,
        "slow": lambda: slow_app,
        "flaky": lambda: flaky_app,
    }
    asyncio.run(_serve(apps[args.kind](), args.host, args.port))


async def _serve(app, host: str, port: int) -> None:
    server = BackgroundServer(app, host=host, port=port, log_level="error")
    await server.start()
    print(f"listening on {server.url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


if __name__ == "__main__":
    main()
