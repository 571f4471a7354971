"""One POP per request: by X-Edgesim-Pop, the listener's pin, the viewer's country or network, else the default."""

from __future__ import annotations

from tests.topology.helpers import ALL_VIEWER_AND_CLOUDFRONT_HEADERS, edge_config, get

NETWORKS = {"Topology": {"ViewerNetworks": {"203.0.113.0/24": "JP", "2001:db8::/32": "BR"}}}


async def test_pop_header_chooses_the_pop_and_never_reaches_the_origin(tmp_path, origin, make_edge):
    edge = await make_edge(edge_config(tmp_path, origin.port))
    exchange = await edge.handle(get("/a", X_Edgesim_Pop="NRT57-P2"))
    assert exchange.response.headers.get("X-Amz-Cf-Pop") == "NRT57-P2"
    assert (exchange.context.pop, exchange.context.region) == ("NRT57-P2", "ap-northeast-1")
    assert not any(name.startswith("x-edgesim") for name in origin.requests[-1]["headers"])


async def test_viewer_country_sends_the_request_to_that_countrys_pop(tmp_path, origin, make_edge):
    edge = await make_edge(edge_config(tmp_path, origin.port))
    exchange = await edge.handle(get("/a", X_Edgesim_Viewer_Country="DE"))
    assert (exchange.context.pop, exchange.context.region) == ("FRA56-C1", "eu-central-1")


async def test_viewer_ip_in_a_configured_network_lands_in_that_countrys_pop(tmp_path, origin, make_edge):
    edge = await make_edge(edge_config(tmp_path, origin.port, edgesim=NETWORKS))
    tokyo = await edge.handle(get("/a", X_Edgesim_Viewer_Ip="203.0.113.9"))
    sao_paulo = await edge.handle(get("/b", X_Edgesim_Viewer_Ip="2001:db8::1"))
    assert tokyo.context.pop == "NRT57-P2"
    assert sao_paulo.context.pop == "GRU3-C1"


async def test_an_unknown_country_or_pop_falls_back_to_the_default_pop(tmp_path, origin, make_edge):
    edge = await make_edge(edge_config(tmp_path, origin.port, edgesim={"Pop": "LHR61-C1"}))
    assert (await edge.handle(get("/a", X_Edgesim_Viewer_Country="ZZ"))).context.pop == "LHR61-C1"
    assert (await edge.handle(get("/b", X_Edgesim_Pop="XXX1-C1"))).context.pop == "LHR61-C1"
    assert (await edge.handle(get("/c"))).context.pop == "LHR61-C1"


async def test_a_pinned_listener_beats_the_country_but_not_the_pop_header(tmp_path, origin, make_edge):
    edge = await make_edge(edge_config(tmp_path, origin.port), pop="SYD62-C1")
    assert (await edge.handle(get("/a", X_Edgesim_Viewer_Country="DE"))).context.pop == "SYD62-C1"
    assert (await edge.handle(get("/b", X_Edgesim_Pop="FRA56-C1"))).context.pop == "FRA56-C1"


async def test_viewer_headers_become_the_cloudfront_viewer_headers_a_policy_asks_for(tmp_path, origin, make_edge):
    config = edge_config(tmp_path, origin.port, behavior={"OriginRequestPolicyId": ALL_VIEWER_AND_CLOUDFRONT_HEADERS})
    edge = await make_edge(config)
    await edge.handle(get(
        "/viewer", X_Edgesim_Viewer_Country="DE", X_Edgesim_Viewer_Region="HE", X_Edgesim_Viewer_City="Frankfurt am Main",
        X_Edgesim_Viewer_Device="mobile", X_Edgesim_Viewer_Ip="198.51.100.7",
    ))
    sent = origin.requests[-1]["headers"]
    assert sent["cloudfront-viewer-country"] == "DE"
    assert sent["cloudfront-viewer-country-region"] == "HE"
    assert sent["cloudfront-viewer-city"] == "Frankfurt am Main"
    assert sent["cloudfront-is-mobile-viewer"] == "true" and sent["cloudfront-is-desktop-viewer"] == "false"
    assert sent["cloudfront-viewer-address"].startswith("198.51.100.7:")
    assert not any(name.startswith("x-edgesim") for name in sent)


async def test_without_viewer_headers_no_location_header_is_invented(tmp_path, origin, make_edge):
    config = edge_config(tmp_path, origin.port, behavior={"OriginRequestPolicyId": ALL_VIEWER_AND_CLOUDFRONT_HEADERS})
    edge = await make_edge(config)
    await edge.handle(get("/plain"))
    sent = origin.requests[-1]["headers"]
    assert "cloudfront-viewer-country" not in sent and "cloudfront-viewer-city" not in sent
    assert sent["cloudfront-is-desktop-viewer"] == "true"


async def test_each_pop_has_its_own_cache_and_shares_its_recs(tmp_path, origin, make_edge):
    edge = await make_edge(edge_config(tmp_path, origin.port))
    munich = await edge.handle(get("/shared", X_Edgesim_Pop="MUC50-P1"))
    frankfurt = await edge.handle(get("/shared", X_Edgesim_Pop="FRA56-C1"))
    frankfurt_again = await edge.handle(get("/shared", X_Edgesim_Pop="FRA56-C1"))
    tokyo = await edge.handle(get("/shared", X_Edgesim_Pop="NRT57-P2"))
    assert munich.result_type == "Miss"
    assert frankfurt.result_type == "Hit"
    assert [(s.name, s.detail) for s in frankfurt.stages if s.name.startswith("cache")] == [("cache-rec", "hit")]
    assert [(s.name, s.detail) for s in frankfurt_again.stages if s.name.startswith("cache")] == [("cache-edge", "hit")]
    assert tokyo.result_type == "Miss", "ap-northeast-1's REC never had it"
    assert origin.hits["/shared"] == 2
