"""run_function and invoke_lambda give what `edgesim test-function` and `edgesim invoke` print."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from edgesim.cli import main
from edgesim.lambdas import command as lambdas_command
from edgesim.testing import EdgeCodeUsageError, invoke_lambda, run_function

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CF_EVENT = {"request": {"method": "GET", "uri": "/pricing", "headers": {}, "cookies": {}}}
LAMBDA_EVENT = {"Records": [{"cf": {
    "config": {"distributionId": "EDFDVBD6EXAMPLE", "eventType": "viewer-request", "requestId": "r-1"},
    "request": {"clientIp": "203.0.113.9", "method": "GET", "uri": "/pricing", "querystring": "",
                "headers": {"cookie": [{"key": "Cookie", "value": "theme=dark; ab-group=b"}]}},
}}]}
requires_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs `node` on PATH")


def without_timings(result: dict) -> dict:
    """The result minus what differs run to run (durations, utilization, request ids, memory)."""
    copy = json.loads(json.dumps(result))
    copy.get("TestResult", {}).pop("ComputeUtilization", None)
    copy.get("Edgesim", {}).pop("durationMicros", None)
    for key in ("logs", "durationMs", "billedDurationMs", "maxMemoryUsedMB"):
        copy.pop(key, None)
    return copy


def test_run_function_equals_the_test_function_command(tmp_path, capsys):
    event = tmp_path / "event.json"
    event.write_text(json.dumps(CF_EVENT))
    code = EXAMPLES / "cloudfront-function" / "edge.js"
    assert main(["test-function", str(code), "--event-type", "viewer-request", "--event", str(event), "--seed", "3",
                 "--now", "2024-05-01T00:00:00Z"]) == 0
    printed = json.loads(capsys.readouterr().out)
    result = run_function(code, CF_EVENT, seed=3, now="2024-05-01T00:00:00Z")
    assert without_timings(result) == without_timings(printed)
    assert json.loads(result["TestResult"]["FunctionOutput"])["request"]["uri"] in ("/index.html", "/b/index.html")


def test_run_function_takes_source_text_and_reports_errors_as_the_cli_does():
    result = run_function("function handler(event) { throw new Error('nope'); }", CF_EVENT)
    assert result["TestResult"]["FunctionErrorMessage"].endswith("Error: nope")
    assert result["TestResult"]["FunctionSummary"]["Name"] == "function"


def test_run_function_takes_source_text_longer_than_a_file_name():
    body = "function handler(event) {\n" + "    var unused = 'padding a line of a real function';\n" * 8
    source = body + "    return event.request;\n}\n"
    assert len(source) > 255
    result = run_function(source, CF_EVENT)
    assert result["TestResult"]["FunctionErrorMessage"] == ""


def test_run_function_usage_problems_raise():
    with pytest.raises(EdgeCodeUsageError, match="request object"):
        run_function("function handler(e) { return e.request; }", {"nothing": 1})


@pytest.mark.parametrize("code", [pytest.param("lambda-node", marks=requires_node), "lambda-python"])
def test_invoke_lambda_equals_the_invoke_command(tmp_path, capsys, code):
    event = tmp_path / "event.json"
    event.write_text(json.dumps(LAMBDA_EVENT))
    parser = argparse.ArgumentParser()
    lambdas_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["invoke", str(EXAMPLES / code), "--event-type", "viewer-request", "--event", str(event)])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    result = invoke_lambda(EXAMPLES / code, LAMBDA_EVENT)
    assert without_timings(result) == without_timings(printed)
    assert result["request"]["uri"] == "/b/index.html" and result["coldStart"] is True


async def test_invoke_lambda_runs_from_an_async_test_with_source_text():
    result = invoke_lambda("def lambda_handler(event, context):\n    return {'status': '418'}\n", LAMBDA_EVENT,
                           runtime="python3.12")
    assert result["response"]["status"] == "418"


def test_invoke_lambda_source_text_needs_a_runtime():
    with pytest.raises(EdgeCodeUsageError, match="runtime="):
        invoke_lambda("exports.handler = async () => ({});", LAMBDA_EVENT)
