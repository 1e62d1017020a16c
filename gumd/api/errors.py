"""Errors of the local API, each answering with its own HTTP status.

    GumdError (propositions.errors)
    ├── ApiError            a request the API refuses (400 unless a subclass says otherwise)
    │   ├── Unauthorized    401: no bearer token, or the wrong one
    │   ├── Forbidden       403: a Host header that is not this server, or a feature turned off
    │   ├── TooLarge        413: the request body is over the limit
    │   └── NotConfigured   501: the endpoint needs something this daemon was not given
    └── ServeError          the server cannot start (port in use, an address that is not loopback)

The library's own errors map to statuses in ``STATUS_OF``. Every message is one line.
"""

from __future__ import annotations

from propositions.errors import DatabaseLocked, GumdError, InvalidInput, NotFound, StoreError


class ApiError(GumdError):
    """A request the API refuses; ``status`` is the HTTP status it answers with."""

    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class TooLarge(ApiError):
    status = 413


class NotConfigured(ApiError):
    status = 501


class ServeError(GumdError):
    """The API server could not start."""


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
