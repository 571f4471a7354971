"""`edgesim serve` as a user runs it: a real process, the bundled demo, real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ROOT


def serve(*args: str) -> tuple[subprocess.Popen, str, list[str]]:
    """Start `edgesim serve ARGS` on the demo; its URL and the stderr lines seen so far (and later)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "edgesim", "serve", "--port", "0", *args],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    url = ""
    deadline = time.monotonic() + 30
    while not url and time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if " at http://" in line:
            url = line.rsplit(" at ", 1)[1].strip().rstrip("/")
    if url:
        # the lines up to the dashboard's are printed together; read them before following the rest
        while not any("dashboard at" in line for line in lines):
            lines.append(process.stderr.readline())
    threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
    assert url, "edgesim serve printed no URL: " + "".join(lines)
    return process, url, lines


@pytest.fixture
def demo() -> Iterator[tuple[str, list[str]]]:
    process, url, lines = serve()
    yield url, lines
    process.terminate()
    process.wait(timeout=10)


def test_demo_serves_the_site_through_the_edge(demo):
    url, _ = demo
    response = httpx.get(url + "/", timeout=10)
    assert response.status_code == 200
    assert "edgesim demo" in response.text
    assert response.headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")
    assert response.headers["x-content-type-options"] == "nosniff", "the security headers policy"


def test_demo_cloudfront_function_adds_index_to_directories(demo):
    url, _ = demo
    response = httpx.get(url + "/docs/", timeout=10)
    assert response.status_code == 200 and "docs index" in response.text


def test_demo_python_lambda_stamps_api_answers_and_keeps_warm_state(demo):
    url, _ = demo
    first = httpx.get(url + "/api/hello?name=edge", timeout=30)
    second = httpx.get(url + "/api/hello?name=edge", timeout=30)
    assert first.status_code == 200
    assert first.json()["query"] == "name=edge"
    assert first.headers["x-stamped-by"].startswith("us-east-1.api-stamp in us-east-1")
    assert second.headers["x-stamped-by"].endswith("warm call 2")


def test_demo_console_shows_one_line_per_request(demo):
    url, lines = demo
    httpx.get(url + "/data.json", timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("GET /data.json 200" in line for line in lines):
        time.sleep(0.05)
    assert any("GET /data.json 200" in line for line in lines)


def test_invalidate_command_clears_the_running_edge(demo, tmp_path):
    url, lines = demo
    httpx.get(url + "/data.json", timeout=10)
    assert httpx.get(url + "/data.json", timeout=10).headers["x-cache"] == "Hit from cloudfront"
    control = next(line for line in lines if "dashboard at" in line).rsplit(" at ", 1)[1].strip().rstrip("/")
    done = subprocess.run(
        [sys.executable, "-m", "edgesim", "invalidate", "--paths", "/data*", "--control", control],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert '"Removed": 2' in done.stdout, "one object in the POP, one in its REC"
    assert httpx.get(url + "/data.json", timeout=10).headers["x-cache"] == "Miss from cloudfront"


def test_invalidate_refuses_a_wildcard_that_is_not_last(demo):
    url, lines = demo
    control = next(line for line in lines if "dashboard at" in line).rsplit(" at ", 1)[1].strip().rstrip("/")
    done = subprocess.run(
        [sys.executable, "-m", "edgesim", "invalidate", "--paths", "/a*/b", "--control", control],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "only as the last character" in done.stderr


def test_each_listener_can_be_pinned_to_a_pop():
    process, url, lines = serve("--listen", "0=NRT57-P2")
    try:
        pinned = next(line for line in lines if " as NRT57-P2" in line).split(" at ", 1)[1].split()[0].rstrip("/")
        assert httpx.get(url + "/data.json", timeout=10).headers["x-amz-cf-pop"] == "IAD89-C1"
        assert httpx.get(pinned + "/data.json", timeout=10).headers["x-amz-cf-pop"] == "NRT57-P2"
        header_wins = httpx.get(pinned + "/data.json", headers={"X-Edgesim-Pop": "FRA56-C1"}, timeout=10)
        assert header_wins.headers["x-amz-cf-pop"] == "FRA56-C1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_listener_pinned_to_an_unknown_pop_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "edgesim", "serve", "--port", "0", "--listen", "0=XXX1-C1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--listen: 0=XXX1-C1: expected PORT=POP" in done.stderr


def test_test_function_runs_either_stage_of_a_running_edge(tmp_path):
    code = tmp_path / "stamp.js"
    code.write_text("function handler(event) { event.request.headers['x-stage'] = {value: 'one'}; return event.request; }")
    (tmp_path / "event.json").write_text(json.dumps({"request": {"method": "GET", "uri": "/", "headers": {}}}))
    config = {
        "Functions": {"stamp": {"Runtime": "cloudfront-js-2.0", "Code": "stamp.js"}},
        "Edgesim": {"Topology": {"Replication": {"AutoPublish": False}}},
        "DistributionConfig": {
            "Origins": {"Items": [{"Id": "o", "DomainName": "localhost", "CustomOriginConfig": {"HTTPPort": 1029, "OriginProtocolPolicy": "http-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                                     "FunctionAssociations": {"Items": [{"FunctionARN": "stamp", "EventType": "viewer-request"}]}},
        },
    }
    (tmp_path / "edge.json").write_text(json.dumps(config))
    process, _url, lines = serve(str(tmp_path / "edge.json"))
    try:
        control = next(line for line in lines if "dashboard at" in line).rsplit(" at ", 1)[1].strip().rstrip("/")
        code.write_text(code.read_text().replace("'one'", "'two'"))

        def stage_output(stage: str) -> dict:
            done = subprocess.run(
                [sys.executable, "-m", "edgesim", "test-function", "stamp", "--stage", stage, "--control", control,
                 "--event-type", "viewer-request", "--event", str(tmp_path / "event.json")],
                cwd=ROOT, capture_output=True, text=True, timeout=60,
            )
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)["TestResult"]

        live, development = stage_output("LIVE"), stage_output("DEVELOPMENT")
        assert json.loads(live["FunctionOutput"])["request"]["headers"]["x-stage"]["value"] == "one"
        assert live["FunctionSummary"]["FunctionMetadata"]["Stage"] == "LIVE"
        assert json.loads(development["FunctionOutput"])["request"]["headers"]["x-stage"]["value"] == "two"
    finally:
        process.terminate()
        process.wait(timeout=10)
