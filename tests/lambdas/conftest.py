"""A Lambda@Edge runtime per test module (pools stay warm across its tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import SCRIPTED_NODE, SCRIPTED_PYTHON, write_code


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LambdaRuntime]:
    rt = LambdaRuntime(log_dir=tmp_path_factory.mktemp("logs"), concurrency=16, init_timeout=10.0)
    await rt.start()
    yield rt
    await rt.close()


@pytest.fixture(scope="module")
def code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("code")


@pytest.fixture(scope="module")
def scripted_node(code_dir: Path) -> Path:
    return write_code(code_dir / "scripted-node", {"index.js": SCRIPTED_NODE})


@pytest.fixture(scope="module")
def scripted_python(code_dir: Path) -> Path:
    return write_code(code_dir / "scripted-python", {"lambda_function.py": SCRIPTED_PYTHON})
