"""Which headers edge code may see and change: CloudFront's tables, as data.

Shared by the CloudFront Functions and Lambda@Edge runtimes (one table, two users),
from spec/cloudfront-functions.md §4.4, spec/lambda-edge.md §4.1-4.2 and
spec/cloudfront-caching.md §5.5.
"""

from __future__ import annotations

from dataclasses import dataclass

DISALLOWED_NAMES = frozenset(
    name.lower()
    for name in (
        "Connection", "Expect", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
        "Proxy-Connection", "Trailer", "Upgrade", "X-Accel-Buffering", "X-Accel-Charset",
        "X-Accel-Limit-Rate", "X-Accel-Redirect", "X-Amzn-Auth", "X-Amzn-Cf-Billing",
        "X-Amzn-Cf-Id", "X-Amzn-Cf-Xff", "X-Amzn-Errortype", "X-Amzn-Fle-Profile",
        "X-Amzn-Header-Count", "X-Amzn-Header-Order", "X-Amzn-Lambda-Integration-Tag",
        "X-Amzn-RequestId", "X-Cache", "X-Forwarded-Proto", "X-Real-IP",
    )
)
DISALLOWED_PREFIXES = ("x-amz-cf-", "x-edge-")

# Read-only per runtime and event type: visible, but adding, changing or deleting is a
# validation error. CloudFront Functions got `CDN-Loop` on viewer-request in 2023.
READ_ONLY: dict[str, dict[str, frozenset[str]]] = {
    "function": {
        "viewer-request": frozenset({"cdn-loop", "content-length", "host", "transfer-encoding", "via"}),
        "viewer-response": frozenset({"via", "warning"}),
    },
    "lambda": {
        "viewer-request": frozenset({"content-length", "host", "transfer-encoding", "via"}),
        "origin-request": frozenset(
            {
                "accept-encoding", "content-length", "if-modified-since", "if-none-match",
                "if-range", "if-unmodified-since", "transfer-encoding", "via",
            }
        ),
        "origin-response": frozenset({"transfer-encoding", "via"}),
        "viewer-response": frozenset({"via", "warning"}),
    },
}


def is_disallowed(name: str) -> bool:
    """True for a header edge code never sees and may never add."""
    lower = name.lower()
    return lower in DISALLOWED_NAMES or lower.startswith(DISALLOWED_PREFIXES)


def read_only_headers(kind: str, event_type: str) -> frozenset[str]:
    """Lower-case names that `kind` ("function"/"lambda") may not touch at `event_type`."""
    return READ_ONLY.get(kind, {}).get(event_type, frozenset())


@dataclass(frozen=True)
class HeaderViolation:
    """A header change CloudFront refuses, with the rule it broke (for the 502's log line)."""

    header: str
    rule: str

    def __str__(self) -> str:
        return f"header '{self.header}' {self.rule}"


def header_violations(
    kind: str,
    event_type: str,
    before: dict[str, list[str]],
    after: dict[str, list[str]],
) -> list[HeaderViolation]:
    """Compare the header values a hook saw with what it returned.

    Both maps are keyed by lower-case name. Returns every disallowed header added and
    every read-only header added, changed or removed, so one error names them all.
    """
    found: list[HeaderViolation] = []
    for name in sorted(set(after) - set(before)):
        if is_disallowed(name):
            found.append(HeaderViolation(name, "is disallowed: edge functions may not add it"))
    for name in sorted(read_only_headers(kind, event_type)):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if was is None:
            change = "added"
        elif now is None:
            change = "removed"
        else:
            change = "changed"
        found.append(HeaderViolation(name, f"is read-only at {event_type} and was {change}"))
    return found
