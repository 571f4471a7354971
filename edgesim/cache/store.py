"""One in-memory cache tier (a POP or a regional edge cache) and request collapsing.

The store holds what `ttl.cache_decision` said to keep, bounded by bytes with LRU
eviction, answers fresh/stale/miss against an injectable clock, keeps `Vary` variants
apart, and forgets objects by CloudFront's invalidation path rules (spec 6.6).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar, Union

from edgesim.cache.key import CacheKey
from edgesim.cache.policies import CachePolicy, OriginRequestPolicy
from edgesim.cache.ttl import CacheDecision
from edgesim.edge.model import Headers

Clock = Callable[[], float]
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 * 1024


class Freshness(str, Enum):
    FRESH = "fresh"
    STALE = "stale"
    MISS = "miss"


def vary_names(headers: Headers) -> tuple[str, ...]:
    """Lower-case header names a response varies on; `*` is left to the TTL decision."""
    names = {n.strip().lower() for value in headers.get_all("Vary") for n in value.split(",")}
    return tuple(sorted(n for n in names if n and n != "*"))


RequestHeaders = Union[Headers, Callable[[], Headers], None]


def _variant(names: tuple[str, ...], request_headers: RequestHeaders) -> tuple[str | None, ...]:
    """The request's values of the Vary names; `request_headers` may be a callable, so that
    the caller builds them only for objects that vary (most do not)."""
    if not names:
        return ()
    if callable(request_headers):
        request_headers = request_headers()
    if request_headers is None:
        return tuple(None for _ in names)
    return tuple(",".join(v) if (v := request_headers.get_all(n)) else None for n in names)


@dataclass
class CacheEntry:
    """One stored response and the clock facts that say how long it may be served."""

    key: CacheKey
    status: int
    headers: Headers
    body: bytes
    stored_at: float
    ttl: float
    stale_while_revalidate: float = 0
    stale_if_error: float | None = None
    conditional: bool = True
    vary: tuple[str, ...] = ()
    variant: tuple[str | None, ...] = ()

    @property
    def size(self) -> int:
        return len(self.body) + self.headers.raw_size()

    @property
    def expires_at(self) -> float:
        return self.stored_at + self.ttl

    def age(self, now: float) -> int:
        """Whole seconds since the object entered the cache: the `Age` header."""
        return max(0, int(now - self.stored_at))

    def is_fresh(self, now: float) -> bool:
        return now < self.expires_at

    def within_stale_while_revalidate(self, now: float) -> bool:
        return now < self.expires_at + self.stale_while_revalidate

    def within_stale_if_error(self, now: float, error_caching_ttl: float) -> bool:
        """May this expired copy answer an origin failure? `stale-if-error`, else spec 4.4's rule."""
        window = self.stale_if_error if self.stale_if_error is not None else error_caching_ttl
        return now < self.expires_at + window

    def validators(self) -> list[tuple[str, str]]:
        """Conditional headers for revalidating this entry at the origin (spec 7.1)."""
        if not self.conditional:
            return []
        out = []
        if (etag := self.headers.get("ETag")) is not None:
            out.append(("If-None-Match", etag))
        if (modified := self.headers.get("Last-Modified")) is not None:
            out.append(("If-Modified-Since", modified))
        return out


@dataclass(frozen=True)
class Lookup:
    state: Freshness
    entry: CacheEntry | None = None


@dataclass(frozen=True)
class EntryInfo:
    """One line of `edgesim cache ls`: what is stored, how big, and for how long still."""

    key: CacheKey
    status: int
    size: int
    ttl_left: float
    age: int


def validate_invalidation_path(path: str) -> None:
    """Raise ValueError unless `path` is a CloudFront invalidation path (spec 6.6)."""
    if not path.startswith("/"):
        raise ValueError(f"invalidation path {path!r} must start with '/'")
    if "*" in path[:-1]:
        raise ValueError(f"invalidation path {path!r}: '*' is allowed only as the last character")
    if len(path) > 4000:
        raise ValueError("invalidation path longer than 4,000 characters")


def invalidation_matches(pattern: str, key: CacheKey) -> bool:
    """Case-sensitive; query strings are part of the path; a trailing `*` matches any rest."""
    target = key.invalidation_path
    if pattern.endswith("*"):
        return target.startswith(pattern[:-1])
    return target == pattern


@dataclass
class CacheStore:
    """An LRU cache tier bounded by bytes. Objects over `max_object_bytes` are never stored."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES
    clock: Clock = time.monotonic
    _entries: OrderedDict[tuple[CacheKey, tuple[str | None, ...]], CacheEntry] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    # Per key: the Vary names of its stored variants, and those variants.
    _vary: dict[CacheKey, tuple[str, ...]] = field(default_factory=dict, init=False, repr=False)
    _variants: dict[CacheKey, set[tuple[str | None, ...]]] = field(default_factory=dict, init=False, repr=False)
    _bytes: int = field(default=0, init=False, repr=False)

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: CacheKey, request_headers: RequestHeaders = None) -> Lookup:
        """Fresh, stale or miss for this key and the request's values of the Vary headers.

        `request_headers` should be the headers CloudFront forwards (`OriginRequest.headers`):
        a response can only vary on what the origin saw.
        """
        names = self._vary.get(key)
        if names is None:
            return Lookup(Freshness.MISS)
        entry = self._entries.get((key, _variant(names, request_headers)))
        if entry is None:
            return Lookup(Freshness.MISS)
        self._entries.move_to_end((key, entry.variant))
        state = Freshness.FRESH if entry.is_fresh(self.clock()) else Freshness.STALE
        return Lookup(state, entry)

    def put(
        self,
        key: CacheKey,
        status: int,
        headers: Headers,
        body: bytes,
        decision: CacheDecision,
        request_headers: Headers | None = None,
    ) -> CacheEntry | None:
        """Store a response as `decision` says; returns None when it is not stored."""
        if not decision.store:
            return None
        if decision.strip_set_cookie:
            headers = headers.copy()
            headers.remove("Set-Cookie")
        names = vary_names(headers)
        entry = CacheEntry(
            key=key,
            status=status,
            headers=headers,
            body=body,
            stored_at=self.clock(),
            ttl=decision.ttl,
            stale_while_revalidate=decision.stale_while_revalidate,
            stale_if_error=decision.stale_if_error,
            conditional=decision.conditional,
            vary=names,
            variant=_variant(names, request_headers),
        )
        return self.insert(entry)

    def insert(self, entry: CacheEntry) -> CacheEntry | None:
        """Keep an entry made elsewhere (`put`, or another worker's put); None if too big."""
        if entry.size > self.max_object_bytes or entry.size > self.max_bytes:
            return None
        key = entry.key
        if self._vary.get(key, entry.vary) != entry.vary:
            # The origin changed its Vary list: older variants were keyed differently.
            self._drop_key(key)
        self._remove((key, entry.variant))
        self._vary[key] = entry.vary
        self._variants.setdefault(key, set()).add(entry.variant)
        self._entries[(key, entry.variant)] = entry
        self._bytes += entry.size
        self._evict()
        return entry

    def _evict(self) -> None:
        """Drop least recently used entries until the store fits its bound."""
        while self._bytes > self.max_bytes:
            self._remove(next(iter(self._entries)))

    def refresh(self, entry: CacheEntry, decision: CacheDecision, headers: Headers | None = None) -> None:
        """A 304 revalidated `entry`: restart its TTL and take the 304's updated headers."""
        if headers is not None:
            for name in ("Cache-Control", "Expires", "Date", "ETag", "Last-Modified"):
                if (value := headers.get(name)) is not None:
                    entry.headers.set(name, value)
        entry.stored_at = self.clock()
        entry.ttl = decision.ttl
        entry.stale_while_revalidate = decision.stale_while_revalidate
        entry.stale_if_error = decision.stale_if_error

    def invalidate(self, path: str) -> int:
        """Drop every variant whose path matches; returns how many objects went."""
        validate_invalidation_path(path)
        doomed = [slot for slot, entry in self._entries.items() if invalidation_matches(path, entry.key)]
        for slot in doomed:
            self._remove(slot)
        return len(doomed)

    def entries(self) -> list[EntryInfo]:
        now = self.clock()
        return [
            EntryInfo(e.key, e.status, e.size, max(0.0, e.expires_at - now), e.age(now))
            for e in self._entries.values()
        ]

    def clear(self) -> None:
        self._entries.clear()
        self._vary.clear()
        self._variants.clear()
        self._bytes = 0

    def _remove(self, slot: tuple[CacheKey, tuple[str | None, ...]]) -> None:
        entry = self._entries.pop(slot, None)
        if entry is None:
            return
        self._bytes -= entry.size
        key, variant = slot
        variants = self._variants[key]
        variants.discard(variant)
        if not variants:
            del self._variants[key]
            del self._vary[key]

    def _drop_key(self, key: CacheKey) -> None:
        for variant in list(self._variants.get(key, ())):
            self._remove((key, variant))


T = TypeVar("T")


def collapses(cache: CachePolicy, orp: OriginRequestPolicy | None) -> bool:
    """Spec 4.6: concurrent misses are collapsed unless caching is off or cookies reach the origin."""
    if cache.caching_disabled:
        return False
    return cache.cookies.behavior == "none" and (orp is None or orp.cookies.behavior == "none")


class RequestCollapser(Generic[T]):
    """One origin fetch per key at a time; concurrent callers share its result (spec 4.6).

    The fetch runs as its own task, so the first viewer hanging up does not cancel it
    for the others. An exception reaches every waiter.
    """

    def __init__(self) -> None:
        self._inflight: dict[Hashable, asyncio.Future[T]] = {}

    def in_flight(self, key: Hashable) -> bool:
        return key in self._inflight

    def _forget(self, key: Hashable, task: asyncio.Future[T]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]

    async def run(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """(result, collapsed): collapsed is True for callers that waited on another's fetch."""
        task = self._inflight.get(key)
        if task is not None:
            return await asyncio.shield(task), True
        task = asyncio.ensure_future(fetch())
        self._inflight[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return await asyncio.shield(task), False
