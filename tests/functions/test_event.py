"""The event both ways, row by row of spec §1 and §2."""

from __future__ import annotations

import copy

import pytest

from edgesim.edge.hooks import VIEWER_REQUEST, VIEWER_RESPONSE
from edgesim.edge.model import EdgeRequest, EdgeResponse
from edgesim.functions.event import FunctionValidationError, build_event, read_result, recase

from .helpers import CONTEXT, edge_request, edge_response


def viewer_request(**kwargs: object) -> tuple[dict, object]:
    return build_event(VIEWER_REQUEST, CONTEXT, edge_request(**kwargs))  # type: ignore[arg-type]


def viewer_response(request: EdgeRequest | None = None, response: EdgeResponse | None = None) -> tuple[dict, object]:
    return build_event(VIEWER_RESPONSE, CONTEXT, request or edge_request(), response or edge_response())


class TestEventOut:
    def test_top_level_context_and_viewer(self) -> None:
        event, _ = viewer_request()
        assert event["version"] == "1.0"
        assert event["context"] == {"distributionDomainName": "d111111abcdef8.cloudfront.net",
                                    "distributionId": "EDFDVBD6EXAMPLE", "eventType": "viewer-request",
                                    "requestId": "req-1"}
        assert event["viewer"] == {"ip": "203.0.113.9"}
        assert "response" not in event

    def test_header_names_are_lowercase_and_repeats_get_multi_value(self) -> None:
        event, _ = viewer_request(headers=[("Host", "a.test"), ("Accept", "text/html"), ("ACCEPT", "application/json")])
        assert event["request"]["headers"] == {
            "host": {"value": "a.test"},
            "accept": {"value": "text/html", "multiValue": [{"value": "text/html"}, {"value": "application/json"}]},
        }

    def test_one_header_with_commas_stays_a_single_value(self) -> None:
        event, _ = viewer_request(headers=[("Accept", "a/b, c/d, e/f")])
        assert event["request"]["headers"]["accept"] == {"value": "a/b, c/d, e/f"}

    def test_cookies_are_apart_from_headers(self) -> None:
        event, _ = viewer_request(headers=[("Host", "a"), ("Cookie", "session=abc; Theme=dark"), ("Cookie", "session=def")])
        assert "cookie" not in event["request"]["headers"]
        assert event["request"]["cookies"] == {
            "session": {"value": "abc", "multiValue": [{"value": "abc"}, {"value": "def"}]},
            "Theme": {"value": "dark"},
        }

    def test_query_values_stay_percent_encoded_and_names_keep_case(self) -> None:
        event, _ = viewer_request(query="q=%E5%AE%B6&ID=1&tag=a&tag=b%20c&flag")
        assert event["request"]["querystring"] == {
            "q": {"value": "%E5%AE%B6"}, "ID": {"value": "1"},
            "tag": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b%20c"}]},
            "flag": {"value": ""},
        }

    def test_uri_is_the_raw_path_without_query(self) -> None:
        event, _ = viewer_request(uri="/a%20b/../c", query="x=1")
        assert event["request"]["uri"] == "/a%20b/../c"

    def test_empty_query_is_an_empty_object(self) -> None:
        assert viewer_request()[0]["request"]["querystring"] == {}

    def test_disallowed_headers_are_hidden_and_read_only_ones_shown(self) -> None:
        event, _ = viewer_request(headers=[("Host", "a"), ("Connection", "keep-alive"), ("Upgrade", "h2c"),
                                           ("X-Amz-Cf-Id", "x"), ("Via", "1.1 p"), ("X-Forwarded-Proto", "https")])
        assert set(event["request"]["headers"]) == {"host", "via"}

    def test_viewer_response_has_integer_status_headers_and_cookies_with_attributes(self) -> None:
        response = edge_response(200, [("Content-Type", "text/html"), ("Set-Cookie", "pref=dark; Path=/; Max-Age=3600"),
                                       ("Set-Cookie", "ab=x; Path=/"), ("Set-Cookie", "ab=y; Path=/beta"),
                                       ("Set-Cookie", "bare=1")])
        event, _ = viewer_response(response=response)
        out = event["response"]
        assert out["statusCode"] == 200 and out["statusDescription"] == "OK"
        assert out["headers"] == {"content-type": {"value": "text/html"}}
        assert out["cookies"] == {
            "pref": {"value": "dark", "attributes": "Path=/; Max-Age=3600"},
            "ab": {"value": "x", "attributes": "Path=/",
                   "multiValue": [{"value": "x", "attributes": "Path=/"}, {"value": "y", "attributes": "Path=/beta"}]},
            "bare": {"value": "1", "attributes": ""},
        }
        assert "body" not in out
        assert event["context"]["eventType"] == "viewer-response" and "request" in event

    def test_non_utf8_cookie_bytes_are_shown_as_latin1_text(self) -> None:
        raw = b"id=caf\xe9".decode("utf-8", "surrogateescape")
        event, _ = viewer_request(headers=[("Cookie", raw)])
        assert event["request"]["cookies"]["id"]["value"] == "café"


class TestRequestBack:
    def returned(self, mutate, **kwargs) -> EdgeRequest:  # type: ignore[no-untyped-def]
        event, sent = viewer_request(**kwargs)
        request = copy.deepcopy(event["request"])
        mutate(request)
        result = read_result(sent, request)
        assert isinstance(result, EdgeRequest)
        return result

    def test_unchanged_request_goes_on_as_it_came_with_names_re_cased(self) -> None:
        headers = [("host", "a.test"), ("x-webp", "1"), ("Cookie", "b=2; a=1")]
        result = self.returned(lambda r: None, headers=headers, query="z=%20&y")
        assert result.headers.items() == [("Host", "a.test"), ("X-Webp", "1"), ("Cookie", "b=2; a=1")]
        assert result.querystring == "z=%20&y"

    def test_added_header_names_are_re_cased_word_by_word(self) -> None:
        result = self.returned(lambda r: r["headers"].update({"x-custom-header": {"value": "v"}}))
        assert ("X-Custom-Header", "v") in result.headers.items()
        assert recase("x-webp") == "X-Webp"

    def test_changed_value_replaces_only_the_first_occurrence(self) -> None:
        result = self.returned(lambda r: r["headers"]["accept"].update(value="new"),
                               headers=[("Host", "a"), ("Accept", "one"), ("Accept", "two")])
        assert result.headers.get_all("accept") == ["new", "two"]

    def test_changed_multi_value_wins_over_value(self) -> None:
        def mutate(r: dict) -> None:
            r["headers"]["accept"]["value"] = "ignored"
            r["headers"]["accept"]["multiValue"] = [{"value": "x"}, {"value": "y"}, {"value": "z"}]

        result = self.returned(mutate, headers=[("Host", "a"), ("Accept", "one"), ("Accept", "two")])
        assert result.headers.get_all("accept") == ["x", "y", "z"]

    def test_deleted_header_is_gone(self) -> None:
        result = self.returned(lambda r: r["headers"].pop("user-agent"), headers=[("Host", "a"), ("User-Agent", "u")])
        assert "user-agent" not in result.headers

    def test_hidden_disallowed_headers_are_kept_for_the_edge(self) -> None:
        result = self.returned(lambda r: None, headers=[("Host", "a"), ("Connection", "close")])
        assert result.headers.get("connection") == "close"

    def test_cookies_are_written_back_into_one_cookie_header(self) -> None:
        result = self.returned(lambda r: r["cookies"].update({"new": {"value": "1"}}), headers=[("Host", "a"), ("Cookie", "a=1")])
        assert result.headers.get_all("cookie") == ["a=1; new=1"]

    def test_cookie_written_into_headers_is_ignored_with_a_warning(self) -> None:
        event, sent = viewer_request(headers=[("Host", "a"), ("Cookie", "a=1")])
        request = copy.deepcopy(event["request"])
        request["headers"]["cookie"] = {"value": "evil=1"}
        result = read_result(sent, request)
        assert result.headers.get_all("cookie") == ["a=1"]
        assert any("cookies object" in w for w in sent.warnings)  # type: ignore[attr-defined]

    def test_changed_query_is_rebuilt_and_unchanged_entries_keep_their_encoding(self) -> None:
        result = self.returned(lambda r: r["querystring"].update({"b": {"value": "2"}}), query="a=%2F")
        assert result.querystring == "a=%2F&b=2"

    def test_query_may_be_returned_as_a_string(self) -> None:
        result = self.returned(lambda r: r.update(querystring="?x=1&y=2"), query="a=1")
        assert result.querystring == "x=1&y=2"

    @pytest.mark.parametrize("bad", ["a=b c", "a=#frag", "a=\x01"])
    def test_query_with_space_control_or_hash_is_a_validation_error(self, bad: str) -> None:
        with pytest.raises(FunctionValidationError, match="query string"):
            self.returned(lambda r: r.update(querystring=bad))

    def test_uri_change_is_kept(self) -> None:
        assert self.returned(lambda r: r.update(uri="/index.html")).uri == "/index.html"

    def test_uri_must_start_with_a_slash(self) -> None:
        with pytest.raises(FunctionValidationError, match="uri must be a string starting with '/'"):
            self.returned(lambda r: r.update(uri="index.html"))

    def test_uri_plus_query_must_be_under_8192_characters(self) -> None:
        with pytest.raises(FunctionValidationError, match="8192"):
            self.returned(lambda r: r.update(uri="/" + "a" * 8200))

    def test_changed_method_is_a_validation_error(self) -> None:
        with pytest.raises(FunctionValidationError, match="method is read-only"):
            self.returned(lambda r: r.update(method="POST"))

    @pytest.mark.parametrize("name", ["host", "via", "cdn-loop", "content-length", "transfer-encoding"])
    def test_read_only_header_change_is_validation_error_naming_it(self, name: str) -> None:
        headers = [("Host", "a"), ("Via", "1.1 x"), ("CDN-Loop", "cf"), ("Content-Length", "0"), ("Transfer-Encoding", "chunked")]
        with pytest.raises(FunctionValidationError, match=f"header '{name}' is read-only at viewer-request and was changed"):
            self.returned(lambda r: r["headers"][name].update(value="changed"), headers=headers)

    def test_read_only_host_removal_is_validation_error(self) -> None:
        with pytest.raises(FunctionValidationError, match="'host' is read-only at viewer-request and was removed"):
            self.returned(lambda r: r["headers"].pop("host"))

    def test_adding_a_disallowed_header_is_validation_error(self) -> None:
        with pytest.raises(FunctionValidationError, match="'x-forwarded-proto' is disallowed"):
            self.returned(lambda r: r["headers"].update({"x-forwarded-proto": {"value": "https"}}))

    @pytest.mark.parametrize("entry", ["text", {"val": "x"}, {"value": 5}, {"value": "a\r\nInjected: 1"},
                                       {"value": "x", "multiValue": "y"}])
    def test_malformed_header_entries_are_validation_errors(self, entry: object) -> None:
        with pytest.raises(FunctionValidationError, match="x-h"):
            self.returned(lambda r: r["headers"].update({"x-h": entry}))

    def test_invalid_header_name_is_a_validation_error(self) -> None:
        with pytest.raises(FunctionValidationError, match="not a valid HTTP header name"):
            self.returned(lambda r: r["headers"].update({"bad name": {"value": "1"}}))

    @pytest.mark.parametrize("value", [None, "request", 42, []])
    def test_returning_something_other_than_an_object_is_a_validation_error(self, value: object) -> None:
        _, sent = viewer_request()
        with pytest.raises(FunctionValidationError, match="must return a request or response object"):
            read_result(sent, value)

    def test_unchanged_non_utf8_cookie_is_forwarded_byte_for_byte(self) -> None:
        raw = b"id=caf\xe9".decode("utf-8", "surrogateescape")
        result = self.returned(lambda r: None, headers=[("Cookie", raw)])
        assert result.headers.get("cookie") == raw


class TestResponseBack:
    def test_viewer_request_may_return_a_generated_response(self) -> None:
        _, sent = viewer_request()
        result = read_result(sent, {"statusCode": 401, "statusDescription": "Unauthorized"})
        assert isinstance(result, EdgeResponse)
        assert (result.status, result.status_description, result.body) == (401, "Unauthorized", b"")

    def test_generated_response_with_headers_cookies_and_text_body(self) -> None:
        _, sent = viewer_request()
        result = read_result(sent, {"statusCode": 302, "headers": {"location": {"value": "/x"}},
                                    "cookies": {"s": {"value": "1", "attributes": "Path=/"}}, "body": "moved"})
        assert result.headers.items() == [("Location", "/x"), ("Content-Length", "5"), ("Set-Cookie", "s=1; Path=/")]
        assert result.body == b"moved"

    def test_generated_response_may_set_headers_read_only_for_requests(self) -> None:
        _, sent = viewer_request()
        result = read_result(sent, {"statusCode": 200, "headers": {"via": {"value": "x"}}})
        assert result.headers.get("via") == "x"

    def test_generated_response_may_not_add_disallowed_headers(self) -> None:
        _, sent = viewer_request()
        with pytest.raises(FunctionValidationError, match="'x-cache' is disallowed"):
            read_result(sent, {"statusCode": 200, "headers": {"x-cache": {"value": "Hit"}}})

    def test_base64_body_is_decoded(self) -> None:
        _, sent = viewer_request()
        assert read_result(sent, {"statusCode": 200, "body": {"encoding": "base64", "data": "aGk="}}).body == b"hi"

    @pytest.mark.parametrize(("body", "message"), [({"encoding": "base64", "data": "!!"}, "not valid base64"),
                                                   ({"encoding": "gzip", "data": "x"}, "'text' or 'base64'"),
                                                   (5, "body must be")])
    def test_bad_bodies_are_validation_errors(self, body: object, message: str) -> None:
        _, sent = viewer_request()
        with pytest.raises(FunctionValidationError, match=message):
            read_result(sent, {"statusCode": 200, "body": body})

    @pytest.mark.parametrize("status", ["200", 200.5, True, 99, 600, None])
    def test_status_code_must_be_an_integer(self, status: object) -> None:
        event, sent = viewer_response()
        response = dict(event["response"], statusCode=status)
        with pytest.raises(FunctionValidationError, match="statusCode must be an integer"):
            read_result(sent, response)

    def test_viewer_response_may_change_status_and_headers_and_keeps_the_body(self) -> None:
        event, sent = viewer_response()
        response = copy.deepcopy(event["response"])
        response["statusCode"] = 203
        response["headers"]["strict-transport-security"] = {"value": "max-age=1"}
        result = read_result(sent, response)
        assert result.status == 203 and result.body == b"hello"
        assert result.headers.items() == [("Content-Type", "text/html"), ("Strict-Transport-Security", "max-age=1")]

    def test_viewer_response_empty_body_removes_it_and_fixes_content_length(self) -> None:
        event, sent = viewer_response(response=edge_response(headers=[("Content-Length", "5")]))
        result = read_result(sent, dict(event["response"], body=""))
        assert result.body == b"" and result.headers.get("content-length") == "0"
        assert any("does not match" in w for w in sent.warnings)  # type: ignore[attr-defined]

    @pytest.mark.parametrize("name", ["via", "warning"])
    def test_read_only_response_headers(self, name: str) -> None:
        event, sent = viewer_response(response=edge_response(headers=[("Via", "1.1 x"), ("Warning", "199 x")]))
        response = copy.deepcopy(event["response"])
        response["headers"][name] = {"value": "changed"}
        with pytest.raises(FunctionValidationError, match=f"'{name}' is read-only at viewer-response"):
            read_result(sent, response)

    def test_functions_may_change_content_encoding_in_viewer_response(self) -> None:
        event, sent = viewer_response(response=edge_response(headers=[("Content-Encoding", "gzip")]))
        response = copy.deepcopy(event["response"])
        response["headers"]["content-encoding"] = {"value": "br"}
        assert read_result(sent, response).headers.get("content-encoding") == "br"

    def test_unchanged_set_cookie_lines_pass_through_and_changed_ones_are_rebuilt(self) -> None:
        lines = [("Set-Cookie", "a=1;Path=/"), ("Set-Cookie", "b=2")]
        event, sent = viewer_response(response=edge_response(headers=lines))
        assert read_result(sent, event["response"]).headers.get_all("set-cookie") == ["a=1;Path=/", "b=2"]
        changed = copy.deepcopy(event["response"])
        changed["cookies"]["b"] = {"value": "3", "attributes": "Secure"}
        assert read_result(sent, changed).headers.get_all("set-cookie") == ["a=1; Path=/", "b=3; Secure"]

    def test_response_cookie_multi_value_becomes_one_line_each(self) -> None:
        event, sent = viewer_response()
        response = copy.deepcopy(event["response"])
        response["cookies"]["ab"] = {"value": "x", "multiValue": [{"value": "x", "attributes": "Path=/"}, {"value": "y"}]}
        assert read_result(sent, response).headers.get_all("set-cookie") == ["ab=x; Path=/", "ab=y"]

    def test_viewer_response_must_return_a_response(self) -> None:
        event, sent = viewer_response()
        with pytest.raises(FunctionValidationError, match="statusCode"):
            read_result(sent, event["request"])
