"""The recorder: a bounded buffer of recent exchanges and a live feed for the dashboard."""

from __future__ import annotations

import asyncio
import json

from edgesim.edge.exchange import HookRun, Stage
from edgesim.observe.records import BODY_PREVIEW, exchange_record
from edgesim.observe.recorder import Recorder
from tests.observe.helpers import make_exchange


def numbered(n: int):
    exchange = make_exchange(uri=f"/{n}")
    exchange.context = type(exchange.context)(f"id-{n}", "D", "d.cloudfront.net")
    return exchange


def test_only_the_most_recent_exchanges_are_kept():
    recorder = Recorder(capacity=3)
    for n in range(5):
        recorder(numbered(n))
    assert [s["target"] for s in recorder.recent()] == ["/2", "/3", "/4"]
    assert recorder.get("id-1") is None and recorder.get("id-4")["target"] == "/4"


def test_a_record_holds_request_in_response_out_stages_and_hook_logs_as_json():
    exchange = make_exchange(
        headers=[("Host", "h"), ("X-Mixed-Case", "v")],
        hooks=[HookRun("viewer-request", "fn", 0.5, "ok", ["hello"])],
        stages=[Stage("viewer-request", 0.5, "fn")],
    )
    record = json.loads(json.dumps(exchange_record(exchange)))
    assert record["request"]["headers"] == [["Host", "h"], ["X-Mixed-Case", "v"]]
    assert record["response"]["status"] == 200
    assert record["response"]["body"]["text"] == "hello world"
    assert record["hooks"][0]["logs"] == ["hello"]
    assert record["stages"] == [{"name": "viewer-request", "duration_ms": 0.5, "detail": "fn"}]


def test_large_and_binary_bodies_are_not_kept_whole():
    exchange = make_exchange(response_headers=[("Content-Type", "text/plain")])
    exchange.response.body = b"a" * (BODY_PREVIEW + 10)
    body = exchange_record(exchange)["response"]["body"]
    assert (len(body["text"]), body["size"], body["note"]) == (BODY_PREVIEW, BODY_PREVIEW + 10, "truncated")
    exchange.response.headers.set("Content-Type", "image/png")
    assert exchange_record(exchange)["response"]["body"]["text"] is None


async def test_subscribers_get_each_exchange_and_stop_when_the_recorder_closes():
    recorder = Recorder()
    received = []

    async def listen():
        async for kind, data in recorder.subscribe():
            received.append((kind, data["target"]))

    task = asyncio.create_task(listen())
    await asyncio.sleep(0)
    recorder(numbered(1))
    recorder(numbered(2))
    recorder.close()
    await asyncio.wait_for(task, 1)
    assert received == [("exchange", "/1"), ("exchange", "/2")]


async def test_a_stalled_subscriber_loses_old_events_instead_of_growing():
    recorder = Recorder(queue_size=2)
    feed = recorder.subscribe()
    first = asyncio.ensure_future(feed.__anext__())
    await asyncio.sleep(0)  # subscribed, waiting
    recorder(numbered(0))
    assert (await first)[1]["target"] == "/0"
    for n in range(1, 5):
        recorder(numbered(n))
    assert [(await feed.__anext__())[1]["target"] for _ in range(2)] == ["/3", "/4"]
    await feed.aclose()
