"""Edgesim.Topology in config: RECs by region, POPs by code, checked with field paths."""

from __future__ import annotations

import pytest

from edgesim.config.load import ConfigError
from edgesim.topology.places import DEFAULT_POPS, Topology
from tests.topology.helpers import edge_config

FIGURES_RECS = {"us-east-1", "us-east-2", "us-west-2", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
                "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-1", "eu-west-2", "sa-east-1"}


def test_builtin_table_covers_every_rec_region_aws_lists():
    assert {pop.region for pop in DEFAULT_POPS} == FIGURES_RECS


def test_without_a_topology_block_the_builtin_table_serves(tmp_path):
    topology = Topology.from_settings(edge_config(tmp_path, 8000).settings)
    assert topology.pop("FRA56-C1").region == "eu-central-1"
    assert topology.pop().code == "IAD89-C1"


def test_configured_recs_replace_the_builtin_table(tmp_path):
    config = edge_config(tmp_path, 8000, edgesim={"Pop": "FRA56-C1", "Topology": {"RegionalEdgeCaches": {
        "eu-central-1": {"FRA56-C1": ["DE", "AT"], "MUC50-P1": None},
        "ap-northeast-1": {"NRT57-P2": ["JP"]},
    }}})
    topology = Topology.from_settings(config.settings)
    assert sorted(topology.pops) == ["FRA56-C1", "MUC50-P1", "NRT57-P2"]
    assert topology.regions == ["ap-northeast-1", "eu-central-1"]
    assert topology.pop_for_country("AT").code == "FRA56-C1"
    assert topology.pops_in("eu-central-1") == ["FRA56-C1", "MUC50-P1"]


@pytest.mark.parametrize(
    ("block", "path", "words"),
    [
        ({"RegionalEdgeCaches": {"Frankfurt": {"FRA56-C1": []}}}, "Edgesim.Topology.RegionalEdgeCaches.Frankfurt",
         "AWS region"),
        ({"RegionalEdgeCaches": {"eu-central-1": {"fra56": []}}}, "Edgesim.Topology.RegionalEdgeCaches.eu-central-1.fra56",
         "POP code"),
        ({"RegionalEdgeCaches": {"eu-central-1": {"FRA56-C1": ["Germany"]}}},
         "Edgesim.Topology.RegionalEdgeCaches.eu-central-1.FRA56-C1", "country codes"),
        ({"RegionalEdgeCaches": {"eu-central-1": {"FRA56-C1": []}, "eu-west-1": {"FRA56-C1": []}}},
         "Edgesim.Topology.RegionalEdgeCaches.eu-west-1.FRA56-C1", "more than one"),
        ({"RegionalEdgeCaches": {}}, "Edgesim.Topology.RegionalEdgeCaches", "at least one"),
        ({"ViewerNetworks": {"not-a-net": "DE"}}, "Edgesim.Topology.ViewerNetworks.not-a-net", "network"),
        ({"Latency": {"Profile": "fast"}}, "Edgesim.Topology.Latency.Profile", "off, realistic"),
        ({"Latency": {"PopRec": {"MedianMs": -1}}}, "Edgesim.Topology.Latency.PopRec.MedianMs", "0 or more"),
        ({"Replication": {"TimeScale": 0}}, "Edgesim.Topology.Replication.TimeScale", "above 0"),
        ({"OriginRegion": "mars-1"}, "Edgesim.Topology.OriginRegion", "AWS region"),
    ],
)
def test_bad_topology_is_refused_naming_the_field(tmp_path, block, path, words):
    with pytest.raises(ConfigError) as caught:
        edge_config(tmp_path, 8000, edgesim={"Topology": block})
    assert any(p == path and words in message for p, message in caught.value.errors), caught.value.errors


def test_default_pop_must_be_one_of_the_configured_pops(tmp_path):
    with pytest.raises(ConfigError) as caught:
        edge_config(tmp_path, 8000, edgesim={"Pop": "IAD89-C1", "Topology": {"RegionalEdgeCaches": {
            "eu-central-1": {"FRA56-C1": []}}}})
    assert caught.value.errors[0][0] == "Edgesim.Pop"


def test_latency_and_replication_settings_are_read(tmp_path):
    config = edge_config(tmp_path, 8000, edgesim={"Topology": {
        "OriginRegion": "eu-west-1",
        "Latency": {"Profile": "realistic", "ViewerPop": {"MedianMs": 5, "Spread": 0.2}},
        "Replication": {"Profile": "realistic", "TimeScale": 0.01, "AutoPublish": False},
    }})
    places = config.settings.places
    assert (places.origin_region, places.latency_profile, places.hops["viewer-pop"].median_ms) == ("eu-west-1", "realistic", 5)
    assert (places.replication_profile, places.time_scale, places.auto_publish) == ("realistic", 0.01, False)
    assert not config.warnings
