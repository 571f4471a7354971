"""The request path end to end: a real edge on a loopback port in front of real origin processes."""

from __future__ import annotations

import asyncio

import json
import re

import httpx
import pytest

from tests.conftest import BIG_FILE_SIZE, config_from, custom_origin, distribution

VIA = re.compile(r"^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$")


def echo_config(echo_origin, **fields):
    return config_from(distribution([custom_origin("echo", echo_origin.port)], **fields))


def header_map(seen: dict) -> dict[str, str]:
    return {name.lower(): value for name, value in seen["headers"]}


async def test_origin_answer_passes_through_with_cloudfront_headers(edge_factory, static_origin):
    edge = await edge_factory(config_from(distribution([custom_origin("site", static_origin.port)])))
    response = await edge.client.get("/data.json")
    assert response.status_code == 200
    assert response.json() == {"service": "edgesim demo", "items": [1, 2, 3]}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-cache"] == "Miss from cloudfront"
    assert VIA.match(response.headers["via"])
    assert re.match(r"^[A-Z]{3}[0-9]{1,3}-[A-Z][0-9]$", response.headers["x-amz-cf-pop"])
    assert response.headers["etag"]


async def test_request_id_is_unique_per_request_and_shared_with_origin(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    ids = set()
    for _ in range(5):
        response = await edge.client.get("/x")
        request_id = response.headers["x-amz-cf-id"]
        assert header_map(response.json())["x-amz-cf-id"] == request_id
        assert len(request_id) == 56 and request_id.endswith("==")
        ids.add(request_id)
    assert len(ids) == 5


async def test_binary_body_stays_byte_for_byte(edge_factory, static_origin, site_dir):
    edge = await edge_factory(config_from(distribution([custom_origin("site", static_origin.port)])))
    response = await edge.client.get("/img/logo.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == (site_dir / "img" / "logo.png").read_bytes()


async def test_large_body_is_streamed_whole(edge_factory, static_origin, site_dir):
    edge = await edge_factory(config_from(distribution([custom_origin("site", static_origin.port)])))
    async with edge.client.stream("GET", "/big.bin") as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == BIG_FILE_SIZE
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    assert body == (site_dir / "big.bin").read_bytes()


async def test_origin_status_and_headers_are_kept(edge_factory, flaky_origin):
    edge = await edge_factory(config_from(distribution([custom_origin("flaky", flaky_origin.port)])))
    response = await edge.client.get("/status/418")
    assert response.status_code == 418
    assert response.text == "flaky origin answered 418\n"
    assert response.headers["x-cache"] == "Error from cloudfront"


async def test_origin_request_carries_cloudfront_headers(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.get("/a/b?x=1&y=2", headers={"X-Forwarded-For": "203.0.113.9"})
    seen = response.json()
    headers = header_map(seen)
    assert seen["path"] == "/a/b" and seen["query"] == "x=1&y=2"
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert VIA.match(headers["via"])
    assert headers["host"] == "127.0.0.1"


async def test_hop_by_hop_headers_do_not_reach_the_origin(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.get(
        "/", headers={"Connection": "keep-alive, X-Drop-Me", "X-Drop-Me": "1", "TE": "trailers", "X-Keep": "2"}
    )
    headers = header_map(response.json())
    assert "x-drop-me" not in headers and "te" not in headers
    assert headers["x-keep"] == "2"


async def test_origin_path_and_custom_headers_are_applied(edge_factory, echo_origin):
    origin = custom_origin(
        "echo",
        echo_origin.port,
        OriginPath="/production",
        CustomHeaders={"Quantity": 1, "Items": [{"HeaderName": "X-Origin-Secret", "HeaderValue": "s3cr3t"}]},
    )
    edge = await edge_factory(config_from(distribution([origin])))
    response = await edge.client.get("/a.html", headers={"X-Origin-Secret": "viewer-value"})
    seen = response.json()
    assert seen["path"] == "/production/a.html"
    assert header_map(seen)["x-origin-secret"] == "s3cr3t"


async def test_viewer_header_case_reaches_origin(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.get("/", headers={"X-MiXeD-Case": "v"})
    names = [name for name, _ in response.json()["headers"]]
    assert "X-MiXeD-Case" in names


async def test_request_body_is_forwarded(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.post("/submit", content=b"\x00\xffbinary")
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["bodyEncoding"] == "base64"


async def test_default_root_object_applies_to_root_only(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin, DefaultRootObject="index.html"))
    assert (await edge.client.get("/")).json()["path"] == "/index.html"
    assert (await edge.client.get("/docs/")).json()["path"] == "/docs/"


async def test_disallowed_method_gets_cloudfront_403_page(edge_factory, echo_origin):
    config = config_from(
        distribution([custom_origin("echo", echo_origin.port)], default={"AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}})
    )
    edge = await edge_factory(config)
    response = await edge.client.post("/", content=b"x")
    assert response.status_code == 403
    assert response.headers["server"] == "CloudFront"
    assert response.headers["x-cache"] == "Error from cloudfront"
    assert "only cacheable requests" in response.text
    assert f"Request ID: {response.headers['x-amz-cf-id']}" in response.text


async def test_redirect_to_https_answers_301_for_get_and_307_for_post(edge_factory, echo_origin):
    config = config_from(distribution([custom_origin("echo", echo_origin.port)], default={"ViewerProtocolPolicy": "redirect-to-https"}))
    edge = await edge_factory(config)
    get = await edge.client.get("/p?q=1", headers={"Host": "www.example.test"})
    assert get.status_code == 301
    assert get.headers["location"] == "https://www.example.test/p?q=1"
    assert get.headers["x-cache"] == "Redirect from cloudfront"
    post = await edge.client.post("/p", content=b"x")
    assert post.status_code == 307


async def test_https_only_refuses_http_with_403(edge_factory, echo_origin):
    config = config_from(distribution([custom_origin("echo", echo_origin.port)], default={"ViewerProtocolPolicy": "https-only"}))
    edge = await edge_factory(config)
    assert (await edge.client.get("/")).status_code == 403


async def test_get_with_body_is_refused_with_403(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.request("GET", "/", content=b"body")
    assert response.status_code == 403


async def test_head_answers_headers_only(edge_factory, static_origin):
    edge = await edge_factory(config_from(distribution([custom_origin("site", static_origin.port)])))
    response = await edge.client.head("/data.json")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["x-cache"] == "Miss from cloudfront"


async def test_refused_origin_answers_502_and_edge_keeps_serving(edge_factory, echo_origin, refused_port):
    dead = custom_origin("dead", refused_port, ConnectionAttempts=1, ConnectionTimeout=1)
    behaviors = {"Quantity": 1, "Items": [{
        "PathPattern": "/dead/*", "TargetOriginId": "dead", "ViewerProtocolPolicy": "allow-all",
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
    }]}
    config = config_from(distribution([custom_origin("echo", echo_origin.port), dead], CacheBehaviors=behaviors))
    edge = await edge_factory(config)
    failed = await edge.client.get("/dead/x")
    assert failed.status_code == 502
    assert failed.headers["x-cache"] == "Error from cloudfront"
    assert "502 ERROR" in failed.text
    assert (await edge.client.get("/alive")).status_code == 200


async def test_slow_origin_past_read_timeout_answers_504(edge_factory, slow_origin):
    origin = custom_origin("slow", slow_origin.port, ConnectionAttempts=1, CustomOriginConfig={"OriginReadTimeout": 1})
    edge = await edge_factory(config_from(distribution([origin])))
    response = await edge.client.get("/?delay=3")
    assert response.status_code == 504
    assert response.headers["x-cache"] == "Error from cloudfront"


class SilentOrigin:
    """Accepts connections and reads requests but never answers; counts the requests."""

    def __init__(self) -> None:
        self.requests = 0
        self.server: asyncio.AbstractServer | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            await reader.read()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> SilentOrigin:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


async def test_get_read_timeout_is_retried_per_connection_attempts(edge_factory):
    async with SilentOrigin() as silent:
        origin = custom_origin("silent", silent.port, ConnectionAttempts=2, CustomOriginConfig={"OriginReadTimeout": 1})
        edge = await edge_factory(config_from(distribution([origin])))
        response = await edge.client.get("/")
        assert response.status_code == 504
        assert silent.requests == 2, "one request per connection attempt"


async def test_post_read_timeout_is_not_retried(edge_factory):
    async with SilentOrigin() as silent:
        origin = custom_origin("silent", silent.port, ConnectionAttempts=3, CustomOriginConfig={"OriginReadTimeout": 1})
        edge = await edge_factory(config_from(distribution([origin])))
        response = await edge.client.post("/", content=b"x")
        assert response.status_code == 504
        assert silent.requests == 1, "CloudFront does not retry a POST"


async def test_origin_that_drops_the_connection_answers_502(edge_factory, flaky_origin):
    origin = custom_origin("flaky", flaky_origin.port, ConnectionAttempts=1)
    edge = await edge_factory(config_from(distribution([origin])))
    response = await edge.client.get("/drop")
    assert response.status_code in (502, 500)
    assert (await edge.client.get("/status/200")).status_code == 200


async def test_url_over_8192_characters_answers_413(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.get("/" + "a" * 8200)
    assert response.status_code == 413
    assert (await edge.client.get("/ok")).status_code == 200


async def test_headers_over_20480_bytes_answer_413(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.get("/", headers={f"X-Big-{i}": "v" * 1000 for i in range(21)})
    assert response.status_code == 413


async def test_edge_listens_on_loopback_by_default(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    assert edge.server.host == "127.0.0.1"


async def test_origin_failure_logs_why(edge_factory, caplog, refused_port):
    config = config_from(distribution([custom_origin("dead", refused_port, ConnectionAttempts=1)]))
    edge = await edge_factory(config)
    with caplog.at_level("INFO", logger="edgesim"):
        response = await edge.client.get("/")
    assert response.status_code == 502
    assert any("OriginConnectError" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", ["/x", "/deep/path/file.txt"])
async def test_query_string_is_forwarded_raw(edge_factory, echo_origin, path):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.get(httpx.URL(path + "?b=2&a=%2F&a=1"))
    assert response.json()["query"] == "b=2&a=%2F&a=1"


async def test_json_body_from_echo_is_valid(edge_factory, echo_origin):
    edge = await edge_factory(echo_config(echo_origin))
    response = await edge.client.put("/thing", content=json.dumps({"a": 1}).encode())
    assert json.loads(response.json()["body"]) == {"a": 1}
