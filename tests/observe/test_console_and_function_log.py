"""The console line and the tagged function log lines."""

from __future__ import annotations

import io

from edgesim.edge.exchange import HookRun
from edgesim.observe.console import ConsoleObserver, format_line
from edgesim.observe.function_log import FunctionLog, function_log_lines
from tests.observe.helpers import REQUEST_ID, make_exchange


def test_console_line_shows_status_x_cache_pop_time_and_each_hook():
    exchange = make_exchange(query="q=1", hooks=[HookRun("viewer-request", "add-index", 0.042, "ok")])
    assert format_line(exchange) == "GET /index.html?q=1 200 Miss FRA56-C1 3.2ms [viewer-request add-index 0.04ms]"


def test_console_line_of_a_failed_hook_names_the_function_error_and_reason():
    exchange = make_exchange(
        status=502, result="Error", detail="FunctionValidationError",
        hooks=[HookRun("viewer-response", "headers", 0.3, "FunctionValidationError")],
        error_reason="headers['content-length'] is read-only at viewer-response",
    )
    assert format_line(exchange) == (
        "GET /index.html 502 Error/FunctionValidationError FRA56-C1 3.2ms "
        "[viewer-response headers 0.30ms FunctionValidationError] - "
        "headers['content-length'] is read-only at viewer-response"
    )


def test_console_colours_only_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    plain, tty = io.StringIO(), Terminal()
    ConsoleObserver(plain)(make_exchange(status=503, result="Error"))
    ConsoleObserver(tty)(make_exchange(status=503, result="Error"))
    assert "\033[" not in plain.getvalue()
    assert "\033[31m503\033[0m" in tty.getvalue()


def test_function_log_lines_carry_function_version_event_region_and_request_id():
    exchange = make_exchange(hooks=[
        HookRun("viewer-request", "auth", 1.0, "ok", ["checking token", "ok"], version="3"),
        HookRun("origin-response", "fix", 0.2, "ok", []),
    ])
    assert function_log_lines(exchange) == [
        f"2024-05-01T10:00:00.250Z [auth 3 viewer-request eu-central-1 {REQUEST_ID}] checking token",
        f"2024-05-01T10:00:00.250Z [auth 3 viewer-request eu-central-1 {REQUEST_ID}] ok",
    ]


def test_a_lambda_hook_named_with_its_version_is_not_tagged_with_it_twice():
    exchange = make_exchange(hooks=[HookRun("origin-response", "stamp:7", 1.0, "ok", ["hi"], version="7")])
    assert function_log_lines(exchange) == [f"2024-05-01T10:00:00.250Z [stamp 7 origin-response eu-central-1 {REQUEST_ID}] hi"]


def test_a_failed_hook_logs_its_error_after_its_own_lines():
    exchange = make_exchange(
        hooks=[HookRun("viewer-request", "auth", 1.0, "FunctionExecutionError", ["start"])],
        error_reason="TypeError: cannot read property 'value' of undefined",
    )
    lines = function_log_lines(exchange)
    assert lines[-1].endswith("] FunctionExecutionError: TypeError: cannot read property 'value' of undefined")
    assert lines[0].endswith("] start")


def test_a_hook_run_outside_any_release_is_tagged_without_a_version():
    """Only a hook set given whole (no release, so no published version) has none to name."""
    stream = io.StringIO()
    FunctionLog(stream)(make_exchange(hooks=[HookRun("viewer-request", "fn", 0.1, "ok", ["x"])]))
    assert " [fn - viewer-request " in stream.getvalue()


def test_the_console_function_log_leaves_a_failed_request_to_the_console_line():
    failed = make_exchange(hooks=[HookRun("viewer-request", "auth", 1.0, "FunctionExecutionError", ["start"])],
                           error_reason="Error: boom")
    served = make_exchange(hooks=[HookRun("viewer-request", "auth", 1.0, "ok", ["checked"])])
    console, file = io.StringIO(), io.StringIO()
    for exchange in (failed, served):
        FunctionLog(console, include_failed=False)(exchange)
        FunctionLog(file)(exchange)
    assert console.getvalue().splitlines()[0].endswith("] checked") and len(console.getvalue().splitlines()) == 1
    assert [line.rsplit("] ", 1)[1] for line in file.getvalue().splitlines()] == [
        "start", "FunctionExecutionError: Error: boom", "checked"]
