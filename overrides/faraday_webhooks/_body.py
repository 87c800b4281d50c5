"""Reading a response body with its size bounded before and after decoding.

httpx decodes ``Content-Encoding`` chunk by chunk with no limit on what one chunk
may inflate to: a 1 KB ``gzip, gzip`` body can become gigabytes inside one call.
``BoundedBody`` decodes itself, asking zlib for at most what the limit still
allows, so memory stays within the limit whatever the server sends.
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPT_ENCODING", "BodyTooLarge", "BodyUndecodable", "BoundedBody"]

# What the client asks for: the encodings BoundedBody can decode within its limit.
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(Exception):
    """The body, as sent or once decoded, is larger than the limit."""


class BodyUndecodable(Exception):
    """The body does not decode as its ``Content-Encoding`` says (or names an unknown one)."""


class _Inflater:
    """One zlib stream (gzip or deflate) that never returns more than it is allowed."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # gzip: 16 + MAX_WBITS reads the gzip header; deflate: the zlib-wrapped form
        # (RFC 9110), falling back to raw deflate as browsers and httpx do.
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)
        self._started = False
        self.produced = 0

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._inflater.decompress(data, max(limit - self.produced, 0) + 1)
        except zlib.error:
            if self._encoding == "deflate" and not self._started:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.decode(data, limit)
            raise BodyUndecodable(self._encoding) from None
        self._started = True
        self.produced += len(out)
        if self.produced > limit or self._inflater.unconsumed_tail:
            raise BodyTooLarge()
        return out

    def flush(self, limit: int) -> bytes:
        try:
            out = self._inflater.flush()
        except zlib.error:
            raise BodyUndecodable(self._encoding) from None
        self.produced += len(out)
        if self.produced > limit:
            raise BodyTooLarge()
        return out


class BoundedBody:
    """Collects raw chunks, decoding as they come; at most ``limit`` bytes at every stage.

    Example::

        body = BoundedBody(response.headers.get("content-encoding"), limit=8 << 20)
        for chunk in response.iter_raw():
            body.feed(chunk)
        content = body.finish()
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self._limit = limit
        self._raw = 0
        self._chunks: list[bytes] = []
        encodings = [
            part.strip().lower() for part in (content_encoding or "").split(",") if part.strip()
        ]
        self._inflaters: list[_Inflater] = []
        # Applied in the order opposite to how they were listed (the last was applied last).
        for encoding in reversed(encodings):
            if encoding == "identity":
                continue
            if encoding not in ("gzip", "x-gzip", "deflate"):
                raise BodyUndecodable(encoding)
            self._inflaters.append(_Inflater(encoding))

    def feed(self, raw: bytes) -> None:
        self._raw += len(raw)
        if self._raw > self._limit:
            raise BodyTooLarge()
        data = raw
        for inflater in self._inflaters:
            data = inflater.decode(data, self._limit)
        self._chunks.append(data)

    def finish(self) -> bytes:
        data = b""
        for position, inflater in enumerate(self._inflaters):
            data = inflater.flush(self._limit)
            # What an earlier stage flushed still passes through the later ones.
            for later in self._inflaters[position + 1 :]:
                data = later.decode(data, self._limit)
            self._chunks.append(data)
        return b"".join(self._chunks)
