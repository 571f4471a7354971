"""Workers: Node.js handler styles, Python, custom bootstraps, awslambdaric, and the process around them."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys

import pytest

from edgesim.edge.hooks import HookError
from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import make_call, make_hook, requires_node, viewer_request, write_code

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPORT_BODY = "return {status: '200', body: JSON.stringify(%s)};"


async def body_of(hook, event_type="viewer-request", **kwargs):
    result = await hook(make_call(event_type, **kwargs))
    return json.loads(result.response.body)


@requires_node
async def test_node_async_handler_result_is_used(runtime, code_dir):
    code = write_code(code_dir / "async-style", {"index.js": "exports.handler = async () => ({status: '200', body: 'async'});"})
    assert (await make_hook(runtime, code)(make_call("viewer-request"))).response.body == b"async"


@requires_node
async def test_node_callback_handler_waits_for_the_event_loop_by_default(runtime, code_dir):
    code = write_code(code_dir / "callback-waits", {"index.js": """
        let late = 'not yet';
        exports.handler = (event, context, callback) => {
          callback(null, {status: '200', headers: {}, body: 'cb'});
          setTimeout(() => { late = 'ran before the answer'; console.log(late); }, 20);
        };
    """})
    result = await make_hook(runtime, code)(make_call("viewer-request"))
    assert result.response.body == b"cb"
    assert any("ran before the answer" in line for line in result.logs)


@requires_node
async def test_node_callback_answers_at_once_without_waiting_for_the_event_loop(runtime, code_dir):
    code = write_code(code_dir / "callback-no-wait", {"index.js": """
        exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = false;
          setTimeout(() => {}, 600000);
          callback(null, {status: '200', body: 'quick'});
        };
    """})
    # Waiting for that timer would run past the viewer trigger's 5 s limit and fail the call.
    result = await make_hook(runtime, code)(make_call("viewer-request"))
    assert result.response.body == b"quick"


@requires_node
async def test_node_sync_handler_that_returns_a_value_answers_null(runtime, code_dir):
    code = write_code(code_dir / "sync-return", {"index.js": "exports.handler = (event) => event.Records[0].cf.request;"})
    with pytest.raises(HookError) as caught:
        await make_hook(runtime, code)(make_call("viewer-request"))
    assert caught.value.status == 502 and "must be an object type, got null" in caught.value.reason


@requires_node
async def test_node_context_object(runtime, code_dir):
    code = write_code(code_dir / "node-context", {"index.js": """
        exports.handler = async (event, context) => ({status: '200', body: JSON.stringify({
          functionName: context.functionName, functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
          awsRequestId: context.awsRequestId, logGroupName: context.logGroupName, logStreamName: context.logStreamName,
          remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop,
          region: process.env.AWS_REGION})});
    """})
    hook = make_hook(runtime, code, timeout=2)
    result = await hook(make_call("viewer-request", region="eu-central-1"))
    seen = json.loads(result.response.body)
    assert seen["functionName"] == "us-east-1.node-context"
    assert seen["functionVersion"] == "1"
    assert seen["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:node-context:1"
    assert seen["memoryLimitInMB"] == "128"
    assert seen["logGroupName"] == "/aws/lambda/us-east-1.node-context"
    assert seen["logStreamName"] == _only_worker(runtime, "node-context").stream
    assert re.match(r"^\d{4}/\d{2}/\d{2}/\[1\][0-9a-f]{32}$", seen["logStreamName"])
    assert 1000 < seen["remaining"] <= 2000
    assert seen["waits"] is True
    assert seen["region"] == "eu-central-1"
    assert f"REPORT RequestId: {seen['awsRequestId']}" in result.logs[-1]


async def test_python_context_object(runtime, code_dir):
    code = write_code(code_dir / "py-context", {"lambda_function.py": """
        import json, os
        def lambda_handler(event, context):
            return {"status": "200", "body": json.dumps({
                "function_name": context.function_name, "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn, "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id, "log_group_name": context.log_group_name,
                "remaining": context.get_remaining_time_in_millis(), "region": os.environ["AWS_REGION"]})}
    """})
    hook = make_hook(runtime, code, "origin-request", runtime_name="python3.12", memory=256, timeout=3)
    result = await hook(make_call("origin-request", region="sa-east-1"))
    seen = json.loads(result.response.body)
    assert seen["function_name"] == "us-east-1.py-context"
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["log_group_name"] == "/aws/lambda/us-east-1.py-context"
    assert seen["invoked_function_arn"].endswith(":function:py-context:1")
    assert 2000 < seen["remaining"] <= 3000
    assert seen["region"] == "sa-east-1"
    assert f"REPORT RequestId: {seen['aws_request_id']}" in result.logs[-1]


async def test_python_runtime_loads_no_http_email_or_ssl_modules_of_its_own(runtime, code_dir):
    # They are 6 of a worker's 18 MB, and edgesim keeps one worker per concurrent invocation.
    code = write_code(code_dir / "py-modules", {"lambda_function.py": """
        import json, sys
        def lambda_handler(event, context):
            heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("http", "email", "ssl"))
            return {"status": "200", "body": json.dumps(heavy)}
    """})
    hook = make_hook(runtime, code, "origin-request", runtime_name="python3.12")
    for _ in range(2):  # the first call and a warm one over the same connection
        result = await hook(make_call("origin-request"))
        assert json.loads(result.response.body) == []


async def test_python_runtime_has_what_lambdas_bootstrap_loaded_before_user_code(runtime, code_dir):
    # The developer guide's sign-in redirect example imports only `urllib`, then calls
    # urllib.parse.quote_plus: Lambda's runtime has urllib.parse loaded already. The other
    # modules are what awslambdaric's bootstrap.py and marshaller import.
    code = write_code(code_dir / "py-preloaded", {"lambda_function.py": """
        import sys
        import urllib
        loaded_at_import = sorted(m for m in ("urllib.parse", "json", "decimal", "logging", "traceback") if m in sys.modules)
        def lambda_handler(event, context):
            return {"status": "302", "headers": {"location": [{"value": "/signin?r=" + urllib.parse.quote_plus("/a b?c=d")}]},
                    "body": ",".join(loaded_at_import)}
    """})
    result = await make_hook(runtime, code, "viewer-request", runtime_name="python3.12")(make_call("viewer-request"))
    assert result.response.headers.get("location") == "/signin?r=%2Fa+b%3Fc%3Dd"
    assert result.response.body == b"decimal,json,logging,traceback,urllib.parse"


@requires_node
async def test_node_module_state_survives_warm_invocations(runtime, code_dir):
    code = write_code(code_dir / "node-counter", {"index.js": "let n = 0; exports.handler = async () => ({status: '200', body: String(++n)});"})
    hook = make_hook(runtime, code)
    bodies = [(await hook(make_call("viewer-request"))).response.body for _ in range(3)]
    assert bodies == [b"1", b"2", b"3"]


async def test_python_module_state_survives_and_only_the_first_call_is_cold(runtime, code_dir):
    code = write_code(code_dir / "py-counter", {"lambda_function.py": """
        n = 0
        def lambda_handler(event, context):
            global n
            n += 1
            return {"status": "200", "body": str(n)}
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    results = [await hook(make_call("viewer-request")) for _ in range(3)]
    assert [r.response.body for r in results] == [b"1", b"2", b"3"]
    assert ["Init Duration" in r.logs[-1] for r in results] == [True, False, False]


async def test_each_region_has_its_own_pool_and_state(runtime, code_dir):
    code = write_code(code_dir / "py-regional", {"lambda_function.py": """
        import os
        n = 0
        def lambda_handler(event, context):
            global n
            n += 1
            return {"status": "200", "body": f"{os.environ['AWS_REGION']} {n}"}
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    seen = [(await hook(make_call("viewer-request", region=r))).response.body for r in ("us-west-2", "eu-west-1", "us-west-2")]
    assert seen == [b"us-west-2 1", b"eu-west-1 1", b"us-west-2 2"]


@requires_node
async def test_node_esm_handler(runtime, code_dir):
    code = write_code(code_dir / "esm", {"index.mjs": "export const handler = async () => ({status: '200', body: 'esm'});"})
    assert (await make_hook(runtime, code)(make_call("viewer-request"))).response.body == b"esm"


@requires_node
async def test_node_handler_in_a_subdirectory_with_an_npm_dependency(runtime, code_dir):
    code = write_code(code_dir / "with-deps", {
        "node_modules/shout/package.json": '{"name": "shout", "main": "main.js"}',
        "node_modules/shout/main.js": "module.exports = (s) => s.toUpperCase();",
        "src/app.js": "const shout = require('shout'); exports.run = async () => ({status: '200', body: shout('dep')});",
    })
    hook = make_hook(runtime, code, handler="src/app.run")
    assert (await hook(make_call("viewer-request"))).response.body == b"DEP"


async def test_python_handler_with_a_pip_dependency_in_its_directory(runtime, code_dir):
    code = write_code(code_dir / "py-deps", {
        "vendored_pkg/__init__.py": "def shout(s):\n    return s.upper()\n",
        "app.py": "import vendored_pkg\ndef handle(event, context):\n    return {'status': '200', 'body': vendored_pkg.shout('dep')}\n",
    })
    hook = make_hook(runtime, code, runtime_name="python3.12", handler="app.handle")
    assert (await hook(make_call("viewer-request"))).response.body == b"DEP"


async def test_python_logging_uses_lambdas_format(runtime, code_dir):
    code = write_code(code_dir / "py-logging", {"lambda_function.py": """
        import logging
        def lambda_handler(event, context):
            print("plain print")
            logging.getLogger().warning("careful")
            return {"status": "200"}
    """})
    result = await make_hook(runtime, code, runtime_name="python3.12")(make_call("viewer-request"))
    request_id = result.logs[0].split()[2]
    assert "plain print" in result.logs
    assert any(line.startswith("[WARNING]\t") and line.endswith(f"\t{request_id}\tcareful") for line in result.logs)


async def test_custom_runtime_bootstrap(runtime, code_dir):
    code = write_code(code_dir / "custom", {"bootstrap": f"""
        #!{sys.executable}
        import json, os, urllib.request
        api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
        while True:
            with urllib.request.urlopen(api + "next") as r:
                rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
                event = json.load(r)
            body = json.dumps({{"status": "200", "body": os.environ["_HANDLER"] + " " + event["Records"][0]["cf"]["config"]["eventType"]}})
            urllib.request.urlopen(urllib.request.Request(api + rid + "/response", data=body.encode(), method="POST")).read()
    """})
    hook = make_hook(runtime, code, "origin-request", runtime_name="provided.al2023", handler="my.handler")
    assert (await hook(make_call("origin-request"))).response.body == b"my.handler origin-request"


async def test_awslambdaric_runs_unchanged_as_a_worker(runtime, code_dir):
    code = write_code(code_dir / "ric", {
        "bootstrap": f"#!/bin/sh\nexec {sys.executable} -m awslambdaric \"$_HANDLER\"\n",
        "lambda_function.py": """
            import os
            calls = 0
            def lambda_handler(event, context):
                global calls
                calls += 1
                request = event["Records"][0]["cf"]["request"]
                request["headers"]["x-ric"] = [{"key": "X-Ric", "value": f"{context.function_name} {calls}"}]
                print("ric says hi")
                return request
            def broken(event, context):
                raise LookupError("from ric")
        """,
    })
    hook = make_hook(runtime, code, runtime_name="provided.al2023", handler="lambda_function.lambda_handler")
    first = await hook(make_call("viewer-request"))
    second = await hook(make_call("viewer-request"))
    assert first.request.headers.get("x-ric") == "us-east-1.ric 1"
    assert second.request.headers.get("x-ric") == "us-east-1.ric 2"
    assert any("ric says hi" in line for line in first.logs)
    broken = make_hook(runtime, code, runtime_name="provided.al2023", handler="lambda_function.broken", name="ric-broken")
    with pytest.raises(HookError) as caught:
        await broken(make_call("viewer-request"))
    assert (caught.value.status, caught.value.reason) == (503, "LookupError: from ric")


async def test_worker_environment_has_lambdas_variables_and_no_host_secrets(runtime, code_dir, monkeypatch):
    monkeypatch.setenv("EDGESIM_TEST_SECRET", "hunter2")
    code = write_code(code_dir / "py-env", {"lambda_function.py": """
        import json, os, subprocess
        def lambda_handler(event, context):
            grandchild = subprocess.run(["sh", "-c", "sh -c env"], capture_output=True, text=True).stdout
            return {"status": "200", "body": json.dumps({"env": dict(os.environ), "grandchild": grandchild})}
    """})
    seen = json.loads((await make_hook(runtime, code, runtime_name="python3.12")(make_call("viewer-request", region="eu-north-1"))).response.body)
    env = seen["env"]
    assert "EDGESIM_TEST_SECRET" not in env
    assert "AWS_LAMBDA_FUNCTION_NAME=us-east-1.py-env" in seen["grandchild"] and "EDGESIM_TEST_SECRET" not in seen["grandchild"]
    assert set(env) - {"PATH", "LANG", "LC_ALL", "LC_CTYPE"} == {
        "AWS_LAMBDA_RUNTIME_API", "_HANDLER", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_REGION", "AWS_DEFAULT_REGION", "TZ",
    }
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert env["AWS_REGION"] == "eu-north-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["LAMBDA_TASK_ROOT"] == str(code)


@pytest.mark.parametrize(("event_type", "memory", "expected_mb"), [("viewer-request", 1024, 128), ("origin-request", 1024, 1024)])
async def test_memory_cap_is_128_mb_at_viewer_triggers_and_the_function_size_at_origin_triggers(
    runtime, code_dir, event_type, memory, expected_mb
):
    code = write_code(code_dir / f"py-limits-{event_type}", {"lambda_function.py": """
        def lambda_handler(event, context):
            if event["Records"][0]["cf"]["request"]["uri"] == "/hold-200-mb":
                hold = bytearray(200 * 1024 * 1024)
            return {"status": "200", "body": context.memory_limit_in_mb}
    """})
    hook = make_hook(runtime, code, event_type, runtime_name="python3.12", memory=memory)
    assert (await hook(make_call(event_type))).response.body.decode() == str(expected_mb)
    holding = make_call(event_type, request=viewer_request(uri="/hold-200-mb"))
    if expected_mb < 200:
        with pytest.raises(HookError, match="Runtime.OutOfMemory"):
            await hook(holding)
    else:
        assert (await hook(holding)).response.body.decode() == str(expected_mb)


async def test_closing_kills_every_worker_and_their_children(code_dir):
    code = write_code(code_dir / "py-spawns", {"lambda_function.py": """
        import subprocess
        child = subprocess.Popen(["sleep", "60"])
        def lambda_handler(event, context):
            return {"status": "200", "body": str(child.pid)}
    """})
    runtime = LambdaRuntime()
    await runtime.start()
    hook = make_hook(runtime, code, runtime_name="python3.12")
    child = int((await hook(make_call("viewer-request"))).response.body)
    workers = [pid for pool in runtime.pools() for pid in pool.worker_pids()]
    await runtime.close()
    for _ in range(100):  # SIGKILL is delivered at once, but a loaded box may take a moment to reap
        if not any(_alive(pid) for pid in [*workers, child]):
            break
        await asyncio.sleep(0.02)
    assert workers and not any(_alive(pid) for pid in [*workers, child])


async def test_function_logs_go_to_the_home_prefixed_group_of_the_running_region(runtime, code_dir):
    code = write_code(code_dir / "py-logs", {"lambda_function.py": "def lambda_handler(e, c):\n    print('logged here')\n    return {'status': '200'}\n"})
    await make_hook(runtime, code, runtime_name="python3.12")(make_call("viewer-request", region="ap-south-1"))
    path = runtime.sink.log_dir / "ap-south-1" / "aws" / "lambda" / "us-east-1.py-logs.log"
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    assert lines[start + 1] == "logged here" and lines[-1].startswith("REPORT RequestId: ")


@requires_node
async def test_fixed_clock_shifts_the_time_functions_see(code_dir):
    node = write_code(code_dir / "node-clock", {"index.js": "exports.handler = async () => ({status: '200', body: new Date().toISOString() + ' ' + Date.now()});"})
    python = write_code(code_dir / "py-clock", {"lambda_function.py": """
        import datetime, time
        def lambda_handler(event, context):
            return {"status": "200", "body": f"{datetime.datetime.now(datetime.timezone.utc).year} {int(time.time())}"}
    """})
    runtime = LambdaRuntime(now=1577836800.0)  # 2020-01-01T00:00:00Z
    await runtime.start()
    try:
        node_body = (await make_hook(runtime, node)(make_call("viewer-request"))).response.body.decode()
        python_body = (await make_hook(runtime, python, runtime_name="python3.12")(make_call("viewer-request"))).response.body.decode()
    finally:
        await runtime.close()
    assert node_body.startswith("2020-01-01T00:00:0")
    year, seconds = python_body.split()
    assert year == "2020" and 1577836800 <= int(seconds) < 1577836860


def _only_worker(runtime: LambdaRuntime, name: str):
    pool = next(p for p in runtime.pools() if p.spec.function_name == f"us-east-1.{name}")
    (worker,) = pool._workers
    return worker


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "zombie" not in status.read()
    except OSError:
        return False


async def test_concurrent_invocations_run_on_separate_warm_workers(runtime, code_dir):
    rendezvous = code_dir / "py-parallel-rendezvous"
    rendezvous.mkdir()
    rendezvous.chmod(0o777)
    code = write_code(code_dir / "py-parallel", {"lambda_function.py": f"""
        import os, time
        def lambda_handler(event, context):
            # Each invocation waits until all three are running: only concurrent workers meet.
            open(os.path.join({str(rendezvous)!r}, str(os.getpid())), "w").close()
            for _ in range(400):
                if len(os.listdir({str(rendezvous)!r})) >= 3:
                    return {{"status": "200", "body": str(os.getpid())}}
                time.sleep(0.01)
            return {{"status": "500", "body": "ran alone"}}
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    results = await asyncio.gather(*(hook(make_call("viewer-request")) for _ in range(3)))
    assert [r.response.status for r in results] == [200, 200, 200], "all three ran at once"
    pids = {r.response.body for r in results}
    assert len(pids) == 3
    again = await asyncio.gather(*(hook(make_call("viewer-request")) for _ in range(3)))
    assert {r.response.body for r in again} == pids


async def test_idle_workers_are_reaped_and_the_next_call_starts_cold(code_dir):
    code = write_code(code_dir / "py-idle", {"lambda_function.py": "import os\ndef lambda_handler(e, c):\n    return {'status': '200', 'body': str(os.getpid())}\n"})
    runtime = LambdaRuntime(idle_timeout=0.2)
    await runtime.start()
    try:
        hook = make_hook(runtime, code, runtime_name="python3.12")
        first = int((await hook(make_call("viewer-request"))).response.body)
        await asyncio.sleep(0.5)
        assert not _alive(first)
        second = await hook(make_call("viewer-request"))
        assert int(second.response.body) != first and "Init Duration" in second.logs[-1]
    finally:
        await runtime.close()


@requires_node
async def test_workers_that_die_leave_no_open_ports_or_pipes(code_dir):
    # Each call reports an error and then its worker exits, so the next call finds a dead
    # idle worker (or one that dies before taking the event) and must release it.
    code = write_code(code_dir / "node-dies-after-error", {"index.js": """
        exports.handler = (event, context, callback) => { setTimeout(() => { throw new Error('late'); }, 1); };
    """})
    runtime = LambdaRuntime()
    await runtime.start()
    hook = make_hook(runtime, code)
    await hook.run(make_call("viewer-request"))
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        outcome = await hook.run(make_call("viewer-request"))
        assert outcome.error.reason == "Error: late"
    await asyncio.sleep(0.1)
    assert len(os.listdir("/proc/self/fd")) <= before
    await runtime.close()


@requires_node
async def test_node_version_other_than_the_runtimes_is_noted_in_the_function_log(runtime, code_dir):
    major = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip().lstrip("v").split(".")[0]
    other = "nodejs18.x" if major != "18" else "nodejs22.x"
    code = write_code(code_dir / "node-version-note", {"index.js": "exports.handler = async () => ({status: '200'});"})
    await make_hook(runtime, code, runtime_name=other)(make_call("viewer-request", region="ca-central-1"))
    log = (runtime.sink.log_dir / "ca-central-1/aws/lambda/us-east-1.node-version-note.log").read_text()
    assert log.startswith(f"{other}: running with the node on PATH, version {major}\n")
