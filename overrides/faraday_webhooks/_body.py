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


# zlib builds each output in blocks and then joins them (twice the size at that moment),
# so output is asked for a piece at a time: memory stays near the limit, not twice it.
_PIECE = 1024 * 1024


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

    def decode(self, data: bytes, limit: int) -> list[bytes]:
        """The decoded pieces of ``data``; ``BodyTooLarge`` past ``limit`` bytes in all."""
        pieces = []
        while True:
            allowed = min(_PIECE, limit - self.produced + 1)
            try:
                piece = self._inflater.decompress(data, allowed)
            except zlib.error:
                if self._encoding == "deflate" and not self._started:
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    return self.decode(data, limit)
                raise BodyUndecodable(self._encoding) from None
            self._started = True
            self.produced += len(piece)
            if self.produced > limit:
                raise BodyTooLarge()
            pieces.append(piece)
            data = self._inflater.unconsumed_tail
            if not data:
                return pieces

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
        self._chunks += self._through(0, [raw])

    def finish(self) -> bytes:
        for position, inflater in enumerate(self._inflaters):
            # What an earlier stage flushes still passes through the later ones.
            self._chunks += self._through(position + 1, [inflater.flush(self._limit)])
        return b"".join(self._chunks)

    def _through(self, first: int, pieces: list[bytes]) -> list[bytes]:
        """``pieces`` decoded by the stages from ``first`` on."""
        for inflater in self._inflaters[first:]:
            pieces = [out for piece in pieces for out in inflater.decode(piece, self._limit)]
        return pieces
