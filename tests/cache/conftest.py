from __future__ import annotations

from collections.abc import Callable

import pytest

from edgesim.cache.policies import PolicyCatalog
from edgesim.edge.model import EdgeRequest, Headers


@pytest.fixture(scope="session")
def catalog() -> PolicyCatalog:
    return PolicyCatalog.from_config()


@pytest.fixture
def make_request() -> Callable[..., EdgeRequest]:
    def build(
        uri: str = "/a.js",
        query: str = "",
        headers: list[tuple[str, str]] | None = None,
        method: str = "GET",
        **kw: object,
    ) -> EdgeRequest:
        return EdgeRequest(method=method, uri=uri, querystring=query, headers=Headers(headers or []), **kw)

    return build
