"""`edgesim test-function`: CloudFront's TestFunction answer, exit codes, clock and seed."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from edgesim.functions import command

ROOT = Path(__file__).resolve().parents[2]
REWRITE = """function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) {
    request.uri += 'index.html';
    console.log('rewrote to ' + request.uri);
  }
  return request;
}
"""
EVENT = {"request": {"method": "GET", "uri": "/docs/", "headers": {"host": {"value": "www.example.test"}}}}


def invoke(tmp_path: Path, code: str, event: Any = EVENT, *extra: str,
           event_type: str = "viewer-request", capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    (tmp_path / "fn.js").write_text(code)
    (tmp_path / "event.json").write_text(json.dumps(event))
    parser = argparse.ArgumentParser(prog="edgesim")
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["test-function", str(tmp_path / "fn.js"), "--event-type", event_type,
                              "--event", str(tmp_path / "event.json"), *extra])
    code_ = args.func(args)
    captured = capsys.readouterr()
    invoke.stderr = captured.err  # type: ignore[attr-defined]
    return code_, json.loads(captured.out) if captured.out else {}


def test_clean_run_prints_test_result_shaped_like_cloudfront(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status, printed = invoke(tmp_path, REWRITE, capsys=capsys)
    assert status == 0
    result = printed["TestResult"]
    assert set(result) == {"FunctionSummary", "ComputeUtilization", "FunctionExecutionLogs", "FunctionErrorMessage",
                           "FunctionOutput"}
    summary = result["FunctionSummary"]
    assert summary["Name"] == "fn" and summary["Status"] == "UNPUBLISHED"
    assert summary["FunctionConfig"] == {"Comment": "", "Runtime": "cloudfront-js-2.0"}
    assert summary["FunctionMetadata"]["FunctionARN"] == "arn:aws:cloudfront::123456789012:function/fn"
    assert summary["FunctionMetadata"]["Stage"] == "DEVELOPMENT"
    assert isinstance(result["ComputeUtilization"], str) and 0 <= int(result["ComputeUtilization"]) <= 100
    assert result["FunctionExecutionLogs"] == ["rewrote to /docs/index.html"]
    assert result["FunctionErrorMessage"] == ""
    assert json.loads(result["FunctionOutput"]) == {"request": {
        "headers": {"host": {"value": "www.example.test"}}, "method": "GET", "querystring": {},
        "uri": "/docs/index.html", "cookies": {}}}
    assert printed["Edgesim"]["origin"] is None and printed["Edgesim"]["durationMicros"] > 0


def test_output_drops_unknown_properties_like_a_misspelled_multivalue(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    event = {"request": {"method": "GET", "uri": "/", "extra": 1,
                         "headers": {"accept": {"value": "a", "multivalue": [{"value": "a"}, {"value": "b"}]}}}}
    _, printed = invoke(tmp_path, "function handler(e) { e.request.more = true; return e.request; }", event, capsys=capsys)
    output = json.loads(printed["TestResult"]["FunctionOutput"])["request"]
    assert output["headers"] == {"accept": {"value": "a"}}
    assert "extra" not in output and "more" not in output


def test_generated_response_is_wrapped_under_response(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, printed = invoke(tmp_path, "function handler(e) { return {statusCode: 401, statusDescription: 'Unauthorized'}; }",
                        capsys=capsys)
    assert json.loads(printed["TestResult"]["FunctionOutput"]) == {
        "response": {"headers": {}, "statusDescription": "Unauthorized", "cookies": {}, "statusCode": 401}}


def test_viewer_response_event_fills_in_maps_and_keeps_attributes(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    event = {**EVENT, "response": {"statusCode": 200, "cookies": {"a": {"value": "1", "attributes": "Path=/"}}}}
    status, printed = invoke(tmp_path, "function handler(e) { e.response.headers['x-a'] = {value: '1'}; return e.response; }",
                             event, event_type="viewer-response", capsys=capsys)
    assert status == 0
    assert json.loads(printed["TestResult"]["FunctionOutput"])["response"] == {
        "headers": {"x-a": {"value": "1"}}, "cookies": {"a": {"value": "1", "attributes": "Path=/"}}, "statusCode": 200}


def test_thrown_error_sets_the_error_message_and_exit_1(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status, printed = invoke(tmp_path, "function handler(e) { return e.request.headers.missing.value; }", capsys=capsys)
    assert status == 1
    message = printed["TestResult"]["FunctionErrorMessage"]
    assert message.startswith("The CloudFront function associated with the CloudFront distribution is invalid or could not run. TypeError:")
    assert printed["TestResult"]["FunctionOutput"] == ""


@pytest.mark.parametrize(("failure", "error"), [
    ("throw new Error('no token');", "Error: no token"),
    ("while (true) {}", "InternalError: compute budget exceeded"),
], ids=["throw", "budget"])
def test_a_failed_run_shows_its_logs_beside_the_error_message(tmp_path: Path, capsys, failure: str, error: str) -> None:  # type: ignore[no-untyped-def]
    """TestResult carries FunctionExecutionLogs and FunctionErrorMessage together ("The response
    also contains function logs and error messages, if any exist": API_TestFunction)."""
    status, printed = invoke(tmp_path, f"function handler(e) {{ console.log('checking ' + e.request.uri); {failure} }}",
                             capsys=capsys)
    assert status == 1
    assert printed["TestResult"]["FunctionExecutionLogs"] == ["checking /docs/"]
    assert printed["TestResult"]["FunctionErrorMessage"].startswith(command.ERROR_PREFIX + error)


def test_refused_syntax_is_an_error_message_with_its_position(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status, printed = invoke(tmp_path, "function handler(e) {\n  let r = e.request;\n  return r;\n}", EVENT,
                             "--runtime", "cloudfront-js-1.0", capsys=capsys)
    assert status == 1
    assert "SyntaxError: line 2, column 3: 'let' declarations" in printed["TestResult"]["FunctionErrorMessage"]


def test_returning_undefined_is_an_error_message(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status, printed = invoke(tmp_path, "function handler(e) {}", capsys=capsys)
    assert status == 1 and "must return a request or response" in printed["TestResult"]["FunctionErrorMessage"]


def test_read_only_header_change_passes_the_test_as_on_cloudfront(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status, _ = invoke(tmp_path, "function handler(e) { e.request.headers.host = {value: 'x'}; return e.request; }",
                       capsys=capsys)
    assert status == 0


def test_now_freezes_the_clock_in_iso_or_epoch_millis(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = "function handler(e) { console.log(new Date().toISOString()); return e.request; }"
    for now in ("2024-02-29T12:00:00Z", "1709208000000"):
        _, printed = invoke(tmp_path, code, EVENT, "--now", now, capsys=capsys)
        assert printed["TestResult"]["FunctionExecutionLogs"] == ["2024-02-29T12:00:00.000Z"]


def test_seed_makes_math_random_and_the_request_id_repeat(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = "function handler(e) { console.log(Math.random() + ' ' + e.context.requestId); return e.request; }"
    runs = [invoke(tmp_path, code, EVENT, "--seed", seed, capsys=capsys)[1]["TestResult"]["FunctionExecutionLogs"]
            for seed in ("3", "3", "4")]
    assert runs[0] == runs[1] != runs[2]


def test_omitted_context_is_filled_in(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = "function handler(e) { console.log(JSON.stringify([e.version, e.context, e.viewer])); return e.request; }"
    _, printed = invoke(tmp_path, code, {**EVENT, "context": {"distributionId": "EMINE"}}, "--seed", "1", capsys=capsys)
    version, context, viewer = json.loads(printed["TestResult"]["FunctionExecutionLogs"][0])
    assert version == "1.0" and viewer == {"ip": "127.0.0.1"}
    assert context["distributionId"] == "EMINE" and context["eventType"] == "viewer-request"
    assert context["distributionDomainName"] and context["requestId"]


def test_kvs_file_is_associated_and_shown_in_the_summary(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "kvs.json").write_text(json.dumps({"data": [{"key": "/docs/", "value": "/manual/"}]}))
    code = ("import cf from 'cloudfront';\nasync function handler(e) {"
            " e.request.uri = await cf.kvs().get(e.request.uri); return e.request; }")
    status, printed = invoke(tmp_path, code, EVENT, "--kvs", str(tmp_path / "kvs.json"), capsys=capsys)
    assert status == 0
    assert json.loads(printed["TestResult"]["FunctionOutput"])["request"]["uri"] == "/manual/"
    items = printed["TestResult"]["FunctionSummary"]["FunctionConfig"]["KeyValueStoreAssociations"]["Items"]
    assert items[0]["KeyValueStoreARN"].startswith("arn:aws:cloudfront::123456789012:key-value-store/")


def test_origin_helpers_show_in_the_edgesim_block(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = ("import cf from 'cloudfront';\nfunction handler(e) { cf.updateRequestOrigin({domainName: 'eu.example.com'});"
            " return e.request; }")
    _, printed = invoke(tmp_path, code, capsys=capsys)
    assert printed["Edgesim"]["origin"] == {"helper": "updateRequestOrigin", "arguments": [{"domainName": "eu.example.com"}]}


def test_log_custom_data_shows_in_the_edgesim_block(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = "import cf from 'cloudfront';\nfunction handler(e) { cf.logCustomData('ab=b'); return e.request; }"
    _, printed = invoke(tmp_path, code, capsys=capsys)
    assert printed["Edgesim"]["customLogData"] == "ab%3Db"


def test_raw_query_string_is_rebuilt_from_the_test_events_querystring(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    event = {"request": {**EVENT["request"], "querystring": {"a": {"value": "1"},
                                                             "b": {"value": "x", "multiValue": [{"value": "x"}, {"value": "y"}]}}}}
    _, printed = invoke(tmp_path, "function handler(e) { console.log(e.request.rawQueryString()); return e.request; }",
                        event, capsys=capsys)
    assert printed["TestResult"]["FunctionExecutionLogs"] == ["a=1&b=x&b=y"]


@pytest.mark.parametrize(("event", "extra"), [
    ({"no": "request"}, ()),
    ({**EVENT, "context": {"eventType": "viewer-response"}}, ()),
    (EVENT, ("--now", "yesterday")),
])
def test_usage_errors_exit_2_with_a_message(tmp_path: Path, capsys, event: Any, extra: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    status, printed = invoke(tmp_path, REWRITE, event, *extra, capsys=capsys)
    assert status == 2 and printed == {}
    assert invoke.stderr.startswith("edgesim test-function: ")  # type: ignore[attr-defined]


def test_viewer_response_event_without_a_response_is_a_usage_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    status, _ = invoke(tmp_path, REWRITE, EVENT, event_type="viewer-response", capsys=capsys)
    assert status == 2


def _cli_has_test_function() -> bool:
    probe = subprocess.run([sys.executable, "-m", "edgesim", "--help"], cwd=ROOT, capture_output=True, text=True)
    return "test-function" in probe.stdout


@pytest.mark.skipif(not _cli_has_test_function(), reason="edgesim/cli.py does not register test-function yet")
class TestRealCommandLine:
    def run_cli(self, tmp_path: Path, code: str, *extra: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "fn.js").write_text(code)
        (tmp_path / "event.json").write_text(json.dumps(EVENT))
        return subprocess.run([sys.executable, "-m", "edgesim", "test-function", str(tmp_path / "fn.js"),
                               "--event-type", "viewer-request", "--event", str(tmp_path / "event.json"), *extra],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)

    def test_prints_one_json_object_and_exits_0(self, tmp_path: Path) -> None:
        done = self.run_cli(tmp_path, REWRITE, "--now", "2024-01-01T00:00:00Z", "--seed", "1")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["TestResult"]["FunctionErrorMessage"] == ""

    def test_exits_1_when_the_function_fails(self, tmp_path: Path) -> None:
        done = self.run_cli(tmp_path, "function handler(e) { throw new Error('x'); }")
        assert done.returncode == 1
        assert json.loads(done.stdout)["TestResult"]["FunctionErrorMessage"].endswith("Error: x")

    def test_exits_2_on_usage_errors(self, tmp_path: Path) -> None:
        assert self.run_cli(tmp_path, REWRITE, "--runtime", "cloudfront-js-9").returncode == 2
