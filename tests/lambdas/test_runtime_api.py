"""The Runtime API as a worker sees it: paths, headers, status codes."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from edgesim.lambdas.runtime_api import PREFIX, Invocation, ProtocolViolation, RuntimeApiServer

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn:7"


@pytest.fixture
async def server():
    srv = RuntimeApiServer()
    await srv.start()
    yield srv
    await srv.close()


async def test_next_hands_out_the_event_with_lambdas_headers(server):
    channel = await server.open_channel()
    invocation = Invocation(b'{"Records": []}', ARN, timeout_s=5.0)
    channel.dispatch(invocation)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://{channel.address}{PREFIX}/invocation/next") as response:
            body = await response.read()
            headers = response.headers
    assert body == b'{"Records": []}'
    assert headers["Lambda-Runtime-Aws-Request-Id"] == invocation.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN
    assert 4000 < int(headers["Lambda-Runtime-Deadline-Ms"]) - time.time() * 1000 <= 5000
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert channel.ready.done() and channel.ready.result() is None


async def test_response_and_error_are_accepted_only_for_the_current_request(server):
    channel = await server.open_channel()
    async with aiohttp.ClientSession() as session:
        base = f"http://{channel.address}{PREFIX}/invocation/"
        first = Invocation(b"{}", ARN, 5.0)
        channel.dispatch(first)
        await (await session.get(base + "next")).read()
        ok = await session.post(base + first.request_id + "/response", data=b'{"a": 1}')
        assert ok.status == 202
        assert first.reply.result().ok and first.reply.result().body == b'{"a": 1}'
        again = await session.post(base + first.request_id + "/response", data=b"{}")
        assert again.status == 400

        second = Invocation(b"{}", ARN, 5.0)
        channel.dispatch(second)
        await (await session.get(base + "next")).read()
        failed = await session.post(base + second.request_id + "/error", data=b"not json",
                                    headers={"Lambda-Runtime-Function-Error-Type": "Unhandled"})
        assert failed.status == 202
        assert (second.reply.result().ok, second.reply.result().error_type) == (False, "Unhandled")


async def test_an_answer_for_another_request_id_fails_the_invocation_in_progress(server):
    channel = await server.open_channel()
    async with aiohttp.ClientSession() as session:
        base = f"http://{channel.address}{PREFIX}/invocation/"
        current = Invocation(b"{}", ARN, 5.0)
        channel.dispatch(current)
        await (await session.get(base + "next")).read()
        wrong = await session.post(base + "not-the-id/response", data=b"{}")
        assert (wrong.status, (await wrong.json())["errorType"]) == (400, "InvalidRequestID")
        with pytest.raises(ProtocolViolation) as caught:
            current.reply.result()
        assert caught.value.error_type == "Runtime.InvalidRequestID"
        late = await session.post(base + current.request_id + "/response", data=b"{}")
        assert late.status == 400


async def test_init_error_is_reported_once(server):
    channel = await server.open_channel()
    async with aiohttp.ClientSession() as session:
        url = f"http://{channel.address}{PREFIX}/init/error"
        first = await session.post(url, data=b'{"errorType": "Runtime.ImportModuleError", "errorMessage": "x"}')
        second = await session.post(url, data=b"{}")
    assert (first.status, second.status) == (202, 403)
    assert channel.ready.result().error_type == "Runtime.ImportModuleError"


async def test_each_channel_is_its_own_port_and_closing_releases_a_waiting_next(server):
    one, two = await server.open_channel(), await server.open_channel()
    assert one.port != two.port
    async with aiohttp.ClientSession() as session:
        waiting = asyncio.ensure_future(session.get(f"http://{one.address}{PREFIX}/invocation/next"))
        await asyncio.sleep(0.05)
        await server.close_channel(one)
        response = await asyncio.wait_for(waiting, 2)
        assert response.status == 410
