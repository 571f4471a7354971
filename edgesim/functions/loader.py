"""Turn a function's source into a script QuickJS can re-run for every request.

CloudFront evaluates a function's code afresh for each request: top-level variables do
not survive from one viewer to the next. Re-creating a QuickJS context per request costs
about 150 µs, so instead the code becomes the body of a factory function that the
runtime calls once per request; the factory returns `handler`. ES `import` lines (runtime
2.0) become `require` calls inside that body, keeping every line where it was so that
error positions still match the user's file.
"""

from __future__ import annotations

import json

import tree_sitter

from edgesim.functions.static_check import parse

FACTORY_PREFIX = '__edgesim_env.factory = function (require) {"use strict";'
FACTORY_SUFFIX = '\n;return typeof handler === "function" ? handler : undefined;};'


def factory_script(source: str, tree: tree_sitter.Tree | None = None) -> str:
    """The script that defines `__edgesim_env.factory` from the user's `source`."""
    tree = tree or parse(source)
    raw = source.encode("utf-8")
    pieces: list[bytes] = []
    last = 0
    for node in tree.root_node.children:
        if node.type != "import_statement":
            continue
        pieces.append(raw[last:node.start_byte])
        replacement = _import_as_require(node)
        newlines = raw.count(b"\n", node.start_byte, node.end_byte)
        pieces.append(replacement.encode("utf-8") + b"\n" * newlines)
        last = node.end_byte
    pieces.append(raw[last:])
    body = b"".join(pieces).decode("utf-8")
    return FACTORY_PREFIX + body + FACTORY_SUFFIX


def _import_as_require(node: tree_sitter.Node) -> str:
    """`import x from 'm'` -> `var x = require("m");` (and the named and `* as` forms)."""
    source_node = node.child_by_field_name("source")
    module = (source_node.text or b"").decode("utf-8")[1:-1] if source_node else ""
    required = f"require({json.dumps(module)})"
    bindings: list[str] = []
    clause = next((c for c in node.children if c.type == "import_clause"), None)
    for part in clause.children if clause else ():
        if part.type == "identifier":
            bindings.append(f"{_text(part)} = {required}")
        elif part.type == "namespace_import":
            name = next(c for c in part.children if c.type == "identifier")
            bindings.append(f"{_text(name)} = {required}")
        elif part.type == "named_imports":
            for spec in part.children:
                if spec.type != "import_specifier":
                    continue
                name = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias") or name
                bindings.append(f"{_text(alias)} = {required}[{json.dumps(_text(name))}]")
    if not bindings:
        return f"{required};"
    return "var " + ", ".join(bindings) + ";"


def _text(node: tree_sitter.Node | None) -> str:
    return (node.text or b"").decode("utf-8") if node is not None else ""
