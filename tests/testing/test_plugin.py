"""The pytest plugin as users meet it: a conftest, their own tests, pytest's verdict."""

from __future__ import annotations

import shutil
import textwrap

import pytest

pytest_plugins = ["pytester"]

STAMP_FUNCTION = """\
function handler(event) {
  var request = event.request;
  request.headers['x-now'] = { value: String(Date.now()) };
  request.headers['x-random'] = { value: String(Math.random()) };
  return request;
}
"""

CONFTEST = """\
import pytest

@pytest.fixture
def edgesim_config():
    return {
        "DistributionConfig": {
            "Origins": {"Quantity": 1, "Items": [{"Id": "echo", "DomainName": "echo.internal",
                        "CustomOriginConfig": {"HTTPPort": 80, "OriginProtocolPolicy": "http-only"}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "echo", "ViewerProtocolPolicy": "allow-all",
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                "OriginRequestPolicyId": "216adef6-5c7f-47e4-b989-5492eafa07d3",
                "FunctionAssociations": {"Quantity": 1, "Items": [
                    {"FunctionARN": "arn:aws:cloudfront::111122223333:function/stamp", "EventType": "viewer-request"}]},
            },
        },
        "Functions": {"stamp": {"Runtime": "cloudfront-js-2.0", "Code": "stamp.js"}},
        "Edgesim": {"BundledOrigins": {"echo": {"Kind": "echo"}}},
    }
"""


def run(pytester: pytest.Pytester) -> pytest.RunResult:
    """The inner session, without hypothesis's plugin (it re-imports itself on every inner run)."""
    return pytester.runpytest("-q", "-p", "no:hypothesispytest")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: a config as a dict, a function file, asyncio in auto mode."""
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(CONFTEST)
    (pytester.path / "stamp.js").write_text(STAMP_FUNCTION)
    return pytester


def test_in_process_edge_runs_the_function_with_a_frozen_clock(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        from edgesim.testing import assert_hooks_ran

        async def test_stamp(edgesim_edge, edgesim_now):
            response = await edgesim_edge.client.get("/hello")
            seen = response.json()["headers"]
            assert response.status_code == 200
            assert dict((k.lower(), v) for k, v in seen)["x-now"] == str(int(edgesim_now * 1000))
            assert_hooks_ran(edgesim_edge.last_exchange, [("viewer-request", "stamp")])
            assert edgesim_edge.url == "http://edgesim.test"
        """
    )
    run(project).assert_outcomes(passed=1)


def test_overridden_clock_fixture_reaches_the_function(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        @pytest.fixture
        def edgesim_now():
            return 1234.5

        async def test_stamp(edgesim_edge):
            seen = dict((k.lower(), v) for k, v in (await edgesim_edge.client.get("/")).json()["headers"])
            assert seen["x-now"] == "1234500"
        """
    )
    run(project).assert_outcomes(passed=1)


def test_same_seed_gives_the_same_random_numbers_in_two_edges(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        async def random_values(edge):
            values = []
            for _ in range(3):
                headers = dict((k.lower(), v) for k, v in (await edge.client.get("/")).json()["headers"])
                values.append(headers["x-random"])
            return values

        async def test_seeded(edgesim_factory, edgesim_config):
            first = await random_values(await edgesim_factory(edgesim_config, seed=7))
            second = await random_values(await edgesim_factory(edgesim_config, seed=7))
            other = await random_values(await edgesim_factory(edgesim_config, seed=8))
            assert first == second
            assert first != other
        """
    )
    run(project).assert_outcomes(passed=1)


def test_server_fixture_listens_on_a_loopback_port(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        async def test_socket(edgesim_server):
            assert edgesim_server.url.startswith("http://127.0.0.1:")
            response = await edgesim_server.client.get("/x")
            assert response.headers["x-cache"] == "Miss from cloudfront"
            assert edgesim_server.last_exchange.viewer_request.uri == "/x"
        """
    )
    run(project).assert_outcomes(passed=1)


@pytest.mark.skipif(shutil.which("node") is None, reason="the Lambda@Edge half needs `node` on PATH")
def test_each_test_gets_a_fresh_edge_with_fresh_workers(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    counter = pytester.path / "counter"
    counter.mkdir()
    (counter / "index.js").write_text(textwrap.dedent(
        """
        let calls = 0;
        exports.handler = async () => {
          calls += 1;
          return { status: '200', headers: { 'x-calls': [{ key: 'X-Calls', value: String(calls) }] } };
        };
        """
    ))
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def edgesim_config():
            return {
                "DistributionConfig": {
                    "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "127.0.0.1",
                                "CustomOriginConfig": {"HTTPPort": 1025, "OriginProtocolPolicy": "http-only"}}]},
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                        "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                        "LambdaFunctionAssociations": {"Quantity": 1, "Items": [{
                            "LambdaFunctionARN": "arn:aws:lambda:us-east-1:111122223333:function:counter:1",
                            "EventType": "viewer-request"}]},
                    },
                },
                "Lambdas": {"counter": {"Runtime": "nodejs20.x", "Code": "counter"}},
            }
        """
    )
    pytester.makepyfile(
        """
        async def calls(edge):
            return (await edge.client.get("/")).headers["x-calls"]

        async def test_first(edgesim_edge):
            assert [await calls(edgesim_edge), await calls(edgesim_edge)] == ["1", "2"]
            assert len(edgesim_edge.exchanges) == 2

        async def test_second(edgesim_edge):
            assert await calls(edgesim_edge) == "1"
            assert len(edgesim_edge.exchanges) == 1
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_edge_fixture_without_a_config_says_how_to_give_one(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        async def test_needs_config(edgesim_edge):
            pass
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(["*define it in your conftest.py*"])
    assert result.ret != 0
