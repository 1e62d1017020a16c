"""uvicorn's httptools protocol with a limit on the size of a request's head (request line and headers).

httptools has no such limit, and it grows a header value one received chunk at a
time by concatenating bytes: a 100 MB header from any local process held the
event loop for seconds and its memory until it ended. Here the bytes of a head
are counted as they arrive, and one over ``MAX_HEAD_BYTES`` is answered with 431
at once, without parsing the rest.
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: the request line and every header together; real clients send well under 8 KiB
MAX_HEAD_BYTES = 64 * 1024
#: after a refusal, how long what the client still sends is read and dropped before closing,
#: so that it reads the 431 instead of a connection reset
LINGER_S = 1.0


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` that refuses a head over ``max_head_bytes`` with 431 and closes."""

    max_head_bytes = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False  # between the first byte of a request and the end of its headers
        self._head_bytes = 0
        self._began_in_chunk = False
        self._refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes, self._began_in_chunk = True, 0, True

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # dropped: the answer is sent and the connection closes soon
        self._began_in_chunk = False
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        if self._began_in_chunk:
            # Where in the chunk the request began is unknown: count what the parser kept of
            # it. That undercounts a partial header by at most one chunk, never overcounts.
            self._head_bytes = len(self.url) + sum(len(n) + len(v) for n, v in self.headers)
        else:
            self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes:
            self._refuse()

    def _refuse(self) -> None:
        self._refused, self._in_head = True, False
        message = (f"the request's headers are over the limit of {self.max_head_bytes} bytes "
                   "(request line and headers together)")
        body = json.dumps({"error": message}).encode()
        self.transport.write(b"".join([
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            b"content-type: application/json\r\n",
            b"content-length: ", str(len(body)).encode(), b"\r\n",
            b"connection: close\r\n\r\n", body]))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)
