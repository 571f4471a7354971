"""Two official samples in the running proxy, over real sockets: kvs-key-value-pairs at
viewer request (aws-samples/amazon-cloudfront-functions, kvs-key-value-pairs.js, 2.0 with
a store in CloudFront's import format) and add-security-headers at viewer response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...conftest import config_from, custom_origin, distribution
from .test_amazon_cloudfront_functions import ADD_SECURITY_HEADERS, KVS_KEY_VALUE_PAIRS


def edge_config(tmp_path: Path, port: int) -> Any:
    (tmp_path / "rewrite.js").write_text(KVS_KEY_VALUE_PAIRS)
    (tmp_path / "security.js").write_text(ADD_SECURITY_HEADERS)
    (tmp_path / "kvs.json").write_text(json.dumps({"data": [{"key": "docs", "value": "documentation"}]}))
    document = distribution([custom_origin("app", port)], {"FunctionAssociations": {"Quantity": 2, "Items": [
        {"FunctionARN": "arn:aws:cloudfront::123456789012:function/rewrite", "EventType": "viewer-request"},
        {"FunctionARN": "arn:aws:cloudfront::123456789012:function/security", "EventType": "viewer-response"},
    ]}})
    document["Functions"] = {"rewrite": {"Runtime": "cloudfront-js-2.0", "Code": "rewrite.js", "KeyValueStore": "paths"},
                             "security": {"Runtime": "cloudfront-js-1.0", "Code": "security.js"}}
    document["KeyValueStores"] = {"paths": "kvs.json"}
    return config_from(document, base_dir=tmp_path)


async def test_key_value_rewrite_reaches_the_origin_and_security_headers_reach_the_viewer(edge_factory, echo_origin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    edge = await edge_factory(edge_config(tmp_path, echo_origin.port))
    response = await edge.client.get("/docs/intro.html")
    assert response.status_code == 200
    assert response.json()["path"] == "/documentation/intro.html"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    untouched = await edge.client.get("/blog/post.html")
    assert untouched.json()["path"] == "/blog/post.html"
