"""The secret redactor every text passes before it is stored or shown to a model."""

from __future__ import annotations

import pytest

from propositions.redact import redact_secrets

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize("text, secret", [
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
    (f'"SecretAccessKey": "{AWS_SECRET}",', AWS_SECRET),
    ("password: hunter2", "hunter2"),
    ("passwd: hunter2", "hunter2"),
    ("db_password: hunter2", "hunter2"),
    ("pw: hunter2", "hunter2"),
    ("  DB_PASSWORD=Tr0ub4dor&3", "Tr0ub4dor&3"),
    ("dbPassword = 'correct horse battery staple'", "correct horse battery staple"),
    ("password: admin", "admin"),
    ('"password": "p@ss w0rd"', "p@ss w0rd"),
    ("client_secret: 8f14e45fceea167a5a36dedd4bea2543", "8f14e45fceea167a5a36dedd4bea2543"),
    ("mysql --password hunter22 -u root", "hunter22"),
    ("key=xAKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("id:ASIAIOSFODNN7EXAMPLEsecret", "ASIAIOSFODNN7EXAMPLE"),
    ("card 4111.1111.1111.1111.", "4111.1111.1111.1111"),
    ("amex 3782.822463.10005", "3782.822463.10005"),
])
def test_secrets_are_redacted(text: str, secret: str) -> None:
    clean, kinds = redact_secrets(text)
    assert secret not in clean, clean
    assert kinds and "[REDACTED:" in clean


@pytest.mark.parametrize("text", [
    "Forgot your password?",
    "The password must be at least 8 characters.",
    "Enter your password: ",
    "Secretary: Jane Doe",
    "max_tokens = 1024",
    "PWD=/home/dana",
    "password: none",
    "password = null",
    "Python 3.11.7, server 192.168.100.200 and 10.0.0.1",
    "version 2024.1111.2222.3333",  # not a card: the Luhn check fails
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_secrets(text) == (text, [])


def test_a_masked_password_field_may_be_redacted() -> None:
    # Harmless either way: nothing secret is on screen.
    clean, _ = redact_secrets("Password: ********")
    assert clean.startswith("Password: ")


def test_the_key_name_stays_so_the_text_still_reads() -> None:
    assert redact_secrets(f"aws_secret_access_key = {AWS_SECRET}")[0] == \
        "aws_secret_access_key = [REDACTED:secret]"
    assert redact_secrets("key=xAKIAIOSFODNN7EXAMPLE")[0] == "key=x[REDACTED:aws-key]"


def test_a_secret_already_redacted_is_not_counted_twice() -> None:
    clean, kinds = redact_secrets("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")
    assert clean == "aws_access_key_id = [REDACTED:aws-key]"
    assert kinds == ["aws-key"]
