"""Which functions must run in a killable process: code that can build a regular expression.

QuickJS stops plain JavaScript at the compute budget, but its regular-expression engine
never polls that interrupt (see `isolation.py`). Code with a regex literal, or that names
`RegExp` or the string methods that compile a pattern (`match`, `matchAll`, `search`),
runs isolated from its first request. Code that reaches them some other way
(`s['mat' + 'ch']`) runs in-process with those three replaced by tripwires
(`modules/tripwire.js`): the run is discarded and the function moves to a process.
"""

from __future__ import annotations

import tree_sitter

# Names through which code gets a regular expression built from a pattern it chooses.
REGEX_NAMES = frozenset({"RegExp", "match", "matchAll", "search"})
_NAMED = {"identifier", "property_identifier", "shorthand_property_identifier", "string_fragment"}


def can_build_regex(tree: tree_sitter.Tree) -> bool:
    """True when the code has a regex literal or names a way to compile a pattern."""
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "regex":
            return True
        if node.type in _NAMED and (node.text or b"").decode("utf-8", "replace") in REGEX_NAMES:
            return True
        stack.extend(node.children)
    return False
