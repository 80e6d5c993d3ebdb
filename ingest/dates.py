"""Dates as Japanese registers write them: 西暦 (2024-04-01, 2024/4/1, 2024年4月1日) and 和暦
(令和5年4月1日, R5.4.1, 平成31年4月30日, 令和元年5月1日, H30.1.1).

Impossible dates are errors with the reason, never silently moved: 2023年2月30日 does not
exist, and 平成31年5月1日 does not either (that day is 令和元年5月1日).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from ingest.errors import CellError
from ingest.text import nfkc

JST = timezone(timedelta(hours=9))


class Era(NamedTuple):
    name: str
    letter: str
    name_en: str
    first: date  # first day of the era
    last: date | None  # last day, None for the current era


ERAS: tuple[Era, ...] = (
    Era("令和", "R", "Reiwa", date(2019, 5, 1), None),
    Era("平成", "H", "Heisei", date(1989, 1, 8), date(2019, 4, 30)),
    Era("昭和", "S", "Showa", date(1926, 12, 25), date(1989, 1, 7)),
    Era("大正", "T", "Taisho", date(1912, 7, 30), date(1926, 12, 24)),
    Era("明治", "M", "Meiji", date(1868, 1, 25), date(1912, 7, 29)),
)
_ERA_BY_TOKEN: dict[str, Era] = {}
for _era in ERAS:
    _ERA_BY_TOKEN[_era.name] = _era
    _ERA_BY_TOKEN[_era.name[0]] = _era
    _ERA_BY_TOKEN[_era.letter] = _era
    _ERA_BY_TOKEN[_era.letter.lower()] = _era

_WEEKDAY = re.compile(r"[(（][月火水木金土日](?:曜日?)?[)）]$")
_SEP = r"\s*[-/.年]\s*"
_WAREKI = re.compile(
    r"^(令和|平成|昭和|大正|明治|[令平昭大明RHSTMrhstm])\s*(元|\d{1,2})"
    r"(?:" + _SEP + r"(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?$"
)
_SEIREKI = re.compile(
    r"^(\d{4})(?:" + _SEP + r"(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}")

_HINT_JA = "2024-04-01、2024/4/1、2024年4月1日、令和6年4月1日、R6.4.1 のように書いてください"
_HINT_EN = "write it like 2024-04-01, 2024/4/1, 2024年4月1日, 令和6年4月1日 or R6.4.1"


def parse_date(value: object) -> date:
    """A date from a cell: a ``date``/``datetime`` (from XLSX) or text in 西暦 or 和暦.

    A year and month without a day mean the first of the month; a year alone means 1 January.
    Raises :class:`CellError` with a bilingual reason.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = nfkc(str(value)).strip()
    text = _WEEKDAY.sub("", text).strip()
    if not text:
        raise CellError("日付が空です", "the date is empty")
    m = _ISO_TIME.match(text)
    if m:
        text = m.group(1)
    m = _COMPACT.match(text)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _SEIREKI.match(text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        return _make(year, month, day, text)
    m = _WAREKI.match(text)
    if m:
        return _wareki(m, text)
    raise CellError(f"日付として読めません（{_HINT_JA}）", f"not a date ({_HINT_EN})")


def parse_datetime(value: object) -> datetime:
    """A timestamp: ISO 8601 (naive values are taken as Japan time) or any :func:`parse_date`
    form (midnight Japan time)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=JST)
    text = nfkc(str(value)).strip()
    if _ISO_TIME.match(text):
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise CellError(
                "日時として読めません（例: 2024-04-01T10:00:00+09:00）",
                "not a timestamp (e.g. 2024-04-01T10:00:00+09:00)",
            ) from None
        return dt if dt.tzinfo else dt.replace(tzinfo=JST)
    d = parse_date(value)
    return datetime(d.year, d.month, d.day, tzinfo=JST)


def _make(year: int, month: int, day: int, text: str) -> date:
    if not 1 <= month <= 12:
        raise CellError(
            f"{month}月という月はありません（{text}）", f"there is no month {month} ({text})"
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            f"{year}年{month}月{day}日は存在しない日付です",
            f"{year}-{month:02d}-{day:02d} is not a real date",
        ) from None


def _wareki(m: re.Match[str], text: str) -> date:
    era = _ERA_BY_TOKEN[m.group(1)]
    year_in_era = 1 if m.group(2) == "元" else int(m.group(2))
    if year_in_era < 1:
        raise CellError(f"{era.name}0年はありません", f"there is no year 0 of {era.name_en}")
    month, day = int(m.group(3) or 1), int(m.group(4) or 1)
    month_given, day_given = m.group(3) is not None, m.group(4) is not None
    result = _make(era.first.year + year_in_era - 1, month, day, text)
    year_label = "元" if year_in_era == 1 else str(year_in_era)
    too_early = (day_given and result < era.first) or (
        month_given and (result.year, result.month) < (era.first.year, era.first.month)
    )
    if too_early:
        raise CellError(
            f"{era.name}{year_label}年{month}月{day}日は{era.name}の始まり"
            f"（{era.first:%Y年%m月%d日}）より前です",
            f"{text} is before {era.name_en} began ({era.first.isoformat()})",
        )
    if era.last and result > era.last:
        following = next(e for e in ERAS if e.first == era.last + timedelta(days=1))
        raise CellError(
            f"{era.name}{year_label}年{month}月{day}日は存在しません。{era.name}は"
            f"{era.last:%Y年%m月%d日}までで、その翌日からは{following.name}です",
            f"{text} does not exist: {era.name_en} ended on {era.last.isoformat()} and "
            f"{following.name_en} began the next day",
        )
    return max(result, era.first)
