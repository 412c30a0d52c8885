"""NYSE trading sessions (exchange_calendars), used by schedules, backfills and checks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")
FIRST_SESSION = date(2005, 1, 3)
# A session is settled once its equity bars are final (16:00 close) AND the UTC crypto day of
# the same date has ended (19:00 EST / 20:00 EDT), so one nightly run covers both.
SESSION_SETTLED = time(20, 15)


@cache
def nyse() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start=FIRST_SESSION.isoformat())


def is_session(day: date) -> bool:
    calendar = nyse()
    if day > calendar.last_session.date():
        raise ValueError(
            f"{day} is beyond the NYSE calendar's horizon ({calendar.last_session.date()})"
        )
    return calendar.is_session(pd.Timestamp(day))


def sessions_between(start: date, end: date) -> list[date]:
    """NYSE sessions in [start, end]."""
    if end < start:
        return []
    found = nyse().sessions_in_range(pd.Timestamp(max(start, FIRST_SESSION)), pd.Timestamp(end))
    return [ts.date() for ts in found]


def previous_session(day: date) -> date:
    calendar = nyse()
    return calendar.date_to_session(
        pd.Timestamp(day - timedelta(days=1)), direction="previous"
    ).date()


def last_completed_session(now: datetime) -> date:
    """The latest session whose bars are final at ``now`` (an aware datetime)."""
    local = now.astimezone(NEW_YORK)
    today = local.date()
    if is_session(today) and local.time() >= SESSION_SETTLED:
        return today
    return previous_session(today)
