"""The static check refuses what each runtime lacks, before anything runs (spec §3.2-3.4)."""

from __future__ import annotations

import pytest

from edgesim.functions.limits import CODE_SIZE_LIMIT
from edgesim.functions.runtime import Engine, LoadError
from edgesim.functions.static_check import Finding, check

from .helpers import BOTH, V1, V2


def messages(source: str, runtime: str) -> list[str]:
    return [f.message for f in check(source, runtime)]


@pytest.mark.parametrize(
    ("source", "feature"),
    [
        ("let a = 1;", "'let'"),
        ("const a = 1;", "'const'"),
        ("async function handler(e) { return e.request; }", "async functions"),
        ("import cf from 'cloudfront';", "'import'"),
        ("var n = 1_000;", "numeric separators"),
        ("var r = /a/y;", "sticky"),
        ("for (const key in o) {}", "'const'"),
        ("for (let key in o) {}", "'let'"),
        ("var f = async () => 1;", "async arrow"),
        ("var f = async function () {};", "async arrow"),
    ],
)
def test_runtime_1_refuses_2_0_syntax_that_2_0_accepts(source: str, feature: str) -> None:
    assert any(feature in m and "cloudfront-js-1.0" in m for m in messages(source, V1))
    assert check(source, V2) == []


def test_await_is_2_0_only() -> None:
    source = "async function f() { await g(); }"
    assert any("'await'" in m for m in messages(source, V1))
    assert check(source, V2) == []


@pytest.mark.parametrize(
    ("source", "feature"),
    [
        ("class A {}", "classes"),
        ("var A = class {};", "classes"),
        ("function* g() { yield 1; }", "generators"),
        ("for (var x of [1]) {}", "for...of"),
        ("var {a} = {a: 1};", "destructuring"),
        ("var [a] = [1];", "destructuring"),
        ("f(...[1, 2]);", "spread"),
        ("function f(a = 1) {}", "default parameter"),
        ("var a = b?.c;", "optional chaining"),
        ("var a = b ?? c;", "nullish coalescing"),
        ("a ||= 1;", "logical assignment"),
        ("var big = 10n;", "BigInt"),
        ("var r = /a/s;", "RegExp flags"),
        ("export default function handler(e) {}", "'export'"),
        ("import('x');", "dynamic import"),
        ("await x;", "outside an async function"),
        ("async function h() { [1].forEach(function () { await x; }); }", "outside an async function"),
    ],
)
@pytest.mark.parametrize("runtime", BOTH)
def test_features_on_neither_list_are_refused_by_both_runtimes(source: str, feature: str, runtime: str) -> None:
    found = messages(source, runtime)
    assert any(feature in m for m in found), found


@pytest.mark.parametrize(
    "source",
    [
        "function handler(event) { var a = `x ${event.uri} y`; return a; }",
        "var f = function (a, ...rest) { return rest.length; };",
        "var sq = function (x) { return x ** 2; };",
        "var arrow = (a) => a + 1;",
        "label: for (var i = 0; i < 2; i++) { continue label; }",
        "var o = { get x() { return 1; } };",
        "var m = /(?<year>\\d{4})/g;",
        "switch (1) { case 1: break; default: }",
        "try { throw new Error('x'); } catch (e) {} finally {}",
    ],
)
def test_es5_and_listed_1_0_features_pass_in_both(source: str) -> None:
    for runtime in BOTH:
        assert check(source, runtime) == []


@pytest.mark.parametrize(
    "source",
    [
        # aws-samples/sample-simple-dynamic-origin-routing-using-amazon-cloudfront-functions,
        # deployed with FunctionRuntime.JS_2_0: async arrows bound to constants.
        "const getDomain = async (request) => { return await kvsHandle.get(request.uri); };",
        # Issue #13: a KVS lookup in an async arrow passed to a helper.
        "function first(keys, lookup) { return lookup(keys[0]); }\n"
        "async function handler(e) { return await first(['a'], async (key) => await kvsHandle.get(key)); }",
        "var lookup = async function named(key) { return await kvsHandle.get(key); };",
        "var store = { async read(key) { return await kvsHandle.get(key); } };",
        "var f = async key => await key;",
    ],
)
def test_2_0_accepts_async_arrows_function_expressions_and_methods_with_await(source: str) -> None:
    assert check(source, V2) == []
    assert any("async arrow" in m and "cloudfront-js-1.0" in m for m in messages(source, V1))


def test_rest_parameters_pass_but_rest_destructuring_does_not() -> None:
    assert check("function f(...args) {}", V1) == []
    assert any("destructuring" in m for m in messages("var [a, ...b] = c;", V2))


def test_findings_carry_one_based_line_and_column() -> None:
    source = "function handler(event) {\n  var x = 1;\n  let y = 2;\n  return event.request;\n}"
    assert check(source, V1) == [Finding(3, 3, "'let' declarations: not available in cloudfront-js-1.0")]


def test_columns_count_characters_not_bytes() -> None:
    source = "var s = 'é€'; let y = 1;"
    (finding,) = check(source, V1)
    assert finding.column == source.index("let") + 1


def test_syntax_error_is_reported_with_its_position() -> None:
    (finding,) = check("function handler(event) {\n  return event.request\n  var = ;\n}", V2)
    assert finding.message.startswith("syntax error")
    assert finding.line == 3


def test_code_over_10_kb_is_refused() -> None:
    source = "// " + "x" * CODE_SIZE_LIMIT + "\nfunction handler(e) { return e.request; }"
    (finding,) = check(source, V2)
    assert "FunctionSizeLimitExceeded" in finding.message


def test_code_of_exactly_10_kb_is_accepted() -> None:
    body = "function handler(e) { return e.request; }\n"
    source = body + "//" + "x" * (CODE_SIZE_LIMIT - len(body) - 2)
    assert len(source.encode()) == CODE_SIZE_LIMIT
    assert check(source, V2) == []


def test_engine_refuses_code_the_check_refuses_and_names_the_position() -> None:
    with pytest.raises(LoadError, match=r"line 1, column 1: 'const'"):
        Engine("f", "const a = 1; function handler(e) { return e.request; }", V1)


def test_every_finding_is_reported_not_just_the_first() -> None:
    assert len(check("let a = 1;\nconst b = 2;\nclass C {}", V1)) == 3
