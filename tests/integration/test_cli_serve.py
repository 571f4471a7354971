"""`edgesim serve` as a user runs it: a real process, the bundled demo, real HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT


def serve(*args: str, cwd: Path = ROOT) -> tuple[subprocess.Popen, str, list[str]]:
    """Start `edgesim serve ARGS` (the demo when no config is named); its URL and the stderr lines seen so far (and later)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "edgesim", "serve", "--port", "0", "--control-port", "0", *args],
        cwd=cwd, stderr=subprocess.PIPE, text=True,
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


# -- edge code that cannot load ------------------------------------------------------------

ECHO_ORIGIN = {"Items": [{"Id": "echo", "DomainName": "echo.internal",
                          "CustomOriginConfig": {"HTTPPort": 80, "OriginProtocolPolicy": "http-only"}}]}
GOOD_FUNCTION = "function handler(event) {\n  return event.request;\n}\n"


def project(tmp_path: Path, *, function: str | None = None, lambdas: dict[str, tuple[str, str, str]] | None = None) -> Path:
    """A user's folder: edge.json with the echo origin, one CloudFront Function and/or Lambdas.

    `lambdas` maps a name to (runtime, file name, source); each is associated at origin-request.
    """
    behavior: dict = {"TargetOriginId": "echo", "ViewerProtocolPolicy": "allow-all",
                      "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}
    config: dict = {"DistributionConfig": {"Origins": ECHO_ORIGIN, "DefaultCacheBehavior": behavior},
                    "Edgesim": {"BundledOrigins": {"echo": {"Kind": "echo"}}}}
    if function is not None:
        (tmp_path / "fn.js").write_text(function)
        config["Functions"] = {"fn": {"Runtime": "cloudfront-js-2.0", "Code": "fn.js"}}
        behavior["FunctionAssociations"] = {"Items": [{"FunctionARN": "fn", "EventType": "viewer-request"}]}
    for name, (runtime, file_name, source) in (lambdas or {}).items():
        (tmp_path / name).mkdir()
        (tmp_path / name / file_name).write_text(source)
        config.setdefault("Lambdas", {})[name] = {"Runtime": runtime, "Code": name}
        arn = f"arn:aws:lambda:us-east-1:111122223333:function:{name}:1"
        behavior["LambdaFunctionAssociations"] = {"Items": [{"LambdaFunctionARN": arn, "EventType": "origin-request"}]}
    (tmp_path / "edge.json").write_text(json.dumps(config))
    return tmp_path


def serve_exits(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgesim", "serve", "edge.json", "--port", "0", "--control-port", "0"],
                          cwd=folder, capture_output=True, text=True, timeout=120)


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs `node` on PATH")


def test_serve_refuses_a_function_with_a_syntax_error_with_quickjs_message_and_position(tmp_path):
    done = serve_exits(project(tmp_path, function="function handler(event) {\n  var x = ;\n  return event.request;\n}\n"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == ["edgesim: fn.js:2:9: SyntaxError: unexpected token in expression: ';'"]


def test_serve_refuses_a_function_using_what_its_runtime_lacks(tmp_path):
    done = serve_exits(project(tmp_path, function="function handler(event) {\n  return event.request?.uri;\n}\n"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["edgesim: fn.js:2:23: optional chaining '?.': not supported by CloudFront Functions"]


def test_serve_refuses_a_python_lambda_with_a_syntax_error_with_pythons_message(tmp_path):
    source = "def lambda_handler(event, context):\n    x = (1,\n    return event\n"
    done = serve_exits(project(tmp_path, lambdas={"py": ("python3.12", "lambda_function.py", source)}))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"edgesim: {Path('py', 'lambda_function.py')}:2:9: SyntaxError: '(' was never closed"]


@needs_node
def test_serve_refuses_a_node_lambda_with_a_syntax_error_with_nodes_message(tmp_path):
    source = "exports.handler = async (event) => {\n  const x = ;\n  return event;\n};\n"
    done = serve_exits(project(tmp_path, lambdas={"edge": ("nodejs20.x", "index.js", source)}))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"edgesim: {Path('edge', 'index.js')}:2:13: SyntaxError: Unexpected token ';'"]


def test_serve_refuses_a_lambda_whose_handler_is_not_there(tmp_path):
    source = "def other(event, context):\n    return event\n"
    done = serve_exits(project(tmp_path, lambdas={"py": ("python3.12", "lambda_function.py", source)}))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"edgesim: {Path('py', 'lambda_function.py')}: Runtime.HandlerNotFound: Handler 'lambda_handler' missing on module 'lambda_function'"
    ]


@needs_node
def test_serve_refuses_a_lambda_whose_module_file_is_missing(tmp_path):
    done = serve_exits(project(tmp_path, lambdas={"edge": ("nodejs20.x", "app.js", "exports.handler = async (e) => e;\n")}))
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["edgesim: edge: Runtime.ImportModuleError: Cannot find module 'index'"]


def until(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_watch_serves_a_broken_first_version_with_503_until_a_save_loads(tmp_path):
    folder = project(tmp_path, function="function handler(event) {\n  return event.request +;\n}\n")
    process, url, lines = serve("edge.json", "--watch", cwd=folder)
    try:
        assert "edgesim: fn.js:2:25: SyntaxError: unexpected token in expression: ';'\n" in lines
        assert any("--watch: serving anyway" in line for line in lines)
        assert not any("ERROR" in line for line in lines), "the problem is said once"
        broken = httpx.get(url + "/a", timeout=10)
        assert (broken.status_code, broken.headers["x-cache"]) == (503, "FunctionExecutionError from cloudfront")
        time.sleep(1)  # the watch is in place about now; a save before that would go unseen
        (folder / "fn.js").write_text(GOOD_FUNCTION)
        assert until(lambda: httpx.get(url + "/a", timeout=10).status_code == 200), "".join(lines)
        assert any(line.startswith("edgesim: reloaded (") for line in lines)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_watch_keeps_the_last_good_version_when_a_save_breaks_it(tmp_path):
    folder = project(tmp_path, function=GOOD_FUNCTION)
    process, url, lines = serve("edge.json", "--watch", cwd=folder)
    try:
        assert httpx.get(url + "/a", timeout=10).status_code == 200
        time.sleep(1)
        (folder / "fn.js").write_text("function handler(event) {\n  return event.request +;\n}\n")
        assert until(lambda: any("reload failed" in line for line in lines)), "".join(lines)
        assert until(lambda: "  fn.js:2:25: SyntaxError: unexpected token in expression: ';'\n" in lines), "".join(lines)
        assert httpx.get(url + "/a", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- one failure, one console line ---------------------------------------------------------

def console_after_start(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if "dashboard at" in line)
    return [line.rstrip("\n") for line in lines[start + 1:]]


def console_of_one_request(folder: Path, path: str) -> tuple[int, list[str]]:
    """Serve `folder` with --log-dir logs, GET `path` once: its status and every console line after start-up."""
    process, url, lines = serve("edge.json", "--log-dir", "logs", cwd=folder)
    try:
        status = httpx.get(url + path, timeout=30).status_code
        assert until(lambda: len(console_after_start(lines)) >= 1)
        time.sleep(0.5)  # anything else the request printed has arrived by now
        return status, console_after_start(lines)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_failing_function_prints_one_console_line_and_its_error_goes_to_the_function_log_file(tmp_path):
    failing_function = "function handler(event) {\n  console.log('about to fail');\n  throw new Error('boom');\n}\n"
    folder = project(tmp_path, function=failing_function)
    status, console = console_of_one_request(folder, "/a")
    assert status == 503
    assert len(console) == 1, console
    assert console[0].startswith("GET /a 503 FunctionExecutionError IAD89-C1 ")
    assert console[0].endswith("FunctionExecutionError] - Error: boom")
    assert "[viewer-request fn " in console[0]
    logged = (folder / "logs" / "functions.log").read_text()
    assert "[fn 1 viewer-request us-east-1 " in logged and logged.endswith("] FunctionExecutionError: Error: boom\n")


def test_a_failing_lambda_prints_one_console_line_and_its_traceback_goes_to_the_log_files(tmp_path):
    source = "def lambda_handler(event, context):\n    print('checking the token')\n    raise ValueError('bad token')\n"
    folder = project(tmp_path, lambdas={"auth": ("python3.12", "lambda_function.py", source)})
    status, console = console_of_one_request(folder, "/b")
    assert status == 503
    assert len(console) == 1, console
    assert console[0].startswith("GET /b 503 LambdaExecutionError IAD89-C1 ")
    assert console[0].endswith("[origin-request auth:1 " + console[0].split("[origin-request auth:1 ")[1].split()[0]
                               + " LambdaExecutionError] - ValueError: bad token")
    function_log = (folder / "logs" / "functions.log").read_text()
    assert "checking the token" in function_log and "Traceback" in function_log
    group_logs = [p.read_text() for p in (folder / "logs").rglob("*") if p.is_file() and p.name != "functions.log"]
    assert any("Traceback" in text and "bad token" in text for text in group_logs), "the CloudWatch-named group file"
