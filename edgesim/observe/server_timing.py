"""The `Server-Timing` header: where a request spent its time, readable in browser dev tools.

CloudFront's own metrics (`cdn-cache-hit|miss|refresh`, `cdn-pop`, `cdn-rid`,
`cdn-hit-layer`, spec §3.5) come first, then one `edgesim-<stage>` metric per stage the
exchange went through, in order, and `edgesim-total`.
"""

from __future__ import annotations

import re

from edgesim.edge.exchange import Exchange

CACHE_METRICS = {"Hit": "cdn-cache-hit", "RefreshHit": "cdn-cache-refresh", "Miss": "cdn-cache-miss"}

# A cache stage named here whose detail is "hit" tells which layer answered.
HIT_LAYERS = {"cache-edge": "EDGE", "cache-rec": "REC"}

NOT_TOKEN = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]")
NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def metric_name(stage: str) -> str:
    """`edgesim-` plus the stage name made a valid header token."""
    return "edgesim-" + NOT_TOKEN.sub("-", stage)


def quoted(text: str) -> str:
    """An RFC 9110 quoted-string (printable ASCII only, so the header stays latin-1 safe)."""
    clean = NOT_PRINTABLE.sub("?", text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def server_timing_value(exchange: Exchange) -> str:
    """The header value for `exchange` as it stands when its response is finalized."""
    metrics = []
    cache = CACHE_METRICS.get(exchange.result_type)
    if cache:
        metrics.append(cache)
    metrics.append(f"cdn-pop;desc={quoted(exchange.context.pop)}")
    metrics.append(f"cdn-rid;desc={quoted(exchange.context.request_id)}")
    if exchange.result_type == "Hit":
        layers = [HIT_LAYERS[s.name] for s in exchange.stages if s.name in HIT_LAYERS and s.detail == "hit"]
        if layers:
            metrics.append(f"cdn-hit-layer;desc={quoted(layers[-1])}")
    for stage in exchange.stages:
        metric = f"{metric_name(stage.name)};dur={stage.duration_ms:.2f}"
        if stage.detail:
            metric += f";desc={quoted(stage.detail)}"
        metrics.append(metric)
    metrics.append(f"edgesim-total;dur={exchange.elapsed_ms:.2f}")
    return ", ".join(metrics)
