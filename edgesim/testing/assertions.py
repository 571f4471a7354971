"""Assertions for what edge tests check, with messages that show what the edge did instead.

They take an httpx response (from the fixtures' clients) or, for hooks, an `Exchange`
(the fixtures' `last_exchange`), and return the value they checked so a test can go on
with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import urljoin

import httpx

from edgesim.edge.exchange import Exchange

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def assert_redirect(response: httpx.Response, location: str, *, status: int | None = None) -> str:
    """The response redirects to `location` (absolute, or a path resolved against the request URL)."""
    allowed = {status} if status is not None else REDIRECT_STATUSES
    assert response.status_code in allowed, (
        f"expected a redirect ({', '.join(map(str, sorted(allowed)))}) to {location}, got {response.status_code}"
    )
    actual = response.headers.get("location")
    assert actual is not None, f"{response.status_code} without a Location header"
    expected = urljoin(str(response.request.url), location)
    assert urljoin(str(response.request.url), actual) == expected, f"redirects to {actual!r}, expected {location!r}"
    return actual


def assert_header(response: httpx.Response, name: str, value: str | None = None) -> str:
    """The response carries header `name` (with exactly `value`, when given)."""
    values = response.headers.get_list(name)
    assert values, f"no {name} header; the response has {sorted(response.headers.keys())}"
    joined = ", ".join(values)
    if value is not None:
        assert value in values or joined == value, f"{name} is {joined!r}, expected {value!r}"
    return joined


def assert_no_header(response: httpx.Response, name: str) -> None:
    """The response does not carry header `name`."""
    assert name not in response.headers, f"{name} is set to {response.headers[name]!r}"


def assert_cookie_set(response: httpx.Response, name: str, value: str | None = None) -> str:
    """A Set-Cookie header sets cookie `name` (to `value`, when given); returns the cookie's value."""
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        cookies.update({key: morsel.value for key, morsel in jar.items()})
    assert name in cookies, f"no Set-Cookie for {name!r}; cookies set: {sorted(cookies) or 'none'}"
    if value is not None:
        assert cookies[name] == value, f"cookie {name} is set to {cookies[name]!r}, expected {value!r}"
    return cookies[name]


def assert_x_cache(response: httpx.Response, expected: str) -> str:
    """X-Cache is `expected`, given as CloudFront writes it ('Hit from cloudfront') or its first word ('Hit')."""
    actual = response.headers.get("x-cache", "")
    wanted = expected if " from " in expected else f"{expected} from cloudfront"
    assert actual == wanted, f"X-Cache is {actual!r}, expected {wanted!r}"
    return actual


def assert_hooks_ran(exchange: Exchange, expected: Iterable[str | tuple[str, str]]) -> None:
    """Exactly these hooks ran, in this order: event types, or (event type, function) pairs.

    A Lambda@Edge function matches with or without its version (`auth` or `auth:3`).
    """
    wanted = list(expected)
    ran = [(run.event_type, run.function) for run in exchange.hooks]
    assert len(ran) == len(wanted) and all(map(_same_hook, ran, wanted)), f"hooks that ran: {ran or 'none'}, expected {wanted}"


def _same_hook(ran: tuple[str, str], want: str | tuple[str, str]) -> bool:
    event_type, function = ran
    if isinstance(want, str):
        return event_type == want
    return event_type == want[0] and want[1] in (function, function.split(":")[0])
