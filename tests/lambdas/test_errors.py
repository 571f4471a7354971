"""CloudFront's three error classes, and workers that crash, hang or leak being replaced."""

from __future__ import annotations

import asyncio
import os

import pytest

from edgesim.edge.hooks import HookError
from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import make_call, make_hook, requires_node, viewer_request, write_code

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def failure(hook, event_type="viewer-request", **kwargs) -> HookError:
    with pytest.raises(HookError) as caught:
        await hook(make_call(event_type, **kwargs))
    return caught.value


def pool_of(runtime: LambdaRuntime, name: str):
    return next(p for p in runtime.pools() if p.spec.function_name == f"us-east-1.{name}")


@requires_node
@pytest.mark.parametrize(("body", "error_type"), [
    ("async () => { throw new TypeError('bad input'); }", "TypeError"),
    ("async () => Promise.reject(new RangeError('nope'))", "RangeError"),
    ("(e, c, callback) => callback(new Error('called back'))", "Error"),
    ("() => { null.x; }", "TypeError"),
])
async def test_node_exception_is_503_execution_error_with_its_type(runtime, code_dir, body, error_type):
    code = write_code(code_dir / f"throws-{error_type}-{len(body)}", {"index.js": f"exports.handler = {body};"})
    error = await failure(make_hook(runtime, code))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith(f"{error_type}: ")


async def test_python_exception_is_503_execution_error_with_its_type(runtime, code_dir):
    code = write_code(code_dir / "py-raises", {"lambda_function.py": """
        def lambda_handler(event, context):
            return event["missing"]
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    error = await failure(hook)
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason == "KeyError: 'missing'"
    logs = (runtime.sink.log_dir / "us-east-1/aws/lambda/us-east-1.py-raises.log").read_text()
    assert "[ERROR] KeyError: 'missing'" in logs and "Traceback" in logs


async def test_function_error_keeps_the_worker_warm(runtime, code_dir):
    code = write_code(code_dir / "py-sometimes", {"lambda_function.py": """
        import os
        def lambda_handler(event, context):
            if event["Records"][0]["cf"]["request"]["uri"] == "/fail":
                raise ValueError("asked to")
            return {"status": "200", "body": str(os.getpid())}
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    first = await hook(make_call("viewer-request"))
    await failure(hook, request=viewer_request(uri="/fail"))
    again = await hook(make_call("viewer-request"))
    assert first.response.body == again.response.body
    assert pool_of(runtime, "py-sometimes").cold_starts == 1


@requires_node
async def test_timeout_is_503_limit_exceeded_and_the_worker_is_replaced(runtime, code_dir):
    code = write_code(code_dir / "hangs", {"index.js": """
        exports.handler = async (event) => {
          if (event.Records[0].cf.request.uri === '/hang') await new Promise(() => setInterval(() => {}, 1000));
          return {status: '200', body: String(process.pid)};
        };
    """})
    hook = make_hook(runtime, code, timeout=0.3)
    before = (await hook(make_call("viewer-request"))).response.body
    error = await failure(hook, request=viewer_request(uri="/hang"))
    assert (error.status, error.error_name) == (503, "LambdaLimitExceeded")
    assert "Task timed out after 0.30 seconds" in error.reason
    assert not _alive(int(before))
    after = await hook(make_call("viewer-request"))
    assert after.response.body != before
    assert any("Init Duration" in line for line in after.logs)


@requires_node
async def test_crashed_worker_fails_its_invocation_and_is_replaced(runtime, code_dir):
    code = write_code(code_dir / "crashes", {"index.js": """
        exports.handler = async (event) => {
          if (event.Records[0].cf.request.uri === '/crash') process.exit(3);
          return {status: '200', body: String(process.pid)};
        };
    """})
    hook = make_hook(runtime, code)
    before = (await hook(make_call("viewer-request"))).response.body
    error = await failure(hook, request=viewer_request(uri="/crash"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason == "Runtime.ExitError: Runtime exited with error: exit status 3"
    after = await hook(make_call("viewer-request"))
    assert after.response.body != before


@requires_node
async def test_uncaught_exception_in_a_timer_fails_the_invocation(runtime, code_dir):
    code = write_code(code_dir / "timer-throws", {"index.js": """
        exports.handler = (event, context, callback) => { setTimeout(() => { throw new SyntaxError('late'); }, 1); };
    """})
    hook = make_hook(runtime, code)
    error = await failure(hook)
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith("SyntaxError: late")
    assert (await failure(hook)).reason.startswith("SyntaxError: late")


async def test_python_memory_leak_past_the_cap_is_killed_and_replaced(runtime, code_dir):
    code = write_code(code_dir / "py-leaks", {"lambda_function.py": """
        import os
        hoard = []
        def lambda_handler(event, context):
            if event["Records"][0]["cf"]["request"]["uri"] == "/leak":
                for _ in range(400):
                    hoard.append(bytearray(1024 * 1024))
            return {"status": "200", "body": str(os.getpid())}
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    before = (await hook(make_call("viewer-request"))).response.body
    error = await failure(hook, request=viewer_request(uri="/leak"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith("Runtime.OutOfMemory")
    assert not _alive(int(before))
    assert (await hook(make_call("viewer-request"))).response.body != before


@requires_node
async def test_node_heap_past_the_cap_is_killed_and_replaced(runtime, code_dir):
    code = write_code(code_dir / "node-leaks", {"index.js": """
        const hoard = [];
        exports.handler = async (event) => {
          if (event.Records[0].cf.request.uri === '/leak') for (;;) hoard.push(new Array(100000).fill({a: 1}));
          return {status: '200', body: String(process.pid)};
        };
    """})
    hook = make_hook(runtime, code, "origin-request", timeout=20)
    before = (await hook(make_call("origin-request"))).response.body
    error = await failure(hook, "origin-request", request=viewer_request(uri="/leak"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert (await hook(make_call("origin-request"))).response.body != before


async def test_python_resident_memory_over_the_cap_fails_even_without_an_exception(runtime, code_dir):
    code = write_code(code_dir / "py-big", {"lambda_function.py": """
        keep = None
        def lambda_handler(event, context):
            global keep
            keep = bytearray(150 * 1024 * 1024)
            return {"status": "200"}
    """})
    result = await make_hook(runtime, code, "origin-request", runtime_name="python3.12", memory=512)(make_call("origin-request"))
    assert result.response.status == 200
    error = await failure(make_hook(runtime, code, "origin-request", runtime_name="python3.12", memory=128), "origin-request")
    assert error.reason.startswith("Runtime.OutOfMemory")


async def test_concurrency_beyond_the_regional_limit_is_throttled(code_dir, tmp_path):
    code = write_code(code_dir / "py-slow", {"lambda_function.py": """
        import time
        def lambda_handler(event, context):
            time.sleep(0.3)
            return {"status": "200"}
    """})
    runtime = LambdaRuntime(concurrency=1)
    await runtime.start()
    try:
        hook = make_hook(runtime, code, runtime_name="python3.12")
        first, second = await asyncio.gather(hook(make_call("viewer-request")), hook(make_call("viewer-request")), return_exceptions=True)
        ok, throttled = (first, second) if not isinstance(first, HookError) else (second, first)
        assert ok.response.status == 200
        assert (throttled.status, throttled.error_name) == (503, "LambdaLimitExceeded")
        other_region = make_call("viewer-request", region="eu-west-1")
        results = await asyncio.gather(hook(make_call("viewer-request")), hook(other_region))
        assert [r.response.status for r in results] == [200, 200]
    finally:
        await runtime.close()


@requires_node
@pytest.mark.parametrize(("files", "error_type"), [
    ({"index.js": "exports.handler = async () => {"}, "Runtime.UserCodeSyntaxError"),
    ({"index.js": "exports.other = async () => ({});"}, "Runtime.HandlerNotFound"),
    ({"main.js": "exports.handler = async () => ({});"}, "Runtime.ImportModuleError"),
    ({"index.js": "require('not-installed'); exports.handler = async () => ({});"}, "Runtime.ImportModuleError"),
    ({"index.js": "throw new Error('at init');"}, "Runtime.ImportModuleError"),
])
async def test_node_init_failure_is_503_execution_error(runtime, code_dir, files, error_type):
    code = write_code(code_dir / f"init-{error_type}-{len(str(files))}", files)
    error = await failure(make_hook(runtime, code))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith(error_type)


@pytest.mark.parametrize(("source", "error_type"), [
    ("def lambda_handler(event, context) return 1", "Runtime.UserCodeSyntaxError"),
    ("def other(event, context): pass", "Runtime.HandlerNotFound"),
    ("import not_installed_anywhere", "Runtime.ImportModuleError"),
])
async def test_python_init_failure_is_503_execution_error(runtime, code_dir, source, error_type):
    code = write_code(code_dir / f"py-init-{error_type}", {"lambda_function.py": source})
    error = await failure(make_hook(runtime, code, runtime_name="python3.12"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith(error_type)


async def test_unparsable_output_is_502_validation_error(runtime, code_dir):
    code = write_code(code_dir / "not-json", {"bootstrap": f"""
        #!{_python()}
        import os, urllib.request
        api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
        while True:
            with urllib.request.urlopen(api + "next") as r:
                rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
            urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=b"{{not json", method="POST")).read()
    """})
    error = await failure(make_hook(runtime, code, runtime_name="provided.al2023"))
    assert (error.status, error.error_name) == (502, "LambdaValidationError")
    assert "not parsable" in error.reason


def _python() -> str:
    import sys
    return sys.executable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read()
    except OSError:
        return False


async def test_bootstrap_that_cannot_be_executed_fails_at_init(runtime, code_dir):
    code = write_code(code_dir / "not-executable", {"bootstrap": "#!/bin/sh\nexit 0\n"})
    (code / "bootstrap").chmod(0o644)
    error = await failure(make_hook(runtime, code, runtime_name="provided.al2023"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith("Runtime.InvalidEntrypoint")


async def test_bootstrap_that_exits_before_asking_for_work_fails_at_init(runtime, code_dir):
    code = write_code(code_dir / "exits-early", {"bootstrap": "#!/bin/sh\necho 'giving up'\nexit 4\n"})
    hook = make_hook(runtime, code, runtime_name="provided.al2023")
    outcome = await hook.run(make_call("viewer-request"))
    assert outcome.error.reason == "Runtime.ExitError: Runtime exited with error: exit status 4"
    assert outcome.invoke.logs == ["giving up"] and outcome.invoke.cold_start


async def test_failed_invocation_error_carries_the_function_logs(runtime, code_dir):
    code = write_code(code_dir / "py-logs-then-fails", {"lambda_function.py": """
        def lambda_handler(event, context):
            print("looked at", event["Records"][0]["cf"]["request"]["uri"])
            raise RuntimeError("then failed")
    """})
    error = await failure(make_hook(runtime, code, runtime_name="python3.12"))
    assert "looked at /index.html" in error.logs
    assert error.logs[-1].startswith("REPORT RequestId: ") and error.duration_ms > 0


async def test_python_result_that_is_not_json_is_a_marshal_error(runtime, code_dir):
    code = write_code(code_dir / "py-marshal", {"lambda_function.py": "def lambda_handler(e, c):\n    return {'status': '200', 'body': object()}\n"})
    error = await failure(make_hook(runtime, code, runtime_name="python3.12"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith("Runtime.MarshalError: Unable to marshal response")


async def test_result_over_lambdas_6_mb_payload_limit_fails_and_the_worker_stays_usable(runtime, code_dir):
    code = write_code(code_dir / "py-huge", {"lambda_function.py": """
        def lambda_handler(event, context):
            if event["Records"][0]["cf"]["request"]["uri"] == "/huge":
                return {"status": "200", "body": "x" * (7 * 1024 * 1024)}
            return {"status": "200", "body": "small"}
    """})
    hook = make_hook(runtime, code, "origin-request", runtime_name="python3.12", memory=512)
    error = await failure(hook, "origin-request", request=viewer_request(uri="/huge"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason.startswith("Function.ResponseSizeTooLarge")
    assert (await hook(make_call("origin-request"))).response.body == b"small"
