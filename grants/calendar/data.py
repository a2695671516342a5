"""The national schedule of public holidays and make-up working days, shipped as data.

2026: 国务院办公厅关于2026年部分节假日安排的通知 (holidays and make-up working days).
2027: the State Council's notice is not published yet; only the statutory days of
《全国年节及纪念日放假办法》(2025 revision) are shipped, marked not announced. Organisers add the
official make-up days on the calendar page when the notice appears (docs/calendar.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Official:
    day: date
    kind: str  # "holiday" | "workday" (a make-up working day, 调休上班)
    name: str  # the holiday's code (HOLIDAY_NAMES)
    announced: bool = True


HOLIDAY_NAMES = {
    "new_year": "元旦", "spring_festival": "春节", "qingming": "清明节", "labour_day": "劳动节",
    "dragon_boat": "端午节", "mid_autumn": "中秋节", "national_day": "国庆节",
}

# year -> whether the State Council's schedule for that year is published and shipped
ANNOUNCED = {2026: True, 2027: False}


def _span(name: str, first: date, last: date, announced: bool = True) -> list[Official]:
    days = (last - first).days + 1
    return [Official(first + timedelta(days=i), "holiday", name, announced) for i in range(days)]


def _work(name: str, *days: date) -> list[Official]:
    return [Official(d, "workday", name) for d in days]


SCHEDULE: tuple[Official, ...] = (
    # 2026
    *_span("new_year", date(2026, 1, 1), date(2026, 1, 3)),
    *_work("new_year", date(2026, 1, 4)),
    *_span("spring_festival", date(2026, 2, 15), date(2026, 2, 23)),
    *_work("spring_festival", date(2026, 2, 14), date(2026, 2, 28)),
    *_span("qingming", date(2026, 4, 4), date(2026, 4, 6)),
    *_span("labour_day", date(2026, 5, 1), date(2026, 5, 5)),
    *_work("labour_day", date(2026, 5, 9)),
    *_span("dragon_boat", date(2026, 6, 19), date(2026, 6, 21)),
    *_span("mid_autumn", date(2026, 9, 25), date(2026, 9, 27)),
    *_span("national_day", date(2026, 10, 1), date(2026, 10, 7)),
    *_work("national_day", date(2026, 9, 20), date(2026, 10, 10)),
    # 2027: statutory days only, until the State Council publishes the schedule
    *_span("new_year", date(2027, 1, 1), date(2027, 1, 1), False),
    *_span("spring_festival", date(2027, 2, 5), date(2027, 2, 8), False),
    *_span("qingming", date(2027, 4, 5), date(2027, 4, 5), False),
    *_span("labour_day", date(2027, 5, 1), date(2027, 5, 2), False),
    *_span("dragon_boat", date(2027, 6, 9), date(2027, 6, 9), False),
    *_span("mid_autumn", date(2027, 9, 15), date(2027, 9, 15), False),
    *_span("national_day", date(2027, 10, 1), date(2027, 10, 3), False),
)
BY_DAY = {o.day: o for o in SCHEDULE}
assert len(BY_DAY) == len(SCHEDULE), "a day is listed twice in the shipped schedule"
