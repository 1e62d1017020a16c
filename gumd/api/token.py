"""The API's bearer token: made on first use, kept 0600 in the home as ``api_token``."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from gumd import paths

from .errors import ApiError

TOKEN_FILE = "api_token"
#: 32 random bytes, URL-safe base64: 43 characters
TOKEN_BYTES = 32


def token_path(home: Path) -> Path:
    return home / TOKEN_FILE


def load_or_create_token(home: Path) -> str:
    """The token in the home, made (0600, in a 0700 home) if there is none or it is empty."""
    path = token_path(home)
    token = _read(path)
    if token:
        return token
    paths.ensure_private_dir(home)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        # O_EXCL: two processes starting at once must not each write their own token;
        # the loser reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = _read(path)
        if existing:
            return existing
        return rotate_token(home)  # an empty file left by a crash
    except OSError as exc:
        raise ApiError(f"{path}: cannot create the API token: {paths.os_reason(exc)}") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def rotate_token(home: Path) -> str:
    """Replace the token with a new one; clients holding the old one get 401 from then on."""
    paths.ensure_private_dir(home)
    path = token_path(home)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    fd, tmp = tempfile.mkstemp(dir=home, prefix=".api_token.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(token + "\n")
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ApiError(f"{path}: cannot write the API token: {paths.os_reason(exc)}") from None
    return token


def _read(path: Path) -> str | None:
    try:
        st = path.stat()
        # A token others can read is no secret: tighten it if it is ours.
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ApiError(f"{path}: cannot read the API token: "
                       f"{getattr(exc, 'strerror', None) or exc}") from None
