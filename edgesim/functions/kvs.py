"""KeyValueStores loaded from JSON files, with CloudFront's quotas.

Two file shapes are accepted: CloudFront's import format
`{"data": [{"key": "k", "value": "v"}, ...]}` and a plain `{"k": "v"}` object. Values
that are not strings (allowed only in the plain form) are stored as their JSON text, as
`get(key, {format: "json"})` expects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from edgesim.functions.limits import KVS_KEY_LIMIT, KVS_STORE_LIMIT, KVS_VALUE_LIMIT


class KeyValueStoreError(ValueError):
    """The store file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class KeyValueStore:
    name: str
    items: dict[str, str]
    updated: datetime

    def get(self, key: str) -> str | None:
        return self.items.get(key)

    def meta(self) -> dict[str, Any]:
        """What `kvs.meta()` resolves to: the file's time stands for the last sync."""
        stamp = self.updated.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"creationDateTime": stamp, "lastUpdatedDateTime": stamp, "keyCount": len(self.items)}

    @classmethod
    def load(cls, path: Path, name: str | None = None) -> KeyValueStore:
        try:
            raw = path.read_bytes()
            document = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise KeyValueStoreError(f"{path}: cannot read KeyValueStore: {exc}") from exc
        if len(raw) > KVS_STORE_LIMIT:
            raise KeyValueStoreError(f"{path}: store is {len(raw)} bytes, over the 5 MB limit")
        updated = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        return cls(name or path.stem, _items(document, path), updated)


def _items(document: Any, path: Path) -> dict[str, str]:
    if isinstance(document, dict) and isinstance(document.get("data"), list) and len(document) == 1:
        pairs = []
        for index, entry in enumerate(document["data"]):
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not isinstance(entry.get("value"), str):
                raise KeyValueStoreError(f"{path}: data[{index}] must be {{\"key\": string, \"value\": string}}")
            pairs.append((entry["key"], entry["value"]))
    elif isinstance(document, dict):
        pairs = [(k, v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))) for k, v in document.items()]
    else:
        raise KeyValueStoreError(f"{path}: expected {{\"data\": [...]}} or a JSON object")
    items: dict[str, str] = {}
    for key, value in pairs:
        if not key or len(key.encode("utf-8")) > KVS_KEY_LIMIT:
            raise KeyValueStoreError(f"{path}: key {key[:40]!r} must be 1-{KVS_KEY_LIMIT} bytes")
        if len(value.encode("utf-8")) > KVS_VALUE_LIMIT:
            raise KeyValueStoreError(f"{path}: value of {key!r} is over the {KVS_VALUE_LIMIT}-byte limit")
        items[key] = value
    return items
