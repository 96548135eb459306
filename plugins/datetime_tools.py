"""Dates and times for the agent: the current time anywhere, and calendar arithmetic.

Models do not know what day it is and are unreliable at counting days across months
and leap years; these tools answer exactly. Dates are ISO 8601 (``2024-03-15``), time
zones are IANA names (``Europe/Berlin``, ``America/New_York``, ``UTC``) read through
``zoneinfo``. An unknown zone is a ``ValueError`` that names it and suggests close
matches.
"""
from __future__ import annotations

import difflib
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from agentsh import tool

UTC_NAMES = {"utc", "z", "gmt", "zulu"}


def _zone(name: str) -> tzinfo | None:
    """The tzinfo for an IANA name; None means the machine's local zone."""
    key = name.strip()
    if key.lower() in ("", "local"):
        return None
    if key.lower() in UTC_NAMES:
        return UTC
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return _zone_ignoring_case(key)


def _zone_ignoring_case(key: str) -> tzinfo:
    known = available_timezones()
    by_lower = {name.lower(): name for name in known}
    if key.lower() in by_lower:
        return ZoneInfo(by_lower[key.lower()])
    close = difflib.get_close_matches(key, sorted(known), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"unknown timezone {key!r}{hint} Use an IANA name such as 'Europe/Berlin', 'UTC' or 'local'.")


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        raise ValueError(f"{what} {text!r} is not an ISO date; write it as YYYY-MM-DD, e.g. '2024-03-15'") from None


def _describe(day: date) -> str:
    return f"{day.isoformat()} ({day:%A})"


@tool
def now(timezone: str = "local") -> str:
    """Get the current date and time, with the weekday and UTC offset.

    Use this whenever the answer depends on today's date or the current time;
    never guess it.

    Args:
        timezone: An IANA time zone name such as "Europe/Berlin", "America/New_York" or "UTC"; "local" (the default) means the user's machine time.
    """
    zone = _zone(timezone)
    moment = datetime.now(zone) if zone is not None else datetime.now().astimezone()
    label = getattr(zone, "key", moment.tzname()) if zone is not None else f"local, {moment.tzname()}"
    return f"{moment.isoformat(timespec='seconds')} ({moment:%A}, {label})"


@tool
def date_diff(start: str, end: str) -> str:
    """Count the days from one date to another (negative when end is before start).

    Args:
        start: The first date, ISO format YYYY-MM-DD.
        end: The second date, ISO format YYYY-MM-DD.
    """
    first, second = _parse_date(start, "start"), _parse_date(end, "end")
    days = (second - first).days
    weeks, rest = divmod(abs(days), 7)
    unit = "day" if abs(days) == 1 else "days"
    return f"{days} {unit} from {_describe(first)} to {_describe(second)} ({weeks} weeks and {rest} days)"


@tool
def add_days(date: str, days: int) -> str:
    """Add (or, with a negative number, subtract) days to a date; returns the new date and its weekday.

    Args:
        date: The starting date, ISO format YYYY-MM-DD.
        days: How many days to add; negative to go back in time.
    """
    start = _parse_date(date, "date")
    try:
        return _describe(start + timedelta(days=days))
    except OverflowError:
        raise ValueError(f"{date} plus {days} days is outside the supported years 1 to 9999") from None
