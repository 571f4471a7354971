"""An edge started in this process from a config path, a dict or an EdgeConfig.

The pytest fixtures and `edgesim bench` both start edges here, so a test and a benchmark
run the same thing `edgesim serve` runs: the config's bundled origins on free loopback
ports, the app with its lifespan (hook runtimes start and stop with it), and observers.
Two ways to reach it: httpx's ASGI transport (no socket at all) or a real loopback port.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from edgesim.cli import start_bundled_origins
from edgesim.config.load import build_config, load_config
from edgesim.config.model import EdgeConfig
from edgesim.edge.app import Observer
from edgesim.edge.assembly import Edge, EdgeOptions, build_edge_app
from edgesim.edge.exchange import Exchange
from edgesim.edge.server import BackgroundServer

ConfigSource = str | Path | dict[str, Any] | EdgeConfig
VIRTUAL_BASE_URL = "http://edgesim.test"


class ExchangeRecorder:
    """An observer that keeps every exchange, so a test can ask what the edge did."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    @property
    def last(self) -> Exchange:
        if not self.exchanges:
            raise LookupError("the edge has not answered a request yet")
        return self.exchanges[-1]


def config_builder(source: ConfigSource, base_dir: Path | None = None) -> Callable[[dict[str, str]], EdgeConfig]:
    """A function that builds the config with origin overrides (bundled origins are known only once started)."""
    if isinstance(source, EdgeConfig):
        if source.source is not None:
            path = source.source
            return lambda overrides: load_config(path, origin_overrides=overrides)
        if source.settings.bundled_origins:
            raise ValueError("an EdgeConfig with BundledOrigins must come from a file; pass the path or the dict")
        return lambda overrides: source
    if isinstance(source, dict):
        document = source
        folder = base_dir or Path.cwd()
        return lambda overrides: build_config(document, base_dir=folder, origin_overrides=overrides)
    path = Path(source)
    return lambda overrides: load_config(path, origin_overrides=overrides)


class LocalEdge:
    """One edge with its own state (caches, KVS, function engines, Lambda workers).

    Use as `async with LocalEdge(config) as edge:` then `edge.client.get("/")`. With
    `socket=True` the edge listens on a free loopback port (`edge.url`) and the client
    goes through it; otherwise the client talks to the app in memory.
    """

    def __init__(
        self,
        config: ConfigSource,
        *,
        now: float | None = None,
        seed: int | None = None,
        pop: str | None = None,
        socket: bool = False,
        base_dir: Path | None = None,
        observers: list[Observer] | None = None,
        lambda_console: Any = None,
    ) -> None:
        self._build = config_builder(config, base_dir)
        self.now = now
        self.seed = seed
        self.pop = pop
        self.socket = socket
        self.recorder = ExchangeRecorder()
        self.observers = [self.recorder, *(observers or [])]
        self.lambda_console = lambda_console
        self.url = VIRTUAL_BASE_URL
        self._origins: dict[str, BackgroundServer] = {}
        self._server: BackgroundServer | None = None
        self._lifespan: Any = None
        self._client: httpx.AsyncClient | None = None
        self.app: Any = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("the edge is not started; use `async with LocalEdge(...)`")
        return self._client

    @property
    def edge(self) -> Edge:
        return self.app.state.edge

    @property
    def config(self) -> EdgeConfig:
        return self.edge.config

    @property
    def exchanges(self) -> list[Exchange]:
        return self.recorder.exchanges

    @property
    def last_exchange(self) -> Exchange:
        return self.recorder.last

    async def start(self) -> LocalEdge:
        config = self._build({})
        self._origins = await start_bundled_origins(config.settings.bundled_origins, skip={})
        if self._origins:
            config = self._build({name: server.url for name, server in self._origins.items()})
        options = EdgeOptions(pop=self.pop, now=self.now, seed=self.seed, observers=self.observers,
                              lambda_console=self.lambda_console)
        self.app = build_edge_app(config, options)
        if self.socket:
            self._server = BackgroundServer(self.app, log_level="error")
            await self._server.start()
            self.url = self._server.url
            self._client = httpx.AsyncClient(base_url=self.url, timeout=30, follow_redirects=False)
        else:
            self._lifespan = self.app.lifespan()
            await self._lifespan.__aenter__()
            transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 50000))
            self._client = httpx.AsyncClient(transport=transport, base_url=self.url, timeout=30, follow_redirects=False)
        return self

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._server is not None:
            await self._server.stop()
            self._server = None
        if self._lifespan is not None:
            await self._lifespan.__aexit__(None, None, None)
            self._lifespan = None
        for server in self._origins.values():
            await server.stop()
        self._origins = {}

    async def __aenter__(self) -> LocalEdge:
        try:
            return await self.start()
        except BaseException:
            await self.close()
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
