"""Lambda@Edge: warm invocation overhead and cold start, with real worker processes.

Goal: warm p50 under 1 ms for a no-op handler (Node.js and Python) on the 2-core dev box.
The hook variant is what a proxied request pays: building the event from the model, the
Runtime API round trip to a warm worker, the handler, and CloudFront's validation of the
result. `Pool.invoke` is the round trip alone. Cold start is the first invocation of a
fresh pool: process start, runtime init and handler import, then the invocation.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import make_call, make_hook, write_code

RUNTIMES = {
    "nodejs20.x": {"index.js": "exports.handler = async (event) => event.Records[0].cf.request;"},
    "python3.12": {"lambda_function.py": "def lambda_handler(event, context):\n    return event['Records'][0]['cf']['request']\n"},
}
PARAMS = [pytest.param(name, marks=pytest.mark.skipif(name.startswith("node") and not shutil.which("node"),
                                                      reason="Node.js runtimes need `node` on PATH"))
          for name in RUNTIMES]
PAYLOAD = b'{"Records":[{"cf":{"config":{"eventType":"viewer-request"},"request":{"uri":"/"}}}]}'


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def runtime(loop: asyncio.AbstractEventLoop) -> Iterator[LambdaRuntime]:
    rt = LambdaRuntime()
    loop.run_until_complete(rt.start())
    yield rt
    loop.run_until_complete(rt.close())


def code_for(tmp_path_factory: pytest.TempPathFactory, runtime_name: str) -> Path:
    return write_code(tmp_path_factory.mktemp("noop") / "noop", RUNTIMES[runtime_name])


@pytest.mark.parametrize("runtime_name", PARAMS)
def test_warm_hook_no_op(benchmark: BenchmarkFixture, loop, runtime, tmp_path_factory, runtime_name):
    hook = make_hook(runtime, code_for(tmp_path_factory, runtime_name), runtime_name=runtime_name)
    call = make_call("viewer-request")
    loop.run_until_complete(hook(call))
    result = benchmark.pedantic(lambda: loop.run_until_complete(hook(call)), rounds=2000, warmup_rounds=50)
    assert result.request is not None


@pytest.mark.parametrize("runtime_name", PARAMS)
def test_warm_pool_round_trip(benchmark: BenchmarkFixture, loop, runtime, tmp_path_factory, runtime_name):
    hook = make_hook(runtime, code_for(tmp_path_factory, runtime_name), runtime_name=runtime_name, name=f"rt-{runtime_name}")
    loop.run_until_complete(hook(make_call("viewer-request")))
    pool = next(p for p in runtime.pools() if p.spec.function_name == f"us-east-1.rt-{runtime_name}")
    result = benchmark.pedantic(lambda: loop.run_until_complete(pool.invoke(PAYLOAD, 5.0)), rounds=2000, warmup_rounds=50)
    assert result.failure is None and not result.cold_start


@pytest.mark.parametrize("runtime_name", PARAMS)
def test_cold_start(benchmark: BenchmarkFixture, loop, tmp_path_factory, runtime_name):
    code = code_for(tmp_path_factory, runtime_name)
    runtimes: list[LambdaRuntime] = []

    def fresh():
        if runtimes:
            loop.run_until_complete(runtimes.pop().close())
        rt = LambdaRuntime()
        runtimes.append(rt)
        return (make_hook(rt, code, runtime_name=runtime_name),), {}

    result = benchmark.pedantic(lambda hook: loop.run_until_complete(hook(make_call("viewer-request"))),
                                setup=fresh, rounds=10)
    loop.run_until_complete(runtimes.pop().close())
    assert any("Init Duration" in line for line in result.logs)
