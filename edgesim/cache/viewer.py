"""What CloudFront knows about a viewer, and the CloudFront-* headers it derives from that.

These headers exist only when a cache or origin request policy names them (spec 5.4);
CloudFront computes them itself and overwrites any viewer-sent header of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from edgesim.edge.model import EdgeRequest

# Device classes from the User-Agent, first match per class. CloudFront does not publish
# its rules; these follow the common UA conventions.
_SMART_TV = re.compile(
    r"SmartTV|SMART-TV|Smart-TV|HbbTV|AppleTV|GoogleTV|BRAVIA|Roku|CrKey|Web0S|WebOS|Tizen.*TV|AFT[A-Z]"
)
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk|PlayBook|Android(?!.*Mobile)")
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Windows Phone|BlackBerry|Opera Mini")
_ANDROID = re.compile(r"Android")
_IOS = re.compile(r"iPhone|iPad|iPod")


@dataclass(frozen=True)
class ViewerInfo:
    """The viewer as the edge sees it: connection facts plus (configured) geolocation.

    edgesim has no GeoIP database; tests and the topology set the location fields.
    A field left `None` makes the matching header absent, as for AWS-internal viewers.
    """

    ip: str = "127.0.0.1"
    port: int = 0
    scheme: str = "http"
    http_version: str = "1.1"
    user_agent: str = ""
    country: str | None = None
    country_name: str | None = None
    region: str | None = None
    region_name: str | None = None
    city: str | None = None
    postal_code: str | None = None
    time_zone: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    metro_code: str | None = None
    asn: str | None = None
    tls: str | None = None
    ja3_fingerprint: str | None = None
    header_names: tuple[str, ...] = ()

    @classmethod
    def from_request(cls, request: EdgeRequest, **location: str | None) -> ViewerInfo:
        return cls(
            ip=request.client_ip,
            port=request.client_port,
            scheme=request.scheme,
            http_version=request.http_version,
            user_agent=request.headers.get("User-Agent", "") or "",
            header_names=tuple(request.headers.names()),
            **location,  # type: ignore[arg-type]
        )

    @property
    def is_smart_tv(self) -> bool:
        return bool(_SMART_TV.search(self.user_agent))

    @property
    def is_tablet(self) -> bool:
        return not self.is_smart_tv and bool(_TABLET.search(self.user_agent))

    @property
    def is_mobile(self) -> bool:
        return not self.is_smart_tv and not self.is_tablet and bool(_MOBILE.search(self.user_agent))

    @property
    def is_desktop(self) -> bool:
        return not (self.is_smart_tv or self.is_tablet or self.is_mobile)

    def address(self) -> str:
        return f"{self.ip}:{self.port}"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _text(value: str | None) -> str | None:
    # Location names may be non-ASCII; CloudFront percent-encodes them.
    return None if value is None else quote(value, safe=" -_.,'/()")


_HEADERS: dict[str, tuple[str, Callable[[ViewerInfo], str | None]]] = {
    name.lower(): (name, fn)
    for name, fn in (
        ("CloudFront-Forwarded-Proto", lambda v: v.scheme),
        ("CloudFront-Is-Android-Viewer", lambda v: _flag(bool(_ANDROID.search(v.user_agent)))),
        ("CloudFront-Is-IOS-Viewer", lambda v: _flag(bool(_IOS.search(v.user_agent)))),
        ("CloudFront-Is-Desktop-Viewer", lambda v: _flag(v.is_desktop)),
        ("CloudFront-Is-Mobile-Viewer", lambda v: _flag(v.is_mobile)),
        ("CloudFront-Is-SmartTV-Viewer", lambda v: _flag(v.is_smart_tv)),
        ("CloudFront-Is-Tablet-Viewer", lambda v: _flag(v.is_tablet)),
        ("CloudFront-Viewer-Address", ViewerInfo.address),
        ("CloudFront-Viewer-ASN", lambda v: v.asn),
        ("CloudFront-Viewer-Country", lambda v: v.country),
        ("CloudFront-Viewer-Country-Name", lambda v: _text(v.country_name)),
        ("CloudFront-Viewer-Country-Region", lambda v: v.region),
        ("CloudFront-Viewer-Country-Region-Name", lambda v: _text(v.region_name)),
        ("CloudFront-Viewer-City", lambda v: _text(v.city)),
        ("CloudFront-Viewer-Postal-Code", lambda v: v.postal_code),
        ("CloudFront-Viewer-Time-Zone", lambda v: v.time_zone),
        ("CloudFront-Viewer-Latitude", lambda v: v.latitude),
        ("CloudFront-Viewer-Longitude", lambda v: v.longitude),
        ("CloudFront-Viewer-Metro-Code", lambda v: v.metro_code),
        ("CloudFront-Viewer-Http-Version", lambda v: v.http_version),
        ("CloudFront-Viewer-TLS", lambda v: v.tls if v.scheme == "https" else None),
        ("CloudFront-Viewer-JA3-Fingerprint", lambda v: v.ja3_fingerprint if v.scheme == "https" else None),
        ("CloudFront-Viewer-Header-Order", lambda v: ":".join(v.header_names)[:7680]),
        ("CloudFront-Viewer-Header-Count", lambda v: str(len(v.header_names))),
    )
}


def is_cloudfront_header(name: str) -> bool:
    """True for a header name CloudFront generates from what it knows about the viewer."""
    return name.lower() in _HEADERS


def cloudfront_header(name: str, viewer: ViewerInfo) -> tuple[str, str] | None:
    """(canonical name, value) of a CloudFront-* header, or None when CloudFront would omit it."""
    entry = _HEADERS.get(name.lower())
    if entry is None:
        return None
    canonical, compute = entry
    value = compute(viewer)
    return None if value is None else (canonical, value)
