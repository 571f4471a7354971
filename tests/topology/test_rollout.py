"""Numbered versions, DEVELOPMENT and LIVE, and rollouts that reach regions one by one."""

from __future__ import annotations

import pytest

from edgesim.edge.assembly import PublishError
from edgesim.observe.server_timing import server_timing_value
from edgesim.topology.replication import Replication
from tests.topology.helpers import Clock, Sleeps, edge_config, get, write_function

REALISTIC = {"Topology": {"Replication": {"Profile": "realistic", "TimeScale": 1.0}}}
MANUAL = {"Topology": {"Replication": {"AutoPublish": False}}}


def code_mark(exchange) -> str | None:
    return exchange.response.headers.get("x-code")


async def test_every_function_starts_at_version_1_live_everywhere(tmp_path, origin, make_edge):
    write_function(tmp_path, "mark", "one")
    edge = await make_edge(edge_config(tmp_path, origin.port, functions=("mark",)))
    exchange = await edge.handle(get("/a"))
    state = edge.function_versions()["mark"]
    assert code_mark(exchange) == "one"
    assert [run.version for run in exchange.hooks] == ["1", "1"]
    assert 'edgesim-viewer-response;dur=' in server_timing_value(exchange)
    assert 'desc="mark:1"' in server_timing_value(exchange)
    assert state["live"] == "1" and state["status"] == "Deployed" and state["development"]["published"]
    assert {view["live"] for view in state["regions"].values()} == {"1"}


async def test_publish_moves_development_to_live_and_unchanged_code_publishes_nothing(tmp_path, origin, make_edge):
    write_function(tmp_path, "mark", "one")
    edge = await make_edge(edge_config(tmp_path, origin.port, functions=("mark",), edgesim=MANUAL))
    write_function(tmp_path, "mark", "two")
    assert edge.function_versions()["mark"]["development"]["published"] is False
    published = edge.publish("mark")
    again = edge.publish("mark")
    assert (published["version"], published["published"]) == ("2", True)
    assert (again["version"], again["published"]) == ("2", False)
    assert code_mark(await edge.handle(get("/b"))) == "two"
    assert [v["version"] for v in edge.function_versions()["mark"]["versions"]] == ["1", "2"]


async def test_live_keeps_running_published_code_while_development_changes(tmp_path, origin, make_edge):
    write_function(tmp_path, "mark", "one")
    config = edge_config(tmp_path, origin.port, functions=("mark",), edgesim=MANUAL)
    edge = await make_edge(config)
    write_function(tmp_path, "mark", "draft")
    await edge.reload(config)
    assert code_mark(await edge.handle(get("/c"))) == "one"
    live_copy = edge.function_versions()["mark"]["versions"][0]["code"]
    assert "one" in open(live_copy).read()


async def test_saving_code_publishes_it_when_auto_publish_is_on(tmp_path, origin, make_edge):
    write_function(tmp_path, "mark", "one")
    config = edge_config(tmp_path, origin.port, functions=("mark",))
    edge = await make_edge(config)
    write_function(tmp_path, "mark", "two")
    await edge.reload(config)
    assert code_mark(await edge.handle(get("/d"))) == "two"
    assert edge.function_versions()["mark"]["live"] == "2"


async def test_a_function_that_does_not_load_is_refused_before_any_region_sees_it(tmp_path, origin, make_edge):
    write_function(tmp_path, "mark", "one")
    edge = await make_edge(edge_config(tmp_path, origin.port, functions=("mark",), edgesim=MANUAL))
    (tmp_path / "mark.js").write_text("function handler(event) { return event.request")
    with pytest.raises(PublishError):
        edge.publish("mark")
    with pytest.raises(PublishError):
        edge.publish("nothing-by-that-name")
    assert edge.function_versions()["mark"]["live"] == "1"
    assert [v["version"] for v in edge.function_versions()["mark"]["versions"]] == ["1"]
    assert code_mark(await edge.handle(get("/e"))) == "one"


async def uncached_realistic_edge(tmp_path, origin, make_edge, seed):
    """An edge running function `mark` (version 1 marks "one") with realistic replication
    on a fake clock, and no caching, so every request runs the function."""
    clock = Clock()
    write_function(tmp_path, "mark", "one")
    config = edge_config(tmp_path, origin.port, functions=("mark",), edgesim=REALISTIC,
                         behavior={"CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"})
    return await make_edge(config, clock=clock, seed=seed, sleep=Sleeps(clock)), clock


async def test_a_rollout_reaches_regions_one_by_one_and_pops_run_their_regions_version(tmp_path, origin, make_edge):
    edge, clock = await uncached_realistic_edge(tmp_path, origin, make_edge, seed=11)
    write_function(tmp_path, "mark", "two")
    edge.publish("mark")
    regions = edge.function_versions()["mark"]["regions"]
    order = sorted(regions, key=lambda r: regions[r]["replicating"][0]["in_s"])
    assert all(30 <= regions[r]["replicating"][0]["in_s"] <= 900 for r in order)
    pop_of = {region: edge.topology.pops_in(region)[0] for region in order}
    switched: list[str] = []
    for region in order:
        clock.now = regions[region]["replicating"][0]["switches_at"]
        switched.append(region)
        marks = {r: code_mark(await edge.handle(get("/r", X_Edgesim_Pop=pop_of[r]))) for r in order}
        assert {r for r, mark in marks.items() if mark == "two"} == set(switched)
        assert {r for r, mark in marks.items() if mark == "one"} == set(order) - set(switched)
    assert edge.function_versions()["mark"]["status"] == "Deployed"


async def test_a_rollout_can_be_awaited(tmp_path, origin, make_edge):
    clock = Clock()
    write_function(tmp_path, "mark", "one")
    config = edge_config(tmp_path, origin.port, functions=("mark",), edgesim=REALISTIC)
    edge = await make_edge(config, clock=clock, seed=5, sleep=Sleeps(clock))
    write_function(tmp_path, "mark", "two")
    edge.publish("mark")
    assert edge.function_versions()["mark"]["status"] == "InProgress"
    started = clock.now
    await edge.wait_for_rollout("mark")
    state = edge.function_versions()["mark"]
    assert state["status"] == "Deployed"
    assert {view["live"] for view in state["regions"].values()} == {"2"}
    assert 30 <= clock.now - started <= 900


def test_time_scale_shrinks_a_rollout_and_successive_versions_arrive_in_order():
    clock = Clock()
    replication = Replication(["eu-central-1", "us-east-1", "ap-northeast-1"], profile="realistic",
                              time_scale=0.01, clock=clock, seed=3)
    replication.settle("f", 1)
    second = replication.start("f", 2)
    third = replication.start("f", 3)
    assert all(0.3 <= at - clock.now <= 9.0 for at in second.switch_at.values())
    assert all(third.switch_at[r] >= second.switch_at[r] for r in second.switch_at)
    clock.now = max(second.switch_at.values())
    assert {replication.live("f", r) for r in second.switch_at} <= {2, 3}
    clock.now = max(third.switch_at.values())
    assert {replication.live("f", r) for r in second.switch_at} == {3}


def test_a_function_new_to_a_region_does_not_run_there_until_it_arrives():
    clock = Clock()
    replication = Replication(["eu-central-1"], profile="realistic", clock=clock, seed=1)
    rollout = replication.start("new", 1)
    assert replication.live("new", "eu-central-1") is None
    clock.now = rollout.switch_at["eu-central-1"]
    assert replication.live("new", "eu-central-1") == 1


async def test_a_region_serving_a_settled_release_still_picks_up_each_later_rollout(tmp_path, origin, make_edge):
    edge, _ = await uncached_realistic_edge(tmp_path, origin, make_edge, seed=7)
    pop = edge.topology.pops_in("eu-central-1")[0]
    assert code_mark(await edge.handle(get("/a", X_Edgesim_Pop=pop))) == "one"
    previous = "one"
    for mark in ("two", "three"):
        write_function(tmp_path, "mark", mark)
        edge.publish("mark")
        assert code_mark(await edge.handle(get("/b", X_Edgesim_Pop=pop))) == previous, "no region switches at once"
        await edge.wait_for_rollout("mark")
        assert code_mark(await edge.handle(get("/c", X_Edgesim_Pop=pop))) == mark
        previous = mark
