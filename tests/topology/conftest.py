"""Fixtures for topology tests: a counting origin in the test's loop, a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from edgesim.config.model import EdgeConfig
from edgesim.edge.assembly import Edge
from edgesim.edge.server import BackgroundServer
from tests.integration.counting_origin import CountingOrigin
from tests.topology.helpers import Clock, started_edge


@pytest.fixture
async def origin() -> AsyncIterator[CountingOrigin]:
    app = CountingOrigin()
    server = BackgroundServer(app)
    await server.start()
    app.port = server.port  # type: ignore[attr-defined]
    yield app
    await server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_edge() -> AsyncIterator[Any]:
    """Start in-process edges for a test and close them after it."""
    made: list[Edge] = []

    async def make(config: EdgeConfig, **options: Any) -> Edge:
        edge = await started_edge(config, **options)
        made.append(edge)
        return edge

    yield make
    for edge in made:
        await edge.close()
