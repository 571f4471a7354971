"""KeyValueStores: both file formats, CloudFront's quotas, and the `cf.kvs()` API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgesim.functions.kvs import KeyValueStore, KeyValueStoreError
from edgesim.functions.runtime import Engine, LoadError

from .helpers import V1, V2, run


def store_file(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "store.json"
    path.write_text(json.dumps(document))
    return path


def test_loads_cloudfront_import_format(tmp_path: Path) -> None:
    store = KeyValueStore.load(store_file(tmp_path, {"data": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}))
    assert store.items == {"a": "1", "b": "2"}


def test_loads_a_plain_object_and_keeps_non_strings_as_json(tmp_path: Path) -> None:
    store = KeyValueStore.load(store_file(tmp_path, {"a": "1", "cfg": {"x": [1, 2]}}))
    assert store.items == {"a": "1", "cfg": '{"x":[1,2]}'}


@pytest.mark.parametrize(("document", "message"), [
    ({"data": [{"key": "a"}]}, r"data\[0\]"),
    ({"k" * 513: "v"}, "1-512 bytes"),
    ({"big": "v" * 1025}, "1024-byte limit"),
    ([1, 2], "expected"),
])
def test_bad_store_files_are_refused_with_the_reason(tmp_path: Path, document: object, message: str) -> None:
    with pytest.raises(KeyValueStoreError, match=message):
        KeyValueStore.load(store_file(tmp_path, document))


def test_unreadable_store_file_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(KeyValueStoreError, match="bad.json"):
        KeyValueStore.load(tmp_path / "bad.json")


def test_meta_reports_key_count_and_iso_times(tmp_path: Path) -> None:
    meta = KeyValueStore.load(store_file(tmp_path, {"a": "1", "b": "2"})).meta()
    assert meta["keyCount"] == 2
    assert meta["creationDateTime"].endswith("Z") and "T" in meta["lastUpdatedDateTime"]


@pytest.fixture
def store(tmp_path: Path) -> KeyValueStore:
    return KeyValueStore.load(store_file(tmp_path, {"greeting": "héllo", "cfg": '{"on": true}'}))


def kvs_logs(body: str, store: KeyValueStore) -> list[str]:
    code = ("import cf from 'cloudfront';\nconst kvs = cf.kvs();\n"
            f"async function handler(event) {{ {body}\n return event.request; }}")
    outcome = run(code, V2, store=store)
    assert outcome.error is None, outcome.error
    return outcome.logs


def test_get_returns_the_string_by_default(store: KeyValueStore) -> None:
    assert kvs_logs("console.log(await kvs.get('greeting'));", store) == ["héllo"]


def test_get_formats_json_and_bytes(store: KeyValueStore) -> None:
    logs = kvs_logs("const j = await kvs.get('cfg', {format: 'json'}); const b = await kvs.get('greeting', {format: 'bytes'});"
                    " console.log(j.on + ' ' + b.length + ' ' + (b instanceof Uint8Array));", store)
    assert logs == ["true 6 true"]


def test_get_of_a_missing_key_rejects(store: KeyValueStore) -> None:
    logs = kvs_logs("try { await kvs.get('nope'); console.log('resolved'); } catch (e) { console.log('rejected: ' + e.message); }", store)
    assert logs == ["rejected: KeyValueStore key not found: nope"]


def test_uncaught_missing_key_is_an_execution_error(store: KeyValueStore) -> None:
    outcome = run("import cf from 'cloudfront';\nasync function handler(e) { await cf.kvs().get('nope'); return e.request; }",
                  V2, store=store)
    assert outcome.error == "Error: KeyValueStore key not found: nope"


def test_exists_and_meta(store: KeyValueStore) -> None:
    logs = kvs_logs("console.log(String(await kvs.exists('greeting')) + String(await kvs.exists('nope')));"
                    " console.log(String((await kvs.meta()).keyCount));", store)
    assert logs == ["truefalse", "2"]


def test_unknown_format_and_oversized_key_reject(store: KeyValueStore) -> None:
    logs = kvs_logs("try { await kvs.get('greeting', {format: 'xml'}); } catch (e) { console.log(e.name); }"
                    " try { await kvs.get('k'.repeat(600)); } catch (e) { console.log(e.name); }", store)
    assert logs == ["TypeError", "RangeError"]


def test_kvs_without_an_associated_store_throws() -> None:
    outcome = run("import cf from 'cloudfront';\nfunction handler(e) { cf.kvs(); return e.request; }", V2)
    assert "no KeyValueStore" in outcome.error


def test_a_store_needs_runtime_2_0(store: KeyValueStore) -> None:
    with pytest.raises(LoadError, match="cloudfront-js-2.0"):
        Engine("f", "function handler(e) { return e.request; }", V1, store=store)


def test_sequential_awaits_of_several_keys(store: KeyValueStore) -> None:
    logs = kvs_logs("const a = await kvs.get('greeting'); const b = await kvs.get('cfg');"
                    " const both = await Promise.all([kvs.exists('greeting'), kvs.exists('cfg')]);"
                    " console.log(a + b + both.join());", store)
    assert logs == ['héllo{"on": true}true,true']
