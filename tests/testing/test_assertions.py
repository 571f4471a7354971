"""Each assertion helper passes on what it checks and fails with a message that shows the edge's answer."""

from __future__ import annotations

import httpx
import pytest

from edgesim.config.model import CacheBehavior
from edgesim.edge.exchange import Exchange, HookRun
from edgesim.edge.hooks import EdgeContext
from edgesim.edge.model import EdgeRequest, Headers
from edgesim.testing import (
    assert_cookie_set,
    assert_header,
    assert_hooks_ran,
    assert_no_header,
    assert_redirect,
    assert_x_cache,
)


def response(status: int = 200, headers: list[tuple[str, str]] | None = None, url: str = "http://edgesim.test/a/b") -> httpx.Response:
    return httpx.Response(status, headers=headers or [], request=httpx.Request("GET", url))


def exchange_with(*runs: tuple[str, str]) -> Exchange:
    context = EdgeContext("rid", "E1", "d1.cloudfront.net")
    exchange = Exchange(context, EdgeRequest("GET", "/", "", Headers()), CacheBehavior("*", "o"))
    exchange.hooks = [HookRun(event_type, name, 0.1, "ok") for event_type, name in runs]
    return exchange


def test_redirect_matches_absolute_and_relative_locations():
    moved = response(301, [("Location", "https://example.com/new")])
    assert assert_redirect(moved, "https://example.com/new", status=301) == "https://example.com/new"
    assert_redirect(response(302, [("Location", "/login")]), "http://edgesim.test/login")


def test_redirect_fails_on_other_status_or_target():
    with pytest.raises(AssertionError, match="got 200"):
        assert_redirect(response(200), "/x")
    with pytest.raises(AssertionError, match="redirects to '/y'"):
        assert_redirect(response(302, [("Location", "/y")]), "/x")
    with pytest.raises(AssertionError, match="expected a redirect \\(307\\)"):
        assert_redirect(response(302, [("Location", "/x")]), "/x", status=307)


def test_header_present_with_value_and_absent():
    answer = response(headers=[("X-Frame-Options", "DENY"), ("Vary", "a"), ("Vary", "b")])
    assert assert_header(answer, "x-frame-options", "DENY") == "DENY"
    assert assert_header(answer, "vary") == "a, b"
    assert_no_header(answer, "x-powered-by")
    with pytest.raises(AssertionError, match="'DENY', expected 'SAMEORIGIN'"):
        assert_header(answer, "X-Frame-Options", "SAMEORIGIN")
    with pytest.raises(AssertionError, match="no Server header"):
        assert_header(answer, "Server")
    with pytest.raises(AssertionError, match="Vary is set"):
        assert_no_header(answer, "Vary")


def test_cookie_set_reads_each_set_cookie_header():
    answer = response(headers=[("Set-Cookie", "ab-group=b; Path=/; Max-Age=86400"), ("Set-Cookie", "session=xyz; HttpOnly")])
    assert assert_cookie_set(answer, "ab-group") == "b"
    assert_cookie_set(answer, "session", "xyz")
    with pytest.raises(AssertionError, match="no Set-Cookie for 'theme'; cookies set: \\['ab-group', 'session'\\]"):
        assert_cookie_set(answer, "theme")
    with pytest.raises(AssertionError, match="set to 'b', expected 'a'"):
        assert_cookie_set(answer, "ab-group", "a")


def test_x_cache_accepts_the_short_and_the_full_form():
    hit = response(headers=[("X-Cache", "Hit from cloudfront")])
    assert_x_cache(hit, "Hit")
    assert_x_cache(hit, "Hit from cloudfront")
    with pytest.raises(AssertionError, match="X-Cache is 'Hit from cloudfront', expected 'Miss from cloudfront'"):
        assert_x_cache(hit, "Miss")


def test_hooks_ran_by_event_type_or_function_with_or_without_version():
    exchange = exchange_with(("viewer-request", "edge"), ("origin-request", "auth:3"))
    assert_hooks_ran(exchange, ["viewer-request", "origin-request"])
    assert_hooks_ran(exchange, [("viewer-request", "edge"), ("origin-request", "auth")])
    assert_hooks_ran(exchange, ["viewer-request", ("origin-request", "auth:3")])
    with pytest.raises(AssertionError, match="hooks that ran"):
        assert_hooks_ran(exchange, ["viewer-request"])
    with pytest.raises(AssertionError, match="hooks that ran"):
        assert_hooks_ran(exchange, [("viewer-request", "other"), "origin-request"])
    with pytest.raises(AssertionError, match="hooks that ran: none"):
        assert_hooks_ran(exchange_with(), ["viewer-request"])
