"""Shared fixtures: real origin processes and an edge on a free loopback port."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edgesim.config.load import build_config
from edgesim.config.model import EdgeConfig
from edgesim.edge.assembly import EdgeOptions, build_edge_app
from edgesim.edge.hooks import HookSet
from edgesim.edge.server import BackgroundServer
from origins.static import DEMO_SITE

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


class OriginProcess:
    """A bundled origin (`python -m origins KIND`) in its own process on a free port."""

    def __init__(self, kind: str, *extra: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "origins", kind, "--port", "0", *extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"origin {kind} did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def echo_origin() -> Iterator[OriginProcess]:
    origin = OriginProcess("echo")
    yield origin
    origin.stop()


BIG_FILE_SIZE = 3 * 1024 * 1024 + 17


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo site plus a large random binary, made once per run."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(DEMO_SITE, site, dirs_exist_ok=True)
    (site / "big.bin").write_bytes(random.Random(7).randbytes(BIG_FILE_SIZE))
    return site


@pytest.fixture(scope="session")
def static_origin(site_dir: Path) -> Iterator[OriginProcess]:
    origin = OriginProcess("static", "--root", str(site_dir))
    yield origin
    origin.stop()


@pytest.fixture(scope="session")
def slow_origin() -> Iterator[OriginProcess]:
    origin = OriginProcess("slow")
    yield origin
    origin.stop()


@pytest.fixture(scope="session")
def flaky_origin() -> Iterator[OriginProcess]:
    origin = OriginProcess("flaky")
    yield origin
    origin.stop()


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound, never listening,
    so no other process can take it meanwhile."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield reserved.getsockname()[1]


def custom_origin(origin_id: str, port: int, **extra: Any) -> dict[str, Any]:
    """A custom origin on loopback in the API's shape."""
    config = {"HTTPPort": port, "OriginProtocolPolicy": "http-only"}
    config.update(extra.pop("CustomOriginConfig", {}))
    return {"Id": origin_id, "DomainName": "127.0.0.1", "CustomOriginConfig": config, **extra}


CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def distribution(origins: list[dict[str, Any]], default: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A DistributionConfig around the given origins (the first is the default target).

    The default behavior is an API behavior: nothing cached, every viewer header but Host
    forwarded (Managed-CachingDisabled with Managed-AllViewerExceptHostHeader).
    """
    behavior = {
        "TargetOriginId": origins[0]["Id"],
        "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": CACHING_DISABLED,
        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
        "AllowedMethods": {"Quantity": 7, "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]},
    }
    behavior.update(default or {})
    return {"DistributionConfig": {"Origins": {"Quantity": len(origins), "Items": origins}, "DefaultCacheBehavior": behavior, **fields}}


def config_from(document: dict[str, Any], base_dir: Path = DATA) -> EdgeConfig:
    return build_config(document, base_dir=base_dir)


class RunningEdge:
    def __init__(self, server: BackgroundServer, client: httpx.AsyncClient) -> None:
        self.server = server
        self.client = client
        self.url = server.url


async def start_edge(config: EdgeConfig, *, hooks: HookSet | None = None, options: EdgeOptions | None = None) -> RunningEdge:
    app = build_edge_app(config, options, hooks=hooks)
    server = BackgroundServer(app)
    await server.start()
    client = httpx.AsyncClient(base_url=server.url, timeout=30)
    return RunningEdge(server, client)


@pytest.fixture
async def edge_factory() -> AsyncIterator[Any]:
    """Start edges for a test and stop them after it."""
    started: list[RunningEdge] = []

    async def factory(config: EdgeConfig, **kwargs: Any) -> RunningEdge:
        edge = await start_edge(config, **kwargs)
        started.append(edge)
        return edge

    yield factory
    for edge in started:
        await edge.client.aclose()
        await edge.server.stop()
