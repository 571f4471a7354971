"""One function on one event, from a test: the same result objects the CLI prints.

`run_function` is `edgesim test-function` and `invoke_lambda` is `edgesim invoke`, called
through their own code paths, so a test that passes here describes what the command shows.
Both accept code as a path or as source text, and events as dicts or JSON files.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import tempfile
from pathlib import Path
from typing import Any

from edgesim.functions import command as functions_command
from edgesim.lambdas import command as lambdas_command


class EdgeCodeUsageError(ValueError):
    """The arguments would make the CLI exit with status 2."""


def run_function(
    code: str | Path,
    event: dict[str, Any] | str | Path,
    *,
    event_type: str = "viewer-request",
    runtime: str = "cloudfront-js-2.0",
    kvs: dict[str, Any] | str | Path | None = None,
    now: str | float | None = None,
    seed: int | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """`edgesim test-function`'s JSON as a dict: `TestResult` plus the `Edgesim` block.

    `now` is epoch milliseconds or ISO 8601, as on the command line.
    """
    with tempfile.TemporaryDirectory(prefix="edgesim-run-") as folder:
        work = Path(folder)
        code_path = _as_file(code, work / "function.js")
        args = argparse.Namespace(
            code=code_path,
            event=_as_json_file(event, work / "event.json"),
            event_type=event_type,
            runtime=runtime,
            kvs=_as_json_file(kvs, work / "kvs.json") if kvs is not None else None,
            now=None if now is None else str(now),
            seed=seed,
            name=name,
            stage=None,
            control=None,
        )
        try:
            result, _failed = functions_command.test_function(args)
        except functions_command.UsageError as exc:
            raise EdgeCodeUsageError(str(exc)) from exc
    return result


def invoke_lambda(
    code: str | Path,
    event: dict[str, Any] | str | Path,
    *,
    event_type: str = "viewer-request",
    runtime: str | None = None,
    handler: str | None = None,
    include_body: bool = False,
    now: str | float | None = None,
) -> dict[str, Any]:
    """`edgesim invoke`'s JSON as a dict: the result (or error), logs, duration, cold start.

    A string that names no file is source text, which needs `runtime` (a Node.js or Python runtime name) to pick the file name.
    The invocation runs on a worker thread with its own loop, so async tests may call it too.
    """
    with tempfile.TemporaryDirectory(prefix="edgesim-invoke-") as folder:
        work = Path(folder)
        if isinstance(code, str) and not Path(code).exists():
            if runtime is None:
                raise EdgeCodeUsageError("source text needs runtime=, e.g. 'nodejs20.x' or 'python3.12'")
            file_name = "index.js" if runtime.startswith("nodejs") else "lambda_function.py"
            (work / "code").mkdir()
            (work / "code" / file_name).write_text(code, encoding="utf-8")
            code = work / "code"
        args = argparse.Namespace(
            code=Path(code),
            event=_as_json_file(event, work / "event.json"),
            event_type=event_type,
            runtime=runtime,
            handler=handler,
            include_body=include_body,
            now=None if now is None else str(now),
        )
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(_invoke, args).result()


def _invoke(args: argparse.Namespace) -> dict[str, Any]:
    try:
        lam, call, now = lambdas_command._prepare(args)
    except lambdas_command.UsageError as exc:
        raise EdgeCodeUsageError(str(exc)) from exc
    outcome = asyncio.run(lambdas_command._invoke(lam, call, args.include_body, now))
    return lambdas_command._report(outcome, call, args.include_body)


def _as_file(value: str | Path, target: Path) -> Path:
    """A path stays a path; a string that names no file is source text."""
    if isinstance(value, Path) or _names_a_file(value):
        return Path(value)
    target.write_text(value, encoding="utf-8")
    return target


def _names_a_file(value: str) -> bool:
    try:
        return Path(value).exists()
    except OSError:  # a name too long for the file system: source text of a real function
        return False


def _as_json_file(value: dict[str, Any] | str | Path, target: Path) -> Path:
    if isinstance(value, dict):
        target.write_text(json.dumps(value), encoding="utf-8")
        return target
    return Path(value)
