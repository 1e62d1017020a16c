"""One time parser: the CLI, the API and the dashboard read the same times and durations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gumd.api import params
from propositions.errors import InvalidInput
from propositions.timeparse import parse_duration, parse_time

NOW = 1_780_000_000.0


@pytest.mark.parametrize("text, expected", [
    ("2h", NOW - 7200), ("3d ago", NOW - 3 * 86400), ("90 mins", NOW - 5400), ("now", NOW),
    (1_770_000_000, 1_770_000_000.0), ("1770000000", 1_770_000_000.0), (" 1770000000.5 ", 1_770_000_000.5),
    ("2026-06-01T09:30:00Z", datetime(2026, 6, 1, 9, 30, tzinfo=timezone.utc).timestamp()),
])
def test_reads_durations_keywords_epochs_and_iso(text: object, expected: float) -> None:
    assert parse_time(text, NOW) == expected


def test_keywords_and_naive_times_are_in_the_given_zone() -> None:
    tz = timezone(timedelta(hours=2))
    midnight = datetime.fromtimestamp(NOW, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    assert parse_time("today", NOW, tz=tz) == midnight.timestamp()
    assert parse_time("yesterday", NOW, tz=tz) == (midnight - timedelta(days=1)).timestamp()
    assert parse_time("2026-05-01 14:00", NOW, tz=tz) == datetime(2026, 5, 1, 14, tzinfo=tz).timestamp()


def test_the_api_reads_yesterday_and_the_cli_reads_epochs() -> None:
    assert params.parse_time is parse_time
    assert parse_time("yesterday", NOW, "since") < NOW - 86400 + 1
    from gumd.cli import common as cli

    assert cli._parse("1770000000") == 1_770_000_000.0


@pytest.mark.parametrize("bad", ["soon", "", True, None, -5, "1e12", float("nan")])
def test_what_it_cannot_read_is_one_named_error(bad: object) -> None:
    with pytest.raises(InvalidInput, match="^since: "):
        parse_time(bad, NOW, "since")


def test_durations() -> None:
    assert parse_duration("1.5d") == 1.5 * 86400 and parse_duration("2 weeks") == 14 * 86400
    for bad in ("0m", "11000d", "2x", 5):
        with pytest.raises(InvalidInput):
            parse_duration(bad, "for")
