"""What each runtime exposes: the JS modules it loads and the QuickJS built-ins it drops.

QuickJS implements ES2023; CloudFront's runtimes are ES 5.1 plus short lists of later
features (spec §3.2-3.4). Anything on neither list is taken away so that code which
leans on it fails here as it would on CloudFront. Paths starting with `TypedArray` name
the shared %TypedArray% constructor behind Int8Array, Uint8Array and the rest.
"""

from __future__ import annotations

V1 = "cloudfront-js-1.0"
V2 = "cloudfront-js-2.0"

# JS files under functions/modules/, in load order.
MODULES: dict[str, tuple[str, ...]] = {
    V1: ("bytes", "core", "string_bytes", "hashes", "crypto", "querystring"),
    V2: ("bytes", "core", "text", "buffer", "hashes", "crypto", "querystring", "cloudfront"),
}

_ON_NEITHER_LIST = (
    "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Proxy", "Reflect",
    "BigInt", "BigInt64Array", "BigUint64Array", "SharedArrayBuffer", "Atomics",
    "escape", "unescape",
    "Array.from",
    "Array.prototype.flat", "Array.prototype.flatMap", "Array.prototype.keys",
    "Array.prototype.values", "Array.prototype.entries", "Array.prototype.at",
    "Array.prototype.findLast", "Array.prototype.findLastIndex", "Array.prototype.toReversed",
    "Array.prototype.toSorted", "Array.prototype.toSpliced", "Array.prototype.with",
    "Object.fromEntries", "Object.hasOwn", "Object.groupBy",
    "String.raw", "String.prototype.at", "String.prototype.matchAll",
    "String.prototype.normalize", "String.prototype.isWellFormed", "String.prototype.toWellFormed",
    "TypedArray.prototype.at", "TypedArray.prototype.findLast",
    "TypedArray.prototype.findLastIndex", "TypedArray.prototype.keys",
    "TypedArray.prototype.values", "TypedArray.prototype.entries",
    "TypedArray.prototype.toReversed", "TypedArray.prototype.toSorted", "TypedArray.prototype.with",
    "Promise.withResolvers",
)

# Listed for 2.0 only (spec §3.3), so absent from 1.0.
_ADDED_IN_V2 = (
    "String.prototype.replaceAll", "Object.getOwnPropertyDescriptors",
    "Promise.all", "Promise.allSettled", "Promise.any", "Promise.race", "AggregateError",
    "DataView", "Symbol", "RegExp.prototype.flags",
    "TypedArray.from", "TypedArray.of",
    "TypedArray.prototype.every", "TypedArray.prototype.filter", "TypedArray.prototype.find",
    "TypedArray.prototype.findIndex", "TypedArray.prototype.forEach",
    "TypedArray.prototype.includes", "TypedArray.prototype.indexOf",
    "TypedArray.prototype.lastIndexOf", "TypedArray.prototype.map", "TypedArray.prototype.reduce",
    "TypedArray.prototype.reduceRight", "TypedArray.prototype.reverse",
    "TypedArray.prototype.some", "TypedArray.prototype.sort",
)

REMOVED: dict[str, tuple[str, ...]] = {
    V1: _ON_NEITHER_LIST + _ADDED_IN_V2,
    V2: _ON_NEITHER_LIST,
}
