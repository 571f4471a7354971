from __future__ import annotations

import gzip

import brotli
import pytest

from edgesim.cache.compression import compress, compression_for
from edgesim.cache.policies import CachePolicy, PolicyCatalog, Selection
from edgesim.edge.model import EdgeResponse, Headers

BODY = b"<html>" + b"hello world " * 200 + b"</html>"


def headers(**overrides: str | None) -> Headers:
    base: dict[str, str | None] = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(BODY))}
    base.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return Headers([(k, v) for k, v in base.items() if v is not None])


@pytest.fixture
def optimized(catalog: PolicyCatalog) -> CachePolicy:
    return catalog.cache_policy("CachingOptimized")


def choice(policy: CachePolicy, ae: str | None = "br,gzip", status: int = 200, h: Headers | None = None, body: bytes = BODY, compress_flag: bool = True) -> str | None:
    return compression_for(ae, status, h if h is not None else headers(), body, policy=policy, behavior_compress=compress_flag).encoding


def test_brotli_preferred_when_both_accepted(optimized: CachePolicy) -> None:
    assert choice(optimized) == "br"


def test_gzip_when_only_gzip_accepted(optimized: CachePolicy) -> None:
    assert choice(optimized, "gzip") == "gzip"


def test_not_without_behavior_compress(optimized: CachePolicy) -> None:
    assert choice(optimized, compress_flag=False) is None


def test_not_with_caching_disabled(catalog: PolicyCatalog) -> None:
    assert choice(catalog.cache_policy("CachingDisabled")) is None


def test_not_without_policy_flags(catalog: PolicyCatalog) -> None:
    assert choice(catalog.cache_policy("CachingOptimizedForUncompressedObjects")) is None


def test_not_when_accept_encoding_is_a_key_header() -> None:
    policy = CachePolicy(id="p", name="p", gzip=True, headers=Selection("whitelist", ("Accept-Encoding",), case_sensitive=False))
    assert choice(policy, "gzip") is None


def test_not_when_viewer_accepts_neither(optimized: CachePolicy) -> None:
    assert choice(optimized, None) is None


@pytest.mark.parametrize("status, expected", [(200, "br"), (403, "br"), (404, "br"), (206, None), (500, None), (301, None)])
def test_only_200_403_404_are_compressed(optimized: CachePolicy, status: int, expected: str | None) -> None:
    assert choice(optimized, status=status) == expected


def test_not_when_origin_already_encoded(optimized: CachePolicy) -> None:
    assert choice(optimized, h=headers(Content_Encoding="identity")) is None


def test_not_without_content_length(optimized: CachePolicy) -> None:
    assert choice(optimized, h=headers(Content_Length=None)) is None


@pytest.mark.parametrize("size, expected", [(999, None), (1_000, "br"), (10_000_000, "br"), (10_000_001, None)])
def test_size_window(optimized: CachePolicy, size: int, expected: str | None) -> None:
    body = b"a" * size
    assert choice(optimized, h=headers(Content_Length=str(size)), body=body) == expected


@pytest.mark.parametrize("ctype, expected", [("application/json", "br"), ("image/svg+xml", "br"), ("image/png", None), ("TEXT/CSS", "br"), (None, None)])
def test_content_type_table(optimized: CachePolicy, ctype: str | None, expected: str | None) -> None:
    assert choice(optimized, h=headers(Content_Type=ctype)) == expected


def test_reason_names_the_closed_gate(optimized: CachePolicy) -> None:
    got = compression_for("gzip", 200, headers(Content_Length=None), BODY, policy=optimized, behavior_compress=True)
    assert got.reason == "no Content-Length"


def test_gzip_roundtrip_with_weak_etag_and_vary() -> None:
    response = EdgeResponse(200, headers(ETag='"abc"', Vary="Origin"), BODY)
    out = compress(response, "gzip")
    assert gzip.decompress(out.body) == BODY  # type: ignore[arg-type]
    h = out.headers
    assert (h.get("Content-Encoding"), h.get("Content-Length"), h.get("ETag")) == ("gzip", str(len(out.body)), 'W/"abc"')  # type: ignore[arg-type]
    assert h.get("Vary") == "Origin, Accept-Encoding"


def test_brotli_roundtrip_keeps_weak_etag_and_drops_invalid_one() -> None:
    weak = compress(EdgeResponse(200, headers(ETag='W/"x"'), BODY), "br")
    assert brotli.decompress(weak.body) == BODY and weak.headers.get("ETag") == 'W/"x"'  # type: ignore[arg-type]
    assert "etag" not in compress(EdgeResponse(200, headers(ETag="abc"), BODY), "br").headers


def test_existing_vary_accept_encoding_not_repeated() -> None:
    out = compress(EdgeResponse(200, headers(Vary="accept-encoding"), BODY), "gzip")
    assert out.headers.get_all("Vary") == ["accept-encoding"]
