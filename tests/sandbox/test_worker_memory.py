"""A worker's memory size caps the memory it holds, as on Lambda, not its address space.

Lambda's memory setting is RAM: "Memory is the amount of memory available to your Lambda
function at runtime" (developer guide, docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html);
over it the runtime is killed and the invocation fails with `Runtime.OutOfMemory`. So code
that reserves address space without using it (WebAssembly memories, Node's built-in
`fetch`, whose HTTP parser is WebAssembly, thread stacks) must run, and code that holds
too much must fail, whether it answers, never answers, holds it in a child process, or
grows while idle.

The code lives in a world-readable directory so that, as root, workers run as their own
sandbox uid, the stricter of the two ways a worker runs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from edgesim.edge.hooks import HookError
from edgesim.lambdas.memory import IDLE_INTERVAL_S, MemoryWatch
from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import make_call, make_hook, requires_node, viewer_request, write_code

pytestmark = pytest.mark.asyncio(loop_scope="module")

# (module (memory (export "memory") 1)
#   (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
WASM_ADD = [
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,              # magic, version 1
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F,        # type: (i32, i32) -> i32
    0x03, 0x02, 0x01, 0x00,                                      # function 0 has type 0
    0x05, 0x03, 0x01, 0x00, 0x01,                                # one memory, 1 page
    0x07, 0x10, 0x02,                                            # two exports:
    0x06, 0x6D, 0x65, 0x6D, 0x6F, 0x72, 0x79, 0x02, 0x00,        #   "memory" = memory 0
    0x03, 0x61, 0x64, 0x64, 0x00, 0x00,                          #   "add" = function 0
    0x0A, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B,  # local.get 0, 1; i32.add
]


@pytest.fixture(scope="module")
def shared_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="edgesim-memory-test-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runtime(shared_dir: Path) -> AsyncIterator[LambdaRuntime]:
    rt = LambdaRuntime(log_dir=shared_dir / "logs", concurrency=16)
    await rt.start()
    yield rt
    await rt.close()


def public_code(directory: Path, files: dict[str, str]) -> Path:
    code = write_code(directory, files)
    for path in (code, *code.iterdir()):
        path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0))
    return code


async def failure(hook, event_type: str = "viewer-request", **kwargs) -> HookError:
    with pytest.raises(HookError) as caught:
        await hook(make_call(event_type, **kwargs))
    return caught.value


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as proc_stat:
            return proc_stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


async def until_gone(pid: int) -> bool:
    """Whether `pid` dies within a generous bound (no timing is asserted, only the outcome)."""
    for _ in range(500):
        if not alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


@requires_node
async def test_node_handler_instantiates_a_webassembly_module_with_a_memory(runtime, shared_dir):
    code = public_code(shared_dir / "node-wasm", {"index.js": f"""
        const bytes = new Uint8Array({WASM_ADD});
        exports.handler = async () => {{
          const {{ instance }} = await WebAssembly.instantiate(bytes);
          const sum = instance.exports.add(40, 2);
          return {{status: '200', body: `${{sum}} ${{instance.exports.memory.buffer.byteLength}}`}};
        }};
    """})
    result = await make_hook(runtime, code)(make_call("viewer-request"))
    assert result.response.body == b"42 65536"


@requires_node
async def test_node_handler_fetches_from_a_loopback_server_with_the_builtin_fetch(runtime, shared_dir):
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n"
                     b"Connection: close\r\n\r\nhello from loopback")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    code = public_code(shared_dir / "node-fetch", {"index.js": """
        exports.handler = async (event) => {
          const port = new URLSearchParams(event.Records[0].cf.request.querystring).get('port');
          const reply = await fetch(`http://127.0.0.1:${port}/greeting`);
          return {status: '200', body: `${reply.status} ${await reply.text()}`};
        };
    """})
    try:
        result = await make_hook(runtime, code)(make_call("viewer-request", request=viewer_request(querystring=f"port={port}")))
    finally:
        server.close()
        await server.wait_closed()
    assert result.response.body == b"200 hello from loopback"


async def test_python_handler_starts_two_dozen_threads_at_128_mb(runtime, shared_dir):
    code = public_code(shared_dir / "py-threads", {"lambda_function.py": """
        from concurrent.futures import ThreadPoolExecutor
        import threading
        def lambda_handler(event, context):
            barrier = threading.Barrier(24)
            with ThreadPoolExecutor(max_workers=24) as pool:
                seen = set(pool.map(lambda _: (barrier.wait(), threading.get_ident())[1], range(24)))
            return {"status": "200", "body": str(len(seen))}
    """})
    result = await make_hook(runtime, code, runtime_name="python3.12")(make_call("viewer-request"))
    assert result.response.body == b"24"


async def test_python_handler_that_holds_more_than_its_memory_fails_with_out_of_memory(runtime, shared_dir):
    code = public_code(shared_dir / "py-holds", {"lambda_function.py": """
        import os
        hoard = []
        def lambda_handler(event, context):
            if event["Records"][0]["cf"]["request"]["uri"] == "/hoard":
                hoard.append(bytearray(200 * 1024 * 1024))
            return {"status": "200", "body": str(os.getpid())}
    """})
    hook = make_hook(runtime, code, runtime_name="python3.12")
    before = int((await hook(make_call("viewer-request"))).response.body)
    error = await failure(hook, request=viewer_request(uri="/hoard"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason == "Runtime.OutOfMemory: Runtime exited with error: signal: killed"
    assert await until_gone(before)
    assert int((await hook(make_call("viewer-request"))).response.body) != before


@requires_node
async def test_node_handler_that_holds_more_than_its_memory_off_the_heap_fails_with_out_of_memory(runtime, shared_dir):
    code = public_code(shared_dir / "node-holds", {"index.js": """
        const hoard = [];
        exports.handler = async (event) => {
          if (event.Records[0].cf.request.uri === '/hoard') for (let i = 0; i < 20; i++) hoard.push(Buffer.alloc(10 * 1024 * 1024, 1));
          return {status: '200', body: String(process.pid)};
        };
    """})
    hook = make_hook(runtime, code)
    before = int((await hook(make_call("viewer-request"))).response.body)
    error = await failure(hook, request=viewer_request(uri="/hoard"))
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason == "Runtime.OutOfMemory: Runtime exited with error: signal: killed"
    assert int((await hook(make_call("viewer-request"))).response.body) != before


@pytest.mark.parametrize("runtime_name", [pytest.param("nodejs20.x", marks=requires_node), "python3.12"])
async def test_handler_that_outgrows_its_memory_and_never_answers_is_killed_for_memory_not_timed_out(
    runtime, shared_dir, runtime_name
):
    files = {
        "nodejs20.x": {"index.js": """
            const hoard = [];
            exports.handler = () => new Promise(() => {
              setInterval(() => { if (hoard.length < 30) hoard.push(Buffer.alloc(10 * 1024 * 1024, 1)); }, 5);
            });
        """},
        "python3.12": {"lambda_function.py": """
            import time
            def lambda_handler(event, context):
                hoard = bytearray(300 * 1024 * 1024)
                while True:
                    time.sleep(1)
        """},
    }[runtime_name]
    code = public_code(shared_dir / f"grows-{runtime_name}", files)
    error = await failure(make_hook(runtime, code, "origin-request", runtime_name=runtime_name, timeout=30), "origin-request")
    assert (error.status, error.error_name) == (503, "LambdaExecutionError")
    assert error.reason == "Runtime.OutOfMemory: Runtime exited with error: signal: killed"


async def test_memory_held_by_a_process_the_handler_started_counts_toward_its_memory(runtime, shared_dir):
    code = public_code(shared_dir / "py-child-holds", {"lambda_function.py": """
        import subprocess, sys
        CHILD = "import time; hoard = bytearray(200 * 1024 * 1024); time.sleep(5)"
        def lambda_handler(event, context):
            subprocess.run([sys.executable, "-c", CHILD], check=True)
            return {"status": "200", "body": "the child finished"}
    """})
    hook = make_hook(runtime, code, "origin-request", runtime_name="python3.12", timeout=30)
    error = await failure(hook, "origin-request")
    assert error.reason == "Runtime.OutOfMemory: Runtime exited with error: signal: killed"


@requires_node
async def test_idle_worker_that_grows_after_answering_is_killed_and_the_next_call_starts_fresh(runtime, shared_dir):
    code = public_code(shared_dir / "node-grows-idle", {"index.js": """
        const fs = require('fs');
        const hoard = [];
        exports.handler = async (event) => {
          const go = event.Records[0].cf.request.querystring;  // a file the test creates once this call has answered
          if (go) setInterval(() => { if (hoard.length < 40 && fs.existsSync(go)) hoard.push(Buffer.alloc(10 * 1024 * 1024, 1)); }, 5).unref();
          return {status: '200', body: String(process.pid)};
        };
    """})
    go = shared_dir / "grow-now"
    hook = make_hook(runtime, code)
    first = int((await hook(make_call("viewer-request", request=viewer_request(querystring=str(go))))).response.body)
    go.touch()
    assert await until_gone(first)
    assert int((await hook(make_call("viewer-request", request=viewer_request(querystring="")))).response.body) != first


async def test_workers_are_the_oom_killers_first_choice(runtime, shared_dir):
    code = public_code(shared_dir / "py-oom-score", {"lambda_function.py": """
        def lambda_handler(event, context):
            with open("/proc/self/oom_score_adj") as adj:
                return {"status": "200", "body": adj.read().strip()}
    """})
    result = await make_hook(runtime, code, runtime_name="python3.12")(make_call("viewer-request"))
    assert result.response.body == b"1000"
    assert Path(f"/proc/{os.getpid()}/oom_score_adj").read_text().strip() != "1000"


async def test_watching_a_tree_of_many_processes_holds_one_descriptor_per_worker():
    """A function may start hundreds of processes; the watch must not hold a file for each."""
    tree = await asyncio.create_subprocess_exec(
        "sh", "-c", "for i in $(seq 200); do sleep 30 & done; echo started; wait",
        stdout=asyncio.subprocess.PIPE, start_new_session=True)
    assert tree.stdout is not None
    await tree.stdout.readline()
    watch = MemoryWatch()
    before = len(os.listdir("/proc/self/fd"))
    over: list[int] = []
    try:
        watch.watch(tree.pid, 1024 * 1024, over.append)
        await asyncio.sleep(IDLE_INTERVAL_S * 2)  # the tree found at the start, then sampled
        held = len(os.listdir("/proc/self/fd")) - before
    finally:
        watch.unwatch(tree.pid)
        os.killpg(tree.pid, signal.SIGKILL)
        await tree.wait()
    assert held <= 1, f"{held} descriptors held for one watched tree of 201 processes"
    assert over == []
