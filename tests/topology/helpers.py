"""An in-process edge over a scripted origin, a fake clock and recorded sleeps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgesim.config.model import EdgeConfig
from edgesim.edge.assembly import Edge, EdgeOptions
from edgesim.edge.model import EdgeRequest, Headers
from tests.conftest import CACHING_OPTIMIZED, config_from, custom_origin

ALL_VIEWER_AND_CLOUDFRONT_HEADERS = "33f36d7e-f396-46d9-90e0-52428a34d9dc"

# A CloudFront Function that says which code ran: viewer-response adds `x-code: MARK`.
MARKING_FUNCTION = """function handler(event) {
  if (event.context.eventType === 'viewer-request') { return event.request; }
  event.response.headers['x-code'] = {value: 'MARK'};
  return event.response;
}
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records each wait instead of waiting; with a clock, moves it on by the wait."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        if self.clock is not None:
            self.clock.now += seconds


def write_function(directory: Path, name: str, mark: str) -> Path:
    path = directory / f"{name}.js"
    path.write_text(MARKING_FUNCTION.replace("MARK", mark))
    return path


def edge_config(
    tmp_path: Path,
    port: int,
    *,
    edgesim: dict[str, Any] | None = None,
    functions: tuple[str, ...] = (),
    behavior: dict[str, Any] | None = None,
) -> EdgeConfig:
    """A cached default behavior in front of the origin, with `functions` at both viewer events."""
    default: dict[str, Any] = {
        "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED,
        "AllowedMethods": {"Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]},
    }
    if functions:
        items = [{"FunctionARN": f"arn:aws:cloudfront::123456789012:function/{name}", "EventType": event}
                 for name in functions for event in ("viewer-request", "viewer-response")]
        default["FunctionAssociations"] = {"Quantity": len(items), "Items": items}
    default.update(behavior or {})
    document: dict[str, Any] = {
        "DistributionConfig": {"Origins": {"Items": [custom_origin("o", port)]}, "DefaultCacheBehavior": default},
    }
    if functions:
        document["Functions"] = {name: {"Runtime": "cloudfront-js-2.0", "Code": f"{name}.js"} for name in functions}
    if edgesim:
        document["Edgesim"] = edgesim
    return config_from(document, base_dir=tmp_path)


def get(path: str, **headers: str) -> EdgeRequest:
    pairs = [("Host", "d111111abcdef8.cloudfront.net"), *((k.replace("_", "-"), v) for k, v in headers.items())]
    return EdgeRequest(method="GET", uri=path, headers=Headers(pairs))


async def started_edge(config: EdgeConfig, **options: Any) -> Edge:
    edge = Edge(config, EdgeOptions(**options))
    await edge.start()
    return edge


def stage_names(exchange: Any) -> list[str]:
    return [stage.name for stage in exchange.stages]
