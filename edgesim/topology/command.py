"""`edgesim publish NAME`: publish a function on a running edge, over its control API.

CloudFront's PublishFunction (DEVELOPMENT to LIVE) for a CloudFront Function, a new
numbered version associated for a Lambda@Edge; either way the version then replicates
region by region. The server is reached at `POST /api/functions/NAME/publish` on the
control port (the viewer port + 1). Exit 0 published (or nothing changed), 1 the edge
refused, 2 usage errors or no edge to talk to.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any
from urllib.parse import quote

import httpx

from edgesim.control.address import add_control_arguments, control_url

POLL_S = 0.5


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `publish` on the edgesim command line."""
    parser = subparsers.add_parser(
        "publish",
        help="publish a function on a running edge and (with --wait) follow its rollout",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="the function's name (its key in Functions or Lambdas)")
    add_control_arguments(parser)
    parser.add_argument("--wait", action="store_true", help="print each region as it switches, until all have")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    base = control_url(args)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            response = client.post(f"/api/functions/{quote(args.name, safe='')}/publish")
            body = _json(response)
            if response.status_code >= 400 and "message" not in body:
                print(f"edgesim publish: {base} answered {response.status_code}, not like an edgesim control API",
                      file=sys.stderr)
                return 2
            if response.status_code >= 400:
                print(f"edgesim publish: {body['message']}", file=sys.stderr)
                return 1
            print(json.dumps({k: body[k] for k in ("name", "version", "published") if k in body}))
            if args.wait:
                follow(client, args.name, body.get("function") or {})
    except httpx.HTTPError as exc:
        print(f"edgesim publish: no edge control API at {base} ({exc})", file=sys.stderr)
        return 2
    return 0


def follow(client: httpx.Client, name: str, state: dict[str, Any]) -> None:
    """Poll `GET /api/functions` and print each region's switch until the rollout is done."""
    seen = _live_by_region(state)
    while state.get("status") == "InProgress":
        time.sleep(POLL_S)
        state = (_json(client.get("/api/functions")).get("replication") or {}).get(name, {})
        for region, live in sorted(_live_by_region(state).items()):
            if seen.get(region) != live:
                print(f"{region}: now runs version {live}", flush=True)
        seen = _live_by_region(state)
    print(f"{name}: version {state.get('live')} live in every region")


def _live_by_region(state: dict[str, Any]) -> dict[str, str | None]:
    return {region: view.get("live") for region, view in (state.get("regions") or {}).items()}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
