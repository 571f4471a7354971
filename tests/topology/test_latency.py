"""Latency per hop: off unless configured; when on, waited out and shown as hop stages."""

from __future__ import annotations

import random

import pytest

from edgesim.observe.server_timing import server_timing_value
from edgesim.topology.latency import Hop, LatencyModel, estimated_rtt_ms, region_rtt_ms
from tests.conftest import CACHING_DISABLED
from tests.topology.helpers import Sleeps, edge_config, get, stage_names

FIXED = {"Topology": {"Latency": {"ViewerPop": {"MedianMs": 10}, "PopRec": {"MedianMs": 4}, "RecOrigin": {"MedianMs": 80}}}}


async def test_latency_is_off_by_default_and_nothing_waits(tmp_path, origin, make_edge):
    sleeps = Sleeps()
    edge = await make_edge(edge_config(tmp_path, origin.port), sleep=sleeps)
    exchange = await edge.handle(get("/a"))
    assert sleeps.seconds == []
    assert not [name for name in stage_names(exchange) if name.startswith("hop-")]


async def test_a_miss_waits_every_hop_and_records_each_as_a_stage(tmp_path, origin, make_edge):
    sleeps = Sleeps()
    edge = await make_edge(edge_config(tmp_path, origin.port, edgesim=FIXED), sleep=sleeps)
    exchange = await edge.handle(get("/a"))
    assert sleeps.seconds == [0.010, 0.004, 0.080]
    hops = [(s.name, s.duration_ms) for s in exchange.stages if s.name.startswith("hop-")]
    assert hops == [("hop-viewer-pop", 10), ("hop-pop-rec", 4), ("hop-rec-origin", 80)]
    assert "edgesim-hop-rec-origin;dur=80.00" in server_timing_value(exchange)


async def test_a_pop_hit_waits_only_for_the_viewer_and_a_rec_hit_not_for_the_origin(tmp_path, origin, make_edge):
    sleeps = Sleeps()
    edge = await make_edge(edge_config(tmp_path, origin.port, edgesim=FIXED), sleep=sleeps)
    await edge.handle(get("/a", X_Edgesim_Pop="FRA56-C1"))
    sleeps.seconds.clear()
    await edge.handle(get("/a", X_Edgesim_Pop="FRA56-C1"))
    assert sleeps.seconds == [0.010]
    sleeps.seconds.clear()
    await edge.handle(get("/a", X_Edgesim_Pop="MUC50-P1"))
    assert sleeps.seconds == [0.010, 0.004]


async def test_an_uncached_request_bypasses_the_rec_straight_to_the_origin(tmp_path, origin, make_edge):
    sleeps = Sleeps()
    config = edge_config(tmp_path, origin.port, edgesim=FIXED, behavior={"CachePolicyId": CACHING_DISABLED})
    edge = await make_edge(config, sleep=sleeps)
    exchange = await edge.handle(get("/api"))
    assert [n for n in stage_names(exchange) if n.startswith("hop-")] == ["hop-viewer-pop", "hop-pop-origin"]
    assert sleeps.seconds == [0.010, 0.080]


async def test_realistic_profile_takes_the_rec_to_origin_trip_from_the_measured_table(tmp_path, origin, make_edge):
    sleeps = Sleeps()
    config = edge_config(tmp_path, origin.port, edgesim={"Topology": {
        "OriginRegion": "us-east-1", "Latency": {"Profile": "realistic"}}})
    edge = await make_edge(config, sleep=sleeps, seed=7)
    assert edge.latency.hop("rec-origin", "eu-central-1") == Hop(88.6, 0.1)
    exchange = await edge.handle(get("/far", X_Edgesim_Pop="SYD62-C1"))
    hops = {s.name: s.duration_ms for s in exchange.stages if s.name.startswith("hop-")}
    assert set(hops) == {"hop-viewer-pop", "hop-pop-rec", "hop-rec-origin"}
    assert 150 < hops["hop-rec-origin"] < 350, "Sydney to Virginia is about 230 ms"


def test_pairs_without_a_measurement_are_estimated_from_distance():
    assert region_rtt_ms("eu-central-1", "us-east-1") == 88.6
    assert region_rtt_ms("ap-south-1", "us-east-1") == estimated_rtt_ms("ap-south-1", "us-east-1")
    assert estimated_rtt_ms("us-east-2", "us-east-1") < estimated_rtt_ms("ap-south-1", "us-east-1")
    with pytest.raises(KeyError):
        estimated_rtt_ms("us-east-1", "moon-1")


def test_a_spread_hop_varies_around_its_median_and_repeats_with_a_seed():
    hop = Hop(20.0, 0.5)
    samples = [hop.sample(random.Random(3)) for _ in range(2)]
    many = sorted(hop.sample(random.Random(i)) for i in range(301))
    assert samples[0] == samples[1]
    assert many[0] < 20.0 < many[-1]
    assert 15.0 < many[150] < 25.0


async def test_an_unconfigured_model_never_waits():
    sleeps = Sleeps()
    model = LatencyModel(sleep=sleeps)
    assert not model.enabled
    assert await model.wait("viewer-pop", "us-east-1") is None
    assert sleeps.seconds == []
