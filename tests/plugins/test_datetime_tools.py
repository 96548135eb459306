"""The datetime plugin: exact calendar arithmetic and time zones by IANA name."""

import re
from datetime import datetime

import pytest

from helpers import load_bundled_plugin

plugin = load_bundled_plugin("datetime_tools")


def test_date_diff_counts_days_across_a_leap_february():
    assert plugin.date_diff("2024-02-01", "2024-03-01").startswith("29 days")
    assert plugin.date_diff("2023-02-01", "2023-03-01").startswith("28 days")


def test_date_diff_is_negative_backwards_and_names_weekdays():
    result = plugin.date_diff("2024-03-15", "2024-03-01")
    assert result.startswith("-14 days")
    assert "Friday" in result and "2 weeks and 0 days" in result


def test_date_diff_accepts_datetimes_and_one_day_is_singular():
    assert plugin.date_diff("2024-01-01T23:00:00", "2024-01-02").startswith("1 day ")


def test_add_days_forward_backward_and_over_a_year_end():
    assert plugin.add_days("2024-02-28", 1) == "2024-02-29 (Thursday)"
    assert plugin.add_days("2024-01-01", -1) == "2023-12-31 (Sunday)"
    assert plugin.add_days("2023-12-25", 10) == "2024-01-04 (Thursday)"


def test_add_days_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match="outside the supported years"):
        plugin.add_days("9999-12-31", 1)


def test_bad_date_says_what_format_to_use():
    with pytest.raises(ValueError, match=r"'15/03/2024' is not an ISO date.*YYYY-MM-DD"):
        plugin.date_diff("15/03/2024", "2024-03-20")


def test_unknown_timezone_is_named_with_suggestions():
    with pytest.raises(ValueError, match=r"unknown timezone 'Europe/Berln'.*Europe/Berlin"):
        plugin.now("Europe/Berln")
    with pytest.raises(ValueError, match=r"unknown timezone '../etc/passwd'"):
        plugin.now("../etc/passwd")


def test_now_in_a_named_zone_has_its_offset_and_weekday():
    result = plugin.now("Asia/Kolkata")
    stamp, rest = result.split(" ", 1)
    moment = datetime.fromisoformat(stamp)
    assert moment.utcoffset().total_seconds() == 5.5 * 3600
    assert rest == f"({moment:%A}, Asia/Kolkata)"


def test_now_accepts_utc_spellings_case_and_local():
    assert plugin.now("utc").split(" ")[0].endswith("+00:00")
    assert plugin.now("utc").endswith(", UTC)")
    assert plugin.now("europe/paris").endswith(", Europe/Paris)")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \(\w+day, local, ", plugin.now())


async def test_tools_have_schemas_and_run_through_invoke():
    assert plugin.add_days.schema()["function"]["parameters"]["properties"]["days"]["type"] == "integer"
    assert "timezone" in plugin.now.schema()["function"]["parameters"]["properties"]
    assert await plugin.add_days.invoke({"date": "2024-03-01", "days": 14}) == "2024-03-15 (Friday)"
