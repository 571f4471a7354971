"""The `edgesim` command: serve a distribution, and the per-room subcommands.

Exit codes: 0 success, 1 a function or request failed as asked, 2 usage or config errors.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

from edgesim.config.load import ConfigError, load_config
from edgesim.config.model import BundledOrigin, EdgeConfig
from edgesim.edge.assembly import EdgeOptions, build_edge_app
from edgesim.edge.code_check import CodeLoadError, code_load_errors
from edgesim.now import parse_now
from edgesim.edge.server import BackgroundServer, bind_socket, reserve_port, uvicorn_config
from edgesim.lambdas.debugging import DEFAULT_INSPECT_PORT, debug_ports, describe_debug_ports
from edgesim.control.address import add_control_arguments, control_port_for, control_url
from edgesim.control.app import build_control_app
from edgesim.control.watch import ConfigWatcher
from edgesim.edge.app import Observer
from edgesim.observe.access_log import AccessLog
from edgesim.observe.console import ConsoleObserver
from edgesim.observe.function_log import FunctionLog
from edgesim.observe.recorder import Recorder
from edgesim.workers import worker_count

DEMO_CONFIG = Path(__file__).resolve().parent / "demo" / "edgesim.yaml"
FUNCTION_LOG_FILE = "functions.log"  # under --log-dir: every hook's tagged log lines, failed requests included
log = logging.getLogger("edgesim")


# Commands whose modules are imported only when asked for, so `serve` starts fast.
ROOM_COMMANDS = {
    "test-function": "edgesim.functions.command",
    "invoke": "edgesim.lambdas.command",
    "bench": "edgesim.bench.command",
    "publish": "edgesim.topology.command",
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All commands, or, when `only` names one of the rooms' commands, just that one's module."""
    parser = argparse.ArgumentParser(prog="edgesim", description="A local Amazon CloudFront edge.")
    sub = parser.add_subparsers(metavar="COMMAND")
    _add_serve(sub)
    _add_invalidate(sub)
    for name, module in ROOM_COMMANDS.items():
        if only is None or only == name or only not in {*ROOM_COMMANDS, "serve", "invalidate"}:
            importlib.import_module(module).add_parser(sub)
    return parser


def _add_serve(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the edge in front of your origin (the demo when no CONFIG is given)")
    serve.add_argument("config", nargs="?", type=Path, help="YAML or JSON with a DistributionConfig key")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080; 0 picks a free one)")
    serve.add_argument(
        "--origin",
        action="append",
        default=[],
        metavar="ORIGIN_ID=URL",
        help="send an origin's traffic to a local URL, e.g. --origin app=http://127.0.0.1:3000 (repeatable)",
    )
    serve.add_argument("--pop", help="pin the listener to an edge location, e.g. FRA56-C1")
    serve.add_argument("--listen", action="append", default=[], metavar="PORT=POP",
                       help="one more listener on PORT, pinned to POP, e.g. --listen 8090=NRT57-P2 (repeatable)")
    serve.add_argument("--now", help="freeze function clocks at ISO8601 or epoch milliseconds")
    serve.add_argument("--seed", type=int, help="seed Math.random in functions")
    serve.add_argument("--verbose", "-v", action="store_true", help="log edgesim's own decisions")
    serve.add_argument("--quiet", "-q", action="store_true", help="no per-request line on the console")
    serve.add_argument("--no-cache", action="store_true", help="cache nothing: every request goes to the origin")
    serve.add_argument("--no-server-timing", action="store_true",
                       help="no Server-Timing header (unless a response headers policy asks for it, as on CloudFront)")
    serve.add_argument("--log-dir", type=Path, default=Path(".edgesim/logs"),
                       help="where logs go: Lambda@Edge logs, one file per CloudWatch log group, and functions.log, "
                            "every function's tagged lines (default .edgesim/logs)")
    serve.add_argument("--watch", action="store_true",
                       help="reload the config, function code, KeyValueStores and Lambda code when they change")
    serve.add_argument("--access-log", metavar="PATH|-", help="write CloudFront standard access logs to a file or stdout")
    serve.add_argument("--log-cookies", action="store_true", help="fill cs(Cookie) in the access log (Logging.IncludeCookies)")
    serve.add_argument("--function-log", metavar="PATH|-",
                       help="write function logs to a file or stdout instead of the console")
    serve.add_argument("--inspect", nargs="?", const=DEFAULT_INSPECT_PORT, type=inspect_port, metavar="PORT",
                       help="debug Lambda@Edge handlers: Node's inspector or Python's debugpy on 127.0.0.1:PORT "
                            f"(default {DEFAULT_INSPECT_PORT}; the next function PORT+1 ...); each runs one invocation "
                            "at a time and without its timeout")
    serve.add_argument("--workers", type=worker_count, default=1, metavar="N|auto",
                       help="edge processes sharing the listeners, caches and control API (default 1; auto: one per CPU this process may use)")
    serve.add_argument("--control-port", type=int,
                       help="loopback port of the dashboard and control API (default: the viewer port + 1; 0 picks one)")
    serve.set_defaults(func=run_serve)


def _add_invalidate(sub: argparse._SubParsersAction) -> None:
    invalidate = sub.add_parser("invalidate", help="clear cached objects on a running edgesim, as a CloudFront invalidation")
    invalidate.add_argument("--paths", nargs="+", required=True, metavar="PATH",
                            help="paths as CloudFront takes them: '/index.html', '/img/*' (quote the *)")
    add_control_arguments(invalidate)
    invalidate.set_defaults(func=run_invalidate)


def run_invalidate(args: argparse.Namespace) -> int:
    """POST an invalidation batch in CloudFront's shape to the control API and print its answer."""
    import httpx

    body = {"Paths": {"Quantity": len(args.paths), "Items": args.paths}}
    try:
        response = httpx.post(control_url(args) + "/api/invalidations", json=body, timeout=10)
    except httpx.TransportError as exc:
        print(f"edgesim: no edgesim control API at {control_url(args)} ({exc})", file=sys.stderr)
        return 2
    if response.status_code >= 400:
        try:
            reason = response.json()["message"]
        except (ValueError, KeyError, TypeError):
            reason = f"{response.status_code} {response.text[:200]}"
        print(f"edgesim: invalidation refused: {reason}", file=sys.stderr)
        return 2
    print(json.dumps(response.json(), indent=2))
    return 0


def parse_origin_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        origin_id, sep, url = pair.partition("=")
        if not sep or not origin_id or not url:
            raise ConfigError("--origin", [(pair, "expected ORIGIN_ID=URL, e.g. app=http://127.0.0.1:3000")])
        overrides[origin_id] = url
    return overrides


def parse_listeners(pairs: Sequence[str], config: EdgeConfig) -> list[tuple[int, str]]:
    """`PORT=POP` pairs of `--listen`; the POP must be one of the topology's."""
    from edgesim.topology.places import Topology

    known = Topology.from_settings(config.settings).pops
    listeners = []
    for pair in pairs:
        port, sep, pop = pair.partition("=")
        if not sep or not port.isdigit() or pop not in known:
            raise ConfigError("--listen", [(pair, f"expected PORT=POP with a POP of the topology ({', '.join(sorted(known))})")])
        listeners.append((int(port), pop))
    return listeners


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed: uvicorn's own loop setting only applies to
    `uvicorn.run`, not to a server started with `serve()` as here.

    SIGTERM stops the run as Ctrl-C does (uvicorn handles both while it serves): before
    the servers start and after they stop too, so the cleanup in `finally` blocks (Lambda
    workers, code snapshots, the workers' hub) runs instead of the process just dying.
    """
    signal.signal(signal.SIGTERM, _as_interrupt)
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _as_interrupt(_signum: int, frame: FrameType | None) -> None:
    """Hand SIGTERM to whatever handles SIGINT now (asyncio's runner: cancel the main task)."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:
        raise KeyboardInterrupt


def inspect_port(value: str) -> int:
    """`--inspect PORT`: a TCP port, with room for the functions after the first."""
    if not value.isdigit() or not 1024 <= int(value) <= 65000:
        raise argparse.ArgumentTypeError(f"expected a port number from 1024 to 65000, not {value!r} "
                                         "(for the default port, put --inspect after the config file)")
    return int(value)


def run_serve(args: argparse.Namespace) -> int:
    if args.inspect is not None and args.workers > 1:
        print("edgesim: --inspect needs one edge process (--workers 1): a debugger attaches to one worker of "
              "each function, and every edge process would start its own", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    path = args.config or DEMO_CONFIG
    try:
        overrides = parse_origin_overrides(args.origin)
        now = parse_now(args.now) if args.now is not None else None
        config = load_config(path, origin_overrides=overrides)
    except ConfigError as exc:
        print(f"edgesim: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"edgesim: {exc}", file=sys.stderr)
        return 2
    for warning in config.warnings:
        print(f"edgesim: warning: {path}: {warning}", file=sys.stderr)
    try:
        run_event_loop(_serve(config, args, overrides, now))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"edgesim: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"edgesim: {exc}", file=sys.stderr)
        return 2
    except CodeLoadError as exc:
        for error in exc.errors:
            print(f"edgesim: {error}", file=sys.stderr)
        return 2
    return 0


async def _check_code(config: EdgeConfig, watch: bool) -> None:
    """Refuse to serve code that cannot load; under --watch, say so and serve, waiting for a good save."""
    errors = await code_load_errors(config)
    if errors and not watch:
        raise CodeLoadError(errors)
    for error in errors:
        print(f"edgesim: {error}", file=sys.stderr)
    if errors:
        print("edgesim: --watch: serving anyway; requests that run this code get CloudFront's 503 "
              "until a saved version loads", file=sys.stderr, flush=True)


async def _serve(config: EdgeConfig, args: argparse.Namespace, overrides: dict[str, str], now: float | None) -> None:
    import uvicorn

    await _check_code(config, args.watch)
    bundled = await start_bundled_origins(config.settings.bundled_origins, skip=overrides)
    if bundled:
        assert config.source is not None
        config = load_config(config.source, origin_overrides={**{k: s.url for k, s in bundled.items()}, **overrides})
    host = args.host or config.settings.host
    port = args.port if args.port is not None else config.settings.port
    listen = reserve_port if args.workers > 1 else bind_socket  # workers listen with sockets of their own
    sock = listen(host, port)
    bound_port = sock.getsockname()[1]
    pinned = {listen(host, listen_port): pop for listen_port, pop in parse_listeners(args.listen, config)}
    control_port = args.control_port if args.control_port is not None else (control_port_for(bound_port) if port else 0)
    control_sock = bind_socket("127.0.0.1", control_port)

    def announce() -> None:
        shown_host = f"[{host}]" if ":" in host else host
        print(f"edgesim: {config.distribution.domain_name} at http://{shown_host}:{bound_port}/", file=sys.stderr)
        for listener, pop in pinned.items():
            print(f"edgesim:   and at http://{shown_host}:{listener.getsockname()[1]}/ as {pop}", file=sys.stderr)
        for origin in config.distribution.origins.values():
            print(f"edgesim:   origin {origin.id} -> {origin.base_url()}", file=sys.stderr, flush=True)
        if args.inspect is not None:
            for line in describe_debug_ports(config, debug_ports(config, args.inspect)):
                print(f"edgesim: {line}", file=sys.stderr)
        print(f"edgesim: dashboard at http://127.0.0.1:{control_sock.getsockname()[1]}/", file=sys.stderr, flush=True)

    if args.workers > 1:
        from edgesim.workers.supervisor import serve_workers

        try:
            await serve_workers(config, args, overrides={**{k: s.url for k, s in bundled.items()}, **overrides},
                                now=now, sock=sock, pinned=pinned, control_sock=control_sock, announce=announce)
        finally:
            for origin_server in bundled.values():
                await origin_server.stop()
        return
    recorder = Recorder()
    observers: list[Observer] = [] if args.quiet else [ConsoleObserver()]
    observers.extend(function_logs(args))
    if args.access_log:
        observers.append(AccessLog.to(args.access_log, include_cookies=args.log_cookies))
    observers.append(recorder)
    options = EdgeOptions(
        pop=args.pop, now=now, seed=args.seed, caching=not args.no_cache, server_timing=not args.no_server_timing,
        listener_pops={s.getsockname()[1]: pop for s, pop in pinned.items()}, log_dir=args.log_dir, observers=observers,
        inspect_port=args.inspect,
    )
    app = build_edge_app(config, options)
    edge = app.state.edge
    server = uvicorn.Server(uvicorn_config(app, host=host, port=bound_port))
    control = uvicorn.Server(uvicorn_config(build_control_app(edge, recorder), host="127.0.0.1",
                                            port=control_sock.getsockname()[1]))
    announce()
    stop_watching = asyncio.Event()
    tasks = [asyncio.create_task(control.serve(sockets=[control_sock]))]
    if args.watch:
        assert config.source is not None
        source, reload_overrides = config.source, {**{k: s.url for k, s in bundled.items()}, **overrides}
        watcher = ConfigWatcher(edge, lambda: load_config(source, origin_overrides=reload_overrides), listeners=[
            lambda outcome: print(outcome.describe(), file=sys.stderr, flush=True),
            lambda outcome: recorder.publish("reload", asdict(outcome)),
        ])
        tasks.append(asyncio.create_task(watcher.run(stop_watching)))
    # Everything built so far lives as long as the server: keep the cycle collector off it.
    # Nearly all per-request objects die by reference counting, so collecting the young
    # generation every 700 allocations (the default) mostly rescans requests still in
    # flight: every 20,000 cost 5% less CPU per proxied request and 10% less with a
    # CloudFront Function (bench/README.md, "Garbage collection").
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        await server.serve(sockets=[sock, *pinned])
    finally:
        stop_watching.set()
        recorder.close()
        control.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for origin_server in bundled.values():
            await origin_server.stop()


def function_logs(args: argparse.Namespace) -> list[Observer]:
    """`--function-log` alone, else the log file under --log-dir plus the console (failed requests: file only)."""
    if args.function_log:
        return [FunctionLog.to(args.function_log)]
    logs: list[Observer] = [] if args.quiet else [FunctionLog(sys.stderr, include_failed=False)]
    target = args.log_dir / FUNCTION_LOG_FILE
    try:
        logs.append(FunctionLog.to(str(target)))
    except OSError as exc:
        print(f"edgesim: warning: cannot write {target} ({exc.strerror or exc}); function logs go to the console only",
              file=sys.stderr)
    return logs


async def start_bundled_origins(bundled: dict[str, BundledOrigin], *, skip: dict[str, str]) -> dict[str, BackgroundServer]:
    """Start the `Edgesim.BundledOrigins` in this process on free loopback ports."""
    from origins.echo import echo_app
    from origins.flaky import flaky_app
    from origins.slow import slow_app
    from origins.static import DEMO_SITE, static_app

    apps = {
        "echo": lambda spec: echo_app,
        "slow": lambda spec: slow_app,
        "flaky": lambda spec: flaky_app,
        "static": lambda spec: static_app(spec.root or DEMO_SITE, cache_control=spec.cache_control),
    }
    servers = {}
    for origin_id, spec in bundled.items():
        if origin_id in skip:
            continue
        server = BackgroundServer(apps[spec.kind](spec), log_level="error")
        await server.start()
        servers[origin_id] = server
    return servers


if __name__ == "__main__":
    sys.exit(main())
