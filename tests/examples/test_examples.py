"""The flagship example answers alike as a CloudFront Function and as Lambda@Edge (Node.js, Python)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edgesim.testing import assert_hooks_ran
from edgesim.testing.plugin import FROZEN_NOW
from tests.examples import jwt_helper

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = FROZEN_NOW
RUNTIMES = [
    "cloudfront-function",
    pytest.param("lambda-node", marks=pytest.mark.skipif(shutil.which("node") is None, reason="needs `node` on PATH")),
    "lambda-python",
]


VALID = jwt_helper.token(exp_in=3600)
CASES = {
    "spa route, group b": ("/dashboard/settings", {"Cookie": "ab-group=b"}),
    "spa route, group a": ("/pricing", {"Cookie": "theme=dark; ab-group=a"}),
    "asset": ("/app.js", {}),
    "members, valid token": ("/members/", {"Authorization": f"Bearer {VALID}"}),
    "members, expired token": ("/members/x", {"Authorization": f"Bearer {jwt_helper.token(exp_in=-1)}"}),
    "members, no token": ("/members/x", {}),
    "members, wrong secret": ("/members/x", {"Authorization": f"Bearer {jwt_helper.token(exp_in=60, secret=b'other')}"}),
    "members, not a jwt": ("/members/x", {"Authorization": "Bearer abc"}),
}


# X-Cache of a response the example generated: CloudFront names the kind of edge code.
GENERATED_AS = {"cloudfront-function": "FunctionGeneratedResponse", "lambda-node": "LambdaGeneratedResponse",
                "lambda-python": "LambdaGeneratedResponse"}


async def answers(edge, runtime: str) -> dict[str, tuple]:
    """Per case: status, body of a 200, WWW-Authenticate, X-Cache's result type (`generated`
    when it is the one this runtime's generated responses carry)."""
    out = {}
    for name, (path, headers) in CASES.items():
        response = await edge.client.get(path, headers=headers)
        result = response.headers["x-cache"].split(" from ")[0]
        out[name] = (response.status_code, response.text if response.status_code == 200 else "",
                     response.headers.get("www-authenticate"), "generated" if result == GENERATED_AS[runtime] else result)
    return out


@pytest.fixture(scope="module")
def expected() -> dict[str, tuple[int, str | None]]:
    """Status and reason per case, written out by hand."""
    return {
        "spa route, group b": (200, None),
        "spa route, group a": (200, None),
        "asset": (200, None),
        "members, valid token": (200, None),
        "members, expired token": (401, "expired token"),
        "members, no token": (401, "missing token"),
        "members, wrong secret": (401, "bad signature"),
        "members, not a jwt": (401, "malformed token"),
    }


async def test_three_runtimes_give_the_same_answers(edgesim_factory, expected):
    results = {}
    for name in ("cloudfront-function", "lambda-python", *(["lambda-node"] if shutil.which("node") else [])):
        edge = await edgesim_factory(EXAMPLES / f"{name}.yaml", now=NOW)
        results[name] = await answers(edge, name)
    reference = results.pop("cloudfront-function")
    for name, result in results.items():
        assert result == reference, name
    for case, (status, reason) in expected.items():
        got_status, body, authenticate, result = reference[case]
        assert got_status == status, case
        if reason:
            assert f'error_description="{reason}"' in authenticate
            assert result == "generated"
    assert "Variant B" in reference["spa route, group b"][1]
    assert "Variant A" in reference["spa route, group a"][1]
    assert "Members area" in reference["members, valid token"][1]
    assert "document.getElementById" in reference["asset"][1]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("cookie", [None, "ab-group=zzz"])
async def test_visitors_without_a_valid_group_get_one_of_the_two_variants(edgesim_factory, runtime, cookie):
    edge = await edgesim_factory(EXAMPLES / f"{runtime}.yaml", now=NOW)
    for _ in range(12):
        answer = await edge.client.get("/", headers={"Cookie": cookie} if cookie else {})
        assert answer.status_code == 200
        assert ("Variant A" in answer.text) != ("Variant B" in answer.text)
        assert_hooks_ran(edge.last_exchange, ["viewer-request"])
