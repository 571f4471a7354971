"""`edgesim invoke`: one invocation through a real worker, one JSON object, exit 0/1/2."""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from edgesim.lambdas import command, provider
from tests.lambdas.helpers import requires_node, write_code

ROOT = Path(__file__).resolve().parents[2]
EVENT = {"Records": [{"cf": {
    "config": {"distributionDomainName": "d111111abcdef8.cloudfront.net", "distributionId": "EDFDVBD6EXAMPLE",
               "eventType": "viewer-request", "requestId": "req=="},
    "request": {"clientIp": "203.0.113.178", "method": "POST", "uri": "/picture.jpg", "querystring": "size=large",
                "headers": {"host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}]},
                "body": {"inputTruncated": False, "action": "read-only", "encoding": "base64", "data": "bmFtZT1ib2I="}},
}}]}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="edgesim")
    command.add_parser(top.add_subparsers())
    return top


def invoke(capsys, *argv: str) -> tuple[int, dict | None, str]:
    args = parser().parse_args(["invoke", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    return path


@requires_node
def test_node_function_directory_prints_the_request_it_returned(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "rewrite", {"index.js": """
        exports.handler = async (event) => {
          const request = event.Records[0].cf.request;
          console.log('rewriting', request.uri);
          request.uri = '/small' + request.uri;
          request.headers['x-seen'] = [{value: 'yes'}];
          return request;
        };
    """})
    status, out, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file))
    assert status == 0
    assert out["request"]["uri"] == "/small/picture.jpg"
    assert out["request"]["headers"]["x-seen"] == [{"key": "X-Seen", "value": "yes"}]
    assert any(line.endswith("\tINFO\trewriting /picture.jpg") for line in out["logs"])
    assert out["coldStart"] is True
    assert out["billedDurationMs"] >= out["durationMs"] > 0
    assert out["maxMemoryUsedMB"] > 0
    assert "error" not in out


def test_python_file_with_default_handler_prints_a_generated_response(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "py", {"redirect.py": """
        def lambda_handler(event, context):
            return {"status": "302", "headers": {"location": [{"value": "https://example.com/"}]}}
    """})
    status, out, _ = invoke(capsys, str(code / "redirect.py"), "--event-type", "viewer-request", "--event", str(event_file))
    assert status == 0
    assert out["response"] == {"headers": {"location": [{"key": "Location", "value": "https://example.com/"}]},
                               "status": "302", "statusDescription": "Found"}


def test_include_body_shows_the_body_to_the_function(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "body", {"lambda_function.py": """
        def lambda_handler(event, context):
            return {"status": "200", "body": str(event["Records"][0]["cf"]["request"].get("body"))}
    """})
    _, without, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file))
    _, with_body, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file), "--include-body")
    assert without["response"]["body"] == "None"
    assert "'data': 'bmFtZT1ib2I='" in with_body["response"]["body"]


def test_function_exception_exits_1_with_its_own_error_type(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "raises", {"lambda_function.py": "def lambda_handler(event, context):\n    return event['nope']\n"})
    status, out, _ = invoke(capsys, str(code), "--event-type", "origin-request", "--event", str(event_file), "--runtime", "python3.12")
    assert status == 1
    assert out["error"] == {"type": "KeyError", "message": "'nope'", "cloudfrontError": "LambdaExecutionError", "status": 503}
    assert any("[ERROR] KeyError" in line for line in out["logs"])


def test_validation_failure_exits_1_with_cloudfronts_error_name(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "bad-status", {"lambda_function.py": "def lambda_handler(event, context):\n    return {'status': 'OK'}\n"})
    status, out, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file))
    assert status == 1
    assert out["error"]["type"] == out["error"]["cloudfrontError"] == "LambdaValidationError"
    assert out["error"]["status"] == 502


def test_response_event_uses_the_events_response(tmp_path, capsys):
    event = {"Records": [{"cf": {**EVENT["Records"][0]["cf"], "response": {"status": "404", "statusDescription": "Not Found", "headers": {}}}}]}
    path = tmp_path / "response-event.json"
    path.write_text(json.dumps(event))
    code = write_code(tmp_path / "fix404", {"lambda_function.py": """
        def lambda_handler(event, context):
            response = event["Records"][0]["cf"]["response"]
            response["status"], response["statusDescription"], response["body"] = "200", "OK", "fallback"
            return response
    """})
    status, out, _ = invoke(capsys, str(code), "--event-type", "origin-response", "--event", str(path))
    assert status == 0
    assert out["response"] == {"headers": {}, "status": "200", "statusDescription": "OK", "body": "fallback", "bodyEncoding": "text"}


def test_replaced_text_body_is_shown_as_returned_beside_what_is_forwarded(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "replace", {"lambda_function.py": """
        def lambda_handler(event, context):
            request = event["Records"][0]["cf"]["request"]
            request["body"].update(action="replace", encoding="text", data="name=alice&café=1")
            return request
    """})
    status, out, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file), "--include-body")
    assert status == 0
    assert out["request"]["body"] == {"inputTruncated": False, "action": "replace", "encoding": "text", "data": "name=alice&café=1"}
    assert out["forwardedBody"] == {"encoding": "text", "data": "name=alice&café=1", "size": 18}


def test_read_only_body_forwards_the_original(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "read-only", {"lambda_function.py": """
        def lambda_handler(event, context):
            request = event["Records"][0]["cf"]["request"]
            request["body"]["data"] = "ignored"
            return request
    """})
    _, out, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file), "--include-body")
    assert out["request"]["body"]["action"] == "read-only" and out["request"]["body"]["data"] == "ignored"
    assert out["forwardedBody"] == {"encoding": "text", "data": "name=bob", "size": 8}


def test_base64_response_body_is_shown_as_returned(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "gzip", {"index.js": """
        const zlib = require('zlib');
        exports.handler = async () => ({status: 200, body: zlib.gzipSync('hello').toString('base64'), bodyEncoding: 'base64',
          headers: {'content-encoding': [{key: 'Content-Encoding', value: 'gzip'}]}});
    """})
    status, out, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file))
    assert status == 0
    assert out["response"]["bodyEncoding"] == "base64" and out["response"]["status"] == "200"
    assert gzip.decompress(base64.b64decode(out["response"]["body"])) == b"hello"
    assert out["forwardedBody"]["encoding"] == "base64"
    assert base64.b64decode(out["forwardedBody"]["data"]) == base64.b64decode(out["response"]["body"])


def test_s3_region_the_function_set_is_in_the_printed_request(tmp_path, capsys):
    event = json.loads(json.dumps(EVENT))
    event["Records"][0]["cf"]["request"]["origin"] = {"s3": {
        "authMethod": "none", "customHeaders": {}, "domainName": "my-bucket.s3.amazonaws.com", "path": "", "region": "us-east-1"}}
    path = tmp_path / "s3-event.json"
    path.write_text(json.dumps(event))
    code = write_code(tmp_path / "region", {"lambda_function.py": """
        def lambda_handler(event, context):
            request = event["Records"][0]["cf"]["request"]
            request["origin"]["s3"]["region"] = "eu-central-1"
            request["origin"]["s3"]["domainName"] = "my-bucket-in-eu-central-1.s3.amazonaws.com"
            return request
    """})
    status, out, _ = invoke(capsys, str(code), "--event-type", "origin-request", "--event", str(path))
    assert status == 0
    assert out["request"]["origin"]["s3"]["region"] == "eu-central-1"
    assert out["request"]["origin"]["s3"]["domainName"] == "my-bucket-in-eu-central-1.s3.amazonaws.com"


def test_header_key_of_another_header_is_printed_as_a_warning(tmp_path, capsys):
    event = json.loads(json.dumps(EVENT))
    event["Records"][0]["cf"]["response"] = {"status": "200", "statusDescription": "OK", "headers": {
        "x-amz-meta-last-modified": [{"key": "X-Amz-Meta-Last-Modified", "value": "Thu, 01 Jun 2023 10:00:00 GMT"}]}}
    path = tmp_path / "response-event.json"
    path.write_text(json.dumps(event))
    code = write_code(tmp_path / "last-modified", {"lambda_function.py": """
        def lambda_handler(event, context):
            response = event["Records"][0]["cf"]["response"]
            response["headers"]["last-modified"] = [response["headers"]["x-amz-meta-last-modified"][0]]
            return response
    """})
    status, out, _ = invoke(capsys, str(code), "--event-type", "origin-response", "--event", str(path))
    assert status == 0
    assert out["response"]["headers"]["last-modified"] == [{"key": "Last-Modified", "value": "Thu, 01 Jun 2023 10:00:00 GMT"}]
    assert len(out["warnings"]) == 1 and "unconfirmed" in out["warnings"][0]


def test_fixed_clock_from_now(tmp_path, event_file, capsys):
    code = write_code(tmp_path / "clock", {"lambda_function.py": """
        import time
        def lambda_handler(event, context):
            return {"status": "200", "body": time.strftime("%Y-%m-%d", time.gmtime(time.time()))}
    """})
    _, iso, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file), "--now", "2021-06-01T12:00:00Z")
    _, epoch, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file), "--now", "1609459200000")
    assert (iso["response"]["body"], epoch["response"]["body"]) == ("2021-06-01", "2021-01-01")


def test_timeout_reports_the_limit_exceeded_error(tmp_path, event_file, capsys, monkeypatch):
    monkeypatch.setitem(provider.TIMEOUT_LIMIT_S, "viewer", 0.2)
    code = write_code(tmp_path / "sleepy", {"lambda_function.py": "import time\ndef lambda_handler(e, c):\n    time.sleep(5)\n"})
    status, out, _ = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file))
    assert status == 1
    assert out["error"]["type"] == "LambdaLimitExceeded" and out["error"]["status"] == 503
    assert "Task timed out after 0.20 seconds" in out["error"]["message"]


@pytest.mark.parametrize("problem", ["missing-code", "missing-event", "not-json", "not-an-event", "bad-now"])
def test_usage_errors_exit_2(tmp_path, event_file, capsys, problem):
    code = write_code(tmp_path / "ok", {"lambda_function.py": "def lambda_handler(e, c):\n    return {'status': '200'}\n"})
    (tmp_path / "not.json").write_text("{")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    argv = {
        "missing-code": [str(tmp_path / "nope"), "--event", str(event_file)],
        "missing-event": [str(code), "--event", str(tmp_path / "none.json")],
        "not-json": [str(code), "--event", str(tmp_path / "not.json")],
        "not-an-event": [str(code), "--event", str(tmp_path / "other.json")],
        "bad-now": [str(code), "--event", str(event_file), "--now", "yesterday"],
    }[problem]
    status, out, err = invoke(capsys, *argv, "--event-type", "viewer-request")
    assert (status, out) == (2, None)
    assert err.startswith("edgesim invoke: ")


def test_node_runtime_without_node_is_a_usage_error(tmp_path, event_file, capsys, monkeypatch):
    code = write_code(tmp_path / "n", {"index.js": "exports.handler = async () => ({status: '200'});"})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, _, err = invoke(capsys, str(code), "--event-type", "viewer-request", "--event", str(event_file))
    assert status == 2 and "need `node` on PATH" in err


@pytest.mark.parametrize(("files", "runtime"), [
    ({"index.js": ""}, "nodejs20.x"), ({"index.mjs": ""}, "nodejs20.x"),
    ({"lambda_function.py": ""}, "python3.12"), ({"bootstrap": ""}, "provided.al2023"),
])
def test_runtime_is_guessed_from_the_code(tmp_path, files, runtime):
    assert command.guess_runtime(write_code(tmp_path / "guess", files)) == runtime


def _cli_has_invoke() -> bool:
    from edgesim import cli

    return "invoke" in cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]


@pytest.mark.skipif(not _cli_has_invoke(), reason="edgesim/cli.py does not register `invoke` yet")
def test_real_cli_runs_invoke(tmp_path, event_file):
    code = write_code(tmp_path / "cli", {"lambda_function.py": "def lambda_handler(e, c):\n    return e['Records'][0]['cf']['request']\n"})
    done = subprocess.run([sys.executable, "-m", "edgesim", "invoke", str(code), "--event-type", "viewer-request",
                           "--event", str(event_file)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["request"]["uri"] == "/picture.jpg"


@pytest.mark.skipif(not _cli_has_invoke(), reason="edgesim/cli.py does not register `invoke` yet")
def test_real_cli_exit_statuses(tmp_path, event_file):
    code = write_code(tmp_path / "cli-fails", {"lambda_function.py": "def lambda_handler(e, c):\n    raise TypeError('no')\n"})
    base = [sys.executable, "-m", "edgesim", "invoke", str(code), "--event", str(event_file)]
    failed = subprocess.run([*base, "--event-type", "viewer-request"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1, failed.stderr
    assert json.loads(failed.stdout)["error"]["type"] == "TypeError"
    usage = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "--event-type" in usage.stderr
