from datetime import UTC, datetime

import pytest

from grants.timeutil import format_local, parse_local


def test_local_input_is_stored_as_utc(settings):
    moment = parse_local("2026-03-01 17:00")
    assert moment == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert format_local(moment) == "2026-03-01 17:00"


def test_a_date_alone_means_midnight_in_shanghai(settings):
    assert parse_local("2026-03-01") == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["", "tomorrow", "2026-13-01", "2026-02-30", "01/03/2026"])
def test_bad_dates_are_refused_with_a_message(settings, typed):
    with pytest.raises(ValueError, match="date"):
        parse_local(typed)
