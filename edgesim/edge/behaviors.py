"""Choose the cache behavior for a path, as CloudFront does.

Patterns are matched in list order against the raw path (query string ignored), the
first match wins and the default behavior (`*`) comes last. `*` spans `/`, `?` is one
character, matching is case-sensitive and anchored, and a leading `/` is optional.
"""

from __future__ import annotations

import re

from edgesim.config.model import CacheBehavior, Distribution


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Translate a PathPattern to an anchored regex (`&amp;` is how the API writes `&`)."""
    pattern = pattern.replace("&amp;", "&")
    if not pattern.startswith("/") and pattern != "*":
        pattern = "/" + pattern
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


class BehaviorMatcher:
    """The distribution's behaviors with their patterns compiled once per config."""

    def __init__(self, distribution: Distribution) -> None:
        self._compiled = [(pattern_regex(b.path_pattern), b) for b in distribution.behaviors]
        self._default = distribution.default_behavior

    def match(self, path: str) -> CacheBehavior:
        for regex, behavior in self._compiled:
            if regex.fullmatch(path):
                return behavior
        return self._default
