"""Access-log lines read back field by field, as a CloudFront log parser would read them."""

from __future__ import annotations

import io
from urllib.parse import unquote

from edgesim.edge.exchange import Exchange
from edgesim.observe.access_log import FIELD_NAMES, AccessLog, encode_value
from tests.conftest import config_from, custom_origin, distribution
from tests.observe.helpers import REQUEST_ID, make_exchange

CLOUDFRONT_FIELDS_LINE = (
    "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
    "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
    "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
    "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type "
    "sc-content-type sc-content-len sc-range-start sc-range-end"
)


def parse(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Split a log the way CloudFront's documented parsers do: # lines, then tab-separated records."""
    lines = text.splitlines()
    headers = [line for line in lines if line.startswith("#")]
    names = headers[1].removeprefix("#Fields: ").split(" ")
    records = [dict(zip(names, line.split("\t"), strict=True)) for line in lines if not line.startswith("#")]
    return headers, records


def written(*exchanges: Exchange, **options: bool) -> str:
    stream = io.StringIO()
    log = AccessLog(stream, **options)
    for exchange in exchanges:
        log(exchange)
    return stream.getvalue()


def test_log_starts_with_version_and_the_33_cloudfront_field_names():
    headers, _ = parse(written())
    assert headers == ["#Version: 1.0", CLOUDFRONT_FIELDS_LINE]
    assert len(FIELD_NAMES) == 33


def test_each_field_of_a_miss_reads_back():
    exchange = make_exchange(
        query="a=1&b=2",
        headers=[("Host", "www.example.com"), ("User-Agent", "Mozilla/5.0 (X11)"), ("Referer", "http://a.example/"),
                 ("X-Forwarded-For", "203.0.113.7")],
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "11"),
                          ("Content-Range", "bytes 0-10/100")],
    )
    _, [record] = parse(written(exchange))
    assert record == {
        "date": "2024-05-01", "time": "10:00:00", "x-edge-location": "FRA56-C1", "sc-bytes": "345",
        "c-ip": "192.0.2.10", "cs-method": "GET", "cs(Host)": "d111111abcdef8.cloudfront.net",
        "cs-uri-stem": "/index.html", "sc-status": "200", "cs(Referer)": "http://a.example/",
        "cs(User-Agent)": "Mozilla/5.0%20(X11)", "cs-uri-query": "a=1&b=2", "cs(Cookie)": "-",
        "x-edge-result-type": "Miss", "x-edge-request-id": REQUEST_ID, "x-host-header": "www.example.com",
        "cs-protocol": "http", "cs-bytes": "120", "time-taken": "0.003", "x-forwarded-for": "203.0.113.7",
        "ssl-protocol": "-", "ssl-cipher": "-", "x-edge-response-result-type": "Miss",
        "cs-protocol-version": "HTTP/1.1", "fle-status": "-", "fle-encrypted-fields": "-", "c-port": "53211",
        "time-to-first-byte": "0.003", "x-edge-detailed-result-type": "Miss",
        "sc-content-type": "text/html;%20charset=utf-8", "sc-content-len": "11", "sc-range-start": "0",
        "sc-range-end": "10",
    }


def test_missing_values_are_a_dash():
    exchange = make_exchange(headers=[], response_headers=[])
    _, [record] = parse(written(exchange))
    for name in ("cs(Referer)", "cs(User-Agent)", "cs-uri-query", "x-host-header", "x-forwarded-for",
                 "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end"):
        assert record[name] == "-", name


def test_cloudfronts_special_characters_and_non_ascii_are_percent_encoded():
    special = '<>"#%{}|\\^~[]`\' '
    assert encode_value(special) == "".join(f"%{ord(c):02X}" for c in special)
    assert encode_value("tab\there\x7f") == "tab%09here%7F"
    assert encode_value("café") == "caf%E9"  # a header byte as received (latin-1)
    assert encode_value("日本") == "%E6%97%A5%E6%9C%AC"  # text a hook wrote, as UTF-8
    assert encode_value("/a-b_c.d/e=f&g:h@i!$(*),;+") == "/a-b_c.d/e=f&g:h@i!$(*),;+"


def test_a_path_already_percent_encoded_is_encoded_again_and_decodes_back():
    exchange = make_exchange(uri="/my%20file.html", headers=[("User-Agent", "a\tb")])
    _, [record] = parse(written(exchange))
    assert record["cs-uri-stem"] == "/my%2520file.html"
    assert unquote(record["cs-uri-stem"]) == "/my%20file.html"
    assert record["cs(User-Agent)"] == "a%09b"


def test_cookies_are_logged_only_when_cookie_logging_is_on():
    exchange = make_exchange(headers=[("Cookie", "session=abc; theme=dark")])
    assert parse(written(exchange))[1][0]["cs(Cookie)"] == "-"
    assert parse(written(exchange, include_cookies=True))[1][0]["cs(Cookie)"] == "session=abc;%20theme=dark"


def test_a_hook_failure_logs_its_error_detail():
    exchange = make_exchange(status=503, result="Error", detail="FunctionExecutionError")
    _, [record] = parse(written(exchange))
    assert (record["sc-status"], record["x-edge-result-type"], record["x-edge-detailed-result-type"]) == (
        "503", "Error", "FunctionExecutionError")


def test_a_viewer_that_hung_up_before_any_byte_is_status_000_and_error():
    exchange = make_exchange(result="Hit")
    exchange.viewer_aborted, exchange.bytes_sent = True, 0
    _, [record] = parse(written(exchange))
    assert (record["sc-status"], record["x-edge-result-type"], record["x-edge-response-result-type"]) == ("000", "Error", "Hit")


def test_an_appended_file_gets_no_second_header(tmp_path):
    target = tmp_path / "logs" / "access.log"
    for _ in range(2):
        log = AccessLog.to(str(target))
        log(make_exchange())
        log.stream.close()
    text = target.read_text()
    assert text.count("#Version: 1.0") == 1
    assert len(parse(text)[1]) == 2


async def test_requests_through_a_running_edge_are_logged_one_line_each(edge_factory, echo_origin):
    from edgesim.edge.assembly import EdgeOptions

    stream = io.StringIO()
    config = config_from(distribution([custom_origin("echo", echo_origin.port)]))
    edge = await edge_factory(config, options=EdgeOptions(observers=[AccessLog(stream)]))
    first = await edge.client.get("/hello world?x=<1>", headers={"User-Agent": "pytest agent"})
    await edge.client.post("/submit", content=b"12345")
    _, records = parse(stream.getvalue())
    assert [r["cs-method"] for r in records] == ["GET", "POST"]
    get = records[0]
    assert get["cs-uri-stem"] == "/hello%2520world"
    assert get["cs-uri-query"] == "x=%253C1%253E"  # httpx sent %3C; the log encodes the %
    assert get["cs(User-Agent)"] == "pytest%20agent"
    assert get["x-edge-request-id"] == first.headers["x-amz-cf-id"]
    assert get["x-host-header"] == edge.url.removeprefix("http://")
    assert int(get["sc-bytes"]) > len(first.content)
    assert get["sc-status"] == "200" and get["c-ip"] == "127.0.0.1" and int(get["c-port"]) > 0
    assert int(records[1]["cs-bytes"]) > 5
