"""Edge locations (POPs) and the regional edge caches (RECs) they sit under.

A POP code is an airport code plus a number and a suffix, as CloudFront shows it in
`X-Amz-Cf-Pop`; each POP belongs to one REC, named by its AWS region. The default table
holds a handful of real POPs over the twelve REC regions AWS lists, so no config is
needed; `Edgesim.Topology.RegionalEdgeCaches` replaces it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from edgesim.config.model import Settings


@dataclass(frozen=True)
class Pop:
    """One edge location; `countries` are the viewer countries DNS would send to it."""

    code: str
    region: str
    countries: tuple[str, ...] = ()


# The built-in places: (POP code, REC region, viewer countries it serves first).
DEFAULT_POPS: tuple[Pop, ...] = (
    Pop("IAD89-C1", "us-east-1", ("US", "CA")),
    Pop("JFK50-C1", "us-east-1"),
    Pop("ORD58-P2", "us-east-2", ("MX",)),
    Pop("SFO53-C1", "us-west-2"),
    Pop("SEA19-C1", "us-west-2"),
    Pop("FRA56-C1", "eu-central-1", ("DE", "AT", "CH", "PL", "CZ", "NL", "DK", "SE", "IT")),
    Pop("MUC50-P1", "eu-central-1"),
    Pop("LHR61-C1", "eu-west-2", ("GB", "FR", "BE")),
    Pop("DUB56-P1", "eu-west-1", ("IE", "ES", "PT")),
    Pop("NRT57-P2", "ap-northeast-1", ("JP",)),
    Pop("ICN57-C1", "ap-northeast-2", ("KR",)),
    Pop("SIN2-C1", "ap-southeast-1", ("SG", "MY", "ID", "TH", "VN", "PH")),
    Pop("SYD62-C1", "ap-southeast-2", ("AU", "NZ")),
    Pop("BOM78-P1", "ap-south-1", ("IN", "AE", "PK")),
    Pop("GRU3-C1", "sa-east-1", ("BR", "AR", "CL", "CO", "PE")),
)

DEFAULT_POP = "IAD89-C1"


class Topology:
    """The POPs a distribution is served from, the REC of each, and where viewers land."""

    def __init__(
        self,
        pops: tuple[Pop, ...] = DEFAULT_POPS,
        default_pop: str = DEFAULT_POP,
        viewer_networks: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.pops = {pop.code: pop for pop in pops}
        if default_pop not in self.pops:
            # `--pop` naming a POP the table lacks: serve it under the home region.
            self.pops[default_pop] = Pop(default_pop, "us-east-1")
        self.default_pop = default_pop
        self.by_country: dict[str, Pop] = {}
        for pop in pops:
            for country in pop.countries:
                self.by_country.setdefault(country, pop)
        self.viewer_networks = [(ipaddress.ip_network(cidr, strict=False), country) for cidr, country in viewer_networks]

    @classmethod
    def from_settings(cls, settings: Settings, pop: str | None = None) -> Topology:
        """The configured places (or the built-in table), with `pop` as the default POP."""
        places = settings.places
        pops = tuple(Pop(p.code, p.region, p.countries) for p in places.pops) or DEFAULT_POPS
        return cls(pops, default_pop=pop or settings.pop, viewer_networks=places.viewer_networks)

    def pop(self, code: str | None = None) -> Pop:
        return self.pops.get(code or self.default_pop) or self.pops[self.default_pop]

    def knows(self, code: str) -> bool:
        return code in self.pops

    def pop_for_country(self, country: str | None) -> Pop | None:
        return self.by_country.get(country.upper()) if country else None

    def country_of(self, ip: str) -> str | None:
        """The country `Edgesim.Topology.ViewerNetworks` gives this address, if any."""
        if not self.viewer_networks:
            return None
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        for network, country in self.viewer_networks:
            if address.version == network.version and address in network:
                return country
        return None

    @property
    def regions(self) -> list[str]:
        return sorted({pop.region for pop in self.pops.values()})

    def pops_in(self, region: str) -> list[str]:
        return sorted(code for code, pop in self.pops.items() if pop.region == region)
