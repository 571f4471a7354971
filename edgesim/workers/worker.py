"""One worker of `edgesim serve --workers N`: an edge on the shared ports, state from the hub.

    python -m edgesim.workers.worker HUB_SOCKET INDEX

It builds the same edge as a single-process `serve` (pipeline, CloudFront Functions,
Lambda@Edge pools of its own) from the config the supervisor loaded (never the file on
disk, which may have changed since), with the hub's versions and rollouts and a replica
of the hub's caches, listening on the same ports (SO_REUSEPORT). It sends its dashboard
records to the hub and appends its access log lines to the one log itself: each line is
one `write` to a file opened for appending (or the inherited standard output), so lines
of several workers never interleave, and the supervisor wrote the header lines once.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from functools import partial

from edgesim.cli import function_logs, run_event_loop
from edgesim.config.model import EdgeConfig
from edgesim.edge.app import Observer
from edgesim.edge.assembly import EdgeOptions, EdgeState, build_edge_app
from edgesim.edge.server import bind_socket, uvicorn_config
from edgesim.observe.access_log import AccessLog
from edgesim.observe.console import ConsoleObserver
from edgesim.observe.outputs import open_output
from edgesim.workers.replica import HubLink, RecordShipper, ReplicaTiers
from edgesim.workers.wire import Message, MessageProtocol


async def run_worker(hub_path: str, index: int) -> None:
    import uvicorn

    loop = asyncio.get_running_loop()
    welcomed: asyncio.Future[Message] = loop.create_future()
    lost = asyncio.Event()
    link: HubLink | None = None

    def hub_gone() -> None:
        if link is not None:
            link.lost()
        lost.set()

    def received(_protocol: MessageProtocol, message: Message) -> None:
        if message[0] == "welcome":
            welcomed.set_result(message)
        else:
            assert link is not None
            link.received(message)

    _, protocol = await loop.create_unix_connection(
        lambda: MessageProtocol(received, lambda _p: hub_gone()), hub_path)
    assert isinstance(protocol, MessageProtocol)
    link = HubLink(protocol)
    protocol.send(("hello", index))
    _, settings, state, config, snapshot, seq = await welcomed

    logging.basicConfig(level=logging.INFO if settings["verbose"] else logging.WARNING,
                        format=f"%(levelname)s %(name)s[worker {index}]: %(message)s")
    observers: list[Observer] = [] if settings["quiet"] else [ConsoleObserver()]
    observers.extend(function_logs(argparse.Namespace(function_log=settings["function_log"], quiet=settings["quiet"],
                                                      log_dir=settings["options"]["log_dir"])))
    if settings["access_log"]:
        stream, _ = open_output(settings["access_log"])
        observers.append(AccessLog(stream, include_cookies=settings["log_cookies"], write_header=False))
    observers.append(RecordShipper(link, index))
    options = EdgeOptions(**settings["options"], observers=observers,
                          cache_tiers=partial(ReplicaTiers, link=link), follows=state)
    app = build_edge_app(config, options)
    edge = app.state.edge
    assert isinstance(edge.tiers, ReplicaTiers)
    edge.tiers.apply(snapshot)

    async def reload(new_state: EdgeState, new_config: EdgeConfig) -> None:
        edge.adopt(new_state)
        await edge.reload(new_config)

    link.attach(edge.tiers, {"state": edge.adopt, "reload": reload}, kept=settings["kept"])
    protocol.send(("applied", seq))
    sockets = [bind_socket(host, port, reuse_port=True) for host, port in settings["listeners"]]
    server = uvicorn.Server(uvicorn_config(app, host=sockets[0].getsockname()[0], port=sockets[0].getsockname()[1]))

    async def announce_and_follow() -> None:
        while not server.started:
            await asyncio.sleep(0.01)
        protocol.send(("ready", index))
        await lost.wait()  # the supervisor is gone: so is the point of serving
        server.should_exit = True

    tasks = [asyncio.create_task(announce_and_follow()), asyncio.create_task(link.report())]
    gc.freeze()  # as `serve` does (edgesim/cli.py)
    gc.set_threshold(20_000, 20, 20)
    try:
        await server.serve(sockets=sockets)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def main(argv: list[str] | None = None) -> None:

    hub_path, index = argv if argv is not None else sys.argv[1:]
    try:
        run_event_loop(run_worker(hub_path, int(index)))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
