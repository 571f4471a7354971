"""Under `edgesim serve` as root, Lambda@Edge workers run as sandbox uids.

Two things kept them root before: published versions were snapshotted into a private
(0700) temporary directory a sandbox uid cannot read, and `serve` runs on uvloop, whose
subprocess_exec rejects asyncio's `user=`/`group=`/`extra_groups=`. Here a real `edgesim
serve` process serves a Node.js and a Python function whose code sits in pytest's private
directory, so only the snapshot can make them readable; each worker is found by its
bootstrap's path among the server's descendants, and its uids are read from /proc.

Node.js: /usr/bin/node is runnable by any uid, so its worker must be a sandbox uid. Python:
the Python running edgesim may sit under /root (a pyenv), which no sandbox uid can run;
edgesim then prefers another Python on PATH that one can (/usr/bin/python3 on the dev and
CI machines) and isolates the worker, and when there is none it runs it as root and says
so in the function's log (docs/lambdas.md). The Python assertion follows that rule.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edgesim.lambdas.memory import descendants
from edgesim.lambdas.runtimes import BOOTSTRAPS, launch_plan
from edgesim.lambdas.sandbox import Sandbox
from tests.integration.test_cli_serve import serve
from tests.lambdas.helpers import requires_node

IS_ROOT = os.geteuid() == 0
pytestmark = [requires_node, pytest.mark.skipif(not IS_ROOT, reason="only root runs workers as sandbox uids")]

CONFIG = """
DistributionConfig:
  CallerReference: sandbox-under-serve
  Comment: both runtimes under serve
  Enabled: true
  Origins:
    Quantity: 1
    Items:
    - Id: site
      DomainName: site.example.internal
      CustomOriginConfig: {HTTPPort: 80, OriginProtocolPolicy: http-only}
  DefaultCacheBehavior:
    TargetOriginId: site
    ViewerProtocolPolicy: allow-all
    AllowedMethods:
      Quantity: 2
      Items: [GET, HEAD]
      CachedMethods: {Quantity: 2, Items: [GET, HEAD]}
    CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6
    LambdaFunctionAssociations:
      Quantity: 2
      Items:
      - LambdaFunctionARN: arn:aws:lambda:us-east-1:111122223333:function:node-edge:1
        EventType: viewer-request
      - LambdaFunctionARN: arn:aws:lambda:us-east-1:111122223333:function:python-edge:1
        EventType: viewer-response
Lambdas:
  node-edge: {Runtime: nodejs20.x, Code: node-edge}
  python-edge: {Runtime: python3.12, Code: python-edge}
Edgesim:
  BundledOrigins:
    site: {Kind: static, Root: site}
"""
NODE_CODE = "exports.handler = async (event) => event.Records[0].cf.request;\n"
PYTHON_CODE = "def lambda_handler(event, context):\n    return event['Records'][0]['cf']['response']\n"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str, list[str]]]:
    """`edgesim serve` of both functions; their code stays in pytest's private directory."""
    for name, file, text in (("node-edge", "index.js", NODE_CODE), ("python-edge", "lambda_function.py", PYTHON_CODE),
                             ("site", "index.html", "<p>hello</p>\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / file).write_text(text)
    (tmp_path / "edgesim.yaml").write_text(CONFIG)
    process, url, lines = serve("edgesim.yaml", cwd=tmp_path)
    try:
        yield process, url, lines
    finally:
        process.terminate()
        process.wait(timeout=15)


def worker_of(server: int, bootstrap: str) -> int:
    """The server's worker process started with this bootstrap script."""
    found = []
    for pid in descendants(server):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if bootstrap.encode() in argv:
            found.append(pid)
    assert len(found) == 1, f"{len(found)} workers run {bootstrap}"
    return found[0]


def uids_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/status") as status:
        return [int(v) for v in next(line for line in status if line.startswith("Uid:")).split()[1:]]


def test_serve_as_root_runs_node_and_python_workers_as_sandbox_uids(served, tmp_path):
    process, url, lines = served
    response = httpx.get(url + "/index.html", timeout=30)
    assert response.status_code == 200, "".join(lines)
    assert b"uvloop" in Path(f"/proc/{process.pid}/maps").read_bytes(), "serve runs on uvloop"
    sandbox = Sandbox()

    node_uids = uids_of(worker_of(process.pid, str(BOOTSTRAPS / "node_runtime.js")))
    assert len(set(node_uids)) == 1 and node_uids[0] > sandbox.uid_base, node_uids

    python_uids = uids_of(worker_of(process.pid, str(BOOTSTRAPS / "python_runtime.py")))
    python_log = (tmp_path / ".edgesim/logs/us-east-1/aws/lambda/us-east-1.python-edge.log").read_text()
    interpreter = launch_plan("python3.12", tmp_path, 128, sandbox.can_execute).argv[0]
    if sandbox.can_execute(interpreter):
        assert len(set(python_uids)) == 1 and python_uids[0] > sandbox.uid_base, python_uids
    else:
        assert python_uids == [0] * 4
        assert f"sandbox: {interpreter} is not executable by other users" in python_log
    assert node_uids[0] != python_uids[0]
    assert "is not readable by other users" not in python_log, "the version snapshot is readable"
    node_log = (tmp_path / ".edgesim/logs/us-east-1/aws/lambda/us-east-1.node-edge.log").read_text()
    assert "sandbox:" not in node_log


def test_serve_start_up_check_runs_a_lambdas_init_as_a_sandbox_uid():
    """`serve` starts one worker per Lambda before it listens, to refuse code that cannot load;
    that worker runs the user's init code, so it is sandboxed as the pool's workers are
    (outside pytest's private directory: code a sandbox uid can read, as in a usual checkout)."""
    with tempfile.TemporaryDirectory(prefix="edgesim-start-up-check-") as scratch:
        _start_up_check_uids_are_sandboxed(Path(scratch))


def _start_up_check_uids_are_sandboxed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "node-edge").mkdir(parents=True)
    for folder in (tmp_path, project, project / "node-edge"):
        folder.chmod(0o755)
    seen = tmp_path / "seen"
    seen.mkdir(mode=0o777)
    seen.chmod(0o777)
    (project / "node-edge" / "index.js").write_text(
        f"require('fs').writeFileSync({str(seen)!r} + '/uid-' + process.pid, String(process.getuid()));\n"
        "exports.handler = async (event) => event.Records[0].cf.request;\n")
    (project / "node-edge" / "index.js").chmod(0o644)
    config = CONFIG.replace("python-edge:1\n        EventType: viewer-response", "node-edge:1\n        EventType: origin-request")
    (project / "edgesim.yaml").write_text(config.replace("  python-edge: {Runtime: python3.12, Code: python-edge}\n", ""))
    (project / "site").mkdir()
    (project / "site" / "index.html").write_text("<p>hello</p>\n")
    process, _, _ = serve("edgesim.yaml", cwd=project)
    try:
        uids = [int(p.read_text()) for p in seen.iterdir()]
        assert uids, "the start-up check ran the function's init"
        assert all(uid > Sandbox().uid_base for uid in uids), uids
    finally:
        process.terminate()
        process.wait(timeout=15)
