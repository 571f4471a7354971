"""`edgesim invoke`: one Lambda@Edge invocation through a real worker, printed as JSON.

The event file is a Lambda@Edge test event (`{"Records": [{"cf": ...}]}` or just the
`cf` record). It goes through the same path as in the proxy: it becomes the model, the
hook builds the event from it, a worker runs it, CloudFront's validation reads the result.
Exit status: 0 the function ran and CloudFront accepted its result, 1 it failed, 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

from edgesim.config.model import EVENT_TYPES, Association, LambdaConfig, Origin
from edgesim.edge.hooks import REQUEST_EVENTS, EdgeContext, HookCall
from edgesim.edge.model import EdgeRequest, EdgeResponse, Headers
from edgesim.lambdas.event import canonical_key, request_to_cf, response_to_cf
from edgesim.lambdas.provider import LambdaEdgeHook, LambdaOutcome, LambdaRuntime
from edgesim.lambdas.runtimes import RUNTIMES, RuntimeUnavailable, default_handler, family, launch_plan
from edgesim.now import parse_now

DEFAULT_RUNTIME = {"node": "nodejs20.x", "python": "python3.12", "custom": "provided.al2023"}
NODE_SUFFIXES = (".js", ".mjs", ".cjs")
EXAMPLE_ORIGIN = Origin(id="event-origin", domain_name="example.org", protocol_policy="https-only")


class UsageError(Exception):
    """Bad arguments or input files: exit status 2."""


def add_parser(subparsers: Any) -> None:
    """Register `invoke` on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "invoke",
        help="run one Lambda@Edge invocation through a real worker and print the result as JSON",
        description=__doc__,
    )
    parser.add_argument("code", type=Path, help="the function's directory or file")
    parser.add_argument("--event-type", required=True, choices=EVENT_TYPES)
    parser.add_argument("--event", required=True, type=Path, help="a Lambda@Edge event (JSON)")
    parser.add_argument("--runtime", choices=sorted(RUNTIMES), help="default: guessed from the code")
    parser.add_argument("--handler", help="file.function (default: Lambda console's, per runtime)")
    parser.add_argument("--include-body", action="store_true", help="the association's IncludeBody")
    parser.add_argument("--now", help="the wall clock the function sees: ISO 8601 or epoch milliseconds")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the command; prints one JSON object on stdout, problems with the input on stderr."""
    try:
        lam, call, now = _prepare(args)
        outcome = asyncio.run(_invoke(lam, call, args.include_body, now))
    except UsageError as exc:
        print(f"edgesim invoke: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(_report(outcome, call, args.include_body), indent=2))
    return 0 if outcome.error is None else 1


def guess_runtime(code: Path) -> str:
    """Runtime from the code: a `bootstrap`, Node files or Python files."""
    if code.is_file():
        return DEFAULT_RUNTIME["node" if code.suffix in NODE_SUFFIXES else "python"]
    if (code / "bootstrap").is_file():
        return DEFAULT_RUNTIME["custom"]
    if any((code / f"index{suffix}").is_file() for suffix in NODE_SUFFIXES):
        return DEFAULT_RUNTIME["node"]
    if any(code.glob("*.py")):
        return DEFAULT_RUNTIME["python"]
    return DEFAULT_RUNTIME["node"]


def _prepare(args: argparse.Namespace) -> tuple[LambdaConfig, HookCall, float | None]:
    code = args.code.resolve()
    if not code.exists():
        raise UsageError(f"{args.code}: no such file or directory")
    runtime = args.runtime or guess_runtime(code)
    family(runtime)
    handler = args.handler or default_handler(runtime, code)
    lam = LambdaConfig(name=code.stem if code.is_file() else code.name, runtime=runtime, handler=handler, code_path=code)
    try:
        launch_plan(runtime, code, lam.memory_size)
    except RuntimeUnavailable as exc:
        raise UsageError(str(exc)) from None
    try:
        document = json.loads(args.event.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--event {args.event}: {exc}") from None
    call = call_from_event(document, args.event_type)
    try:
        now = parse_now(args.now) if args.now else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return lam, call, now


async def _invoke(lam: LambdaConfig, call: HookCall, include_body: bool, now: float | None) -> LambdaOutcome:
    runtime = LambdaRuntime(now=now)
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{lam.name}:1"
    association = Association("lambda", call.event_type, lam.name, arn, "1", include_body)
    await runtime.start()
    try:
        return await LambdaEdgeHook(runtime, lam, association).run(call)
    finally:
        await runtime.close()


def call_from_event(document: Any, event_type: str) -> HookCall:
    """The model a Lambda@Edge event describes (the inverse of event.build_event)."""
    try:
        cf = document["Records"][0]["cf"] if "Records" in document else document
        config = cf.get("config", {})
        req = cf["request"]
        context = EdgeContext(
            request_id=config.get("requestId", "edgesim-invoke-" + str(int(time.time()))),
            distribution_id=config.get("distributionId", "EDFDVBD6EXAMPLE"),
            distribution_domain_name=config.get("distributionDomainName", "d111111abcdef8.cloudfront.net"),
        )
        request = EdgeRequest(
            method=req.get("method", "GET"),
            uri=req.get("uri", "/"),
            querystring=req.get("querystring", ""),
            headers=_headers(req.get("headers", {})),
            body=_body(req.get("body")),
            client_ip=req.get("clientIp", "203.0.113.178"),
        )
        response = None
        if event_type not in REQUEST_EVENTS:
            resp = cf.get("response", {"status": "200"})
            response = EdgeResponse(
                status=int(resp.get("status", "200")),
                headers=_headers(resp.get("headers", {})),
                status_description=resp.get("statusDescription", ""),
            )
        origin = None
        if event_type.startswith("origin-"):
            origin = _origin(req["origin"]) if "origin" in req else EXAMPLE_ORIGIN
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise UsageError(f"the event is not a Lambda@Edge event ({type(exc).__name__}: {exc})") from None
    return HookCall(event_type, context, request, response, origin)


def _headers(cf_headers: dict[str, list[dict[str, str]]]) -> Headers:
    return Headers((e.get("key", canonical_key(name)), e["value"]) for name, entries in cf_headers.items() for e in entries)


def _body(body: dict[str, Any] | None) -> bytes:
    if not body or not body.get("data"):
        return b""
    if body.get("encoding", "base64") == "base64":
        return base64.b64decode(body["data"])
    return str(body["data"]).encode()


def _origin(value: dict[str, Any]) -> Origin:
    if "s3" in value:
        s3 = value["s3"]
        oai = "origin-access-identity/cloudfront/EXAMPLE" if s3.get("authMethod") == "origin-access-identity" else ""
        return Origin(
            id="event-origin", domain_name=s3["domainName"], origin_path=s3.get("path", ""),
            custom_headers=tuple(_headers(s3.get("customHeaders", {}))), is_s3=True, s3_origin_access_identity=oai,
            s3_region=s3.get("region"),
        )
    custom = value["custom"]
    protocol = custom.get("protocol", "https")
    port = custom.get("port", 443 if protocol == "https" else 80)
    return Origin(
        id="event-origin", domain_name=custom["domainName"], origin_path=custom.get("path", ""),
        custom_headers=tuple(_headers(custom.get("customHeaders", {}))), protocol_policy=f"{protocol}-only",
        https_port=port if protocol == "https" else 443, http_port=port if protocol == "http" else 80,
        ssl_protocols=tuple(custom.get("sslProtocols", ["TLSv1.2"])),
        read_timeout=float(custom.get("readTimeout", 30)), keepalive_timeout=float(custom.get("keepaliveTimeout", 5)),
    )


def _report(outcome: LambdaOutcome, call: HookCall, include_body: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if outcome.error is not None:
        error = outcome.error
        own = error.error_name == "LambdaExecutionError"
        out["error"] = {
            "type": outcome.error_type if own else error.error_name,
            "message": outcome.error_message,
            "cloudfrontError": error.error_name,
            "status": error.status,
        }
    else:
        result = outcome.result
        assert result is not None and outcome.invoke is not None and outcome.invoke.payload is not None
        returned = json.loads(outcome.invoke.payload)
        if result.request is not None:
            origin = result.origin or call.origin
            request, _ = request_to_cf(result.request, call.event_type, origin, include_body=False)
            if isinstance(returned.get("body"), dict):
                request["body"] = returned["body"]
            if include_body and result.request.body:
                out["forwardedBody"] = _body_report(result.request.body)
            out["request"] = request
        if result.response is not None:
            out["response"] = _response_report(result.response, returned)
            if "body" in returned and isinstance(result.response.body, bytes):
                out["forwardedBody"] = _body_report(result.response.body)
        if outcome.warnings:
            out["warnings"] = outcome.warnings
    invoke = outcome.invoke
    out["logs"] = invoke.logs if invoke else []
    out["durationMs"] = round(invoke.duration_ms, 3) if invoke else 0
    out["billedDurationMs"] = invoke.billed_duration_ms if invoke else 0
    out["maxMemoryUsedMB"] = invoke.max_memory_used_mb if invoke else 0
    out["coldStart"] = invoke.cold_start if invoke else False
    return out


def _response_report(response: EdgeResponse, returned: dict[str, Any]) -> dict[str, Any]:
    """The response CloudFront accepted, with its body as the function wrote it."""
    cf, _ = response_to_cf(response)
    if "body" in returned:
        cf["body"] = returned["body"]
        cf["bodyEncoding"] = returned.get("bodyEncoding", "text")
    return cf


def _body_report(body: bytes) -> dict[str, Any]:
    """The bytes CloudFront goes on with (decoded, truncated), as text when they are UTF-8."""
    try:
        return {"encoding": "text", "data": body.decode("utf-8"), "size": len(body)}
    except UnicodeDecodeError:
        return {"encoding": "base64", "data": base64.b64encode(body).decode("ascii"), "size": len(body)}
