"""Reload on save: each kind of file, with requests in flight, and broken edits kept out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from edgesim.config.load import load_config
from edgesim.control.watch import ConfigWatcher, ReloadOutcome, Watched
from edgesim.edge.code_check import shown
from tests.control.conftest import Served, config_document, function_code, save

MAX_REQUESTS = 3000


@asynccontextmanager
async def watching(served: Served) -> AsyncIterator[asyncio.Queue[ReloadOutcome]]:
    """A running watcher on the served site; yields the queue its outcomes arrive on."""
    outcomes: asyncio.Queue[ReloadOutcome] = asyncio.Queue()
    watcher = ConfigWatcher(served.edge, lambda: load_config(served.site.config), listeners=[outcomes.put_nowait],
                            debounce_ms=200, step_ms=30)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    await asyncio.wait_for(watcher.watching.wait(), 5)
    try:
        yield outcomes
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


@asynccontextmanager
async def traffic(client: httpx.AsyncClient, workers: int = 4) -> AsyncIterator[list[httpx.Response | None]]:
    """Requests kept in flight by a few loopback clients until the block ends (at most MAX_REQUESTS).

    Yields the answers as they come; None stands for a request that got no answer.
    """
    answers: list[httpx.Response | None] = []
    done = asyncio.Event()

    async def worker() -> None:
        while not done.is_set() and len(answers) < MAX_REQUESTS:
            try:
                answers.append(await client.get("/fn"))
            except httpx.HTTPError:
                answers.append(None)

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        yield answers
    finally:
        done.set()
        await asyncio.gather(*tasks)


def assert_none_dropped(served: Served, answers: list[httpx.Response | None]) -> None:
    """Every request was answered by the function, old or new version.

    The one other answer allowed is CloudFront's 503 for a run over the compute budget,
    which a busy machine can cause and which has nothing to do with reloading.
    """
    assert answers and None not in answers, f"{answers.count(None)} of {len(answers)} requests got no answer"
    for answer in answers:
        if answer.status_code != 200:
            record = served.recorder.get(answer.headers["x-amz-cf-id"])
            assert answer.status_code == 503 and "compute budget exceeded" in record["error_reason"], record


async def until(check: Callable[[], object], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not await check():
            await asyncio.sleep(0.02)


async def test_function_code_change_is_served_without_dropping_a_request(served):
    async with watching(served) as outcomes, traffic(served.client) as answers:
        await until(lambda: _count_at_least(answers, 20))
        save(served.site.function, function_code("B"))
        outcome = await asyncio.wait_for(outcomes.get(), 5)
        assert outcome.ok and outcome.changed[-1].endswith("greet.js")
        await until(lambda: _header_is(served, "x-code", "B"))
        before = len(answers)
        await until(lambda: _count_at_least(answers, before + 20))
    assert_none_dropped(served, answers)


async def test_key_value_store_change_is_served(served):
    async with watching(served) as outcomes, traffic(served.client) as answers:
        save(served.site.store, json.dumps({"greeting": "bonjour"}))
        assert (await asyncio.wait_for(outcomes.get(), 5)).ok
        await until(lambda: _header_is(served, "x-kvs", "bonjour"))
    assert_none_dropped(served, answers)


async def test_config_change_reaches_the_origin(served):
    async with watching(served) as outcomes, traffic(served.client) as answers:
        save(served.site.config, json.dumps(config_document(served.site.origin_port, "B")))
        assert (await asyncio.wait_for(outcomes.get(), 5)).ok
        seen = (await served.client.get("/echo")).json()
        assert ["X-Config", "B"] in seen["headers"]
    assert_none_dropped(served, answers)


async def test_function_syntax_error_keeps_the_last_good_version_and_names_file_line_column(served):
    async with watching(served) as outcomes, traffic(served.client) as answers:
        save(served.site.function, "function handler(event) {\n  var uri = event.request.uri;\n  return uri +;\n}\n")
        outcome = await asyncio.wait_for(outcomes.get(), 5)
        assert not outcome.ok
        assert outcome.errors[0].startswith(f"{shown(served.site.function)}:3:")
        assert outcome.errors[0].endswith("SyntaxError: unexpected token in expression: ';'"), "QuickJS's own message"
        assert "still serving the last good version" in outcome.describe()
        assert (await served.client.get("/fn")).headers["x-code"] == "A"
        save(served.site.function, function_code("C"))
        assert (await asyncio.wait_for(outcomes.get(), 5)).ok
        await until(lambda: _header_is(served, "x-code", "C"))
    assert_none_dropped(served, answers)


async def test_code_the_runtime_refuses_is_reported_with_its_position(served):
    async with watching(served) as outcomes:
        save(served.site.function, "async function handler(event) {\n  return event.request?.uri;\n}\n")
        outcome = await asyncio.wait_for(outcomes.get(), 5)
    assert [e.split(": ", 1)[0] for e in outcome.errors] == [f"{served.site.function}:2:23"]  # at "?."


async def test_config_error_names_file_and_field_path_and_keeps_serving(served):
    async with watching(served) as outcomes:
        document = config_document(served.site.origin_port, "B")
        document["DistributionConfig"]["DefaultCacheBehavior"]["TargetOriginId"] = "nowhere"
        save(served.site.config, json.dumps(document))
        outcome = await asyncio.wait_for(outcomes.get(), 5)
    assert outcome.errors == [
        e for e in outcome.errors if e.startswith(f"{served.site.config}: DistributionConfig.DefaultCacheBehavior")
    ] and outcome.errors
    assert (await served.client.get("/fn")).status_code == 200
    assert ["X-Config", "A"] in (await served.client.get("/echo")).json()["headers"]


async def test_a_broken_key_value_store_is_refused(served):
    async with watching(served) as outcomes:
        save(served.site.store, "{not json")
        outcome = await asyncio.wait_for(outcomes.get(), 5)
    assert not outcome.ok and str(served.site.store) in outcome.errors[0]
    assert (await served.client.get("/fn")).headers["x-kvs"] == "hello"


def test_the_watched_set_is_the_config_its_function_code_and_stores(served):
    watched = Watched.of(served.edge.config)
    site = served.site
    assert watched.files == {site.config.resolve(), site.function.resolve(), site.store.resolve()}
    assert site.root / "functions" / "greet.js" in watched
    assert site.root / "functions" / "other.js" not in watched
    assert site.root / "functions" / ".greet.js.swp" not in watched
    assert set(watched.roots()) == {site.root.resolve(), site.function.parent.resolve(), site.store.parent.resolve()}


async def _count_at_least(answers: list[httpx.Response | None], n: int) -> bool:
    return len(answers) >= n


async def _header_is(served: Served, name: str, value: str) -> bool:
    return (await served.client.get("/fn")).headers.get(name) == value
