"""Per-behavior facts the pipeline needs on every request, worked out once per config.

Policies are resolved from the catalog when the config loads, not per request; custom
error responses are indexed by status.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgesim.cache.forwarding import forwards_cookies
from edgesim.cache.policies import BehaviorPolicies, PolicyCatalog
from edgesim.cache.store import collapses
from edgesim.config.model import CacheBehavior, CustomErrorResponse, EdgeConfig


@dataclass(frozen=True)
class BehaviorPlan:
    behavior: CacheBehavior
    policies: BehaviorPolicies
    keeps_set_cookie: bool
    collapses: bool

    @property
    def caches_nothing(self) -> bool:
        """All TTLs 0: CloudFront treats such requests as dynamic and skips the REC."""
        return self.policies.cache.caching_disabled


def behavior_plans(config: EdgeConfig, catalog: PolicyCatalog) -> dict[str, BehaviorPlan]:
    """A plan per behavior, keyed by the behavior's field path (its identity in a config)."""
    plans = {}
    for behavior in config.distribution.all_behaviors():
        policies = catalog.for_behavior(behavior)
        plans[behavior.field_path] = BehaviorPlan(
            behavior=behavior,
            policies=policies,
            keeps_set_cookie=forwards_cookies(policies.cache, policies.origin_request),
            collapses=collapses(policies.cache, policies.origin_request),
        )
    return plans


def custom_errors_by_status(config: EdgeConfig) -> dict[int, CustomErrorResponse]:
    return {error.error_code: error for error in config.distribution.custom_error_responses}
