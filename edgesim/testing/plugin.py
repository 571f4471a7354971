"""pytest plugin (entry point `pytest11: edgesim`): edges for users' own tests.

Override `edgesim_config` (a path, a dict in the config file's shape, or an EdgeConfig)
in a conftest, then ask for `edgesim_edge` (in process, no socket), `edgesim_server`
(a free loopback port) or, in a plain `def` test, `edgesim_client` (the same edge with a
blocking client). Every test gets a fresh edge: its own caches, KeyValueStores,
function engines and Lambda@Edge workers. Clocks are frozen at `edgesim_now` and
Math.random is seeded with `edgesim_seed`; override either fixture to change them.
`edgesim_factory` starts edges with other configs inside one test.

The async fixtures need pytest-asyncio (the `test` extra). A coroutine test that asks
for one of them is marked for asyncio here, so a project needs no `asyncio_mode = auto`;
tests already marked for asyncio or anyio are left alone.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the runtimes load only when a test asks for an edge
    from edgesim.testing.local import ConfigSource, LocalEdge
    from edgesim.testing.sync import SyncEdge

FROZEN_NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
SEED = 0

EdgeFactory = Callable[..., Awaitable["LocalEdge"]]
ASYNC_FIXTURES = frozenset({"edgesim_edge", "edgesim_server", "edgesim_factory"})


@pytest.fixture
def edgesim_config() -> ConfigSource:
    """The distribution the edge fixtures serve; override it in your conftest.py."""
    raise pytest.UsageError(
        "edgesim_edge and edgesim_server serve the config of the `edgesim_config` fixture; "
        "define it in your conftest.py, e.g. `return Path(__file__).parent / 'edgesim.yaml'`"
    )


@pytest.fixture
def edgesim_now() -> float | None:
    """Epoch seconds every function's clock shows (None: the real time)."""
    return FROZEN_NOW


@pytest.fixture
def edgesim_seed() -> int | None:
    """The seed of Math.random in CloudFront Functions (None: unseeded)."""
    return SEED


@pytest.fixture
def edgesim_client(request: pytest.FixtureRequest, edgesim_config: ConfigSource, edgesim_now: float | None,
                   edgesim_seed: int | None) -> Iterator[SyncEdge]:
    """The edge for plain `def` tests: `edgesim_client.get("/")` answers an httpx.Response."""
    from edgesim.testing.sync import SyncEdge

    with SyncEdge(edgesim_config, now=edgesim_now, seed=edgesim_seed, base_dir=Path(str(request.path)).parent) as edge:
        yield edge


try:
    import pytest_asyncio
except ImportError:  # the `test` extra installs it; users may not have it
    pytest_asyncio = None

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def edgesim_factory(
        request: pytest.FixtureRequest, edgesim_now: float | None, edgesim_seed: int | None
    ) -> AsyncIterator[EdgeFactory]:
        """`await edgesim_factory(config, socket=False, now=..., seed=..., pop=...)`; all stop after the test.

        Relative code paths in a dict config resolve against the test file's folder.
        """
        from edgesim.testing.local import LocalEdge

        started: list[LocalEdge] = []

        async def start(config: ConfigSource, **options: Any) -> LocalEdge:
            options.setdefault("now", edgesim_now)
            options.setdefault("seed", edgesim_seed)
            options.setdefault("base_dir", Path(str(request.path)).parent)
            edge = LocalEdge(config, **options)
            started.append(edge)
            return await edge.start()

        try:
            yield start
        finally:
            for edge in reversed(started):
                await edge.close()

    @pytest_asyncio.fixture
    async def edgesim_edge(edgesim_factory: EdgeFactory, edgesim_config: ConfigSource) -> LocalEdge:
        """The edge in this process: `await edgesim_edge.client.get("/")`, then `edgesim_edge.last_exchange`."""
        return await edgesim_factory(edgesim_config)

    @pytest_asyncio.fixture
    async def edgesim_server(edgesim_factory: EdgeFactory, edgesim_config: ConfigSource) -> LocalEdge:
        """The edge on a free loopback port (`edgesim_server.url`), for clients that need a socket."""
        return await edgesim_factory(edgesim_config, socket=True)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> object:
        """Mark coroutine tests that use the async fixtures for asyncio.

        pytest-asyncio's own wrapper of this hook (outside this one: `trylast` puts this
        one innermost) reads the mark to decide whether to run the coroutine; in its
        default strict mode an unmarked one fails with "async def functions are not
        natively supported".
        """
        result = yield
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, pytest.Function) and _wants_asyncio(item):
                item.add_marker(pytest.mark.asyncio)
        return result


def _wants_asyncio(item: pytest.Function) -> bool:
    return (
        inspect.iscoroutinefunction(item.obj)
        and not ASYNC_FIXTURES.isdisjoint(item.fixturenames)
        and item.get_closest_marker("asyncio") is None
        and item.get_closest_marker("anyio") is None
    )
