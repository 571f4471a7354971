"""`edgesim publish NAME` over the control API, against a control route calling `edge.publish`."""

from __future__ import annotations

import asyncio
import socket
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from edgesim.cli import main
from edgesim.edge.assembly import PublishError
from edgesim.edge.server import BackgroundServer
from tests.topology.helpers import edge_config, write_function


def control_app(edge) -> Starlette:
    """The two routes the command uses, as the control API should serve them."""

    async def publish(request: Request) -> JSONResponse:
        try:
            return JSONResponse(edge.publish(request.path_params["name"]))
        except PublishError as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)

    async def functions(request: Request) -> JSONResponse:
        return JSONResponse({"replication": edge.function_versions()})

    return Starlette(routes=[
        Route("/api/functions/{name}/publish", publish, methods=["POST"]),
        Route("/api/functions", functions),
    ])


@pytest.fixture
async def control(tmp_path, origin, make_edge):
    write_function(tmp_path, "mark", "one")
    config = edge_config(tmp_path, origin.port, functions=("mark",), edgesim={"Topology": {
        "Replication": {"Profile": "realistic", "TimeScale": 0.0005, "AutoPublish": False}}})
    edge = await make_edge(config)
    server = BackgroundServer(control_app(edge))
    await server.start()
    yield edge, server.url
    await server.stop()


async def test_publish_prints_the_new_version_and_follows_the_rollout(tmp_path, control, capsys):
    edge, url = control
    write_function(tmp_path, "mark", "two")
    status = await asyncio.to_thread(main, ["publish", "mark", "--control", url, "--wait"])
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert json.loads(out[0]) == {"name": "mark", "version": "2", "published": True}
    assert out[-1] == "mark: version 2 live in every region"
    switched = [line.split(":")[0] for line in out[1:-1]]
    assert sorted(switched) == sorted(edge.topology.regions)
    assert edge.function_versions()["mark"]["status"] == "Deployed"


async def test_publish_of_an_unknown_function_exits_1_with_the_edges_reason(control, capsys):
    edge, url = control
    status = await asyncio.to_thread(main, ["publish", "nope", "--control", url])
    assert status == 1
    assert "no function or Lambda named 'nope'" in capsys.readouterr().err


async def test_publish_without_an_edge_to_talk_to_exits_2(capsys):
    with socket.socket() as reserved:  # bound, never listening: refuses, and nobody else can take it
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        status = await asyncio.to_thread(main, ["publish", "mark", "--port", str(port - 1)])
    assert status == 2
    assert f"127.0.0.1:{port}" in capsys.readouterr().err
