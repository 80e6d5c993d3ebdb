"""Text normalisation for Japanese registers: NFKC, whitespace, company-form variants.

Two forms of a name are kept apart on purpose: :func:`clean` gives the *display* form (NFKC and
tidy whitespace, otherwise as written), :func:`name_key` the *comparison* form (no spaces, no
punctuation, no legal-form words such as 株式会社 / (株) / ㈱), used to find likely duplicates and
to build stable ids.  A display name is never rewritten to the comparison form.
"""

from __future__ import annotations

import re
import unicodedata

from graph.model import Sector

_SPACE = re.compile(r"\s+")

# Legal forms, long and abbreviated (after NFKC, ㈱ and （株） both read "(株)").
_LEGAL_FORMS = (
    "特定非営利活動法人",
    "一般社団法人",
    "公益社団法人",
    "一般財団法人",
    "公益財団法人",
    "社会福祉法人",
    "学校法人",
    "医療法人",
    "宗教法人",
    "独立行政法人",
    "地方独立行政法人",
    "国立大学法人",
    "公立大学法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "npo法人",
    "(株)",
    "(有)",
    "(同)",
    "(資)",
    "(名)",
    "(特非)",
    "(一社)",
    "(公社)",
    "(一財)",
    "(公財)",
    "(福)",
    "(学)",
    "(医)",
    "(宗)",
    "(独)",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd.",
    "co.ltd",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "k.k.",
    "llc",
    "corporation",
    "corp.",
)
_LEGAL_RE = re.compile("|".join(re.escape(f) for f in sorted(_LEGAL_FORMS, key=len, reverse=True)))
_PUNCT_RE = re.compile(r"[\s・･\-‐‑–—―ー~〜「」『』\"'`.,、。()\[\]{}<>【】〔〕/\\]")
_NUMERALS = re.compile(r"[0-9〇一二三四五六七八九十百千]+")


def nfkc(text: str) -> str:
    """Unicode NFKC: full-width ASCII to half-width, half-width kana to full-width, ㈱ to (株)."""
    return unicodedata.normalize("NFKC", text)


# Full-width letters, digits and the symbols of addresses, e-mail and phone numbers become
# half-width; runs of half-width katakana become full-width (ｶﾞ -> ガ).  Japanese punctuation
# such as （）「」～ is kept as written: it is correct typography, not a variant.
_WIDTH_RE = re.compile(r"[Ａ-Ｚａ-ｚ０-９＠．＿－＋＃％＆＝\u3000]+|[\uff61-\uff9f]+")


def fold_width(text: str) -> str:
    """全角英数字 -> 半角, 半角カナ -> 全角 (the width folding registers need), nothing else."""
    return _WIDTH_RE.sub(lambda m: nfkc(m.group(0)), text)


def clean(value: object) -> str:
    """The display form of a cell: widths folded (:func:`fold_width`), spaces collapsed, trimmed.

    Line breaks inside a cell are kept (descriptions often have paragraphs); other runs of
    whitespace become one space.  Full NFKC is kept for comparison keys (:func:`name_key`).
    """
    text = fold_width(str(value))
    if "\n" not in text and "\r" not in text:
        return _SPACE.sub(" ", text).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def name_key(name: str) -> str:
    """The comparison form of an organization name.

    株式会社つなぐ, ㈱ つなぐ and （株）ツナグ share one key: widths, spaces, punctuation and legal
    forms are dropped and hiragana is folded to katakana.  Kanji and kana are not folded.
    """
    text = nfkc(name).lower()
    text = _SPACE.sub("", text)
    text = _LEGAL_RE.sub("", text)
    text = _PUNCT_RE.sub("", text)
    # Katakana and hiragana spellings of the same name are common in registers.
    return katakana(text)


def area_key(area: str | None) -> str:
    """The comparison form of an area name."""
    return _PUNCT_RE.sub("", nfkc(area or "").lower())


def numerals(text: str) -> set[str]:
    """The runs of digits and kanji numerals in a name (第一 vs 第二 are different schools)."""
    return set(_NUMERALS.findall(text))


#: hiragana ぁ…ゖ to the katakana 0x60 above it
_TO_KATAKANA = {c: c + 0x60 for c in range(ord("ぁ"), ord("ゖ") + 1)}


def katakana(text: str) -> str:
    """Hiragana folded to katakana (つなぐ -> ツナグ); every other character as it is."""
    return text.translate(_TO_KATAKANA)


_SECTOR_WORDS: tuple[tuple[Sector, tuple[str, ...]], ...] = (
    (Sector.WELFARE, ("社会福祉協議会", "社会福祉法人", "社協", "公益財団法人", "公益社団法人")),
    (Sector.NPO, ("特定非営利活動法人", "npo", "(特非)", "ボランティア", "市民活動", "の会")),
    (Sector.SCHOOL, ("学校", "大学", "幼稚園", "保育園", "保育所", "こども園", "高専", "学園")),
    (Sector.GOVERNMENT, ("市役所", "町役場", "村役場", "県庁", "市教育委員会")),
    (
        Sector.BUSINESS,
        (
            "株式会社",
            "(株)",
            "有限会社",
            "(有)",
            "合同会社",
            "商店",
            "商工会",
            "銀行",
            "信用金庫",
            "農業協同組合",
            "生活協同組合",
            "ltd",
            "inc",
        ),
    ),
    (Sector.ASSOCIATION, ("自治会", "町内会", "区長会", "地域づくり協議会", "まちづくり協議会")),
)


def guess_sector(name: str, hint: str | None = None) -> Sector | None:
    """A sector guessed from a legal-status hint or from words in the name, or ``None``.

    Used only for formats that carry no sector (HSDS, 360Giving); the guess is reported.
    """
    if hint:
        try:
            return Sector.parse(clean(hint))
        except ValueError:
            pass
    text = nfkc(name).lower()
    for sector, words in _SECTOR_WORDS:
        if any(w in text for w in words):
            return sector
    if re.search(r"[市町村]\S*[課室局部]$", text):
        return Sector.GOVERNMENT
    if re.search(r"\S区(会)?$", text):  # 中込区: a neighbourhood association (区・自治会)
        return Sector.ASSOCIATION
    return None


_PREFECTURE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)")
_MUNICIPALITY = re.compile(r"^(.+?郡.+?[町村]|.+?市.+?区|.+?[市区町村])")


def town_of(address: str) -> str | None:
    """The town part of a Japanese address (長野県佐久市中込1-2-3 -> 中込), else the municipality.

    A city keeps its districts at about the town (町名) level; the street number is dropped.
    """
    text = clean(address).replace(" ", "")
    text = _PREFECTURE.sub("", text)
    m = _MUNICIPALITY.match(text)
    municipality = m.group(1) if m else ""
    rest = text[len(municipality) :]
    town = re.split(r"[0-9０-９]|丁目|番地|字", rest, maxsplit=1)[0].strip("-")
    return town or municipality or None


def known_area_in(text: str, known: set[str]) -> str | None:
    """The longest known area name that appears in ``text`` (an address or a place name)."""
    hits = [a for a in known if a and a in text]
    return max(hits, key=len) if hits else None
