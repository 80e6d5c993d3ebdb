"""Explanations in Japanese and English built from the facts behind a suggestion.

Each reason is a fact a coordinator can check: which need meets which offer (only when they
really match: a shared skill, or a shared resource kind in a shared field, or clearly similar
texts), same or neighbouring district, which partners they share (by name), the sector pairing,
shared fields and skills, a good past collaboration, how active the candidate is.  Reasons are
ordered by strength, each one a sentence; no raw feature numbers and no ids appear.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.model import FIELDS_BY_CODE, ResourceKind
from matching.features import Evidence

_EN_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

#: the pair's own text similarity from which a need and an offer are said to match on words
#: (character n-grams of unrelated Japanese texts often reach 0.1) or on meaning
MIN_LEXICAL = 0.25
MIN_SEMANTIC = 0.75


def _en_count(n: int, noun: str) -> str:
    word = _EN_NUMBERS[n] if n < len(_EN_NUMBERS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def real_match(ev: Evidence) -> bool:
    """Whether the best need–offer pair is worth quoting: they share a skill, or a resource
    kind and a field, or their own texts are clearly similar."""
    if ev.need is None or ev.offer is None:
        return False
    if set(ev.need.skills) & set(ev.offer.skills):
        return True
    if set(ev.need.resource_kinds) & set(ev.offer.resource_kinds) and (
        set(ev.need.fields) & set(ev.offer.fields)
    ):
        return True
    return ev.match_lexical >= MIN_LEXICAL or ev.match_semantic >= MIN_SEMANTIC


def _label_en(label: str) -> str:
    """Lower-case a sector label's first letter unless it starts an acronym (NPO)."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _names_ja(names: list[str]) -> str:
    return "・".join(names)


def _names_en(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reasons(
    features: Mapping[str, float],
    ev: Evidence,
    subject_name: str,
    candidate_name: str,
    names: Mapping[str, str] | None = None,
) -> list[tuple[float, str, str]]:
    """[(strength, ja sentence, en sentence)] for every fact worth mentioning, strongest
    first.  ``names``: organization id -> name for the shared partners."""
    names = names or {}
    out: list[tuple[float, str, str]] = []
    if real_match(ev):
        assert ev.need is not None and ev.offer is not None
        need_t, offer_t = _quote(ev.need.title), _quote(ev.offer.title)
        needer, offerer = (
            (subject_name, candidate_name)
            if ev.need_owner == "subject"
            else (candidate_name, subject_name)
        )
        out.append(
            (
                10.0,
                f"{needer}のニーズ「{need_t}」に、{offerer}の提供「{offer_t}」が応えられます。",
                f"{offerer}'s offer \u201c{offer_t}\u201d meets {needer}'s need "
                f"\u201c{need_t}\u201d.",
            )
        )
    if ev.shared_skills:
        skills = ev.shared_skills[:3]
        out.append(
            (
                8.0,
                f"必要な技術（{'・'.join(skills)}）を提供できます。",
                f"It provides the skills needed ({', '.join(skills)}).",
            )
        )
    common = [names.get(o, "") for o in ev.common_partners]
    common = [c for c in common if c]
    if ev.common_partners:
        n = len(ev.common_partners)
        shown = common[:2]
        if shown:
            more_ja = f"など{n}団体" if n > len(shown) else ""
            more_en = f" ({n} in all)" if n > len(shown) else ""
            ja = f"{_names_ja(shown)}{more_ja}と、どちらも協働したことがあります。"
            en = f"Both have worked with {_names_en(shown)}{more_en}."
        else:
            ja = f"共通の協働先が{n}団体あります。"
            en = f"They share {_en_count(n, 'partner')}."
        out.append((6.0 + min(n, 5) * 0.2, ja, en))
    count = int(features.get("past_collaborations", 0.0))
    if count:
        good = features.get("past_evaluation", 0.0) > 0.3
        ja = f"過去に{count}件協働しました" + ("（評価が高い）。" if good else "。")
        en = f"They have {_en_count(count, 'past collaboration')}" + (
            " (well evaluated)." if good else "."
        )
        out.append((7.0 if good else 5.0, ja, en))
    if features.get("same_area", 0.0) >= 1 and ev.subject_area:
        out.append(
            (
                5.0,
                f"同じ地区（{ev.subject_area}）で活動しています。",
                f"Both work in the same district ({ev.subject_area}).",
            )
        )
    elif features.get("neighbour_area", 0.0) >= 1:
        out.append(
            (
                4.0,
                f"隣り合う地区（{ev.subject_area}・{ev.candidate_area}）です。",
                f"Their districts ({ev.subject_area}, {ev.candidate_area}) are neighbours.",
            )
        )
    if ev.shared_fields:
        infos = [FIELDS_BY_CODE[c] for c in ev.shared_fields[:2] if c in FIELDS_BY_CODE]
        if infos:
            out.append(
                (
                    3.5,
                    "同じ活動分野（" + "・".join(i.name_ja for i in infos) + "）です。",
                    "They work in the same field ("
                    + ", ".join(i.name_en.lower() for i in infos)
                    + ").",
                )
            )
    if ev.shared_kinds:
        kinds = [ResourceKind(k) for k in ev.shared_kinds[:3]]
        out.append(
            (
                3.0,
                "求める資源（" + "・".join(k.label_ja for k in kinds) + "）を提供できます。",
                "It offers the resources sought ("
                + ", ".join(k.label_en.lower() for k in kinds)
                + ").",
            )
        )
    if ev.subject_sector is not None and ev.candidate_sector is not None:
        if features.get("sector_complement", 0.0) >= 0.7:
            a, b = ev.subject_sector, ev.candidate_sector
            out.append(
                (
                    2.5,
                    f"{a.label_ja}と{b.label_ja}は互いの強みを生かせる組み合わせです。",
                    f"A {_label_en(a.label_en)} and a {_label_en(b.label_en)} complement "
                    "each other.",
                )
            )
    if features.get("candidate_recent_activity", 0.0) >= 1.0:
        out.append(
            (
                2.0,
                f"{candidate_name}は最近も活発に協働しています。",
                f"{candidate_name} has been an active partner recently.",
            )
        )
    out.sort(key=lambda r: -r[0])
    return out


def explain(
    features: Mapping[str, float],
    ev: Evidence,
    subject_name: str,
    candidate_name: str,
    names: Mapping[str, str] | None = None,
    max_reasons: int = 4,
) -> dict[str, str]:
    """{"ja": ..., "en": ...}: the strongest reasons, one sentence each."""
    found = reasons(features, ev, subject_name, candidate_name, names)[:max_reasons]
    if not found:
        return {
            "ja": f"{candidate_name}：特に強い根拠はありませんが、候補として挙げています。",
            "en": f"{candidate_name}: no strong single reason; listed as a possible partner.",
        }
    return {"ja": "".join(r[1] for r in found), "en": " ".join(r[2] for r in found)}
