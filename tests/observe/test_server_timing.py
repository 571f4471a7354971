"""The Server-Timing value: CloudFront's cdn-* metrics, then one edgesim metric per stage."""

from __future__ import annotations

from edgesim.edge.exchange import Stage
from edgesim.observe.server_timing import metric_name, quoted, server_timing_value
from tests.observe.helpers import REQUEST_ID, make_exchange


def metrics(value: str) -> list[str]:
    return [m.strip() for m in value.split(",")]


def test_a_miss_lists_cache_status_pop_request_id_then_each_stage_in_order():
    exchange = make_exchange(stages=[
        Stage("viewer-request", 0.1234, "add-index"),
        Stage("origin", 12.5, "app"),
        Stage("viewer-response", 0.05, "security-headers"),
    ])
    got = metrics(server_timing_value(exchange))
    assert got[:3] == ["cdn-cache-miss", 'cdn-pop;desc="FRA56-C1"', f'cdn-rid;desc="{REQUEST_ID}"']
    assert got[3:6] == [
        'edgesim-viewer-request;dur=0.12;desc="add-index"',
        'edgesim-origin;dur=12.50;desc="app"',
        'edgesim-viewer-response;dur=0.05;desc="security-headers"',
    ]
    assert got[6].startswith("edgesim-total;dur=") and len(got) == 7


def test_hits_and_refresh_hits_name_their_cache_metric_and_the_layer_that_answered():
    hit = make_exchange(result="Hit", stages=[Stage("cache-rec", 0.02, "hit")])
    got = metrics(server_timing_value(hit))
    assert got[0] == "cdn-cache-hit"
    assert 'cdn-hit-layer;desc="REC"' in got
    assert metrics(server_timing_value(make_exchange(result="RefreshHit")))[0] == "cdn-cache-refresh"


def test_answers_that_never_reached_the_cache_carry_no_cache_metric():
    for result in ("Error", "FunctionGeneratedResponse", "Redirect"):
        got = metrics(server_timing_value(make_exchange(result=result)))
        assert got[0] == 'cdn-pop;desc="FRA56-C1"', result
        assert not any(m.startswith("cdn-cache") or m.startswith("cdn-hit-layer") for m in got)


def test_a_stage_without_detail_has_no_desc():
    got = metrics(server_timing_value(make_exchange(stages=[Stage("origin", 0.5)])))
    assert "edgesim-origin;dur=0.50" in got


def test_names_become_tokens_and_descriptions_stay_valid_quoted_strings():
    assert metric_name("origin fetch/2") == "edgesim-origin-fetch-2"
    assert quoted('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    assert quoted("café\n") == '"caf??"'
    value = server_timing_value(make_exchange(stages=[Stage("viewer request", 1.0, 'fn "x"')]))
    assert 'edgesim-viewer-request;dur=1.00;desc="fn \\"x\\""' in value
    value.encode("latin-1")
