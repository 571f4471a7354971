"""A worker that breaks the Runtime API, and a log disk that fills up.

A custom runtime misbehaves only on `/bad`, so the test can see CloudFront's answer for
that invocation and then the next invocation served by a fresh worker.
"""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from edgesim.edge.hooks import HookError
from edgesim.lambdas.provider import LambdaRuntime
from tests.lambdas.helpers import make_call, make_hook, viewer_request, write_code

pytestmark = pytest.mark.asyncio(loop_scope="module")

# `MISBEHAVE` is Python that runs instead of the normal answer when the uri is /bad.
BOOTSTRAP = """
#!{python}
import http.client, json, os, socket
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
base = "/2018-06-01/runtime/invocation/"
while True:
    conn = http.client.HTTPConnection(host, int(port))
    conn.request("GET", base + "next")
    reply = conn.getresponse()
    rid, event = reply.getheader("Lambda-Runtime-Aws-Request-Id"), json.loads(reply.read())
    if event["Records"][0]["cf"]["request"]["uri"] == "/bad":
{misbehave}
    answer = json.dumps({{"status": "200", "body": str(os.getpid())}}).encode()
    conn.request("POST", base + rid + "/response", body=answer)
    conn.getresponse().read()
"""
MISBEHAVIOURS = {
    "malformed-json": """
        conn.request("POST", base + rid + "/response", body=b'{"status": "200", "bo')
        conn.getresponse().read()
        continue""",
    "wrong-request-id": """
        conn.request("POST", base + "not-" + rid + "/response", body=b'{"status": "200"}')
        conn.getresponse().read()
        continue""",
    "hangs-up-mid-request": """
        raw = socket.create_connection((host, int(port)))
        raw.sendall(f"POST {base}{rid}/response HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1000\\r\\n\\r\\n{{\\"sta".encode())
        raw.close()
        continue""",
}


def custom_runtime(directory: Path, misbehave: str) -> Path:
    return write_code(directory, {"bootstrap": BOOTSTRAP.format(python=sys.executable, misbehave=misbehave.strip("\n"))})


@pytest.mark.parametrize(("kind", "status", "error_name", "reason"), [
    ("malformed-json", 502, "LambdaValidationError", "The Lambda function returned invalid JSON"),
    ("wrong-request-id", 503, "LambdaExecutionError", "Runtime.InvalidRequestID: "),
    ("hangs-up-mid-request", 503, "LambdaExecutionError", "Runtime.TruncatedResponse: "),
])
async def test_worker_that_breaks_the_runtime_api_gets_cloudfronts_answer_then_a_fresh_worker(
    runtime, code_dir, kind, status, error_name, reason
):
    hook = make_hook(runtime, custom_runtime(code_dir / f"garbage-{kind}", MISBEHAVIOURS[kind]), runtime_name="provided.al2023")
    before = (await hook(make_call("viewer-request"))).response.body
    with pytest.raises(HookError) as caught:
        await hook(make_call("viewer-request", request=viewer_request(uri="/bad")))
    assert (caught.value.status, caught.value.error_name) == (status, error_name)
    assert caught.value.reason.startswith(reason)
    after = (await hook(make_call("viewer-request"))).response.body
    # A result that is not JSON is the function's answer (the worker spoke the protocol, as
    # on Lambda it stays warm); a broken protocol replaces the worker.
    assert (after == before) == (kind == "malformed-json")


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MB tmpfs for the log directory, unmounted afterwards (skips where mounting is refused)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk: Path) -> Path:
    """Write until the disk refuses (a bounded number of 64 KB chunks)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for _ in range(64):
            try:
                out.write(b"\0" * 65536)
            except OSError:
                return filler
    raise AssertionError("a 1 MB tmpfs took 4 MB")


async def test_full_log_disk_answers_viewers_reports_once_and_resumes(small_disk, code_dir):
    code = write_code(code_dir / "py-chatty", {"lambda_function.py": """
        def lambda_handler(event, context):
            print("chatty", event["Records"][0]["cf"]["request"]["uri"])
            for n in range(100):  # more than the page a log file may still have free
                print(n, "." * 80)
            return {"status": "200", "body": "served"}
    """})
    runtime = LambdaRuntime(log_dir=small_disk / "logs")
    await runtime.start()
    stderr = io.StringIO()
    try:
        hook = make_hook(runtime, code, runtime_name="python3.12")
        with redirect_stderr(stderr):
            await hook(make_call("viewer-request", request=viewer_request(uri="/warm")))
            filler = fill(small_disk)
            for n in range(3):
                result = await hook(make_call("viewer-request", request=viewer_request(uri=f"/full-{n}")))
                assert result.response.body == b"served"
            reported_while_full = stderr.getvalue()
            filler.unlink()
            await hook(make_call("viewer-request", request=viewer_request(uri="/space-again")))
    finally:
        await runtime.close()
    assert reported_while_full.count("cannot write Lambda logs") == 1
    assert "No space left on device" in reported_while_full
    assert "are written again" in stderr.getvalue()
    log = (small_disk / "logs/us-east-1/aws/lambda/us-east-1.py-chatty.log").read_text()
    assert "chatty /warm" in log and "chatty /space-again" in log
