"""Public figures the realistic profiles are built from (sources in docs/topology.md).

Data only: round-trip times between AWS regions as measured and published, where each
region sits (for pairs the measurements lack), and how long Lambda@Edge replication
takes according to AWS.
"""

from __future__ import annotations

# Average ping round trip in ms between AWS regions, from the 2017 inter-region
# measurements reproduced in "AWS Regions" (acomputerscientistlearnsaws.blogspot.com,
# April 2017), rounded to 0.1 ms. Symmetric; the mean of both directions where they differ.
MEASURED_RTT_MS: dict[frozenset[str], float] = {
    frozenset(pair.split()): ms
    for pair, ms in (
        ("us-east-1 us-west-1", 72.2), ("us-east-1 us-west-2", 87.8), ("us-east-1 eu-west-1", 80.5),
        ("us-east-1 eu-central-1", 88.6), ("us-east-1 ap-northeast-1", 145.3), ("us-east-1 ap-northeast-2", 177.5),
        ("us-east-1 ap-southeast-1", 216.7), ("us-east-1 ap-southeast-2", 229.9), ("us-east-1 sa-east-1", 119.5),
        ("us-west-1 us-west-2", 19.3), ("us-west-1 eu-west-1", 153.2), ("us-west-1 eu-central-1", 166.6),
        ("us-west-1 ap-northeast-1", 102.5), ("us-west-1 ap-northeast-2", 132.1), ("us-west-1 ap-southeast-1", 174.0),
        ("us-west-1 ap-southeast-2", 157.7), ("us-west-1 sa-east-1", 192.7),
        ("us-west-2 eu-west-1", 137.0), ("us-west-2 eu-central-1", 159.5), ("us-west-2 ap-northeast-1", 89.1),
        ("us-west-2 ap-northeast-2", 118.3), ("us-west-2 ap-southeast-1", 161.4), ("us-west-2 ap-southeast-2", 162.1),
        ("us-west-2 sa-east-1", 182.7),
        ("eu-west-1 eu-central-1", 19.6), ("eu-west-1 ap-northeast-1", 212.4), ("eu-west-1 ap-northeast-2", 242.4),
        ("eu-west-1 ap-southeast-1", 238.6), ("eu-west-1 ap-southeast-2", 309.6), ("eu-west-1 sa-east-1", 191.3),
        ("eu-central-1 ap-northeast-1", 236.6), ("eu-central-1 ap-northeast-2", 265.8),
        ("eu-central-1 ap-southeast-1", 325.9), ("eu-central-1 ap-southeast-2", 323.4),
        ("eu-central-1 sa-east-1", 194.9),
        ("ap-northeast-1 ap-northeast-2", 31.4), ("ap-northeast-1 ap-southeast-1", 73.8),
        ("ap-northeast-1 ap-southeast-2", 103.9), ("ap-northeast-1 sa-east-1", 256.8),
        ("ap-northeast-2 ap-southeast-1", 71.6), ("ap-northeast-2 ap-southeast-2", 134.0),
        ("ap-northeast-2 sa-east-1", 286.3),
        ("ap-southeast-1 ap-southeast-2", 175.4), ("ap-southeast-1 sa-east-1", 328.1),
        ("ap-southeast-2 sa-east-1", 322.5),
    )
}

# Approximate location (latitude, longitude) of each region's metro, for pairs with no
# measurement: those get a distance-based estimate (see latency.estimated_rtt_ms).
REGION_LOCATIONS: dict[str, tuple[float, float]] = {
    "us-east-1": (38.9, -77.4), "us-east-2": (40.0, -83.0), "us-west-1": (37.4, -121.9),
    "us-west-2": (45.8, -119.7), "ca-central-1": (45.5, -73.6), "sa-east-1": (-23.5, -46.6),
    "eu-west-1": (53.3, -6.3), "eu-west-2": (51.5, -0.1), "eu-west-3": (48.9, 2.4),
    "eu-central-1": (50.1, 8.7), "eu-north-1": (59.3, 18.1), "eu-south-1": (45.5, 9.2),
    "me-south-1": (26.1, 50.6), "af-south-1": (-33.9, 18.4), "ap-south-1": (19.1, 72.9),
    "ap-east-1": (22.3, 114.2), "ap-southeast-1": (1.3, 103.8), "ap-southeast-2": (-33.9, 151.2),
    "ap-northeast-1": (35.7, 139.7), "ap-northeast-2": (37.6, 127.0), "ap-northeast-3": (34.7, 135.5),
}

# Light in fibre covers about 200 km per ms; real routes are longer than the great
# circle. Over the measured pairs above, measured RTT / (2 x distance / 200 km/ms) has
# its lower quartile at 1.4 (the median, 1.8, is pulled up by 2017 Europe-Asia routes
# that went the long way round); pairs without a measurement use 1.4.
FIBRE_KM_PER_MS = 200.0
ROUTE_FACTOR = 1.4
SAME_REGION_RTT_MS = 2.0

# Lambda@Edge replication (spec lambda-edge.md 6.2): "typically a few minutes", "up to
# 15 minutes"; AWS's workshop sees changes live within 30-60 s. Seconds.
REPLICATION_MEDIAN_S = 180.0
REPLICATION_SPREAD = 0.6
REPLICATION_MIN_S = 30.0
REPLICATION_MAX_S = 900.0

# The two hops no public table covers, as assumptions (docs/topology.md says so):
# a viewer's last mile to a nearby POP, and a POP to the REC of its own area.
VIEWER_POP_MEDIAN_MS = 20.0
VIEWER_POP_SPREAD = 0.5
POP_REC_MEDIAN_MS = 6.0
POP_REC_SPREAD = 0.3
REC_ORIGIN_SPREAD = 0.1
