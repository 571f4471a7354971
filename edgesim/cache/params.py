"""Query strings, cookies and Accept-Encoding as CloudFront reads them from a viewer request.

Shared by the cache key and the origin request, which must agree byte for byte on what
"the query string `a`" or "the normalised Accept-Encoding" is.
"""

from __future__ import annotations

from collections.abc import Iterable

from edgesim.cache.policies import Selection
from edgesim.edge.model import Headers


def query_pairs(querystring: str) -> list[tuple[str, str]]:
    """Raw (name, raw piece) pairs in request order.

    Not `urllib.parse.parse_qsl`: CloudFront keys and forwards the pieces exactly as
    received (no percent-decoding, no `+` to space, blank values kept), only `&`
    separates parameters (`;` belongs to the value), and order matters.
    """
    out: list[tuple[str, str]] = []
    for piece in querystring.split("&"):
        if piece:
            out.append((piece.split("=", 1)[0], piece))
    return out


def select_query(querystring: str, selection: Selection) -> str:
    """The query string with only the selected parameters, in viewer order."""
    if selection.behavior == "all":
        return querystring
    if selection.behavior == "none":
        return ""
    return "&".join(piece for name, piece in query_pairs(querystring) if selection.includes(name))


def cookie_pairs(headers: Headers) -> list[tuple[str, str]]:
    """(name, value) of every cookie in every `Cookie` header, in order.

    Not `http.cookies.SimpleCookie`: it drops a whole header at the first cookie it
    finds invalid and rewrites values, where CloudFront passes cookies on as sent.
    """
    out: list[tuple[str, str]] = []
    for header in headers.get_all("Cookie"):
        for part in header.split(";"):
            part = part.strip(" \t")  # not str.strip(): 0xA0 or 0x85 may end a UTF-8 character
            if not part:
                continue
            name, _, value = part.partition("=")
            out.append((name.strip(" \t"), value.strip(" \t")))
    return out


def select_cookies(pairs: Iterable[tuple[str, str]], selection: Selection) -> list[tuple[str, str]]:
    """Selected cookies sorted by name, the order CloudFront forwards them in."""
    return sorted(((n, v) for n, v in pairs if selection.includes(n)), key=lambda p: p[0])


def _accepted_codings(value: str) -> set[str]:
    accepted: set[str] = set()
    for part in value.split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, raw = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(raw)
                except ValueError:
                    q = 0.0
        if coding and q > 0:
            accepted.add(coding.lower())
    return accepted


def normalized_accept_encoding(
    headers: Headers, *, gzip: bool, brotli: bool, http_version: str = "1.1"
) -> str | None:
    """The Accept-Encoding CloudFront keys on (spec 7.3): `br,gzip`, `br`, `gzip` or None.

    None means the viewer accepts neither enabled coding (the origin then gets
    `identity`). HTTP/1.0 viewers never get compressed objects.
    """
    if http_version == "1.0":
        return None
    accepted = set()
    for value in headers.get_all("Accept-Encoding"):
        accepted |= _accepted_codings(value)
    chosen = [c for c, on in (("br", brotli), ("gzip", gzip)) if on and c in accepted]
    return ",".join(chosen) or None
