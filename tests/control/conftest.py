"""An edge served from a config file on disk, with a recorder, for the control tests."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from edgesim.config.load import load_config
from edgesim.edge.assembly import Edge, EdgeOptions, build_edge_app
from edgesim.edge.server import BackgroundServer
from edgesim.observe.recorder import Recorder

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
FUNCTION = """import cf from 'cloudfront';
async function handler(event) {
  var greeting = await cf.kvs().get('greeting');
  console.log('greeting is ' + greeting);
  if (event.request.uri === '/fn') {
    return { statusCode: 200, statusDescription: 'OK',
             headers: { 'x-code': { value: '%s' }, 'x-kvs': { value: greeting } } };
  }
  if (event.request.uri === '/throw') throw new Error('no greeting for ' + event.request.uri);
  return event.request;
}
"""


def save(path: Path, text: str) -> None:
    """Write as editors save: a whole new file renamed over the old, never a half-written one."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def function_code(version: str) -> str:
    return FUNCTION % version


def config_document(origin_port: int, marker: str, edgesim: dict[str, Any] | None = None) -> dict[str, Any]:
    """A default behavior with a viewer-request function, `/echo/*` without, and a marker header to the origin."""
    origin = {"Id": "echo", "DomainName": "127.0.0.1",
              "CustomOriginConfig": {"HTTPPort": origin_port, "OriginProtocolPolicy": "http-only"},
              "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-Config", "HeaderValue": marker}]}}
    behavior = {
        "TargetOriginId": "echo",
        "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": CACHING_OPTIMIZED,
        "FunctionAssociations": {"Quantity": 1, "Items": [
            {"FunctionARN": "arn:aws:cloudfront::123456789012:function/greet", "EventType": "viewer-request"}]},
    }
    plain = {"PathPattern": "/echo/*", "TargetOriginId": "echo", "ViewerProtocolPolicy": "allow-all",
             "CachePolicyId": CACHING_OPTIMIZED}
    document = {
        "DistributionConfig": {"Origins": {"Quantity": 1, "Items": [origin]}, "DefaultCacheBehavior": behavior,
                               "CacheBehaviors": {"Quantity": 1, "Items": [plain]}},
        "Functions": {"greet": {"Runtime": "cloudfront-js-2.0", "Code": "functions/greet.js", "KeyValueStore": "greetings"}},
        "KeyValueStores": {"greetings": "data/greetings.json"},
    }
    if edgesim:
        document["Edgesim"] = edgesim
    return document


@dataclass
class Site:
    """The files of a served distribution: config, one function, one KeyValueStore."""

    root: Path
    origin_port: int

    @property
    def config(self) -> Path:
        return self.root / "edge.json"

    @property
    def function(self) -> Path:
        return self.root / "functions" / "greet.js"

    @property
    def store(self) -> Path:
        return self.root / "data" / "greetings.json"

    def write(self, *, marker: str = "A", code: str = "A", greeting: str = "hello",
              edgesim: dict[str, Any] | None = None) -> None:
        self.function.parent.mkdir(exist_ok=True)
        self.store.parent.mkdir(exist_ok=True)
        self.config.write_text(json.dumps(config_document(self.origin_port, marker, edgesim)))
        self.function.write_text(function_code(code))
        self.store.write_text(json.dumps({"greeting": greeting}))


class Clock:
    """The edge's clock: the real time plus whatever a test has moved it on by."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


@dataclass
class Served:
    site: Site
    edge: Edge
    recorder: Recorder
    server: BackgroundServer
    client: httpx.AsyncClient
    clock: Clock


@pytest.fixture
def edgesim_settings() -> dict[str, Any]:
    """The config's `Edgesim:` keys; a test parametrizes this name to serve others."""
    return {}


@pytest.fixture
async def served(tmp_path: Path, echo_origin: Any, edgesim_settings: dict[str, Any]) -> AsyncIterator[Served]:
    """The site's edge on a free loopback port, recording every exchange."""
    site = Site(tmp_path, echo_origin.port)
    site.write(edgesim=edgesim_settings)
    recorder = Recorder(capacity=5000)  # more than a test's traffic, so every answer can be looked up
    clock = Clock()
    app = build_edge_app(load_config(site.config), EdgeOptions(pop="FRA56-C1", observers=[recorder], clock=clock))
    server = BackgroundServer(app)
    await server.start()
    client = httpx.AsyncClient(base_url=server.url, timeout=10)
    yield Served(site, app.state.edge, recorder, server, client, clock)
    recorder.close()
    await client.aclose()
    await server.stop()
