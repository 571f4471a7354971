"""Function-log tags name the published version that ran the request, region by region.

During a rollout CloudFront regions run different versions of one function (the old one
until replication reaches them), so the version in a log line must be the one the
request's region ran: the number `edgesim publish` printed and the Functions tab lists,
and the one the dashboard's hook run shows.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edgesim.edge.assembly import EdgeOptions, build_edge_app
from edgesim.edge.server import BackgroundServer
from edgesim.observe.function_log import FunctionLog
from edgesim.observe.recorder import Recorder
from tests.topology.helpers import Clock, Sleeps, edge_config

REALISTIC = {"Topology": {"Replication": {"Profile": "realistic", "TimeScale": 1.0}}}
UNCACHED = {"CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}  # every request runs the function
LOGGING_FUNCTION = """function handler(event) {
  console.log('code MARK');
  return event.context.eventType === 'viewer-request' ? event.request : event.response;
}
"""


class LoggedEdge:
    """A served edge on a fake clock whose function log and dashboard records the test reads."""

    def __init__(self, app: Any, url: str, stream: io.StringIO, recorder: Recorder, clock: Clock) -> None:
        self.edge = app.state.edge
        self.url, self.stream, self.recorder, self.clock = url, stream, recorder, clock

    async def tags_and_records(self, region: str) -> tuple[list[str], list[str], list[str]]:
        """One request served in `region`: its log lines' versions, messages and hook runs' versions."""
        self.stream.seek(0)
        self.stream.truncate()
        async with httpx.AsyncClient(base_url=self.url) as client:
            response = await client.get("/r", headers={"X-Edgesim-Pop": self.edge.topology.pops_in(region)[0]})
        request_id = response.headers["x-amz-cf-id"]
        lines = self.stream.getvalue().splitlines()
        assert lines and all(f" {region} {request_id}] " in line for line in lines)
        tags = [line.split(" [", 1)[1].split()[1] for line in lines]
        messages = [line.split("] ", 1)[1] for line in lines]
        return tags, messages, [hook["version"] for hook in self.recorder.get(request_id)["hooks"]]


@pytest.fixture
async def logged_edge(tmp_path: Path, echo_origin: Any) -> AsyncIterator[LoggedEdge]:
    (tmp_path / "mark.js").write_text(LOGGING_FUNCTION.replace("MARK", "one"))
    config = edge_config(tmp_path, echo_origin.port, functions=("mark",), edgesim=REALISTIC, behavior=UNCACHED)
    clock, stream, recorder = Clock(), io.StringIO(), Recorder()
    app = build_edge_app(config, EdgeOptions(clock=clock, seed=11, sleep=Sleeps(clock),
                                             observers=[FunctionLog(stream), recorder]))
    server = BackgroundServer(app)
    await server.start()
    yield LoggedEdge(app, server.url, stream, recorder, clock)
    await server.stop()


async def test_log_tags_name_the_published_version_each_region_ran_during_a_rollout(
        tmp_path: Path, logged_edge: LoggedEdge) -> None:
    edge = logged_edge.edge
    (tmp_path / "mark.js").write_text(LOGGING_FUNCTION.replace("MARK", "two"))
    assert edge.publish("mark")["version"] == "2"
    regions = edge.function_versions()["mark"]["regions"]
    first, *_, last = sorted(regions, key=lambda r: regions[r]["replicating"][0]["switches_at"])
    logged_edge.clock.now = regions[first]["replicating"][0]["switches_at"]
    assert edge.function_versions()["mark"]["regions"][first]["live"] == "2"
    assert edge.function_versions()["mark"]["regions"][last]["live"] == "1"

    assert await logged_edge.tags_and_records(first) == (["2", "2"], ["code two", "code two"], ["2", "2"])
    assert await logged_edge.tags_and_records(last) == (["1", "1"], ["code one", "code one"], ["1", "1"])
