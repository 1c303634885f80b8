"""Working days (工作日) of the mainland Chinese calendar, for deadlines such as
"5个工作日内" on a leader's instruction.

Statutory holidays and the weekend days swapped into working days (调休) come from the
``chinesecalendar`` package, which carries the State Council's published schedule:
version 1.11.0 knows 2004 to 2026. A year past that (or before it) is counted Monday
to Friday, and the caller is told so (``WorkdayResult.estimated``) to show a warning.
The office can record a day the package does not know, or correct one, as an override
(duban.items.WorkdayOverride), passed in here as ``overrides``: {date: is_workday}.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

import chinese_calendar

HORIZON_YEARS = range(2004, 2027)  # what chinesecalendar 1.11.0 knows (its data ends with 2026)


@dataclass(frozen=True)
class WorkdayResult:
    date: dt.date
    # Years counted Monday to Friday because neither the package nor the overrides know them.
    estimated: tuple[int, ...] = field(default=())

    @property
    def warning(self) -> str:
        if not self.estimated:
            return ""
        years = "、".join(f"{y}年" for y in self.estimated)
        return f"{years}的法定节假日安排尚未收录，工作日按周一至周五计算；请在“工作日调整”中补录后核对期限"


def horizon_years() -> tuple[int, int]:
    """The first and last year the holiday data covers."""
    return HORIZON_YEARS.start, HORIZON_YEARS.stop - 1


def is_workday(day: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> tuple[bool, bool]:
    """(is it a working day, was it estimated Monday to Friday)."""
    if overrides and day in overrides:
        return overrides[day], False
    if day.year in HORIZON_YEARS:
        return chinese_calendar.is_workday(day), False
    return day.weekday() < 5, True


def add_workdays(start: dt.date, days: int, overrides: Mapping[dt.date, bool] | None = None) -> WorkdayResult:
    """The date `days` working days after `start` ("X个工作日内" counted from the day
    after the item was received, the day itself not counted, as offices count)."""
    if days < 1:
        raise ValueError("工作日天数必须是正整数")
    day, left, estimated = start, days, set()
    while left:
        day += dt.timedelta(days=1)
        working, guessed = is_workday(day, overrides)
        if guessed:
            estimated.add(day.year)
        if working:
            left -= 1
    return WorkdayResult(day, tuple(sorted(estimated)))


def workdays_between(start: dt.date, end: dt.date, overrides: Mapping[dt.date, bool] | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides)[0]:
            count += 1
    return count
