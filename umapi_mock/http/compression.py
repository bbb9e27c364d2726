"""Content negotiation of body encodings: gzip/deflate responses, gzip/deflate requests.

`requests` (and so the official client and Adobe's sync tool) sends `Accept-Encoding:
gzip, deflate`; a 2,000-user page shrinks from ~510 KB to ~50 KB. Responses:

* a JSON answer of at least MIN_SIZE bytes is sent in the best coding the client accepts
  (q-values honoured, gzip preferred on a tie), with `Content-Encoding` and the
  `Content-Length` of the bytes sent; a client that accepts none (curl without
  `--compressed`) gets the identity bytes;
* every JSON answer carries `Vary: Accept-Encoding`, compressed or not;
* a cached body (`CachedBody`, e.g. a users page in the org's page cache) keeps each
  compressed copy beside its identity bytes, so a repeated page is never compressed twice.

Requests whose body has `Content-Encoding: gzip` (or deflate) are decoded before the app
sees them; a body that does not decode, or decodes past MAX_DECODED_BODY, is answered
with a UMAPI-shaped 400 / 413 and reaches no handler.

The journal records the identity bytes (its response digest does not depend on what the
client accepts): `install_compression` is called before the journal's hook is registered,
because Flask runs `after_request` hooks in reverse order of registration.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import Response, request

from ..domain.errors import UmapiError

if TYPE_CHECKING:
    from flask import Flask

MIN_SIZE = 1024  # smaller bodies gain too little to be worth a compressor
LEVEL = 6  # zlib's default: ~10x on a users page, ~5 ms for 510 KB (a rebuilt page: its changed blocks)
MAX_DECODED_BODY = 16 * 1024 * 1024  # a decoded request body larger than this is refused
CODINGS = ("gzip", "deflate")  # offered, in order of preference on equal q
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}  # deflate = zlib format (RFC 9110 §8.4.1.2)
_BODY_ERROR = "umapi_mock.body_refusal"  # (catalogue key, params) of a body that did not decode
_NO_BODY_STATUSES = frozenset({204, 304})


def compress(data: bytes, coding: str) -> bytes:
    """`data` in `coding` (gzip without a timestamp, so the same body gives the same bytes)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, _WBITS[coding])
    return compressor.compress(data) + compressor.flush()


def _deflated(segment: bytes | memoryview, before: bytes | memoryview | None) -> bytes:
    """`segment` as raw deflate blocks that end byte-aligned (a sync flush), referring back
    into nothing but `before`, the segment sent just ahead of it (its window's worth, as a
    preset dictionary): such pieces laid end to end are one valid deflate stream, about as
    small as compressing the whole at once."""
    if before:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=before[-_WINDOW:])
    else:
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(segment) + compressor.flush(zlib.Z_SYNC_FLUSH)


_WINDOW = 1 << zlib.MAX_WBITS  # how far back a deflate reference reaches


_FINAL_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # an empty last block
_FRAME = {coding: compress(b"", coding) for coding in CODINGS}  # header, empty deflate stream, trailer
_HEADER = {"gzip": _FRAME["gzip"][:10], "deflate": _FRAME["deflate"][:2]}  # RFC 1952 §2.3, RFC 1950 §2.2


def _trailer(coding: str, identity: bytes) -> bytes:
    if coding == "gzip":
        return _gzip_trailer(zlib.crc32(identity), identity)
    return struct.pack(">I", zlib.adler32(identity))


def _gzip_trailer(crc: int, identity: bytes) -> bytes:
    return struct.pack("<II", crc, len(identity) & 0xFFFFFFFF)


class _Made:
    """What compressing a body in blocks made, kept for the body that replaces it: each
    coding's pieces, and the CRC-32 tree of its identity bytes (`_crc_tree`)."""

    __slots__ = ("pieces", "crcs")

    def __init__(self) -> None:
        self.pieces: dict[str, list[bytes]] = {}  # per coding: each block's deflated piece
        self.crcs: list[int] | None = None  # the gzip trailer's CRC is crcs[1]


class CachedBody:
    """A response body built once and served many times, with its compressed copies made
    on first demand and kept beside it.

    A body given in `blocks` (a big users page: the end offset of each block of users) is
    compressed block by block (`_deflated`: each piece refers back into the block before it
    only). `kept[k]` says block k holds what block k of `previous` (the body this one
    replaces) held; such a block, when the block before it is kept too, takes `previous`'s
    piece instead of being compressed again: renaming one user recompresses that user's block
    and the next, not the page (a whole ~510 KB page costs ~5 ms). The gzip trailer's CRC-32
    is combined from the blocks' (`_crc_tree`): a kept block keeps its CRC too."""

    __slots__ = ("identity", "_copies", "_lock", "_blocks", "_kept", "_made", "_previous")

    def __init__(
        self,
        identity: bytes,
        blocks: list[int] | None = None,
        kept: list[bool] | None = None,
        previous: CachedBody | None = None,
    ):
        self.identity = identity
        self._copies: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._blocks = blocks
        self._kept = kept
        self._made = _Made()
        # what `previous` made, not `previous` itself (no chain of old bodies); filled in
        # when it is compressed
        self._previous: _Made | None = None if previous is None else previous._made

    def encoded(self, coding: str) -> bytes:
        copy = self._copies.get(coding)
        if copy is None:
            with self._lock:  # concurrent first readers compress once
                copy = self._copies.get(coding)
                if copy is None:
                    copy = self._copies[coding] = self._compress(coding)
        return copy

    def _compress(self, coding: str) -> bytes:
        blocks = self._blocks
        if blocks is None:
            return compress(self.identity, coding)
        kept = self._kept or [False] * len(blocks)
        previous, made = self._previous, self._made
        old = previous.pieces.get(coding) if previous is not None else None
        if old is not None and len(old) != len(blocks):
            old = None
        view = memoryview(self.identity)
        pieces: list[bytes] = []
        before_start = start = 0  # where the block before this one, and this one, start
        for k, end in enumerate(blocks):
            if old is not None and kept[k] and (k == 0 or kept[k - 1]):
                pieces.append(old[k])
            else:
                pieces.append(_deflated(view[start:end], view[before_start:start] if k else None))
            before_start, start = start, end
        made.pieces[coding] = pieces
        if coding == "gzip":
            made.crcs = _crc_tree(view, blocks, kept, previous.crcs if previous is not None else None)
            trailer = _gzip_trailer(made.crcs[1], self.identity)
        else:
            trailer = _trailer(coding, self.identity)
        if len(made.pieces) == len(CODINGS):
            self._previous = None  # every coding has its pieces now
        return b"".join((_HEADER[coding], *pieces, _FINAL_BLOCK, trailer))


def _crc_tree(view: memoryview, blocks: list[int], kept: list[bool], old: list[int] | None) -> list[int]:
    """The CRC-32 of each block and of each run of blocks, as a binary tree in a list (node
    i's children are 2i and 2i+1, the blocks are the leaves from `width`, node 1 is the
    whole body's; -1: not worked out yet). The old body's tree is taken on: a block whose
    bytes are kept keeps its CRC (it does not depend on where the block starts), and only
    the nodes above the other blocks are combined again (`_crc_shift`), so renaming one user
    hashes one block. A body without an old tree is hashed whole, its inner nodes left to
    the first rebuild that needs them."""
    count = len(blocks)
    width = 1 << (count - 1).bit_length()
    starts = [0, *blocks, *[blocks[-1]] * (width - count)]  # leaf k holds starts[k]:starts[k + 1]
    if old is None or len(old) != 2 * width or len(kept) != count:
        tree = [-1] * width + [zlib.crc32(view[starts[k] : starts[k + 1]]) for k in range(width)]
        tree[1] = zlib.crc32(view)
        return tree
    tree = old.copy()
    leaves = [k for k, same in enumerate(kept) if not same]
    for k in leaves:
        tree[width + k] = zlib.crc32(view[starts[k] : starts[k + 1]])
    for node in sorted({(width + k) >> up for k in leaves for up in range(1, width.bit_length())}, reverse=True):
        tree[node] = _crc_node(tree, starts, width, node)
    return tree


def _crc_node(tree: list[int], starts: list[int], width: int, node: int) -> int:
    """Node `node`'s CRC from its children's (worked out first where unknown)."""
    level = node.bit_length() - 1
    span = width >> level  # leaves under the node
    middle = (node - (1 << level)) * span + span // 2  # the right child's first leaf
    left, right = tree[2 * node], tree[2 * node + 1]
    if left < 0:
        left = tree[2 * node] = _crc_node(tree, starts, width, 2 * node)
    if right < 0:
        right = tree[2 * node + 1] = _crc_node(tree, starts, width, 2 * node + 1)
    return _crc_shift(left, starts[middle + span // 2] - starts[middle]) ^ right


_SHIFTS: list[tuple[array[int], array[int], array[int], array[int]]] = []  # see _crc_shift


def _crc_shift(crc: int, length: int) -> int:
    """What `crc`, the CRC-32 of some bytes A, adds to the CRC-32 of A followed by `length`
    bytes B: crc32(A + B) == _crc_shift(crc32(A), len(B)) ^ crc32(B). The map is linear over
    GF(2); it is applied as the product of its powers of two (for bit b of `length`, the map
    for 2**b bytes), each as four byte-indexed tables, built on first need (the CRC of a
    stretch of zero bytes gives the map for one byte)."""
    bit = 0
    while length:
        if length & 1:
            while len(_SHIFTS) <= bit:
                _SHIFTS.append(_shift_tables(len(_SHIFTS)))
            t0, t1, t2, t3 = _SHIFTS[bit]
            crc = t0[crc & 255] ^ t1[(crc >> 8) & 255] ^ t2[(crc >> 16) & 255] ^ t3[crc >> 24]
        length >>= 1
        bit += 1
    return crc


def _shift_tables(bit: int) -> tuple[array[int], array[int], array[int], array[int]]:
    if bit == 0:  # one zero byte: the linear part of crc32(b"\0", value)
        basis = [zlib.crc32(b"\0", 1 << i) ^ zlib.crc32(b"\0", 0) for i in range(32)]
    else:  # twice the map for half as many bytes
        basis = [_crc_shift(_crc_shift(1 << i, 1 << (bit - 1)), 1 << (bit - 1)) for i in range(32)]
    tables = []
    for byte in range(4):
        table = [0] * 256
        for value in range(1, 256):
            low = value & -value
            table[value] = table[value ^ low] ^ basis[8 * byte + low.bit_length() - 1]
        tables.append(array("I", table))  # (4 KB per bit, not 1,024 int objects across the heap)
    return tables[0], tables[1], tables[2], tables[3]


@lru_cache(maxsize=256)
def negotiate(accept_encoding: str) -> str | None:
    """The coding to send for an `Accept-Encoding` value, or None for identity.

    Memoised: clients send the same header on every request."""
    quality: dict[str, float] = {}
    for part in accept_encoding.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        quality[name] = q
    best: str | None = None
    best_q = 0.0
    for coding in CODINGS:
        q = quality.get(coding, quality.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


def _is_json(content_type: str) -> bool:
    mimetype = content_type.partition(";")[0].strip().lower()
    return mimetype == "application/json" or mimetype.endswith("+json")


def negotiate_response(response: Response) -> Response:
    """after_request: compress a JSON answer the client accepts compressed; add Vary.
    (Runs on every request: headers are read directly rather than parsed into objects.)"""
    headers = response.headers
    if not _is_json(headers.get("Content-Type", "")) or response.direct_passthrough or response.is_streamed:
        return response
    vary = headers.get("Vary")
    if vary is None:
        headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        headers["Vary"] = f"{vary}, Accept-Encoding"
    if response.status_code in _NO_BODY_STATUSES or "Content-Encoding" in headers:
        return response
    coding = negotiate(request.environ.get("HTTP_ACCEPT_ENCODING", ""))
    if coding is None:
        return response
    cached: CachedBody | None = getattr(response, "cached_body", None)
    identity = cached.identity if cached is not None else response.get_data()
    if len(identity) < MIN_SIZE:
        return response
    response.set_data(cached.encoded(coding) if cached is not None else compress(identity, coding))
    headers["Content-Encoding"] = coding
    return response


def refuse_undecodable_body() -> None:
    """before_request: answer a request whose body did not decode (see DecodedRequestBodies)."""
    refusal = request.environ.get(_BODY_ERROR)
    if refusal is not None:
        raise UmapiError(refusal[0], **refusal[1])


class DecodedRequestBodies:
    """WSGI wrapper: a gzip/deflate request body is decoded before Flask parses it, so form
    parsing, the journal and the handlers all see the identity bytes."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        coding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
        if coding and coding != "identity":
            stream = environ["wsgi.input"]
            length = environ.get("CONTENT_LENGTH", "")
            raw = stream.read(int(length)) if length.isdigit() else stream.read()
            decoded, refusal = decode_body(raw, coding)
            if refusal is not None:
                environ[_BODY_ERROR] = refusal
            environ["wsgi.input"] = io.BytesIO(decoded)
            environ["CONTENT_LENGTH"] = str(len(decoded))
            environ.pop("HTTP_CONTENT_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)


def decode_body(raw: bytes, coding: str) -> tuple[bytes, tuple[str, dict[str, object]] | None]:
    """(identity bytes, None), or (b"", (catalogue key, params)) when `raw` cannot be decoded.
    gzip may hold several members; deflate is the zlib format, or raw deflate as some
    clients send it (the tolerance urllib3 shows when decoding responses)."""
    if coding not in _WBITS:
        return b"", ("request.unsupported_encoding", {"coding": coding})
    parts: list[bytes] = []
    size = 0
    rest = raw
    wbits = _WBITS[coding]
    while True:
        decoder = zlib.decompressobj(wbits)
        try:
            part = decoder.decompress(rest, MAX_DECODED_BODY + 1 - size)
        except zlib.error:
            if coding == "deflate" and wbits > 0 and not parts:
                wbits = -zlib.MAX_WBITS
                continue
            return b"", ("request.bad_encoding", {"coding": coding})
        parts.append(part)
        size += len(part)
        if size > MAX_DECODED_BODY:
            return b"", ("request.body_too_large", {"limit": MAX_DECODED_BODY})
        if not decoder.eof:
            return b"", ("request.bad_encoding", {"coding": coding})
        rest = decoder.unused_data
        if not rest or coding != "gzip":
            break
    if rest:
        return b"", ("request.bad_encoding", {"coding": coding})
    return b"".join(parts), None


def install_compression(app: Flask) -> None:
    """Negotiate response encodings and decode request bodies (before the journal's hook)."""
    app.before_request(refuse_undecodable_body)
    app.after_request(negotiate_response)
    app.wsgi_app = DecodedRequestBodies(app.wsgi_app)  # type: ignore[method-assign]


__all__ = ["CachedBody", "compress", "negotiate", "install_compression", "MIN_SIZE", "CODINGS"]
