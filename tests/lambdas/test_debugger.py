"""`edgesim serve --inspect`: a Node.js handler under a real debugger (Chrome DevTools Protocol)."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import pytest
import yaml

from edgesim.config.load import load_config
from edgesim.lambdas.debugging import debug_ports, describe_debug_ports
from tests.integration.test_cli_serve import serve

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs `node` on PATH")

PAUSING_HANDLER = """\
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  debugger;
  if (request.uri.startsWith('/together/')) await new Promise((resolve) => setTimeout(resolve, 300));
  return { status: '200', headers: { 'x-worker': [{ key: 'X-Worker', value: String(process.pid) }] },
           body: request.uri };
};
"""


def write_project(folder: Path, lambdas: dict[str, dict[str, str]]) -> Path:
    for name, function in lambdas.items():
        if "source" in function:
            (folder / name).mkdir()
            (folder / name / function.pop("source")).write_text(function.pop("code"))
    first = next(iter(lambdas))
    document = {
        "DistributionConfig": {
            "Origins": {"Items": [{"Id": "echo", "DomainName": "echo.example.internal",
                                   "CustomOriginConfig": {"HTTPPort": 80, "OriginProtocolPolicy": "http-only"}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "echo", "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                "LambdaFunctionAssociations": {"Items": [{
                    "LambdaFunctionARN": f"arn:aws:lambda:us-east-1:111122223333:function:{first}:1",
                    "EventType": "viewer-request"}]},
            },
        },
        "Lambdas": {name: {"Runtime": f["runtime"], "Code": name} for name, f in lambdas.items()},
        "Edgesim": {"BundledOrigins": {"echo": {"Kind": "echo"}}},
    }
    path = folder / "edge.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@dataclass
class Inspected:
    port: int
    url: str
    lines: list[str]


NODE_FUNCTION = {"runtime": "nodejs20.x", "source": "index.js", "code": PAUSING_HANDLER}


@contextmanager
def inspected(folder: Path, *args: str, function: dict[str, str] | None = None,
              inspect: bool = True) -> Iterator[Inspected]:
    """`edgesim serve` on a project with one function named `debugged`, under --inspect."""
    port = free_port()
    config = write_project(folder, {"debugged": dict(function or NODE_FUNCTION)})
    process, url, lines = serve(str(config), *(["--inspect", str(port)] if inspect else []), *args)
    try:
        yield Inspected(port, url, lines)
    finally:
        process.terminate()
        process.wait(timeout=20)


def port_owner(port: int) -> str:
    """`ss`'s line for the socket listening on `port`, with the owning process."""
    return subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def paused_on(target: str, url: str) -> tuple[str, httpx.Response]:
    """Attach to `target`, let one request hit `debugger;`, read `request.uri` in the paused
    frame, stay paused past the viewer-request timeout (5 s), resume; the value and the answer."""
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session, session.ws_connect(target) as devtools:
        ids = iter(range(1, 1000))

        async def command(method: str, **params: object) -> dict:
            sent = next(ids)
            await devtools.send_json({"id": sent, "method": method, "params": params})
            async for message in devtools:
                reply = json.loads(message.data)
                if reply.get("id") == sent:
                    return reply

        async def event(method: str) -> dict:
            async for message in devtools:
                seen = json.loads(message.data)
                if seen.get("method") == method:
                    return seen["params"]

        await command("Debugger.enable")
        with ThreadPoolExecutor(1) as pool:
            answer = loop.run_in_executor(pool, lambda: httpx.get(url + "/paused/here", timeout=60))
            paused = await asyncio.wait_for(event("Debugger.paused"), 30)
            frame = paused["callFrames"][0]["callFrameId"]
            seen = await command("Debugger.evaluateOnCallFrame", callFrameId=frame, expression="request.uri")
            await asyncio.sleep(5.5)
            assert not answer.done(), "the viewer waits while the handler is paused"
            await command("Debugger.resume")
            return seen["result"]["result"]["value"], await answer


def test_a_node_handler_stops_at_a_breakpoint_and_answers_once_resumed_past_its_timeout(tmp_path):
    with inspected(tmp_path) as edge:
        assert f"edgesim: Lambda debugged: debugger on 127.0.0.1:{edge.port} (Chrome: chrome://inspect;" in "".join(edge.lines)
        first = httpx.get(edge.url + "/first", timeout=30)  # starts the worker; no debugger attached yet
        assert first.status_code == 200, first.text
        targets = httpx.get(f"http://127.0.0.1:{edge.port}/json/list", timeout=10).json()
        assert len(targets) == 1
        uri, answer = asyncio.run(paused_on(targets[0]["webSocketDebuggerUrl"], edge.url))
        assert uri == "/paused/here"
        assert answer.status_code == 200, answer.text
        assert answer.text == "/paused/here"
        assert answer.headers["x-worker"] == first.headers["x-worker"], "the process the debugger is attached to"
        with ThreadPoolExecutor(4) as pool:  # the debugger detached: `debugger;` runs on
            together = list(pool.map(lambda i: httpx.get(f"{edge.url}/together/{i}", timeout=30), range(4)))
        assert {r.headers["x-worker"] for r in together} == {first.headers["x-worker"]}, \
            "concurrent requests wait for the one inspected worker instead of starting others"


def test_without_inspect_a_paused_handler_would_time_out_as_on_cloudfront(tmp_path):
    """The same kind of wait without --inspect: a handler that does not answer in 5 s is a 503."""
    slow = "exports.handler = async () => { await new Promise((r) => setTimeout(r, 6000)); return {status: '200'}; };\n"
    with inspected(tmp_path, function={**NODE_FUNCTION, "code": slow}, inspect=False) as edge:
        assert httpx.get(edge.url + "/", timeout=30).status_code == 503
        assert "debugger on" not in "".join(edge.lines)


def test_under_inspect_the_deadline_a_handler_reads_stays_the_viewer_request_timeout(tmp_path):
    """No timer kills a paused handler, but `getRemainingTimeInMillis()` still counts down
    from CloudFront's 5 s for a viewer-request function."""
    remaining = ("exports.handler = async (event, context) => ({ status: '200', headers: { 'x-remaining': "
                 "[{ key: 'X-Remaining', value: String(context.getRemainingTimeInMillis()) }] } });\n")
    with inspected(tmp_path, function={**NODE_FUNCTION, "code": remaining}) as edge:
        answer = httpx.get(edge.url + "/", timeout=30)
        assert answer.status_code == 200, answer.text
        assert 0 < int(answer.headers["x-remaining"]) <= 5000


def test_inspect_ports_follow_the_config_order_of_debuggable_functions_and_name_the_others(tmp_path):
    config = load_config(write_project(tmp_path, {
        "auth": {"runtime": "nodejs20.x", "source": "index.js", "code": PAUSING_HANDLER},
        "headers": {"runtime": "python3.12", "source": "lambda_function.py", "code": "def lambda_handler(e, c):\n    return e\n"},
        "own": {"runtime": "provided.al2023", "source": "bootstrap", "code": "#!/bin/sh\n"},
        "rewrite": {"runtime": "nodejs18.x", "source": "index.js", "code": PAUSING_HANDLER},
    }))
    ports = debug_ports(config, 9300)
    assert ports == {"auth": 9300, "headers": 9301, "rewrite": 9302}
    lines = describe_debug_ports(config, ports)
    assert lines[1].startswith("Lambda headers: debugger on 127.0.0.1:9301 (VS Code: attach, type debugpy, port 9301)")
    assert lines[-1] == "--inspect: no debugger for own (a custom runtime's bootstrap is its own)"


def test_inspect_needs_a_single_edge_process():
    done = subprocess.run([sys.executable, "-m", "edgesim", "serve", "--inspect", "9229", "--workers", "2"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "--inspect needs one edge process (--workers 1)" in done.stderr


def test_inspect_before_the_config_file_says_where_it_goes():
    done = subprocess.run([sys.executable, "-m", "edgesim", "serve", "--inspect", "edge.yaml"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "put --inspect after the config file" in done.stderr


def test_the_inspector_listens_on_loopback_only(tmp_path):
    with inspected(tmp_path) as edge:
        assert httpx.get(edge.url + "/", timeout=30).status_code == 200
        listening = [line.split()[3] for line in port_owner(edge.port).splitlines()]
        assert listening == [f"127.0.0.1:{edge.port}"]


def test_after_a_reload_on_save_the_new_version_takes_the_debugger_port(tmp_path):
    """The retired version's worker gives the port up; the new version's worker opens it."""
    with inspected(tmp_path, "--watch") as edge:
        before = httpx.get(edge.url + "/before", timeout=30)
        (tmp_path / "debugged" / "index.js").write_text(PAUSING_HANDLER.replace("body: request.uri", "body: 'v2'"))
        deadline = time.monotonic() + 30
        while (after := httpx.get(edge.url + "/after", timeout=30)).text != "v2":
            assert time.monotonic() < deadline, "".join(edge.lines)
            time.sleep(0.2)
        assert after.headers["x-worker"] != before.headers["x-worker"]
        while f"pid={after.headers['x-worker']}," not in (owner := port_owner(edge.port)):
            assert time.monotonic() < deadline, owner
            time.sleep(0.1)
        targets = httpx.get(f"http://127.0.0.1:{edge.port}/json/list", timeout=10).json()
        assert targets[0]["webSocketDebuggerUrl"].startswith(f"ws://127.0.0.1:{edge.port}/")


def test_the_function_log_names_the_snapshot_folder_the_worker_runs(tmp_path):
    """Breakpoints bind by file path, and the worker runs a snapshot: the log says where."""
    with inspected(tmp_path, "--log-dir", str(tmp_path / "logs")) as edge:
        assert httpx.get(edge.url + "/", timeout=30).status_code == 200
        log = (tmp_path / "logs" / "us-east-1" / "aws" / "lambda" / "us-east-1.debugged.log").read_text()
        assert f"--inspect: debugger on 127.0.0.1:{edge.port}; version 1 runs from its snapshot " in log
        folder = Path(log.split("runs from its snapshot ", 1)[1].split(" ", 1)[0])
        assert (folder / "index.js").read_text() == PAUSING_HANDLER
        assert not folder.is_relative_to(tmp_path), "a snapshot, not the folder being edited"


def test_a_function_in_two_regions_hands_the_debugger_port_to_whichever_worker_starts(tmp_path):
    """Lambda keeps a replica per region, edgesim a pool per region: two workers, one port.
    A worker about to start stops the other pools' idle ones first, so the process that
    takes the event is always the one the debugger can reach."""
    tokyo = free_port()
    with inspected(tmp_path, "--listen", f"{tokyo}=NRT57-P2") as edge:
        virginia = httpx.get(edge.url + "/", timeout=30).headers["x-worker"]
        japan = httpx.get(f"http://127.0.0.1:{tokyo}/", timeout=30).headers["x-worker"]
        assert virginia != japan, "a worker per region"
        deadline = time.monotonic() + 10
        while f"pid={japan}," not in (owner := port_owner(edge.port)):
            assert time.monotonic() < deadline, owner
            time.sleep(0.05)
        assert not Path(f"/proc/{virginia}").exists(), "the idle worker of the other region was stopped"


PYTHON_PAUSING_HANDLER = """\
import importlib.util
import os


def lambda_handler(event, context):
    request = event['Records'][0]['cf']['request']
    breakpoint()
    edgesims_own = 'importable' if importlib.util.find_spec('yaml') else 'absent'
    return {'status': '200', 'headers': {'x-worker': [{'key': 'X-Worker', 'value': str(os.getpid())}],
                                         'x-yaml': [{'key': 'X-Yaml', 'value': edgesims_own}]},
            'body': request['uri']}
"""


class DebugAdapterClient:
    """The Debug Adapter Protocol as VS Code speaks it to debugpy: Content-Length framed JSON."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.seq = reader, writer, 0

    async def send(self, command: str, **arguments: object) -> int:
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command, "arguments": arguments}).encode()
        self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await self.writer.drain()
        return self.seq

    async def until(self, kind: str, name: str, seq: int | None = None) -> dict:
        """The next event `name` (kind "event") or the response to request `seq`."""
        while True:
            head = await self.reader.readuntil(b"\r\n\r\n")
            length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
            message = json.loads(await self.reader.readexactly(length))
            if kind == "event" and message.get("type") == "event" and message["event"] == name:
                return message.get("body", {})
            if kind == "response" and message.get("type") == "response" and message["request_seq"] == seq:
                assert message["success"], message
                return message.get("body", {})

    async def ask(self, command: str, **arguments: object) -> dict:
        return await self.until("response", command, await self.send(command, **arguments))


async def python_paused_on(port: int, url: str) -> tuple[str, httpx.Response]:
    loop = asyncio.get_running_loop()
    client = DebugAdapterClient(*await asyncio.open_connection("127.0.0.1", port))
    try:
        await client.ask("initialize", adapterID="debugpy", clientID="edgesim-tests", linesStartAt1=True,
                         columnsStartAt1=True, pathFormat="path")
        attached = await client.send("attach", justMyCode=True)
        await client.until("event", "initialized")
        await client.ask("configurationDone")
        await client.until("response", "attach", attached)
        with ThreadPoolExecutor(1) as pool:
            answer = loop.run_in_executor(pool, lambda: httpx.get(url + "/paused/here", timeout=60))
            stopped = await asyncio.wait_for(client.until("event", "stopped"), 30)
            frames = await client.ask("stackTrace", threadId=stopped["threadId"])
            seen = await client.ask("evaluate", expression="request['uri']", frameId=frames["stackFrames"][0]["id"],
                                    context="repl")
            await asyncio.sleep(5.5)
            assert not answer.done(), "the viewer waits while the handler is paused"
            await client.ask("continue", threadId=stopped["threadId"])
            await client.ask("disconnect")
            return seen["result"], await answer
    finally:
        client.writer.close()


def test_a_python_handler_stops_at_breakpoint_under_debugpy_and_answers_once_resumed(tmp_path):
    function = {"runtime": "python3.12", "source": "lambda_function.py", "code": PYTHON_PAUSING_HANDLER}
    with inspected(tmp_path, function=function) as edge:
        assert (f"edgesim: Lambda debugged: debugger on 127.0.0.1:{edge.port} (VS Code: attach, type debugpy"
                in "".join(edge.lines))
        first = httpx.get(edge.url + "/first", timeout=30)  # no debugger attached: breakpoint() goes on
        assert first.status_code == 200, first.text
        value, answer = asyncio.run(python_paused_on(edge.port, edge.url))
        assert value == "'/paused/here'"
        assert answer.status_code == 200 and answer.text == "/paused/here"
        assert answer.headers["x-worker"] == first.headers["x-worker"]
        assert answer.headers["x-yaml"] == "absent", "debugpy comes in alone, not edgesim's site-packages"