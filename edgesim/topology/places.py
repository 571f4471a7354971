"""Edge locations (POPs) and the regional edge caches (RECs) they sit under.

A POP code is an airport code plus a number and a suffix, as CloudFront shows it in
`X-Amz-Cf-Pop`; each POP belongs to one REC, named by its AWS region. The default table
holds a handful of real POPs over real REC regions, so no config is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgesim.config.model import Settings


@dataclass(frozen=True)
class Pop:
    code: str
    region: str
    country: str


DEFAULT_POPS: tuple[Pop, ...] = (
    Pop("IAD89-C1", "us-east-1", "US"),
    Pop("JFK50-C1", "us-east-1", "US"),
    Pop("ORD58-P2", "us-east-2", "US"),
    Pop("SFO53-C1", "us-west-2", "US"),
    Pop("SEA19-C1", "us-west-2", "US"),
    Pop("FRA56-C1", "eu-central-1", "DE"),
    Pop("MUC50-P1", "eu-central-1", "DE"),
    Pop("LHR61-C1", "eu-west-2", "GB"),
    Pop("DUB56-P1", "eu-west-1", "IE"),
    Pop("NRT57-P2", "ap-northeast-1", "JP"),
    Pop("ICN57-C1", "ap-northeast-2", "KR"),
    Pop("SIN2-C1", "ap-southeast-1", "SG"),
    Pop("SYD62-C1", "ap-southeast-2", "AU"),
    Pop("BOM78-P1", "ap-south-1", "IN"),
    Pop("GRU3-C1", "sa-east-1", "BR"),
)


class Topology:
    """The POPs a distribution is served from and the REC of each."""

    def __init__(self, pops: tuple[Pop, ...] = DEFAULT_POPS, default_pop: str = "IAD89-C1") -> None:
        self.pops = {pop.code: pop for pop in pops}
        if default_pop not in self.pops:
            self.pops[default_pop] = Pop(default_pop, "us-east-1", "US")
        self.default_pop = default_pop

    @classmethod
    def from_settings(cls, settings: Settings, pop: str | None = None) -> Topology:
        return cls(default_pop=pop or settings.pop)

    def pop(self, code: str | None = None) -> Pop:
        return self.pops.get(code or self.default_pop) or self.pops[self.default_pop]

    @property
    def regions(self) -> list[str]:
        return sorted({pop.region for pop in self.pops.values()})
