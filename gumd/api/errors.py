"""The HTTP status each error answers with; the API's own errors are drawn in gumd/errors.py.

The library's errors map to statuses in ``STATUS_OF``; an ApiError carries its own.
Every message is one line.
"""

from __future__ import annotations

from propositions.errors import DatabaseLocked, GumdError, InvalidInput, NotFound, StoreError

from ..errors import ApiError, Forbidden, NotConfigured, ServeError, TooLarge, Unauthorized  # noqa: F401 - their old home


#: HTTP status for the library's errors, most specific first
STATUS_OF: tuple[tuple[type[GumdError], int], ...] = (
    (NotFound, 404),
    (InvalidInput, 400),
    (DatabaseLocked, 503),
    (StoreError, 500),
)


def status_of(exc: GumdError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    for kind, status in STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 400


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
