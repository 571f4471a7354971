"""docs/testing.md's first test, run as a new user would: its files in an empty folder, no pytest config.

The folder holds only what the page shows (config, function, conftest.py, test file): no
ini, no `asyncio_mode`, and `python -m pytest` runs in a subprocess, so this repository's
own pytest settings (asyncio_mode = auto) cannot help it pass.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

DOC = ROOT / "docs" / "testing.md"
FILE_BLOCK = re.compile(r"^`(?P<name>[\w.-]+)`[^\n]*:\n\n```\w*\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


def first_test_files() -> dict[str, str]:
    section = DOC.read_text().split("## Your first test", 1)[1].split("\n## ", 1)[0]
    return {m["name"]: m["body"] for m in FILE_BLOCK.finditer(section)}


def write_documented_project(folder: Path) -> None:
    """The first test's project without its test file: the config, the function, the conftest."""
    files = first_test_files()
    for name in ("edge.yaml", "add-index.js", "conftest.py"):
        (folder / name).write_text(files[name])


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_the_documented_first_test_passes_in_a_fresh_project(tmp_path):
    files = first_test_files()
    assert set(files) == {"edge.yaml", "add-index.js", "conftest.py", "test_edge.py"}
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout
    assert not (tmp_path / "pytest.ini").exists() and not (tmp_path / "pyproject.toml").exists()


def test_an_async_test_in_strict_mode_with_no_mark_runs_on_asyncio(tmp_path):
    write_documented_project(tmp_path)
    (tmp_path / "test_strict.py").write_text(
        "import asyncio\n\n"
        "async def test_runs_in_a_loop(edgesim_edge):\n"
        "    asyncio.get_running_loop()\n"
        "    assert (await edgesim_edge.client.get('/')).status_code == 200\n\n"
        "async def test_server_too(edgesim_server):\n"
        "    assert (await edgesim_server.client.get('/x')).status_code == 200\n"
    )
    done = run_pytest(tmp_path, "-o", "asyncio_mode=strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout


def test_tests_already_marked_for_asyncio_or_anyio_are_left_as_they_are(tmp_path):
    write_documented_project(tmp_path)
    (tmp_path / "test_marked.py").write_text(
        "import pytest\n\n"
        "@pytest.fixture\n"
        "def anyio_backend():\n"
        "    return 'asyncio'\n\n"
        "@pytest.mark.anyio\n"
        "async def test_with_anyio(edgesim_edge):\n"
        "    assert (await edgesim_edge.client.get('/')).status_code == 200\n\n"
        "@pytest.mark.asyncio\n"
        "async def test_marked_by_hand(edgesim_edge):\n"
        "    assert (await edgesim_edge.client.get('/')).status_code == 200\n"
    )
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout), done.stdout


def test_plain_test_client_runs_lambda_workers_too(tmp_path):
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n"
        "    request = event['Records'][0]['cf']['request']\n"
        "    if 'authorization' not in request['headers']:\n"
        "        return {'status': '401', 'statusDescription': 'Unauthorized'}\n"
        "    return request\n"
    )
    (tmp_path / "edge.yaml").write_text(first_test_files()["edge.yaml"].replace(
        "    FunctionAssociations:\n      Items: [{FunctionARN: add-index, EventType: viewer-request}]\n",
        "    LambdaFunctionAssociations:\n      Items: [{LambdaFunctionARN: auth, EventType: viewer-request}]\n",
    ).replace("Functions:\n  add-index: {Runtime: cloudfront-js-2.0, Code: add-index.js}\n",
              "Lambdas:\n  auth: {Runtime: python3.12, Code: auth}\n"))
    (tmp_path / "conftest.py").write_text(first_test_files()["conftest.py"])
    (tmp_path / "test_auth.py").write_text(
        "from edgesim.testing import assert_hooks_ran\n\n"
        "def test_without_a_token_is_401(edgesim_client):\n"
        "    assert edgesim_client.get('/').status_code == 401\n"
        "    assert edgesim_client.get('/', headers={'Authorization': 'x'}).status_code == 200\n"
        "    assert_hooks_ran(edgesim_client.last_exchange, [('viewer-request', 'auth')])\n"
    )
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b1 passed\b", done.stdout), done.stdout
