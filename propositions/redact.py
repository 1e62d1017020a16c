"""Secrets that must never be stored: API keys, tokens, private keys, passwords, card numbers."""

from __future__ import annotations

import re

# A key name that labels a secret: `password`, `DB_PASSWORD`, `dbPassword`, `db_pw`,
# `aws_secret_access_key`, `SecretAccessKey`, `client_secret`, `api-key`, `auth_token`.
# The long words may be glued to a prefix (camelCase); the short ones (pw, pwd) must start
# a word, or `npw` would count. Bounded repetitions keep the scan linear on hostile text.
_SECRET_KEY = (
    r"(?:(?:password|passwd|passphrase)[a-z0-9]{0,30}|secret(?:s|key|accesskey)?"
    r"|(?<![a-z0-9])(?:pwd?|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|(?:access|auth|session|refresh|api|bearer|oauth|id)[_-]?token))"
    r"(?:[ _.-][a-z0-9]{1,30}){0,3}"
)
# What follows the key: a quoted value (spaces allowed: a passphrase), or one word of at least
# four characters. Not a value already redacted, and not an empty or null literal.
_ASSIGNED = re.compile(
    r"(?i)(" + _SECRET_KEY + r")"
    r"([\"']?[ \t]*(?::=|=>|[:=])[ \t]*)"
    r"(?!\[REDACTED)"
    r"(\"[^\"\n]{1,200}\"|'[^'\n]{1,200}'|[^\s'\"]{4,})"
)
# Command-line flags: `--password hunter2`, `--api-key=…`.
_FLAG = re.compile(
    r"(?i)(?<![\w-])(--(?:password|passwd|passphrase|secret|api-key|token|auth-token))"
    r"([ \t]+|=)(?!\[REDACTED)(?!-)([^\s'\"]{4,})"
)
# Words that stand where a value would but are none.
_NOT_A_VALUE = frozenset({
    "none", "null", "nil", "true", "false", "undefined", "empty", "required", "optional",
    "hidden", "unset", "default",
})

# Each pattern is specific enough not to eat ordinary prose. The key formats with a
# distinctive prefix are found even glued to the text before them (`key=xAKIA…`).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("private-key", re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S)),
    ("aws-key", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])")),
    ("github-token", re.compile(r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}\b")),
    ("slack-token", re.compile(r"xox[abprs]-[A-Za-z0-9-]{10,}\b")),
    ("google-key", re.compile(r"AIza[0-9A-Za-z_\-]{35}\b")),
    ("stripe-key", re.compile(r"[rs]k_(?:live|test)_[0-9A-Za-z]{16,}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")),
    ("bearer", re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{20,}")),
    ("url-password", re.compile(r"(?<=://)([^\s:/@]+):([^\s@/]+)@")),
]
# Card numbers: a run of digits with single spaces or dashes between them, or four-digit
# groups joined by dots (4111.1111.1111.1111); the Luhn check decides.
_CARD = re.compile(
    r"\b(?:\d[ -]?){12,18}\d\b"
    r"|(?<![\d.])\d{4}(?:\.\d{4}){2}\.\d{1,7}(?!\d|\.\d)"
    r"|(?<![\d.])\d{4}\.\d{6}\.\d{5}(?!\d|\.\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return "[REDACTED:card]"
    return match.group(0)


def _is_value(key: str, value: str) -> bool:
    if value.strip("\"'").casefold() in _NOT_A_VALUE:
        return False
    # `PWD=/home/dana` in `env` output is the working folder, not a password.
    return not (key.casefold() == "pwd" and value.startswith(("/", "~")))


def redact_secrets(text: str) -> tuple[str, list[str]]:
    """``text`` with every secret replaced by ``[REDACTED:kind]``, and the kinds found."""
    found: list[str] = []
    for kind, pattern in _PATTERNS:
        def sub(m: re.Match[str], kind: str = kind) -> str:
            found.append(kind)
            if kind == "url-password":
                return f"{m.group(1)}:[REDACTED:password]@"
            if kind == "bearer":
                return f"{m.group(1)} [REDACTED:token]"
            return f"[REDACTED:{kind}]"
        text = pattern.sub(sub, text)

    def assigned(m: re.Match[str]) -> str:
        key, sep, value = m.group(1), m.group(2), m.group(3)
        if not _is_value(key, value):
            return m.group(0)
        found.append("assigned-secret")
        return f"{key}{sep}[REDACTED:secret]"

    text = _FLAG.sub(assigned, text)
    text = _ASSIGNED.sub(assigned, text)
    before = text
    text = _CARD.sub(_card, text)
    if text != before:
        found.append("card")
    return text, found
