"""Property tests with a bounded budget: the config loader only ever raises ConfigError,
path patterns match as CloudFront's wildcards say, and the Lambda@Edge event keeps what
it carries when a function hands it back unchanged."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edgesim.config.load import ConfigError, build_config
from edgesim.edge.behaviors import pattern_regex
from edgesim.edge.hooks import EdgeContext, HookCall
from edgesim.edge.model import EdgeRequest, Headers
from edgesim.lambdas.event import build_event
from edgesim.lambdas.validation import read_result
from tests.conftest import DATA

BUDGET = settings(max_examples=150, deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 70000) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["DistributionConfig", "Origins", "Items", "Quantity", "Id", "DomainName", "DefaultCacheBehavior",
         "TargetOriginId", "CacheBehaviors", "PathPattern", "Functions", "Lambdas", "CustomOriginConfig",
         "HTTPPort", "ViewerProtocolPolicy", "Edgesim", "Runtime", "Code"]) | st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


@BUDGET
@given(st.dictionaries(st.sampled_from(["DistributionConfig", "Functions", "Lambdas", "Edgesim", "KeyValueStores"])
                       | st.text(max_size=8), json_values, max_size=4))
def test_config_loader_refuses_anything_with_a_config_error_never_a_traceback(document: Any) -> None:
    try:
        build_config(document, base_dir=DATA)
    except ConfigError as exc:
        assert str(exc)


def reference_match(pattern: str, path: str) -> bool:
    pattern = pattern.replace("&amp;", "&")
    if not pattern.startswith("/") and pattern != "*":
        pattern = "/" + pattern
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, path, re.DOTALL) is not None


path_chars = st.sampled_from(list("/ab.-_*?%~") + ["\n", "é"])


@BUDGET
@given(st.text(path_chars, max_size=12), st.text(path_chars, max_size=16))
def test_path_pattern_wildcards_match_as_documented(pattern: str, path: str) -> None:
    assert (pattern_regex(pattern).fullmatch(path) is not None) == reference_match(pattern, path)


@BUDGET
@given(st.text(st.characters(blacklist_characters="\r\n\x00*?"), max_size=30), st.text(min_size=1, max_size=10))
def test_literal_pattern_matches_only_itself(literal: str, other: str) -> None:
    literal = "/" + literal
    assert pattern_regex(literal).fullmatch(literal)
    assert not pattern_regex(literal).fullmatch(literal + other)


def grouped(headers: Headers) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for name, value in headers:
        out.setdefault(name.lower(), []).append((name, value))
    return out


header_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True).filter(
    lambda n: n.lower() not in {"host", "content-length", "transfer-encoding", "via", "cookie"} and not n.lower().startswith(("x-amz-cf-", "x-edge-")))
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=20)


@BUDGET
@given(
    st.lists(st.tuples(header_names, header_values), max_size=8),
    st.from_regex(r"/[A-Za-z0-9/._~%-]{0,30}", fullmatch=True),
    st.from_regex(r"([A-Za-z0-9_.~%-]+=[A-Za-z0-9_.~%-]*(&[A-Za-z0-9_.~%-]+=[A-Za-z0-9_.~%-]*)*)?", fullmatch=True),
    st.binary(max_size=64),
)
def test_lambda_event_handed_back_unchanged_keeps_headers_query_and_body(
    headers: list[tuple[str, str]], uri: str, query: str, body: bytes
) -> None:
    request = EdgeRequest(method="POST", uri=uri, querystring=query,
                          headers=Headers([("Host", "d111111abcdef8.cloudfront.net"), *headers]), body=body)
    call = HookCall("viewer-request", EdgeContext("rid", "EDFDVBD6EXAMPLE", "d111111abcdef8.cloudfront.net"), request, None, None)
    sent = build_event(call, include_body=True)
    cf = json.loads(sent.payload)["Records"][0]["cf"]
    back, response, _ = read_result(sent, cf["request"])
    assert response is None and back is not None
    assert back.uri == uri and back.querystring == query
    # The event groups a name's fields together (CloudFront's shape), so only the order
    # within each name is kept; every field and its spelling come back.
    assert grouped(back.headers) == grouped(request.headers)
    assert back.body == body
