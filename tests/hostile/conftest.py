"""An edge on a loopback port in front of a recording origin, for raw-socket tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from tests.conftest import config_from, custom_origin, distribution
from tests.hostile.wire import RecordingOrigin


@pytest_asyncio.fixture
async def recording_origin() -> AsyncIterator[RecordingOrigin]:
    origin = await RecordingOrigin().start()
    yield origin
    await origin.close()


@pytest_asyncio.fixture
async def edge_port(edge_factory: Any, recording_origin: RecordingOrigin) -> int:
    edge = await edge_factory(config_from(distribution([custom_origin("rec", recording_origin.port)])))
    return edge.server.port
