"""Which POP serves a request, and who the viewer is, from edgesim's own request headers.

CloudFront picks the POP by DNS and knows the viewer's location from its address; on a
laptop every viewer is 127.0.0.1, so a test says where it stands instead: `X-Edgesim-Pop`
names the POP, `X-Edgesim-Viewer-*` set the viewer's country, region, city, device and
IP. edgesim strips them all, so no hook, origin or cache key ever sees them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from edgesim.cache.viewer import ViewerInfo
from edgesim.edge.model import EdgeRequest, Headers
from edgesim.topology.places import Pop, Topology

log = logging.getLogger("edgesim.topology")

EDGESIM_PREFIX = "x-edgesim-"
POP_HEADER = "x-edgesim-pop"
IP_HEADER = "x-edgesim-viewer-ip"
DEVICE_HEADER = "x-edgesim-viewer-device"

# X-Edgesim-Viewer-<suffix> -> the ViewerInfo field behind CloudFront-Viewer-<suffix>.
LOCATION_HEADERS = {
    "x-edgesim-viewer-country": "country",
    "x-edgesim-viewer-country-name": "country_name",
    "x-edgesim-viewer-region": "region",
    "x-edgesim-viewer-region-name": "region_name",
    "x-edgesim-viewer-city": "city",
    "x-edgesim-viewer-postal-code": "postal_code",
    "x-edgesim-viewer-time-zone": "time_zone",
    "x-edgesim-viewer-latitude": "latitude",
    "x-edgesim-viewer-longitude": "longitude",
    "x-edgesim-viewer-metro-code": "metro_code",
    "x-edgesim-viewer-asn": "asn",
}

# CloudFront derives the device headers from the User-Agent; a device type stands in for
# one that makes exactly that class (and the Android/iOS flags) true.
DEVICE_AGENTS = {
    "desktop": "Mozilla/5.0 (X11; Linux x86_64)",
    "mobile": "Mozilla/5.0 (Mobile)",
    "tablet": "Mozilla/5.0 (Tablet)",
    "smarttv": "Mozilla/5.0 (SMART-TV)",
    "android": "Mozilla/5.0 (Linux; Android 14) Mobile",
    "ios": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile",
}


@dataclass(frozen=True)
class Placement:
    """Where a request is served and what CloudFront knows of its viewer.

    `chosen_by` says why this POP: `header`, `listener`, `country`, `network` or
    `default`.
    """

    request: EdgeRequest
    pop: Pop
    chosen_by: str
    location: dict[str, str] = field(default_factory=dict)
    device: str | None = None

    def viewer(self, request: EdgeRequest) -> ViewerInfo:
        """The viewer as CloudFront sees it when `request` reaches the cache or origin."""
        info = ViewerInfo.from_request(request, **self.location)
        if self.device is not None:
            info = replace(info, user_agent=DEVICE_AGENTS[self.device])
        return info


def place(request: EdgeRequest, topology: Topology, pinned_pop: str | None = None) -> Placement:
    """Strip edgesim's headers and choose the POP: header, listener pin, country, default."""
    if not any(name.lower().startswith(EDGESIM_PREFIX) for name, _ in request.headers):
        return _without_headers(request, topology, pinned_pop)
    headers = request.headers
    location = {field_name: value for name, field_name in LOCATION_HEADERS.items() if (value := headers.get(name))}
    device = (headers.get(DEVICE_HEADER) or "").lower() or None
    if device is not None and device not in DEVICE_AGENTS:
        log.warning("X-Edgesim-Viewer-Device: %r is not one of %s; ignored", device, ", ".join(DEVICE_AGENTS))
        device = None
    kept = Headers((n, v) for n, v in headers if not n.lower().startswith(EDGESIM_PREFIX))
    stripped = replace(request, headers=kept, client_ip=headers.get(IP_HEADER) or request.client_ip)
    chosen = headers.get(POP_HEADER)
    if chosen and topology.knows(chosen):
        return Placement(stripped, topology.pop(chosen), "header", location, device)
    if chosen:
        log.warning("X-Edgesim-Pop: %s is not in the topology; choosing as if it were absent", chosen)
    placement = _without_headers(stripped, topology, pinned_pop, location.get("country"))
    return replace(placement, location={**placement.location, **location}, device=device)


def _without_headers(
    request: EdgeRequest, topology: Topology, pinned_pop: str | None, country: str | None = None
) -> Placement:
    if pinned_pop is not None:
        return Placement(request, topology.pop(pinned_pop), "listener")
    if country is None and (found := topology.country_of(request.client_ip)):
        by_network = topology.pop_for_country(found)
        if by_network is not None:
            return Placement(request, by_network, "network", {"country": found})
        return Placement(request, topology.pop(), "default", {"country": found})
    by_country = topology.pop_for_country(country)
    if by_country is not None:
        return Placement(request, by_country, "country")
    return Placement(request, topology.pop(), "default")
