"""Each runtime exposes its documented surface and nothing else (spec §3)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from .helpers import BOTH, NOW_MS, V1, V2, error_of, evaluate, run

# Listed for both runtimes (spec §3.2): an expression and what it evaluates to.
IN_BOTH = [
    ("return 2 ** 10;", 1024),
    ("return `a${1 + 1}b`;", "a2b"),
    ("return [1, 2, 3].map((x) => x * 2);", [2, 4, 6]),
    ("return (function (a, ...rest) { return rest; })(1, 2, 3);", [2, 3]),
    ("return Object.entries({a: 1});", [["a", 1]]),
    ("return Object.values({a: 1, b: 2});", [1, 2]),
    ("return Object.assign({a: 1}, {b: 2});", {"a": 1, "b": 2}),
    ("return Object.is(NaN, NaN);", True),
    ("return 'abc'.padStart(5, '-') + 'x'.repeat(2) + ' t '.trimEnd();", "--abcxx t"),
    ("return ['a'.codePointAt(0), 'ab'.startsWith('a'), 'ab'.endsWith('b'), 'ab'.includes('c')];", [97, True, True, False]),
    ("return String.fromCodePoint(0x1F600).length;", 2),
    ("return [Number.isInteger(5), Number.isSafeInteger(2 ** 53), Number.EPSILON > 0];", [True, False, True]),
    ("return [Math.trunc(-1.5), Math.sign(-3), Math.round(Math.cbrt(27)), Math.hypot(3, 4), Math.log2(8), Math.clz32(1)];", [-1, -1, 3, 5, 3, 31]),
    ("return [[1, 2, 3].find(function (x) { return x > 1; }), [1, 2].includes(2), Array.of(7), [0, 0].fill(1)];", [2, True, [7], [1, 1]]),
    ("return [1, 2, 3, 4].copyWithin(0, 2);", [3, 4, 3, 4]),
    ("return Array.prototype.slice.call(new Uint8Array([1, 2, 3]).subarray(1));", [2, 3]),
    ("return new Int16Array(2).fill(7).join('-');", "7-7"),
    ("return ArrayBuffer.isView(new Uint8Array(1));", True),
    ("return '2024-05-06'.match(/(?<y>\\d{4})-(?<m>\\d\\d)/).groups.m;", "05"),
    ("return JSON.parse(JSON.stringify({a: [1]}));", {"a": [1]}),
    ("return typeof globalThis;", "object"),
    ("return encodeURIComponent('a b/é');", "a%20b%2F%C3%A9"),
    ("return [typeof Promise.resolve, typeof Promise.reject, typeof Promise.prototype.finally];", ["function"] * 3),
    ("return [typeof EvalError, typeof InternalError, typeof URIError];", ["function"] * 3),
    ("return Object.getOwnPropertyNames(Object.freeze({a: 1}));", ["a"]),
    ("var f = function () { return this.v; }; return f.call({v: 1}) + f.apply({v: 2}) + f.bind({v: 3})();", 6),
]

# Listed for 2.0 only (spec §3.3): what 2.0 gives, and a probe that shows 1.0 lacks it.
IN_2_0_ONLY = [
    ("return 'a-b-c'.replaceAll('-', '+');", "a+b+c", "return typeof String.prototype.replaceAll;"),
    ("return Object.keys(Object.getOwnPropertyDescriptors({a: 1}));", ["a"], "return typeof Object.getOwnPropertyDescriptors;"),
    ("return Symbol.keyFor(Symbol.for('k'));", "k", "return typeof Symbol;"),
    ("return new DataView(new ArrayBuffer(4)).getInt8(0);", 0, "return typeof DataView;"),
    ("return Array.prototype.slice.call(Uint8Array.from([3, 1]).sort());", [1, 3], "return typeof Uint8Array.from;"),
    ("return new Uint8Array([1, 2]).map(function (x) { return x * 2; }).join();", "2,4", "return typeof new Uint8Array(1).map;"),
    ("return typeof Promise.all + typeof Promise.allSettled + typeof Promise.any + typeof Promise.race;",
     "functionfunctionfunctionfunction", "return typeof Promise.all;"),
    ("return /a/y.sticky + /a/gi.flags;", "truegi", "return typeof Object.getOwnPropertyDescriptor(RegExp.prototype, 'flags');"),
    ("return Array.prototype.slice.call(new TextEncoder().encode('é'));", [195, 169], "return typeof TextEncoder;"),
    ("return new TextDecoder().decode(new Uint8Array([104, 105]));", "hi", "return typeof TextDecoder;"),
    ("return [btoa('hi'), atob('aGk=')];", ["aGk=", "hi"], "return typeof btoa + typeof atob;"),
    ("return Buffer.from('hi').toString('hex');", "6869", "return typeof Buffer;"),
]

# On neither list (spec §3.4): a sample of what QuickJS has and CloudFront does not.
ON_NEITHER = ["Map", "Set", "WeakMap", "WeakSet", "Proxy", "Reflect", "BigInt", "Atomics",
              "SharedArrayBuffer", "setTimeout", "setInterval", "clearTimeout", "fetch",
              "XMLHttpRequest", "process", "structuredClone", "URL", "Intl"]
NEITHER_METHODS = ["Array.from", "[].flat", "[].flatMap", "[].at", "Object.fromEntries",
                   "''.at", "''.matchAll", "''.normalize", "String.raw"]


@pytest.mark.parametrize(("body", "expected"), IN_BOTH)
@pytest.mark.parametrize("runtime", BOTH)
def test_features_listed_for_both_runtimes_work(body: str, expected: object, runtime: str) -> None:
    assert evaluate(body, runtime) == expected


@pytest.mark.parametrize(("body", "expected", "probe"), IN_2_0_ONLY)
def test_features_listed_for_2_0_work_there_and_are_absent_from_1_0(body: str, expected: object, probe: str) -> None:
    assert evaluate(body, V2) == expected
    assert "undefined" in str(evaluate(probe, V1))


@pytest.mark.parametrize("name", ON_NEITHER)
@pytest.mark.parametrize("runtime", BOTH)
def test_globals_on_neither_list_are_absent(name: str, runtime: str) -> None:
    assert evaluate(f"return typeof {name};", runtime) == "undefined"


@pytest.mark.parametrize("expression", NEITHER_METHODS)
@pytest.mark.parametrize("runtime", BOTH)
def test_methods_on_neither_list_are_absent(expression: str, runtime: str) -> None:
    assert evaluate(f"return typeof {expression};", runtime) == "undefined"


@pytest.mark.parametrize("runtime", BOTH)
def test_eval_and_the_function_constructor_throw(runtime: str) -> None:
    assert error_of("eval('1');", runtime).startswith("EvalError")
    assert error_of("new Function('return 1');", runtime).startswith("EvalError")
    assert error_of("(function () {}).constructor('return 1');", runtime).startswith("EvalError")


@pytest.mark.parametrize("runtime", BOTH)
def test_code_runs_in_strict_mode(runtime: str) -> None:
    assert error_of("undeclared = 1;", runtime).startswith("ReferenceError")


def test_memory_error_exists_in_1_0_only() -> None:
    assert evaluate("return new MemoryError('m') instanceof Error && new MemoryError('m').name;", V1) == "MemoryError"
    assert evaluate("return typeof MemoryError;", V2) == "undefined"


class TestStringByteHelpers:
    """cloudfront-js-1.0's non-standard String helpers, gone in 2.0."""

    def test_bytes_from_hex_base64_and_array(self) -> None:
        assert evaluate("return [String.bytesFrom('6869', 'hex'), String.bytesFrom('aGk', 'base64url'),"
                        " String.bytesFrom([104, 105])];", V1) == ["hi", "hi", "hi"]

    def test_utf8_round_trip(self) -> None:
        assert evaluate("var b = 'é'.toUTF8(); return [b.length, b.fromUTF8()];", V1) == [2, "é"]

    def test_from_utf8_returns_null_on_bad_utf8_and_to_bytes_on_wide_chars(self) -> None:
        assert evaluate("return [String.bytesFrom([0xff]).fromUTF8(), '€'.toBytes(), 'ab'.toBytes(1)];", V1) == [None, None, "b"]

    def test_from_bytes_takes_a_range(self) -> None:
        assert evaluate("return 'abcd'.fromBytes(1, 3);", V1) == "bc"

    def test_absent_in_2_0(self) -> None:
        assert evaluate("return [typeof String.bytesFrom, typeof ''.toUTF8, typeof ''.fromUTF8,"
                        " typeof ''.toBytes, typeof ''.fromBytes];", V2) == ["undefined"] * 5


class TestCrypto:
    @pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
    @pytest.mark.parametrize("runtime", BOTH)
    def test_hashes_match_hashlib_in_every_encoding(self, algorithm: str, runtime: str) -> None:
        data = "héllo wörld " * 20
        digest = hashlib.new(algorithm, data.encode()).digest()
        got = evaluate(f"var c = require('crypto'); var d = {data!r};"
                       f" return ['hex', 'base64', 'base64url'].map(function (e) {{"
                       f" return c.createHash('{algorithm}').update(d).digest(e); }});", runtime)
        assert got == [digest.hex(), base64.b64encode(digest).decode(),
                       base64.urlsafe_b64encode(digest).decode().rstrip("=")]

    @pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256"])
    @pytest.mark.parametrize("key", ["k", "x" * 100])
    def test_hmac_matches_python_including_keys_longer_than_a_block(self, algorithm: str, key: str) -> None:
        expected = hmac.new(key.encode(), b"message", algorithm).hexdigest()
        got = evaluate(f"return require('crypto').createHmac('{algorithm}', {key!r}).update('mess').update('age').digest('hex');")
        assert got == expected

    def test_digest_without_encoding_is_a_buffer_in_2_0_and_a_byte_string_in_1_0(self) -> None:
        body = "var d = require('crypto').createHash('md5').update('abc').digest(); return [typeof d, d.length];"
        assert evaluate(body, V2) == ["object", 16]
        assert evaluate(body, V1) == ["string", 16]

    def test_unsupported_algorithm_and_second_digest_throw(self) -> None:
        assert "not supported" in error_of("require('crypto').createHash('sha512');")
        assert "already finalized" in error_of("var h = require('crypto').createHash('md5'); h.digest('hex'); h.digest('hex');")

    def test_only_hash_and_hmac_exist(self) -> None:
        assert evaluate("return Object.keys(require('crypto')).sort();") == ["createHash", "createHmac"]

    def test_es_module_import_of_crypto_in_2_0(self) -> None:
        code = ("import crypto from 'crypto';\nimport { createHash as h } from 'crypto';\n"
                "function handler(event) { console.log(crypto.createHash('md5').update('a').digest('hex') ===\n"
                " h('md5').update('a').digest('hex')); return event.request; }")
        assert run(code).logs == ["true"]


class TestQuerystring:
    @pytest.mark.parametrize("runtime", BOTH)
    def test_parse_groups_repeated_keys_and_decodes(self, runtime: str) -> None:
        assert evaluate("return require('querystring').parse('a=1&b=2&b=3&c=%E5%AE%B6&d=x+y&flag');", runtime) == {
            "a": "1", "b": ["2", "3"], "c": "家", "d": "x y", "flag": ""}

    def test_invalid_percent_sequences_become_replacement_characters(self) -> None:
        assert evaluate("return require('querystring').unescape('%E5%AE');") == "\ufffd"

    def test_stringify_repeats_array_keys_and_escapes(self) -> None:
        assert evaluate("return require('querystring').stringify({a: ['1', '2'], b: 'x y', c: ''});") == "a=1&a=2&b=x%20y&c="

    def test_aliases_custom_separators_and_max_keys(self) -> None:
        qs = "var q = require('querystring');"
        assert evaluate(qs + "return [q.decode === q.parse, q.encode === q.stringify];") == [True, True]
        assert evaluate(qs + "return q.parse('a:1;b:2', ';', ':');") == {"a": "1", "b": "2"}
        assert evaluate(qs + "return Object.keys(q.parse('a=1&b=2&c=3', null, null, {maxKeys: 2}));") == ["a", "b"]


class TestBuffer:
    def test_encodings_round_trip(self) -> None:
        assert evaluate("var b = Buffer.from('héllo'); return [b.toString('base64'), b.toString('base64url'),"
                        " Buffer.from(b.toString('hex'), 'hex').toString(), Buffer.from('aMOpbGxv', 'base64').toString()];") == [
            "aMOpbGxv", "aMOpbGxv", "héllo", "héllo"]

    def test_static_helpers(self) -> None:
        assert evaluate("return [Buffer.byteLength('é'), Buffer.isBuffer(Buffer.alloc(1)), Buffer.isEncoding('hex'),"
                        " Buffer.isEncoding('latin9'), Buffer.compare(Buffer.from('a'), Buffer.from('b')),"
                        " Buffer.concat([Buffer.from('a'), Buffer.from('bc')]).toString(), Buffer.alloc(3, 'ab').toString()];") == [
            2, True, True, False, -1, "abc", "aba"]

    def test_reads_and_writes_in_both_byte_orders(self) -> None:
        assert evaluate("var b = Buffer.alloc(8); b.writeUInt16BE(0x0102, 0); b.writeInt32LE(-2, 2); b.writeUIntBE(0x0a0b, 6, 2);"
                        " return [b.readUInt16LE(0), b.readInt32LE(2), b.readUIntBE(6, 2), b.readInt8(2), b.toJSON().data[0]];") == [
            0x0201, -2, 0x0a0b, -2, 1]

    def test_floats_search_copy_and_swap(self) -> None:
        assert evaluate("var b = Buffer.alloc(8); b.writeDoubleBE(1.5); var c = Buffer.from('abcabc');"
                        " var t = Buffer.alloc(3); c.copy(t, 0, 3);"
                        " return [b.readDoubleBE(0), c.indexOf('c'), c.lastIndexOf('a'), c.includes('ca'), t.toString(),"
                        " Buffer.from([1, 2]).swap16()[0], c.subarray(1, 2).toString(), c.equals(Buffer.from('abcabc'))];") == [
            1.5, 2, 3, True, "abc", 2, "b", True]

    def test_swap_of_a_wrong_length_throws(self) -> None:
        assert error_of("Buffer.from([1, 2, 3]).swap16();").startswith("RangeError")

    def test_write_returns_bytes_written(self) -> None:
        assert evaluate("var b = Buffer.alloc(4); return [b.write('hé', 1), b.toString('hex')];") == [3, "0068c3a9"]


class TestTextCoding:
    def test_decoder_attributes_fatal_and_bom(self) -> None:
        assert evaluate("var d = new TextDecoder('utf-8', {fatal: true}); return [d.encoding, d.fatal, d.ignoreBOM,"
                        " new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))];") == ["utf-8", True, False, "A"]
        assert error_of("new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xff]));").startswith("TypeError")

    def test_encode_into_reports_read_and_written(self) -> None:
        assert evaluate("var u = new Uint8Array(3); return new TextEncoder().encodeInto('aé€', u);") == {"read": 2, "written": 3}

    def test_btoa_refuses_characters_beyond_latin1(self) -> None:
        assert "Latin1" in error_of("btoa('€');")


class TestClockRandomAndLogs:
    @pytest.mark.parametrize("runtime", BOTH)
    def test_date_is_frozen_at_the_runs_start(self, runtime: str) -> None:
        got = evaluate("var a = Date.now(); for (var i = 0; i < 20000; i++) {} return [a, Date.now(), new Date().getTime(),"
                       " new Date(0).getTime(), new Date() instanceof Date, typeof Date()];", runtime, now_ms=NOW_MS)
        assert got == [NOW_MS, NOW_MS, NOW_MS, 0, True, "string"]

    def test_date_parse_and_utc_still_work(self) -> None:
        assert evaluate("return [Date.UTC(2020, 0, 1), Date.parse('2020-01-01T00:00:00Z')];") == [1577836800000] * 2

    def test_seeded_math_random_repeats(self) -> None:
        body = "return [Math.random(), Math.random()];"
        first = evaluate(body, seed=7)
        assert first == evaluate(body, seed=7)
        assert first != evaluate(body, seed=8)
        assert all(0 <= x < 1 for x in first)

    def test_console_log_joins_arguments_in_1_0(self) -> None:
        outcome = run("function handler(e) { console.log('a', 1, {b: 2}); return e.request; }", V1)
        assert outcome.logs == ['a 1 {"b":2}'] and outcome.warnings == []

    def test_console_log_keeps_only_the_first_argument_in_2_0_and_warns(self) -> None:
        outcome = run("function handler(e) { console.log('a', 'b'); return e.request; }", V2)
        assert outcome.logs == ["a"]
        assert "one argument" in outcome.warnings[0]

    def test_console_log_of_an_error_shows_its_name_and_message(self) -> None:
        code = ("function handler(e) { try { throw new TypeError('no token'); } catch (err) { console.log(err); }\n"
                " console.log(new Error('plain')); return e.request; }")
        assert run(code, V2).logs == ["TypeError: no token", "Error: plain"]

    def test_logs_are_cut_at_10_kb(self) -> None:
        outcome = run("function handler(e) { for (var i = 0; i < 30; i++) console.log('x'.repeat(1000)); return e.request; }")
        assert sum(len(line) for line in outcome.logs) == 10 * 1024
        assert any("truncated" in w for w in outcome.warnings)


class TestModulesAndHandlers:
    def test_require_knows_only_the_built_in_modules(self) -> None:
        assert "Cannot find module 'fs'" in error_of("require('fs');")
        assert "Cannot find module 'cloudfront'" in error_of("require('cloudfront');", V1)

    def test_async_handler_in_2_0_is_awaited(self) -> None:
        outcome = run("async function handler(event) { var v = await Promise.resolve('/x'); event.request.uri = v;"
                      " return event.request; }")
        assert outcome.value["uri"] == "/x"

    def test_a_promise_returned_by_a_1_0_handler_is_not_awaited(self) -> None:
        outcome = run("function handler(event) { return Promise.resolve(event.request); }", V1)
        assert outcome.error is None and outcome.value == {}

    def test_rejected_async_handler_is_an_execution_error(self) -> None:
        outcome = run("async function handler(event) { throw new TypeError('nope'); }")
        assert outcome.error == "TypeError: nope"

    def test_a_handler_that_never_settles_is_an_execution_error(self) -> None:
        outcome = run("function handler(event) { return new Promise(function () {}); }")
        assert "never settled" in outcome.error

    def test_missing_handler_is_an_execution_error(self) -> None:
        outcome = run("function main(event) { return event.request; }")
        assert outcome.error.startswith("ReferenceError: handler is not defined")

    def test_thrown_error_keeps_its_type_and_message(self) -> None:
        outcome = run("function handler(event) { return event.request.headers.missing.value; }")
        assert outcome.error.startswith("TypeError:") and "value" in outcome.error

    def test_raw_query_string_is_a_2_0_request_method(self) -> None:
        code = "function handler(e) { console.log(String(e.request.rawQueryString())); return e.request; }"
        assert run(code, V2, raw_query="a=1&b").logs == ["a=1&b"]
        assert run(code, V2, raw_query=None).logs == ["undefined"]
        assert "not a function" in run(code, V1).error

    def test_raw_query_string_shows_utf8_bytes_as_text_and_other_bytes_as_latin1(self) -> None:
        code = "function handler(e) { console.log(e.request.rawQueryString()); return e.request; }"
        as_received = "q=" + "à".encode("utf-8").decode("latin-1")  # raw UTF-8 bytes, held as ISO-8859-1
        assert run(code, V2, raw_query=as_received).logs == ["q=à"]
        assert run(code, V2, raw_query="q=\xe9").logs == ["q=é"], "a lone 0xE9 byte is not UTF-8"

    def test_raw_query_string_does_not_show_in_the_returned_request(self) -> None:
        assert "rawQueryString" not in run("function handler(e) { return e.request; }", raw_query="a=1").value


class TestIsolationBetweenRuns:
    def test_top_level_state_starts_fresh_for_every_request(self) -> None:
        from edgesim.functions.runtime import Engine

        engine = Engine("counter", "var count = 0;\nfunction handler(e) { count++; console.log(String(count)); return e.request; }", V2)
        from .helpers import request_event

        logs = [engine.run(request_event(), now_ms=NOW_MS).logs[0] for _ in range(3)]
        assert logs == ["1", "1", "1"]

    def test_globals_added_by_a_run_are_gone_in_the_next(self) -> None:
        from edgesim.functions.runtime import Engine

        from .helpers import request_event

        engine = Engine("leaky", "function handler(e) { console.log(typeof globalThis.seen); globalThis.seen = 1;"
                        " return e.request; }", V2)
        assert [engine.run(request_event(), now_ms=NOW_MS).logs[0] for _ in range(2)] == ["undefined", "undefined"]
