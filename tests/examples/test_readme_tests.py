"""The two tests README.md shows under "Testing your edge code", as users would write them."""

from pathlib import Path

import pytest

from edgesim.testing import assert_header, assert_hooks_ran
from tests.examples import jwt_helper

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def edgesim_config():
    return EXAMPLES / "cloudfront-function.yaml"


async def test_ab_split_is_even_over_1000_new_visitors(edgesim_edge):
    groups = {"a": 0, "b": 0}
    for _ in range(1000):
        answer = await edgesim_edge.client.get("/")
        groups["b" if "Variant B" in answer.text else "a"] += 1
    assert 450 <= groups["a"] <= 550, groups  # Math.random is seeded: the same split every run
    assert_hooks_ran(edgesim_edge.last_exchange, [("viewer-request", "edge")])


@pytest.mark.parametrize(
    ("authorization", "status", "reason"),
    [
        (f"Bearer {jwt_helper.token(exp_in=3600)}", 200, None),
        (f"Bearer {jwt_helper.token(exp_in=-1)}", 401, "expired token"),
        (None, 401, "missing token"),
    ],
)
async def test_members_area_needs_a_valid_token(edgesim_edge, authorization, status, reason):
    headers = {"Authorization": authorization} if authorization else {}
    answer = await edgesim_edge.client.get("/members/", headers=headers)
    assert answer.status_code == status
    if reason:
        assert_header(answer, "x-cache", "FunctionGeneratedResponse from cloudfront")
        assert f'error_description="{reason}"' in answer.headers["www-authenticate"]
