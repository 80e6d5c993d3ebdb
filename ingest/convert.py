"""Cell converters: one cell (text from CSV/XLSX, or any JSON value) to one field value.

Each converter raises :class:`~ingest.errors.CellError` with a plain Japanese and English reason,
so a row-level error can say exactly what is wrong with the cell and how to write it instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from graph.model import (
    NPO_FIELDS,
    CollaborationForm,
    CollaborationStatus,
    Intensity,
    LabelledEnum,
    NeedStatus,
    ResourceKind,
    Sector,
    Visibility,
    parse_field,
)
from ingest.dates import parse_date, parse_datetime
from ingest.errors import CellError
from ingest.text import clean, nfkc

Converter = Callable[[Any], Any]
E = TypeVar("E", bound=LabelledEnum)

_LIST_SEP = re.compile(r"[,、;；/／|\n]")


def is_blank(value: Any) -> bool:
    """Empty cell: None, blank text or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False


def text(value: Any) -> str:
    """Display text (NFKC, tidy whitespace)."""
    if isinstance(value, list | dict):
        raise CellError(
            "文字列を入れてください（リストや表は使えません）",
            "expected text, not a list or object",
        )
    return clean(value)


def one_line(value: Any) -> str:
    """Text without line breaks (ids, names)."""
    return text(value).replace("\n", " ")


def split_list(value: Any) -> list[str]:
    """A list cell: a JSON list, or text separated by commas, 、, semicolons, slashes or lines."""
    if isinstance(value, list):
        return [clean(v) for v in value if not is_blank(v)]
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            return [clean(v) for v in parsed if not is_blank(v)]
    return [p for p in (clean(x) for x in _LIST_SEP.split(nfkc(str(value)))) if p]


def fields(value: Any) -> list[str]:
    """Activity fields: codes 1–20 or names (環境保全, まちづくり, 保健・医療・福祉 ...).

    A piece that is not exactly a field's name is split at ・ (環境保全・子ども is two fields,
    while 保健・医療・福祉 is one field's full name).
    """
    codes: set[str] = set()
    if isinstance(value, str):
        # the law's long names contain 、 themselves: take them out before splitting
        text_value = nfkc(value)
        for long_name, law_code in _LAW_NAMES_LONGEST_FIRST:
            if long_name in text_value:
                codes.add(law_code)
                text_value = text_value.replace(long_name, "、")
        value = text_value
    for piece in split_list(value):
        exact = _EXACT_FIELDS.get(piece) or _EXACT_FIELDS.get(piece.lower())
        if exact:
            codes.add(exact)
            continue
        for sub in (s.strip() for s in piece.split("・") if s.strip()):
            code = _try_field(sub)
            if not code:
                raise CellError(
                    f"「{piece}」は活動分野として認識できません"
                    "（1〜20 の番号か、環境保全・まちづくりのような分野名を書いてください）",
                    f"{piece!r} is not a known activity field (use 1-20 or a field name such as "
                    "環境保全 or まちづくり)",
                )
            codes.add(code)
    return sorted(codes)


#: the 20 fields as the NPO law's 別表 words them (registers and the NPO portal use these)
LAW_FIELD_NAMES: dict[str, str] = {
    "保健、医療又は福祉の増進を図る活動": "01",
    "社会教育の推進を図る活動": "02",
    "まちづくりの推進を図る活動": "03",
    "観光の振興を図る活動": "04",
    "農山漁村又は中山間地域の振興を図る活動": "05",
    "学術、文化、芸術又はスポーツの振興を図る活動": "06",
    "環境の保全を図る活動": "07",
    "災害救援活動": "08",
    "地域安全活動": "09",
    "人権の擁護又は平和の推進を図る活動": "10",
    "国際協力の活動": "11",
    "男女共同参画社会の形成の促進を図る活動": "12",
    "子どもの健全育成を図る活動": "13",
    "情報化社会の発展を図る活動": "14",
    "科学技術の振興を図る活動": "15",
    "経済活動の活性化を図る活動": "16",
    "職業能力の開発又は雇用機会の拡充を支援する活動": "17",
    "消費者の保護を図る活動": "18",
    "前各号に掲げる活動を行う団体の運営又は活動に関する連絡、助言又は援助の活動": "19",
    "前各号で掲げる活動に準ずる活動として都道府県又は指定都市の条例で定める活動": "20",
}

_LAW_NAMES_LONGEST_FIRST = sorted(
    ((nfkc(k), v) for k, v in LAW_FIELD_NAMES.items()), key=lambda kv: -len(kv[0])
)
_EXACT_FIELDS: dict[str, str] = {
    **{str(i): f"{i:02d}" for i in range(1, 21)},
    **{f"{i:02d}": f"{i:02d}" for i in range(1, 21)},
    **{f.name_ja: f.code for f in NPO_FIELDS},
    **{f.name_en.lower(): f.code for f in NPO_FIELDS},
}


@lru_cache(maxsize=4096)
def _try_field(piece: str) -> str | None:
    try:
        return parse_field(nfkc(piece))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _parse_enum(enum: type[E], text: str) -> E:
    # registers repeat the same few words; parsing each once keeps big imports fast
    return enum.parse(text)


def _labelled_value(enum: type[E], text: str, what_ja: str, what_en: str) -> E:
    """``text`` as a member of ``enum`` (its value, labels or aliases), else a cell error that
    lists what may be written."""
    try:
        return _parse_enum(enum, text)
    except ValueError:
        allowed = "、".join(f"{m.label_ja}（{m.value}）" for m in enum)
        raise CellError(
            f"「{text}」は{what_ja}として認識できません。使える値: {allowed}",
            f"{text!r} is not a known {what_en}; use one of: "
            + ", ".join(f"{m.value} ({m.label_en})" for m in enum),
        ) from None


def _labelled(enum: type[LabelledEnum], what_ja: str, what_en: str) -> Converter:
    def convert(value: Any) -> LabelledEnum:
        return _labelled_value(enum, one_line(value), what_ja, what_en)

    return convert


sector = _labelled(Sector, "種別", "sector")
form = _labelled(CollaborationForm, "協働の形態", "form of collaboration")
collaboration_status = _labelled(CollaborationStatus, "状態", "status")
intensity = _labelled(Intensity, "関係の深さ", "intensity")
need_status = _labelled(NeedStatus, "状態", "status")
visibility = _labelled(Visibility, "公開範囲", "visibility")


def resource_kinds(value: Any) -> list[ResourceKind]:
    """Resource kinds (人・モノ・資金・知識・技術・情報・場所, or the English values)."""
    pieces = split_list(value)
    if isinstance(value, str):
        pieces = [s.strip() for p in pieces for s in p.split("・") if s.strip()]
    return sorted({_labelled_value(ResourceKind, p, "資源の種類", "resource kind") for p in pieces})


def skills(value: Any) -> list[str]:
    """Skills and topics, as a list of tidy words."""
    return sorted(set(split_list(value)))


_TRUE = {"true", "1", "yes", "y", "はい", "有効", "○", "◯", "〇", "●", "t"}
_FALSE = {"false", "0", "no", "n", "いいえ", "無効", "×", "x", "-", "f"}


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    t = one_line(value).lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CellError(
        f"「{t}」をはい・いいえとして読めません（はい/いいえ、true/false、1/0）",
        f"{t!r} is not yes or no (use true/false, 1/0, はい/いいえ)",
    )


def flag(value: Any) -> bool:
    """A tick box column (活動分野１ = ○): anything but blank or an explicit no is a tick."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    return one_line(value).lower() not in _FALSE | {"なし", "無", "no"}


def score(value: Any) -> int:
    """An evaluation score: an integer from 1 to 5."""
    t = one_line(value) if not isinstance(value, int | float) else str(value)
    try:
        number = float(t)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not 1 <= number <= 5:
        raise CellError(
            "評価は 1〜5 の整数で入力してください", "a score must be a whole number from 1 to 5"
        )
    return int(number)


def number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(one_line(value).replace(",", ""))
    except ValueError:
        raise CellError("数値ではありません", "not a number") from None


def corporate_number(value: Any) -> str:
    """A 13-digit corporate number (法人番号); hyphens and spaces are dropped."""
    digits = re.sub(r"[\s\-‐ー]", "", one_line(value))
    if not re.fullmatch(r"\d{13}", digits):
        raise CellError(
            f"法人番号は 13 桁の数字です（{len(digits)} 文字あります）",
            f"a corporate number has 13 digits (this has {len(digits)} characters)",
        )
    return digits


def corporate_number_check_digit(base: str) -> int:
    """The check digit (the first of the 13) of the corporate number whose other 12 digits are
    ``base``, as the National Tax Agency defines it: 9 - (the 12 digits, weighted 1 and 2
    alternately from the right, summed) mod 9."""
    if len(base) != 12 or not base.isdigit():
        raise ValueError(f"a corporate number's base is 12 digits, not {base!r}")
    total = sum(int(d) * (2 if i % 2 else 1) for i, d in enumerate(reversed(base)))
    return 9 - total % 9


def corporate_number_check_ok(number: str) -> bool:
    """Whether ``number`` is 13 digits whose first is the right check digit."""
    if len(number) != 13 or not number.isdigit():
        return False
    return int(number[0]) == corporate_number_check_digit(number[1:])


def date_(value: Any) -> date:
    return parse_date(value)


def datetime_(value: Any) -> datetime:
    return parse_datetime(value)


_PARTICIPANT = re.compile(
    r"^(?P<ref>.+?)\s*(?:[:：]\s*(?P<role>.+)|[(（](?P<role2>[^()（）]+)[)）])?$"
)


def participants(value: Any) -> list[tuple[str, str | None]]:
    """Participants as [(organization id or name, role or None)].

    Text looks like ``o1:主催;o2:協力`` (also ``；``, line breaks, ``団体名（主催）``);
    JSON may give ``[{"org_id": "o1", "role": "主催"}]`` or ``["o1", "o2"]``.
    """
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise CellError(
                "参加団体の JSON が読めません", "the participants JSON is not valid"
            ) from None
    out: list[tuple[str, str | None]] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                ref = item.get("org_id") or item.get("id") or item.get("name")
                if is_blank(ref):
                    raise CellError("参加団体に org_id がありません", "a participant has no org_id")
                role = item.get("role")
                out.append((one_line(ref), one_line(role) if not is_blank(role) else None))
            elif not is_blank(item):
                out += participants(str(item))
        return out
    for entry in re.split(r"[;；\n]", nfkc(str(value))):
        entry = entry.strip()
        if not entry:
            continue
        m = _PARTICIPANT.match(entry)
        if not m:  # pragma: no cover - the pattern matches any non-empty text
            raise CellError("参加団体を読めません", "cannot read the participants")
        role = m.group("role") or m.group("role2")
        out.append((clean(m.group("ref")), clean(role) if role else None))
    if not out:
        raise CellError("参加団体がありません", "no participants")
    return out


def evaluations(value: Any) -> list[dict[str, Any]]:
    """Evaluations given inline (JSON list of objects); usually they come in their own file."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise CellError(
                "評価は JSON のリストで書くか、評価ファイル（evaluations.csv）に分けてください",
                "give evaluations as a JSON list, or in their own file (evaluations.csv)",
            ) from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CellError(
            "評価は JSON オブジェクトのリストにしてください",
            "evaluations must be a list of JSON objects",
        )
    return value


def json_value(value: Any) -> Any:
    """A nested value (object or list): as given in JSON, or JSON text in a cell."""
    if isinstance(value, dict | list):
        return value
    try:
        return json.loads(str(value))
    except json.JSONDecodeError:
        raise CellError("JSON として読めません", "not valid JSON") from None


#: the columns a need and an offer share (graph.model.Listing)
_LISTING: dict[str, Converter] = {
    "id": one_line,
    "org_id": one_line,
    "org_name": one_line,
    "title": one_line,
    "description": text,
    "fields": fields,
    "resource_kinds": resource_kinds,
    "skills": skills,
    "area": one_line,
}

#: field -> converter, per table kind (fields not listed are plain text)
CONVERTERS: dict[str, dict[str, Converter]] = {
    "organizations": {
        "id": one_line,
        "name": one_line,
        "name_kana": one_line,
        "sector": sector,
        "subtype": one_line,
        "area": one_line,
        "description": text,
        "fields": fields,
        "corporate_number": corporate_number,
        "founded": date_,
        "website": one_line,
        "contact_name": one_line,
        "contact_email": one_line,
        "contact_phone": one_line,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
    "needs": {
        **_LISTING,
        "starts": date_,
        "ends": date_,
        "status": need_status,
        "visibility": visibility,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
    "offers": {
        **_LISTING,
        "capacity": text,
        "availability": text,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
    "collaborations": {
        "id": one_line,
        "title": one_line,
        "description": text,
        "form": form,
        "starts": date_,
        "ends": date_,
        "status": collaboration_status,
        "intensity": intensity,
        "participants": participants,
        "need_ids": split_list,
        "suggestion_id": one_line,
        "evaluations": evaluations,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
    "participants": {
        "collaboration_id": one_line,
        "org_id": one_line,
        "org_name": one_line,
        "role": one_line,
    },
    "evaluations": {
        "collaboration_id": one_line,
        "org_id": one_line,
        "org_name": one_line,
        "targets": score,
        "form": score,
        "strengths": score,
        "selection": score,
        "relationship": score,
        "trust": score,
        "value": score,
        "comment": text,
        "evaluated_by": one_line,
        "evaluated_at": datetime_,
    },
    "interests": {
        "id": one_line,
        "org_id": one_line,
        "org_name": one_line,
        "need_id": one_line,
        "message": text,
        "status": one_line,
        "decided_by": one_line,
        "decided_at": datetime_,
        "note": text,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
    "suggestions": {
        "id": one_line,
        "suggestion_kind": one_line,
        "subject_id": one_line,
        "candidate_id": one_line,
        "need_id": one_line,
        "offer_id": one_line,
        "score": number,
        "features": json_value,
        "explanation": json_value,
        "status": one_line,
        "reviewer": one_line,
        "note": text,
        "decided_at": datetime_,
        "history": json_value,
        "requested_by": one_line,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
    "areas": {
        "id": one_line,
        "name": one_line,
        "name_kana": one_line,
        "neighbours": split_list,
        "lat": number,
        "lon": number,
        "active": boolean,
        "created_at": datetime_,
        "updated_at": datetime_,
    },
}
