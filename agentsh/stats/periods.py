"""When: `--since 90d`, `--until 2026-11-30`, in local time (or UTC, or a named zone), cut into days, weeks or months.

Times are handled as wall-clock times in the chosen zone and turned into the store's UTC
timestamps only at the bounds, so a day is the user's day, daylight-saving changes included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import UsageError
from ..store.usage import Period

UNITS = ("day", "week", "month")
HOUR = "hour"  # for the TUI's sparkline of today, not a --group-by
_RELATIVE = re.compile(r"^(\d{1,5})([hdwm])$")
_FORMATS_HELP = "90d, 12w, 6m, 24h, today, 2026-11-01, 2026-11 or 2026-11-01T09:00"


@dataclass(frozen=True)
class Clock:
    """A time zone (None: the system's local time) and the wall-clock time now in it."""

    zone: tzinfo | None
    now: datetime  # naive: wall-clock time in `zone`

    @classmethod
    def of(cls, zone_name: str | None = None, utc: bool = False, now: datetime | None = None) -> Clock:
        zone = UTC if utc else _zone(zone_name) if zone_name else None
        instant = now or datetime.now(UTC)
        local = instant.astimezone(zone) if zone else instant.astimezone()
        return cls(zone, local.replace(tzinfo=None))

    @property
    def name(self) -> str:
        if self.zone is None:
            return f"local time ({self.now.astimezone().tzname()})"
        return "UTC" if self.zone is UTC else str(self.zone)

    def stamp(self, wall: datetime) -> str:
        """A wall-clock time here as the store's UTC timestamp."""
        aware = wall.replace(tzinfo=self.zone) if self.zone else wall.astimezone()
        return aware.astimezone(UTC).isoformat(timespec="milliseconds")

    @property
    def today(self) -> datetime:
        return datetime.combine(self.now.date(), datetime.min.time())


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}: give an IANA name such as Europe/Paris or America/New_York, or --utc") from None


def parse_moment(text: str, clock: Clock, option: str, end: bool = False) -> datetime:
    """`text` as a wall-clock time: "90d" is the start of the day 89 days ago (today counts), "24h" an hour exactly.
    As an end (`--until`), a date or month means the end of it."""
    value = text.strip().lower()
    if value == "today":
        return clock.today + timedelta(days=1) if end else clock.today
    relative = _RELATIVE.match(value)
    if relative:
        return _ago(int(relative.group(1)), relative.group(2), clock)
    try:
        if re.fullmatch(r"\d{4}-\d{2}", value):
            month = datetime.strptime(value, "%Y-%m")
            return _next_month(month) if end else month
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a time agentsh understands: use {_FORMATS_HELP}") from None
    if moment.tzinfo is not None:
        moment = (moment.astimezone(clock.zone) if clock.zone else moment.astimezone()).replace(tzinfo=None)
    date_only = re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    return moment + timedelta(days=1) if end and date_only else moment


def _ago(count: int, unit: str, clock: Clock) -> datetime:
    if unit == "h":
        return clock.now - timedelta(hours=count)
    if unit == "d":
        return clock.today - timedelta(days=max(count - 1, 0))
    if unit == "w":
        return clock.today - timedelta(weeks=count) + timedelta(days=1)
    months = clock.today.year * 12 + clock.today.month - 1 - max(count - 1, 0)
    return datetime(months // 12, months % 12 + 1, 1)


def _next_month(moment: datetime) -> datetime:
    return datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1)


def _floor(moment: datetime, unit: str) -> datetime:
    if unit == HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = datetime.combine(moment.date(), datetime.min.time())
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _after(moment: datetime, unit: str) -> datetime:
    if unit == "month":
        return _next_month(moment)
    if unit == HOUR:
        return moment + timedelta(hours=1)
    return moment + timedelta(days=7 if unit == "week" else 1)


def _label(moment: datetime, unit: str) -> str:
    if unit == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return moment.strftime({"month": "%Y-%m", HOUR: "%H:00"}.get(unit, "%Y-%m-%d"))


def periods(start: datetime, end: datetime, unit: str, clock: Clock) -> list[Period]:
    """The days, weeks or months from `start` to `end` (wall-clock), each clipped to them; at most ~3,000."""
    if unit not in (*UNITS, HOUR):
        raise UsageError(f"cannot group by {unit!r}: use {', '.join(UNITS)}")
    found: list[Period] = []
    moment = _floor(start, unit)
    while moment < end:
        following = _after(moment, unit)
        found.append(Period(_label(moment, unit), clock.stamp(max(moment, start)), clock.stamp(min(following, end))))
        moment = following
        if len(found) > 3000:
            raise UsageError(f"{len(found)}+ {unit}s is too many to show: shorten the range (--since) or group by week or month")
    return found

