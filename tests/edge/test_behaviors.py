"""Behavior selection by PathPattern: CloudFront's wildcard and precedence rules (spec §2)."""

from __future__ import annotations

import pytest

from edgesim.config.model import CacheBehavior, Distribution, Origin
from edgesim.edge.behaviors import BehaviorMatcher, pattern_regex


def matcher(*patterns: str) -> BehaviorMatcher:
    behaviors = tuple(CacheBehavior(path_pattern=p, target_origin_id="o", field_path=p) for p in patterns)
    default = CacheBehavior(path_pattern="*", target_origin_id="o", field_path="default")
    return BehaviorMatcher(Distribution(id="E", domain_name="d.cloudfront.net", origins={"o": Origin("o", "x")},
                                        default_behavior=default, behaviors=behaviors))


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("images/*.jpg", "/images/a.jpg", True),
        ("images/*.jpg", "/images/deep/down/a.jpg", True),
        ("*.doc*", "/x.doc", True),
        ("*.doc*", "/x.docx", True),
        ("*.doc?", "/x.doc", False),
        ("*.doc?", "/x.docm", True),
        ("/a??.jpg", "/ant.jpg", True),
        ("/a??.jpg", "/an.jpg", False),
        ("*.jpg", "/LOGO.JPG", False),
        ("/images/*", "/images/x", True),
        ("images/*", "/images/x", True),
        ("/api/*", "/apix", False),
        ("/api/*", "/api/", True),
        ("/index.html", "/index.html.bak", False),
        ("/a.b", "/aXb", False),
        ("/q&amp;a/*", "/q&a/x", True),
    ],
)
def test_path_pattern_semantics(pattern, path, matches):
    assert bool(pattern_regex(pattern).fullmatch(path)) is matches


def test_first_matching_behavior_wins_in_list_order():
    m = matcher("/api/*", "/api/v2/*")
    assert m.match("/api/v2/x").path_pattern == "/api/*"


def test_default_behavior_catches_the_rest():
    m = matcher("/api/*")
    assert m.match("/other").field_path == "default"


def test_query_string_is_not_part_of_matching():
    m = matcher("*.json")
    assert m.match("/data.json").path_pattern == "*.json"


def test_raw_percent_encoded_path_is_matched_as_received():
    m = matcher("/caf%C3%A9/*")
    assert m.match("/caf%C3%A9/menu").path_pattern == "/caf%C3%A9/*"
    assert m.match("/café/menu").field_path == "default"
