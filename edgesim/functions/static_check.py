"""Refuse, before anything runs, code CloudFront would refuse at publish time.

QuickJS understands far more JavaScript than either CloudFront runtime, so running a
function here proves nothing about deploying it. This module parses the source with a
real JavaScript grammar (tree-sitter) and reports every construct the chosen runtime
lacks, with its line and column, plus syntax errors and the 10 KB size quota.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter
import tree_sitter_javascript

from edgesim.functions.limits import CODE_SIZE_LIMIT

_V1, _V2 = "cloudfront-js-1.0", "cloudfront-js-2.0"
_BOTH = frozenset({_V1, _V2})
_V2_ONLY = frozenset({_V2})
_NEITHER: frozenset[str] = frozenset()

# Syntax features by name: what to call them in a message, and the runtimes that have
# them (spec §3.2-3.4). Anything on neither list is refused by both.
FEATURES: dict[str, tuple[str, frozenset[str]]] = {
    "let": ("'let' declarations", _V2_ONLY),
    "const": ("'const' declarations", _V2_ONLY),
    "async-function": ("async functions", _V2_ONLY),
    "await": ("'await'", _V2_ONLY),
    "import": ("'import' statements", _V2_ONLY),
    "numeric-separator": ("numeric separators", _V2_ONLY),
    "regex-sticky": ("the sticky RegExp flag 'y'", _V2_ONLY),
    # The guide's "async arguments and closures are not supported" is not a publish-time
    # refusal: AWS's own 2.0 samples deploy async arrow functions (docs/functions.md).
    "async-closure": ("async arrow functions, function expressions and methods", _V2_ONLY),
    "top-level-await": ("'await' outside an async function", _NEITHER),
    "export": ("'export'", _NEITHER),
    "dynamic-import": ("dynamic import()", _NEITHER),
    "class": ("classes", _NEITHER),
    "generator": ("generators", _NEITHER),
    "for-of": ("for...of loops", _NEITHER),
    "destructuring": ("destructuring", _NEITHER),
    "spread": ("spread syntax", _NEITHER),
    "default-parameter": ("default parameter values", _NEITHER),
    "optional-chaining": ("optional chaining '?.'", _NEITHER),
    "nullish-coalescing": ("nullish coalescing '??'", _NEITHER),
    "logical-assignment": ("logical assignment operators", _NEITHER),
    "bigint": ("BigInt literals", _NEITHER),
    "regex-flag": ("RegExp flags other than g, i, m and y", _NEITHER),
    "meta-property": ("new.target and import.meta", _NEITHER),
    "with": ("'with' statements", _NEITHER),
}

_FUNCTIONS = {"function_declaration", "function_expression", "arrow_function", "method_definition"}
_SIMPLE_NODE_FEATURES = {
    "export_statement": "export",
    "import_statement": "import",
    "class_declaration": "class",
    "class": "class",
    "generator_function_declaration": "generator",
    "generator_function": "generator",
    "yield_expression": "generator",
    "object_pattern": "destructuring",
    "array_pattern": "destructuring",
    "spread_element": "spread",
    "optional_chain": "optional-chaining",
    "meta_property": "meta-property",
    "with_statement": "with",
}

_LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())


@dataclass(frozen=True)
class Finding:
    """One reason the code would not deploy, at a 1-based line and column."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class StaticCheckError(Exception):
    """The code is refused; `findings` lists every reason."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(str(f) for f in findings))
        self.findings = findings


def parse(source: str) -> tree_sitter.Tree:
    """Parse JavaScript source (a fresh parser each time: parsers are not thread-safe)."""
    return tree_sitter.Parser(_LANGUAGE).parse(source.encode("utf-8"))


def check(source: str, runtime: str, tree: tree_sitter.Tree | None = None) -> list[Finding]:
    """Every reason CloudFront would refuse `source` under `runtime`, in source order."""
    raw = source.encode("utf-8")
    findings: list[Finding] = []
    if len(raw) > CODE_SIZE_LIMIT:
        findings.append(
            Finding(1, 1, f"code is {len(raw)} bytes, over the {CODE_SIZE_LIMIT}-byte limit "
                          "(FunctionSizeLimitExceeded)")
        )
    tree = tree or parse(source)
    lines = raw.split(b"\n")

    def at(node: tree_sitter.Node, message: str) -> Finding:
        row, byte_col = node.start_point
        column = len(lines[row][:byte_col].decode("utf-8", "replace")) + 1
        return Finding(row + 1, column, message)

    stack: list[tuple[tree_sitter.Node, bool]] = [(tree.root_node, False)]
    while stack:
        node, in_async = stack.pop()
        if node.is_missing:
            findings.append(at(node, f"syntax error: missing {node.type!r}"))
            continue
        if node.is_error:
            findings.append(at(node, "syntax error"))
            continue
        for feature in _features_of(node, in_async):
            label, allowed = FEATURES[feature]
            if runtime not in allowed:
                why = f"not available in {runtime}" if allowed else "not supported by CloudFront Functions"
                findings.append(at(node, f"{label}: {why}"))
        if node.type in _FUNCTIONS:
            in_async = _is_async(node)
        stack.extend((child, in_async) for child in reversed(node.children))
    findings.sort(key=lambda f: (f.line, f.column))
    return findings


def _is_async(node: tree_sitter.Node) -> bool:
    return any(child.type == "async" for child in node.children)


def _features_of(node: tree_sitter.Node, in_async: bool) -> list[str]:
    """Names (keys of FEATURES) of the constructs this node itself introduces."""
    kind = node.type
    simple = _SIMPLE_NODE_FEATURES.get(kind)
    if simple and node.is_named:
        return [simple]
    if kind == "lexical_declaration":
        return [node.children[0].type]  # 'let' or 'const'
    if kind in _FUNCTIONS:
        found = []
        if _is_async(node):
            found.append("async-function" if kind == "function_declaration" else "async-closure")
        if kind == "method_definition" and any(c.type == "*" for c in node.children):
            found.append("generator")
        return found
    if kind == "await_expression":
        return ["await" if in_async else "top-level-await"]
    if kind == "for_in_statement":
        declared = node.child_by_field_name("kind")
        found = [declared.type] if declared is not None and declared.type in ("let", "const") else []
        if any(c.type == "of" for c in node.children):
            found.append("for-of")
        return found
    if kind == "call_expression" and node.children[0].type == "import":
        return ["dynamic-import"]
    if kind == "rest_pattern" and node.parent is not None and node.parent.type != "formal_parameters":
        return ["destructuring"]
    if kind == "assignment_pattern":
        return ["default-parameter"]
    if kind == "binary_expression" and any(c.type == "??" for c in node.children):
        return ["nullish-coalescing"]
    if kind == "augmented_assignment_expression" and any(
        c.type in ("??=", "||=", "&&=") for c in node.children
    ):
        return ["logical-assignment"]
    if kind == "number":
        text = node.text or b""
        found = []
        if b"_" in text:
            found.append("numeric-separator")
        if text.endswith(b"n"):
            found.append("bigint")
        return found
    if kind == "regex_flags":
        flags = set((node.text or b"").decode())
        found = []
        if "y" in flags:
            found.append("regex-sticky")
        if flags - set("gimy"):
            found.append("regex-flag")
        return found
    return []
