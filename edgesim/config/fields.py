"""Which keys a config may hold: CloudFront's own field names, and a "did you mean" for the rest.

A key nobody reads is either a real CloudFront field edgesim does not emulate (a warning
says so) or a typo (`CachPolicyId`), which would silently change what is served, so it is
an error. Telling the two apart needs CloudFront's field names per object type; they are
data (`cloudfront_fields.json`, from the CloudFront API's service model).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

ROOT = "DistributionConfig"
TYPES: dict[str, dict[str, str | None]] = json.loads(
    files("edgesim.config").joinpath("cloudfront_fields.json").read_text("utf-8")
)["types"]
_SEGMENT = re.compile(r"^(?P<key>[^\[\]]+)(?P<index>\[\d+\])?$")


def type_at(path: str) -> str | None:
    """The CloudFront type of the object at a field path (`DistributionConfig.Origins.Items[0]` -> `Origin`)."""
    segments = path.split(".")
    if segments[0] != ROOT:
        return None
    current: str | None = ROOT
    for segment in segments[1:]:
        match = _SEGMENT.match(segment)
        if match is None or current is None:
            return None
        current = TYPES[current].get(match["key"])
        if current is not None and match["index"] and match["key"] != "Items":
            current = TYPES[current].get("Items")  # a plain list stands for {Quantity, Items}
    return current


def is_cloudfront_field(path: str, key: str) -> bool:
    """Whether `key` is a field of the CloudFront object at `path` (True where the type is not known)."""
    type_name = type_at(path)
    return type_name is None or key in TYPES[type_name]


def unknown_fields(value: Any, path: str = ROOT, type_name: str = ROOT) -> list[tuple[str, str]]:
    """(field path, message) for every key under `value` that CloudFront's `type_name` does not have.

    Wrong value types are left to the loader, which says what it expected.
    """
    fields = TYPES[type_name]
    if isinstance(value, list):  # a plain list for a {Quantity, Items} wrapper
        member = fields.get("Items")
        return [found for i, item in enumerate(value) for found in unknown_fields(item, f"{path}[{i}]", member)] if member else []
    if not isinstance(value, dict):
        return []
    found: list[tuple[str, str]] = []
    for key, child in value.items():
        key_path = f"{path}.{key}"
        if key not in fields:
            found.append((key_path, f"is not a field of CloudFront's {type_name}{suggestion(str(key), fields)}"))
            continue
        child_type = fields[key]
        if child_type is None:
            continue
        if key == "Items" and isinstance(child, list):
            found.extend(f for i, item in enumerate(child) for f in unknown_fields(item, f"{key_path}[{i}]", child_type))
        else:
            found.extend(unknown_fields(child, key_path, child_type))
    return found


def suggestion(key: str, known: Iterable[str]) -> str:
    """`; did you mean 'X'?` for the closest known key, else `; expected one of ...`."""
    by_lower = {name.lower(): name for name in known}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{by_lower[close[0]]}'?"
    return "; expected one of " + ", ".join(sorted(by_lower.values())) if by_lower else ""
