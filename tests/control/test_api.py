"""The control API's JSON endpoints and event stream, over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from edgesim.control.app import build_control_app, inline_json
from edgesim.edge.server import BackgroundServer
from tests.control.conftest import Served


@pytest.fixture
async def control(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    server = BackgroundServer(build_control_app(served.edge, served.recorder))
    await server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        yield client
    served.recorder.close()
    await server.stop()


async def test_recent_requests_and_one_requests_detail(served, control):
    sent = await served.client.get("/fn", headers={"X-Trace-Me": "yes"})
    request_id = sent.headers["x-amz-cf-id"]
    listed = (await control.get("/api/requests")).json()["requests"]
    assert [r["id"] for r in listed] == [request_id]
    assert listed[0]["x_cache"] == "FunctionGeneratedResponse from cloudfront"
    assert listed[0]["hooks"][0]["function"] == "greet"
    detail = (await control.get(f"/api/requests/{request_id}")).json()
    assert ["X-Trace-Me", "yes"] in detail["request"]["headers"]
    assert ["x-code", "A"] in [[n.lower(), v] for n, v in detail["response"]["headers"]]
    assert detail["hooks"][0]["logs"] == ["greeting is hello"]
    missing = await control.get("/api/requests/nope")
    assert missing.status_code == 404 and "recent" in missing.json()["message"]


async def test_each_hook_run_shows_what_it_saw_and_what_it_gave_back(served, control):
    sent = await served.client.get("/fn", headers={"X-Trace-Me": "yes"})
    hook = (await control.get(f"/api/requests/{sent.headers['x-amz-cf-id']}")).json()["hooks"][0]
    assert hook["seen"]["line"] == "GET /fn"
    assert ["X-Trace-Me", "yes"] in hook["seen"]["headers"]
    assert hook["returned"]["line"] == "200", "the function answered itself"
    assert ["x-code", "A"] in [[n.lower(), v] for n, v in hook["returned"]["headers"]]


async def test_a_failing_function_says_which_function_and_why(served, control):
    sent = await served.client.get("/throw")
    detail = (await control.get(f"/api/requests/{sent.headers['x-amz-cf-id']}")).json()
    assert sent.status_code == 503
    assert detail["hooks"][0]["outcome"] == "FunctionExecutionError"
    assert "no greeting for /throw" in detail["error_reason"]
    assert detail["hooks"][0]["seen"]["line"] == "GET /throw" and detail["hooks"][0]["returned"] is None


async def test_the_event_stream_delivers_each_request_as_it_finishes(served, control):
    async with control.stream("GET", "/api/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert await anext(lines) == "retry: 1000"
        await served.client.get("/echo/one")
        events = []
        async with asyncio.timeout(5):
            async for line in lines:
                if line.startswith("data: "):
                    events.append(json.loads(line.removeprefix("data: ")))
                    break
                if line.startswith("event: "):
                    assert line == "event: exchange"
    assert events[0]["target"] == "/echo/one" and events[0]["status"] == 200


async def test_cache_contents_per_tier_and_cloudfront_shaped_invalidations(served, control):
    assert (await served.client.get("/echo/cached")).headers["x-cache"] == "Miss from cloudfront"
    assert (await served.client.get("/echo/cached")).headers["x-cache"] == "Hit from cloudfront"
    tiers = (await control.get("/api/cache")).json()
    cached = {tier: [e["key"] for e in entries] for tier, entries in tiers.items() if entries}
    assert len(cached) == 2 and all(any("/echo/cached" in k for k in keys) for keys in cached.values()), cached

    created = await control.post("/api/invalidations", json={"Paths": {"Quantity": 1, "Items": ["/echo/*"]}})
    assert created.status_code == 201
    body = created.json()
    assert body["Invalidation"]["Status"] == "Completed" and body["Removed"] >= 1
    assert body["Invalidation"]["InvalidationBatch"]["Paths"] == {"Quantity": 1, "Items": ["/echo/*"]}
    assert not any((await control.get("/api/cache")).json().values())
    assert (await served.client.get("/echo/cached")).headers["x-cache"] == "Miss from cloudfront"


async def test_malformed_invalidations_are_refused_with_the_reason(control):
    bad = await control.post("/api/invalidations", json={"Paths": {"Items": ["no-slash"]}})
    empty = await control.post("/api/invalidations", json={"Paths": {"Items": []}})
    garbled = await control.post("/api/invalidations", content=b"{")
    assert bad.status_code == 400 and "'/'" in bad.json()["message"]
    assert empty.status_code == 400 and garbled.status_code == 400


async def test_functions_list_their_associations_and_versions(served, control):
    listed = (await control.get("/api/functions")).json()["functions"]
    assert [(f["name"], f["kind"], f["runtime"], f["current"]) for f in listed] == [
        ("greet", "function", "cloudfront-js-2.0", "v1")]
    assert listed[0]["associations"][0]["event_type"] == "viewer-request"
    served.site.function.write_text(served.site.function.read_text().replace("'A'", "'B'"))
    from edgesim.config.load import load_config

    await served.edge.reload(load_config(served.site.config))
    listed = (await control.get("/api/functions")).json()["functions"]
    assert listed[0]["current"] == "v2" and [v["version"] for v in listed[0]["versions"]] == ["v1", "v2"]


async def test_the_page_and_its_script_are_served_from_the_package(control):
    page = await control.get("/")
    script = await control.get("/static/app.js")
    assert page.status_code == 200 and '<script src="/static/app.js">' in page.text
    assert script.status_code == 200 and "EventSource" in script.text
    assert "http://" not in page.text + script.text and "https://" not in page.text + script.text
    about = (await control.get("/api/edge")).json()
    assert about["pop"] == "FRA56-C1" and about["domain_name"].endswith(".cloudfront.net")


async def test_publish_route_publishes_code_on_disk_and_refuses_unknown_names(served, control):
    # `edgesim publish NAME` posts here; the route was missing from the served control app.
    unchanged = await control.post("/api/functions/greet/publish")
    assert unchanged.status_code == 200 and unchanged.json()["published"] is False
    served.site.function.write_text(served.site.function.read_text().replace("'A'", "'B'"))
    published = await control.post("/api/functions/greet/publish")
    assert published.status_code == 200
    assert published.json()["published"] is True and published.json()["version"] == "2"
    missing = await control.post("/api/functions/nope/publish")
    assert missing.status_code == 400 and "nope" in missing.json()["message"]


async def test_functions_show_a_published_version_without_a_reload(served, control):
    served.site.function.write_text(served.site.function.read_text().replace("'A'", "'B'"))
    assert (await control.post("/api/functions/greet/publish")).json()["version"] == "2"
    body = (await control.get("/api/functions")).json()
    [greet] = body["functions"]
    assert greet["current"] == "v2" and greet["status"] == "Deployed"
    assert [v["version"] for v in greet["versions"]] == ["v1", "v2"]
    assert body["replication"]["greet"]["live"] == "2"


async def test_the_page_carries_a_snapshot_of_the_edge_and_its_recent_requests(served, control):
    sent = await served.client.get("/echo/snap")
    page = (await control.get("/")).text
    start = page.index('<script id="snapshot" type="application/json">') + len('<script id="snapshot" type="application/json">')
    snapshot = json.loads(page[start:page.index("</script>", start)])
    assert snapshot["edge"]["pop"] == "FRA56-C1"
    assert [r["id"] for r in snapshot["requests"]] == [sent.headers["x-amz-cf-id"]]


def test_snapshot_json_cannot_end_its_script_element():
    text = inline_json({"target": "/</script><script>alert(1)</script><!--&amp;"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"target": "/</script><script>alert(1)</script><!--&amp;"}
