"""A short soak in CI (EDGESIM_SOAK_SECONDS, default 20 s, at most 30 here): cache hits and
misses, a CloudFront Function and a Python Lambda@Edge, origin errors, publishes through
the control API and invalidations; no unexpected status, no lost request, publishes reach
requests, Lambda workers and RSS bounded. `python -m bench.soak --seconds 600` is the long run."""

from __future__ import annotations

import os

from bench.soak import run

SECONDS = float(os.environ.get("EDGESIM_SOAK_SECONDS", "20"))
CONCURRENCY = 16


async def test_soak_has_no_unexpected_status_no_lost_request_and_bounded_workers_and_memory() -> None:
    figures = await run(min(max(SECONDS, 12), 30), CONCURRENCY)
    print({k: v for k, v in figures.items() if k not in ("rss_mb", "workers")})
    print("rss (s, MB):", figures["rss_mb"])
    print("workers (s, count):", figures["workers"])
    assert figures["requests"] > 0
    assert figures["unexpected"] == {}
    assert figures["lost"] == 0
    # Every kind of answer in the mix happened: function (403), Lambda (418), origin errors.
    assert set(figures["statuses"]) == {"200", "403", "418", "503", "404"}
    # Publishes: each made a new version that went live, and requests ran the last one.
    for name in ("fn", "lam"):
        published = figures["published"][name]
        assert published, f"no publish of {name} in the run"
        assert figures["live"][name] == str(len(published) + 1)
        assert f"rev-{published[-1]}" in figures["revisions_seen"][name]
    assert figures["invalidations"] > 0
    # Lambda workers: at most one per concurrent invocation, for the live version and the
    # one it replaced while the old one drains; never one per request.
    assert 0 < figures["workers_max"] <= 2 * CONCURRENCY
    # Memory flat after warm-up (the cache is invalidated every few seconds, so it does not
    # grow with the unique misses); not a timing claim. The curve is printed above.
    assert figures["rss_warm_max_mb"] <= figures["rss_warm_min_mb"] + 20
    assert figures["rss_end_mb"] < figures["rss_start_mb"] * 1.5 + 20
