"""Walk a parsed YAML/JSON document while remembering where each value came from.

Every read names its field path (`DistributionConfig.CacheBehaviors.Items[2].PathPattern`),
so an error can say exactly where it is and what was expected. A key nobody read is
collected for the "not emulated" warning when CloudFront has such a field; anywhere else
(edgesim's own keys) it is an error with a "did you mean". Keys that are no CloudFront
field at all are found by `fields.unknown_fields`, over the whole DistributionConfig.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from edgesim.config.fields import ROOT, is_cloudfront_field, suggestion

T = TypeVar("T")

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", dict: "an object", list: "a list"}


@dataclass
class Findings:
    """Errors and unread fields gathered over one document."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))


class Node:
    """One object in the document, with its path and the keys read from it so far."""

    def __init__(self, value: dict[str, Any], path: str, findings: Findings) -> None:
        self.value = value
        self.path = path
        self.findings = findings
        self._read: set[str] = set()

    def child_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.value

    def error(self, key: str, message: str) -> None:
        self.findings.error(self.child_path(key), message)

    def mark_read(self, key: str) -> None:
        self._read.add(key)

    def get(
        self,
        key: str,
        kind: type[T],
        default: T | None = None,
        *,
        required: bool = False,
        choices: tuple[Any, ...] | None = None,
        check: Callable[[T], str | None] | None = None,
    ) -> T | None:
        """Read a scalar field; a wrong type, a value off `choices` or a failed `check` is an error."""
        self._read.add(key)
        if key not in self.value or self.value[key] is None:
            if required:
                self.error(key, f"is required ({_describe(kind, choices)})")
            return default
        raw = self.value[key]
        value = _coerce(raw, kind)
        if value is None:
            self.error(key, f"expected {_describe(kind, choices)}, got {raw!r}")
            return default
        if choices is not None and value not in choices:
            self.error(key, f"expected {_describe(kind, choices)}, got {raw!r}")
            return default
        if check is not None:
            problem = check(value)
            if problem:
                self.error(key, f"{problem}, got {raw!r}")
                return default
        return value

    def obj(self, key: str, *, required: bool = False) -> Node | None:
        self._read.add(key)
        raw = self.value.get(key)
        if raw is None:
            if required:
                self.error(key, "is required (an object)")
            return None
        if not isinstance(raw, dict):
            self.error(key, f"expected an object, got {type(raw).__name__}")
            return None
        return Node(raw, self.child_path(key), self.findings)

    def named_objects(self, key: str) -> list[tuple[str, Node]]:
        """A local map of named objects (`Functions`, `Lambdas`, ...): (name, node) pairs."""
        node = self.obj(key)
        if node is None:
            return []
        return [(name, child) for name in node.value if (child := node.obj(name)) is not None]

    def items(self, key: str, *, required: bool = False) -> list[tuple[str, Any]]:
        """Read a CloudFront list: `{"Quantity": n, "Items": [...]}` or a plain list.

        Returns (path, item) pairs; the path of item i is `KEY.Items[i]` as in the API.
        """
        self._read.add(key)
        raw = self.value.get(key)
        base = self.child_path(key)
        if raw is None:
            if required:
                self.error(key, "is required (a list)")
            return []
        if isinstance(raw, list):
            return [(f"{base}[{i}]", item) for i, item in enumerate(raw)]
        if not isinstance(raw, dict):
            self.error(key, "expected {Quantity, Items} or a list, got " + type(raw).__name__)
            return []
        for key in sorted(set(raw) - {"Quantity", "Items"}):
            self._unread(base, key, {"Quantity", "Items"})
        items = raw.get("Items") or []
        if not isinstance(items, list):
            self.findings.error(f"{base}.Items", f"expected a list, got {type(items).__name__}")
            return []
        quantity = raw.get("Quantity")
        if quantity is not None and (not isinstance(quantity, int) or quantity != len(items)):
            self.findings.error(f"{base}.Quantity", f"says {quantity!r} but Items holds {len(items)}")
        return [(f"{base}.Items[{i}]", item) for i, item in enumerate(items)]

    def objects(self, key: str, *, required: bool = False) -> list[Node]:
        """A CloudFront list whose items are objects."""
        nodes = []
        for path, item in self.items(key, required=required):
            if isinstance(item, dict):
                nodes.append(Node(item, path, self.findings))
            else:
                self.findings.error(path, f"expected an object, got {item!r}")
        return nodes

    def scalars(self, key: str, kind: type[T]) -> list[T]:
        out = []
        for path, item in self.items(key):
            value = _coerce(item, kind)
            if value is None:
                self.findings.error(path, f"expected {_TYPE_NAMES.get(kind, kind.__name__)}, got {item!r}")
            else:
                out.append(value)
        return out

    def finish(self) -> None:
        """Sort every key that nobody read: a CloudFront field edgesim ignores, or a mistake."""
        for key in self.value:
            if key not in self._read:
                self._unread(self.path, str(key), self._read)

    def _unread(self, path: str, key: str, known: set[str]) -> None:
        key_path = f"{path}.{key}" if path else key
        if path == ROOT or path.startswith(ROOT + "."):
            if is_cloudfront_field(path, key):  # a key CloudFront lacks is reported by unknown_fields
                self.findings.unread.append(key_path)
        else:
            self.findings.error(key_path, "is not a key edgesim knows here" + suggestion(key, known))


def _coerce(raw: Any, kind: type[T]) -> T | None:
    """Accept the value if it is of `kind`; numbers written as strings (YAML, API) count too."""
    if kind is bool:
        return raw if isinstance(raw, bool) else None  # type: ignore[return-value]
    if kind is int:
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int):
            return raw  # type: ignore[return-value]
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw)  # type: ignore[return-value]
        return None
    if kind is float:
        if isinstance(raw, bool):
            return None
        if isinstance(raw, (int, float)):
            return float(raw)  # type: ignore[return-value]
        return None
    if kind is str:
        if isinstance(raw, str):
            return raw  # type: ignore[return-value]
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return str(raw)  # type: ignore[return-value]
        return None
    return raw if isinstance(raw, kind) else None


def _describe(kind: type, choices: tuple[Any, ...] | None) -> str:
    if choices:
        return "one of " + ", ".join(str(c) for c in choices)
    return _TYPE_NAMES.get(kind, kind.__name__)
