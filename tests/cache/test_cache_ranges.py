from __future__ import annotations

import pytest

from edgesim.cache.ranges import serve_range
from edgesim.edge.model import EdgeResponse, Headers

BODY = bytes(range(100))


def full() -> EdgeResponse:
    return EdgeResponse(200, Headers([("Content-Type", "application/octet-stream"), ("Content-Length", "100"), ("ETag", '"e1"')]), BODY)


def test_single_range() -> None:
    out = serve_range(full(), "bytes=10-19")
    assert (out.status, out.body, out.headers.get("Content-Range"), out.headers.get("Content-Length")) == (206, BODY[10:20], "bytes 10-19/100", "10")


def test_open_ended_and_suffix_ranges() -> None:
    assert serve_range(full(), "bytes=95-").body == BODY[95:]
    assert serve_range(full(), "bytes=-5").body == BODY[95:]
    assert serve_range(full(), "bytes=90-500").headers.get("Content-Range") == "bytes 90-99/100"


def test_multi_range_ascending_non_overlapping_is_multipart() -> None:
    out = serve_range(full(), "bytes=0-1, 10-11", boundary="B")
    assert out.status == 206
    assert out.headers.get("Content-Type") == "multipart/byteranges; boundary=B"
    assert out.body == (
        b"--B\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/100\r\n\r\n" + BODY[0:2] + b"\r\n"
        b"--B\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 10-11/100\r\n\r\n" + BODY[10:12] + b"\r\n"
        b"--B--\r\n"
    )
    assert out.headers.get("Content-Length") == str(len(out.body))  # type: ignore[arg-type]


@pytest.mark.parametrize("header", ["bytes=10-19,0-1", "bytes=0-10,5-20", "bytes=5-1", "items=0-1", "bytes=a-b", "bytes=-", "0-1"])
def test_invalid_or_unordered_ranges_get_the_full_object(header: str) -> None:
    out = serve_range(full(), header)
    assert (out.status, out.body) == (200, BODY)


def test_unsatisfiable_range_is_416() -> None:
    out = serve_range(full(), "bytes=100-200")
    assert (out.status, out.body, out.headers.get("Content-Range")) == (416, b"", "bytes */100")


def test_satisfiable_part_of_a_multi_range_is_served() -> None:
    out = serve_range(full(), "bytes=0-1,500-600")
    assert (out.status, out.body) == (206, BODY[0:2])


def test_no_range_header_returns_the_object() -> None:
    response = full()
    assert serve_range(response, None) is response


def test_if_range_mismatch_serves_full_object() -> None:
    assert serve_range(full(), "bytes=0-1", if_range='"other"').status == 200
    assert serve_range(full(), "bytes=0-1", if_range='"e1"').status == 206


def test_non_200_objects_are_not_cut() -> None:
    response = EdgeResponse(404, Headers(), b"missing")
    assert serve_range(response, "bytes=0-1") is response
