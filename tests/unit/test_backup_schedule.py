"""When the nightly backup is due: once after each 03:00 in TIMEZONE, whatever the clock did."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from civic_feedback.bot.jobs.backups import backup_due, last_backup_moment

SOFIA = ZoneInfo("Europe/Sofia")


@pytest.mark.parametrize(
    ("now", "moment"),
    [
        # 03:30 in Sofia (UTC+2): tonight's 03:00
        (datetime(2026, 12, 3, 1, 30, tzinfo=UTC), datetime(2026, 12, 3, 1, 0, tzinfo=UTC)),
        # 02:59 in Sofia: still last night's
        (datetime(2026, 12, 3, 0, 59, tzinfo=UTC), datetime(2026, 12, 2, 1, 0, tzinfo=UTC)),
        # the summer: 03:00 EEST is 00:00 UTC
        (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 7, 1, 0, 0, tzinfo=UTC)),
        # the night the clocks go forward (29 March 2026, 03:00 becomes 04:00): due at 04:00
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ],
)
def test_the_last_nightly_moment_is_03_00_in_timezone(now: datetime, moment: datetime) -> None:
    assert last_backup_moment(now, SOFIA) == moment


def test_a_backup_is_due_when_none_was_taken_since_the_last_nightly_moment() -> None:
    night = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 03:00 in Sofia
    morning = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)

    assert backup_due(None, morning, SOFIA)  # never taken
    assert backup_due(datetime(2026, 12, 2, 1, 5, tzinfo=UTC), morning, SOFIA)  # a night missed
    assert not backup_due(night, morning, SOFIA)
    assert backup_due(datetime(2026, 12, 2, 22, 0, tzinfo=UTC), morning, SOFIA)  # by hand, 00:00
