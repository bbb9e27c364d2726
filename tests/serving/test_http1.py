"""HTTP/1.1 over bytes, on its own (`umapi_mock.serving.http1`): request lines, headers,
length-framed and chunked bodies (bad sizes, trailers), the 413/414/431 limits checked as
soon as what they bound is known, pipelining, and the answers the server gives itself."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from umapi_mock.serving.http1 import (
    Incomplete,
    Limits,
    Refusal,
    Request,
    looks_like_plain_http,
    plain_http_on_tls_bytes,
    refusal_bytes,
    take_request,
)

LIMITS = Limits(max_body=1000, max_admin_body=10_000, max_request_line=100, max_head=400)


def take(data: bytes, limits: Limits = LIMITS, token: str | None = None) -> tuple[Request, int] | Incomplete:
    return take_request(bytearray(data), limits, token)


def whole(data: bytes, **kw) -> tuple[Request, int]:
    taken = take(data, **kw)
    assert not isinstance(taken, Incomplete), taken
    return taken


def refused(data: bytes, **kw) -> Refusal:
    with pytest.raises(Refusal) as caught:
        take(data, **kw)
    return caught.value


def status_of(refusal: Refusal) -> int:
    return refusal.error.spec.status


# ------------------------------------------------------------------ request lines


def test_a_simple_get() -> None:
    req, end = whole(b"get /status?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert (req.method, req.target, req.version, req.body) == ("GET", "/status?x=1", "HTTP/1.1", b"")
    assert req.headers == [("Host", "a")] and req.keep_alive and end == 37


@pytest.mark.parametrize(
    ("version", "connection", "keep"),
    [
        ("HTTP/1.1", None, True),
        ("HTTP/1.1", "close", False),
        ("HTTP/1.1", "Keep-Alive, Close", False),
        ("HTTP/1.0", None, False),
        ("HTTP/1.0", "keep-alive", True),
    ],
)
def test_keep_alive_by_version_and_connection(version, connection, keep) -> None:
    extra = f"Connection: {connection}\r\n" if connection else ""
    req, _ = whole(f"GET / {version}\r\n{extra}\r\n".encode())
    assert req.keep_alive is keep


@pytest.mark.parametrize(
    "line",
    [
        b"NONSENSE",
        b"GET /",
        b"GET  / HTTP/1.1",
        b"GET / HTTP/2.0",
        b"GET / HTTP/1.2",
        b"G3T / HTTP/1.1",
        b"GET / FTP/1.1",
    ],
)
def test_unreadable_request_lines_are_400(line) -> None:
    assert status_of(refused(line + b"\r\nHost: a\r\n\r\n")) == 400


def test_414_once_the_line_is_too_long_even_before_it_ends() -> None:
    assert status_of(refused(b"GET /" + b"a" * 200 + b" HTTP/1.1\r\n\r\n")) == 414
    assert status_of(refused(b"GET /" + b"a" * 200)) == 414  # no end of line yet
    assert take(b"GET /" + b"a" * 50) == Incomplete()  # within the limit: wait for more


# ------------------------------------------------------------------ headers


def test_header_values_are_trimmed_and_repeats_kept() -> None:
    req, _ = whole(b"GET / HTTP/1.1\r\nX-A:  one \r\nx-a: two\r\nEmpty:\r\n\r\n")
    assert req.headers == [("X-A", "one"), ("x-a", "two"), ("Empty", "")]


@pytest.mark.parametrize(
    "line",
    [b"no colon", b": no name", b"Space : before colon", b" folded: continuation", b"\tfolded: tab"],
)
def test_unreadable_or_folded_header_lines_are_400(line) -> None:
    refusal = refused(b"GET / HTTP/1.1\r\nHost: a\r\n" + line + b"\r\n\r\n")
    assert status_of(refusal) == 400 and "header" in refusal.error.params["detail"]


def test_431_when_the_head_is_over_the_limit_finished_or_not() -> None:
    filler = b"".join(b"X-F%d: %s\r\n" % (i, b"b" * 40) for i in range(20))
    assert status_of(refused(b"GET / HTTP/1.1\r\n" + filler + b"\r\n")) == 431
    assert status_of(refused(b"GET / HTTP/1.1\r\n" + filler)) == 431  # still coming
    assert take(b"GET / HTTP/1.1\r\nX: 1\r\n") == Incomplete()


# ------------------------------------------------------------------ length-framed bodies


def test_a_body_by_content_length_waits_until_whole() -> None:
    head = b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
    assert take(head + b"abc") == Incomplete()
    req, end = whole(head + b"abcdeEXTRA")
    assert req.body == b"abcde" and end == len(head) + 5


@pytest.mark.parametrize("value", [b"ten", b"-1", b"1.5", b"0x10", b""])
def test_a_bad_content_length_is_400(value) -> None:
    assert status_of(refused(b"POST /x HTTP/1.1\r\nContent-Length: " + value + b"\r\n\r\n")) == 400


def test_413_from_the_announced_length_before_any_body_byte() -> None:
    refusal = refused(b"POST /x HTTP/1.1\r\nContent-Length: 1001\r\n\r\n")
    assert status_of(refusal) == 413 and (refusal.method, refusal.target) == ("POST", "/x")


def test_expect_100_continue_is_reported_while_the_body_is_missing() -> None:
    head = b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    assert take(head) == Incomplete(expects_continue=True)
    assert whole(head + b"abc")[0].body == b"abc"


def test_length_and_chunked_together_are_400() -> None:
    data = b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert status_of(refused(data)) == 400


# ------------------------------------------------------------------ chunked bodies

CHUNKED = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_chunks_are_joined_and_extensions_ignored() -> None:
    body = b"3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n"
    req, end = whole(CHUNKED + body + b"NEXT")
    assert req.body == b"abc0123456789" and end == len(CHUNKED + body)


def test_trailers_are_read_and_dropped() -> None:
    body = b"2\r\nhi\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n"
    req, end = whole(CHUNKED + body)
    assert req.body == b"hi" and end == len(CHUNKED + body)
    assert take(CHUNKED + b"2\r\nhi\r\n0\r\nX-Checksum: 1\r\n") == Incomplete()


@pytest.mark.parametrize("size", [b"zz", b"-1", b"+5", b"0x5", b"1_0", b"", b" "])
def test_bad_chunk_sizes_are_400(size) -> None:
    assert status_of(refused(CHUNKED + size + b"\r\nhello\r\n0\r\n\r\n")) == 400


def test_a_chunk_without_its_crlf_is_400() -> None:
    assert status_of(refused(CHUNKED + b"3\r\nabcX\r\n0\r\n\r\n")) == 400


def test_an_endless_chunk_size_line_is_400() -> None:
    assert status_of(refused(CHUNKED + b"1" * 2000)) == 400


def test_413_from_the_chunk_sizes_before_their_data() -> None:
    assert status_of(refused(CHUNKED + b"200\r\n" + b"a" * 512 + b"\r\n3e9\r\n")) == 413


def test_incomplete_chunked_bodies_wait() -> None:
    for cut in (b"3\r\nab", b"3\r\nabc\r\n", b"3\r\nabc\r\n0\r\n", b"3"):
        assert take(CHUNKED + cut) == Incomplete()


# ------------------------------------------------------------------ limits by path


def test_without_an_admin_token_admin_paths_keep_the_umapi_limit() -> None:
    big = b"Content-Length: 5000\r\n\r\n"
    for target in (b"/v2/x", b"/_mock/state"):
        assert status_of(refused(b"PUT " + target + b" HTTP/1.1\r\n" + big)) == 413


def test_the_admin_limit_applies_only_to_admin_paths() -> None:
    big = b"Content-Length: 5000\r\nAuthorization: Bearer secret\r\n\r\n"
    assert status_of(refused(b"PUT /v2/x HTTP/1.1\r\n" + big, token="secret")) == 413
    assert take(b"PUT /_mock/state HTTP/1.1\r\n" + big, token="secret") == Incomplete()


def test_with_an_admin_token_only_its_bearer_gets_the_admin_limit() -> None:
    big = b"Content-Length: 5000\r\n"
    for auth in (b"", b"Authorization: Bearer wrong\r\n", b"Authorization: secret\r\n"):
        assert status_of(refused(b"PUT /_mock/state HTTP/1.1\r\n" + big + auth + b"\r\n", token="secret")) == 413
    good = b"PUT /_mock/state HTTP/1.1\r\n" + big + b"Authorization: Bearer secret\r\n\r\n"
    assert take(good, token="secret") == Incomplete()


# ------------------------------------------------------------------ pipelining


def test_pipelined_requests_are_taken_one_at_a_time() -> None:
    buf = bytearray(b"GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /c HTTP/1.1\r\n\r\n")
    targets = []
    while buf:
        taken = take_request(buf, LIMITS)
        assert not isinstance(taken, Incomplete)
        req, end = taken
        targets.append((req.target, req.body))
        del buf[:end]
    assert targets == [("/a", b""), ("/b", b"hi"), ("/c", b"")]


@given(st.lists(st.binary(max_size=40), max_size=4), st.integers(min_value=1, max_value=7))
def test_a_chunked_body_split_anywhere_reads_the_same(chunks, step) -> None:
    """Whatever the bytes arrive in, the request is Incomplete until its last byte."""
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c) + b"0\r\n\r\n"
    data = CHUNKED + body
    for cut in range(0, len(data), step):
        assert take(data[:cut]) == Incomplete()
    req, end = whole(data)
    assert req.body == b"".join(chunks) and end == len(data)


# ------------------------------------------------------------------ the server's own answers


def test_refusals_are_whole_json_answers_that_close() -> None:
    refusal = refused(b"POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n")
    data = refusal_bytes(refusal.error, request_id="abc")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 413 Request Entity Too Large"
    assert {"Content-Type: application/json", "Connection: close", "X-Request-Id: abc"} <= set(lines)
    assert f"Content-Length: {len(body)}" in lines
    assert json.loads(body) == {"error_code": "413000", "message": "Request body larger than 1000 bytes"}


def test_plain_http_is_told_from_a_tls_client_hello() -> None:
    assert looks_like_plain_http(b"GET / HTTP/1.1\r\n")
    assert looks_like_plain_http(b"POST")
    assert not looks_like_plain_http(b"\x16\x03\x01\x02\x00\x01")
    assert not looks_like_plain_http(b"")
    head, _, body = plain_http_on_tls_bytes().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n") and b"Connection: close" in head
    assert b"HTTPS" in body and f"Content-Length: {len(body)}".encode() in head


def test_a_repeated_head_gives_equal_requests_that_share_nothing_mutable() -> None:
    data = b"GET /status?x=1 HTTP/1.1\r\nHost: x\r\nX-Seen: 1\r\nConnection: close\r\n\r\n"
    first, _ = whole(data)
    first.headers.append(("X-Added", "by a caller"))
    second, _ = whole(data)
    assert second.headers == [("Host", "x"), ("X-Seen", "1"), ("Connection", "close")]
    assert (second.method, second.target, second.keep_alive) == ("GET", "/status?x=1", False)
    tighter = Limits(max_request_line=10)
    with pytest.raises(Refusal):  # a head remembered under other limits is judged by these
        take_request(bytearray(data), tighter)
