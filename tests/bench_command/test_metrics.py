"""What the bench reads from a viewer's answers and from a workload file."""

from __future__ import annotations

import pytest

from edgesim.bench.loadgen import LoadResult, Planned, Sample, percentile, read_paths
from edgesim.bench.metrics import ANY_TIER, observed_from_headers, parse_server_timing


def test_server_timing_entries_with_durations_and_descriptions():
    value = 'cdn-upstream-layer;desc="EDGE", cdn-upstream-fbl;dur=12.5,cdn-cache-miss, cdn-pop;desc="IAD89-C1"'
    assert parse_server_timing(value) == [
        ("cdn-upstream-layer", {"desc": "EDGE"}),
        ("cdn-upstream-fbl", {"dur": "12.5"}),
        ("cdn-cache-miss", {}),
        ("cdn-pop", {"desc": "IAD89-C1"}),
    ]


def test_hit_ratio_per_tier_from_x_cache_and_hit_layer():
    samples = [
        Sample(1.0, 200, "Hit from cloudfront", 'cdn-cache-hit,cdn-hit-layer;desc="EDGE"'),
        Sample(1.0, 200, "Hit from cloudfront", 'cdn-cache-hit,cdn-hit-layer;desc="REC",cdn-downstream-fbl;dur=3'),
        Sample(1.0, 200, "Miss from cloudfront", 'cdn-cache-miss,cdn-hit-layer;desc="REC",cdn-downstream-fbl;dur=5'),
        Sample(1.0, 200, "Miss from cloudfront", ""),
        Sample(1.0, 401, "FunctionGeneratedResponse from cloudfront", ""),
    ]
    observed = observed_from_headers(LoadResult(1.0, samples))
    assert observed.tiers == {"EDGE": [1, 1], "REC": [1, 2], ANY_TIER: [0, 1]}
    assert observed.results == {"Hit": 2, "Miss": 2, "FunctionGeneratedResponse": 1}
    assert observed.stages == {"cdn-downstream-fbl": [3.0, 5.0]}


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(100, 0, -1)]
    assert [percentile(values, p) for p in (0, 50, 90, 99, 100)] == [1.0, 50.0, 90.0, 99.0, 100.0]
    assert percentile([], 50) == 0.0


def test_workload_file_paths_and_headers(tmp_path):
    workload = tmp_path / "paths.txt"
    workload.write_text("# comment\n/\n\n/a?b=1\tCookie: x=1\tAuthorization: Bearer t:k\n")
    assert read_paths(workload) == [
        Planned("/"),
        Planned("/a?b=1", (("Cookie", "x=1"), ("Authorization", "Bearer t:k"))),
    ]


@pytest.mark.parametrize(("text", "message"), [("relative\n", "starting with '/'"), ("/a\tno-colon\n", "Name: value"),
                                                ("# only a comment\n", "no requests")])
def test_workload_file_mistakes_name_the_line(tmp_path, text, message):
    workload = tmp_path / "paths.txt"
    workload.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_paths(workload)
