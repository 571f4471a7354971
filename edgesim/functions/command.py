"""`edgesim test-function`: CloudFront's TestFunction, run locally.

Prints one JSON object: `TestResult` shaped as the CloudFront API returns it, plus an
`Edgesim` block with what TestFunction does not show (the origin the helpers chose, the
run's duration, warnings). Exit 0 when the function ran cleanly, 1 when
`FunctionErrorMessage` is set, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edgesim.control.address import add_control_arguments, control_url
from edgesim.edge.hooks import VIEWER_REQUEST, VIEWER_RESPONSE
from edgesim.functions.event import FunctionValidationError, normalise_output
from edgesim.now import parse_now
from edgesim.functions.kvs import KeyValueStore, KeyValueStoreError
from edgesim.functions.limits import RUNTIMES
from edgesim.functions.runtime import Engine, LoadError, Run

ACCOUNT = "123456789012"
ERROR_PREFIX = "The CloudFront function associated with the CloudFront distribution is invalid or could not run. "
EDGE_LOCATION = {"name": "IAD", "serverIp": "127.0.0.1", "region": "us-east-1"}


class UsageError(Exception):
    """Bad arguments or input files: exit 2."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `test-function` on the edgesim command line."""
    parser = subparsers.add_parser(
        "test-function",
        help="run a CloudFront Function on one event and print TestFunction's result",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("code", type=Path, metavar="CODE", help="the function's JavaScript file")
    parser.add_argument("--event-type", required=True, choices=(VIEWER_REQUEST, VIEWER_RESPONSE))
    parser.add_argument("--event", required=True, type=Path, metavar="EVENT.json",
                        help="a CloudFront Functions event; omitted context fields are filled in")
    parser.add_argument("--runtime", choices=RUNTIMES, default="cloudfront-js-2.0")
    parser.add_argument("--kvs", type=Path, metavar="FILE.json", help="KeyValueStore contents to associate")
    parser.add_argument("--now", metavar="ISO8601|EPOCH_MS", help="freeze the function's clock at this time")
    parser.add_argument("--seed", type=int, help="seed Math.random")
    parser.add_argument("--name", help="the function name to report (default: CODE's file name)")
    parser.add_argument("--stage", choices=("DEVELOPMENT", "LIVE"),
                        help="test a function of a running edge at this stage; CODE is then the function's name")
    add_control_arguments(parser)
    parser.set_defaults(func=run)


def stage_code(name: str, stage: str, control: str) -> tuple[Path, str]:
    """The code file and runtime of function `name` at `stage` on a running edge.

    DEVELOPMENT is the code on disk; LIVE is the frozen copy of the version publishing
    made live (the control API's `replication` view).
    """
    import httpx

    try:
        listing = httpx.get(control.rstrip("/") + "/api/functions", timeout=10).json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UsageError(f"--stage needs a running edgesim; none answered at {control} ({exc})") from exc
    rows = {row["name"]: row for row in listing.get("functions", []) if row.get("kind") == "function"}
    if name not in rows:
        raise UsageError(f"the edge at {control} has no CloudFront Function named {name!r} (it has: {', '.join(sorted(rows)) or 'none'})")
    if stage == "DEVELOPMENT":
        return Path(rows[name]["code"]), rows[name]["runtime"]
    history = listing.get("replication", {}).get(name, {})
    live = history.get("live")
    code = next((v["code"] for v in history.get("versions", []) if v["version"] == live), None)
    if code is None:
        raise UsageError(f"function {name!r} has no LIVE version yet: publish it first (edgesim publish {name})")
    return Path(code), rows[name]["runtime"]


def run(args: argparse.Namespace) -> int:
    """Run the test and print the result; returns the exit code."""
    try:
        result, failed = test_function(args)
    except UsageError as exc:
        print(f"edgesim test-function: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 1 if failed else 0


def test_function(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    """The printed object, and whether FunctionErrorMessage is set."""
    if args.stage is not None:
        args.name = args.name or str(args.code)
        args.code, args.runtime = stage_code(str(args.code), args.stage, control_url(args))
    source = _read_text(args.code, "CODE")
    event = fill_event(_read_json(args.event, "--event"), args.event_type, args.seed)
    now_ms = _now_ms(args.now)
    store = None
    if args.kvs is not None:
        try:
            store = KeyValueStore.load(args.kvs)
        except KeyValueStoreError as exc:
            raise UsageError(str(exc)) from exc
    name = args.name or _function_name(args.code)
    summary = _summary(name, args.runtime, args.code, args.kvs, args.stage or "DEVELOPMENT")
    try:
        engine = Engine(name, source, args.runtime, store=store, seed=args.seed)
    except LoadError as exc:
        return _result(summary, "0", [], ERROR_PREFIX + _as_error(str(exc)), "", Run()), True
    outcome = engine.run(event, now_ms=now_ms, raw_query=_raw_query(event), edge_location=EDGE_LOCATION)
    error, output = _output(args.event_type, outcome)
    return _result(summary, str(outcome.utilization), outcome.logs, error, output, outcome), bool(error)


def _output(event_type: str, outcome: Run) -> tuple[str, str]:
    if outcome.error is not None:
        return ERROR_PREFIX + outcome.error, ""
    try:
        if outcome.invalid is not None:
            raise FunctionValidationError(outcome.invalid)
        normal = normalise_output(event_type, outcome.value if outcome.returned else None)
    except FunctionValidationError as exc:
        return ERROR_PREFIX + f"ValidationError: {exc}", ""
    return "", json.dumps(normal, separators=(",", ":"), ensure_ascii=False)


def _result(
    summary: dict[str, Any],
    utilization: str,
    logs: list[str],
    error: str,
    output: str,
    outcome: Run,
) -> dict[str, Any]:
    return {
        "TestResult": {
            "FunctionSummary": summary,
            "ComputeUtilization": utilization,
            "FunctionExecutionLogs": logs,
            "FunctionErrorMessage": error,
            "FunctionOutput": output,
        },
        "Edgesim": {
            "origin": outcome.origin_calls[-1] if outcome.origin_calls else None,
            "originCalls": outcome.origin_calls,
            "durationMicros": round(outcome.seconds * 1e6),
            "customLogData": outcome.custom_log,
            "warnings": outcome.warnings,
        },
    }


def fill_event(event: Any, event_type: str, seed: int | None) -> dict[str, Any]:
    """Complete a test event as TestFunction tolerates it: context, viewer and empty maps."""
    if not isinstance(event, dict) or not isinstance(event.get("request"), dict):
        raise UsageError("the event must be a JSON object with a request object")
    given = event.get("context") or {}
    if given.get("eventType", event_type) != event_type:
        raise UsageError(f"the event says eventType {given['eventType']!r} but --event-type is {event_type}")
    rng = random.Random(seed)
    context = {
        "distributionDomainName": "d111111abcdef8.cloudfront.net",
        "distributionId": "EDFDVBD6EXAMPLE",
        "eventType": event_type,
        "requestId": base64.urlsafe_b64encode(rng.randbytes(42)).decode(),
        **given,
    }
    request = {"querystring": {}, "headers": {}, "cookies": {}, **event["request"]}
    filled = {"version": "1.0", **event, "context": context, "request": request}
    filled.setdefault("viewer", {"ip": "127.0.0.1"})
    if event_type == VIEWER_RESPONSE:
        if not isinstance(event.get("response"), dict):
            raise UsageError("a viewer-response event needs a response object")
        filled["response"] = {"headers": {}, "cookies": {}, **event["response"]}
    return filled


def _now_ms(value: str | None) -> float:
    """Epoch milliseconds for `--now`; the current time when it is not given."""
    if value is None:
        return time.time() * 1000.0
    try:
        return parse_now(value) * 1000.0
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _raw_query(event: dict[str, Any]) -> str | None:
    """TestFunction has no raw URL, so rawQueryString() is rebuilt from the querystring map."""
    query = event["request"].get("querystring")
    if isinstance(query, str):
        return query
    if not isinstance(query, dict) or not query:
        return None
    parts = []
    for name, entry in query.items():
        entries = entry.get("multiValue") or [entry] if isinstance(entry, dict) else []
        parts.extend(f"{name}={e.get('value', '')}" for e in entries if isinstance(e, dict))
    return "&".join(parts)


def _summary(name: str, runtime: str, code: Path, kvs: Path | None, stage: str) -> dict[str, Any]:
    stamp = datetime.fromtimestamp(code.stat().st_mtime, tz=timezone.utc).isoformat(timespec="microseconds")
    config: dict[str, Any] = {"Comment": "", "Runtime": runtime}
    if kvs is not None:
        store_id = uuid.uuid5(uuid.NAMESPACE_URL, str(kvs.resolve()))
        config["KeyValueStoreAssociations"] = {
            "Quantity": 1,
            "Items": [{"KeyValueStoreARN": f"arn:aws:cloudfront::{ACCOUNT}:key-value-store/{store_id}"}],
        }
    return {
        "Name": name,
        "Status": "UNPUBLISHED" if stage == "DEVELOPMENT" else "DEPLOYED",
        "FunctionConfig": config,
        "FunctionMetadata": {
            "FunctionARN": f"arn:aws:cloudfront::{ACCOUNT}:function/{name}",
            "Stage": stage,
            "CreatedTime": stamp,
            "LastModifiedTime": stamp,
        },
    }


def _function_name(code: Path) -> str:
    """CloudFront names are [a-zA-Z0-9-_]{1,64}; derive one from the file name."""
    return (re.sub(r"[^A-Za-z0-9_-]", "-", code.stem) or "function")[:64]


def _as_error(reason: str) -> str:
    return reason if re.match(r"^[A-Za-z]*Error: ", reason) else f"SyntaxError: {reason}"


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc}") from exc


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(_read_text(path, what))
    except ValueError as exc:
        raise UsageError(f"{what}: {path} is not JSON: {exc}") from exc
