"""Explanations in Japanese and English built from a pair's strongest features.

Each reason is a fact a coordinator can check: which need meets which offer, same or
neighbouring district, how many shared partners, the sector pairing, shared fields and skills,
a good past collaboration.  Reasons are ordered by how much they contribute (feature value ×
the fallback weight), so the first reason is the strongest.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.model import FIELDS_BY_CODE, ResourceKind
from matching.features import Evidence

_EN_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

#: text similarity from which a need and an offer are said to match on their words alone
_MIN_LEXICAL = 0.08
_MIN_SEMANTIC = 0.75


def _en_count(n: int, noun: str) -> str:
    word = _EN_NUMBERS[n] if n < len(_EN_NUMBERS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _real_match(features: Mapping[str, float], ev: Evidence) -> bool:
    """Whether the best need–offer pair is worth quoting: they share a skill, or a resource
    kind and a field, or their texts are clearly similar."""
    assert ev.need is not None and ev.offer is not None
    if set(ev.need.skills) & set(ev.offer.skills):
        return True
    if set(ev.need.resource_kinds) & set(ev.offer.resource_kinds) and (
        set(ev.need.fields) & set(ev.offer.fields)
    ):
        return True
    return (
        features.get("lexical_match", 0.0) >= _MIN_LEXICAL
        or features.get("semantic_match", 0.0) >= _MIN_SEMANTIC
    )


def _label_en(label: str) -> str:
    """Lower-case a sector label's first letter unless it starts an acronym (NPO)."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def reasons(
    features: Mapping[str, float],
    ev: Evidence,
    subject_name: str,
    candidate_name: str,
    weights: Mapping[str, float],
) -> list[tuple[float, str, str]]:
    """[(strength, ja, en)] for every fact worth mentioning, strongest first."""
    out: list[tuple[float, str, str]] = []

    def w(name: str) -> float:
        return abs(weights.get(name, 1.0)) * float(features.get(name, 0.0))

    if ev.need is not None and ev.offer is not None and _real_match(features, ev):
        need_t, offer_t = _quote(ev.need.title), _quote(ev.offer.title)
        strength = w("semantic_match") + w("lexical_match") + 2.0  # the key fact: first
        out.append(
            (
                strength,
                f"ニーズ「{need_t}」に提供「{offer_t}」が応えられます",
                f"the need \u201c{need_t}\u201d meets the offer \u201c{offer_t}\u201d",
            )
        )
    if features.get("same_area", 0.0) >= 1:
        out.append(
            (
                w("same_area") + 0.3,
                f"同じ地区（{ev.subject_area}）",
                f"same district ({ev.subject_area})",
            )
        )
    elif features.get("neighbour_area", 0.0) >= 1:
        out.append(
            (
                w("neighbour_area") + 0.2,
                f"隣の地区（{ev.subject_area}・{ev.candidate_area}）",
                f"neighbouring districts ({ev.subject_area}, {ev.candidate_area})",
            )
        )
    n_common = len(ev.common_partners)
    if n_common:
        out.append(
            (
                w("adamic_adar") + w("common_partners") + 0.2,
                f"共通の協働先が{n_common}団体",
                f"{_en_count(n_common, 'shared partner')}",
            )
        )
    if ev.subject_sector is not None and ev.candidate_sector is not None:
        comp = features.get("sector_complement", 0.0)
        if comp >= 0.7:
            a, b = ev.subject_sector, ev.candidate_sector
            out.append(
                (
                    w("sector_complement"),
                    f"{a.label_ja}と{b.label_ja}",
                    f"{_label_en(a.label_en)} with {_label_en(b.label_en)}",
                )
            )
    if ev.shared_skills:
        skills = "・".join(ev.shared_skills[:3])
        out.append(
            (
                w("skill_overlap") + 0.1,
                f"必要な技術（{skills}）を提供できる",
                f"provides the skills needed ({', '.join(ev.shared_skills[:3])})",
            )
        )
    if ev.shared_fields:
        infos = [FIELDS_BY_CODE[c] for c in ev.shared_fields[:2] if c in FIELDS_BY_CODE]
        if infos:
            out.append(
                (
                    w("field_overlap"),
                    "同じ活動分野（" + "・".join(i.name_ja for i in infos) + "）",
                    "same field (" + ", ".join(i.name_en.lower() for i in infos) + ")",
                )
            )
    if ev.shared_kinds:
        kinds = [ResourceKind(k) for k in ev.shared_kinds[:3]]
        out.append(
            (
                w("resource_overlap") * 0.8,
                "求める資源（" + "・".join(k.label_ja for k in kinds) + "）を提供",
                "offers the resources sought ("
                + ", ".join(k.label_en.lower() for k in kinds)
                + ")",
            )
        )
    count = int(features.get("past_collaborations", 0.0))
    if count:
        good = features.get("past_evaluation", 0.0) > 0.3
        ja = f"過去に{count}件の協働" + ("（評価が高い）" if good else "")
        en = f"{_en_count(count, 'past collaboration')}" + (" (well evaluated)" if good else "")
        out.append((w("past_collaborations") + (1.5 if good else 0.5), ja, en))
    out.sort(key=lambda r: -r[0])
    return out


def explain(
    features: Mapping[str, float],
    ev: Evidence,
    subject_name: str,
    candidate_name: str,
    weights: Mapping[str, float],
    max_reasons: int = 4,
) -> dict[str, str]:
    """{"ja": ..., "en": ...}: the strongest reasons joined into one sentence each."""
    found = reasons(features, ev, subject_name, candidate_name, weights)[:max_reasons]
    if not found:
        return {
            "ja": f"{candidate_name}：特に強い根拠はありませんが、候補として挙げています",
            "en": f"{candidate_name}: no strong single reason; listed as a possible partner",
        }
    en = "; ".join(r[2] for r in found)
    return {"ja": "、".join(r[1] for r in found) + "。", "en": en[:1].upper() + en[1:] + "."}
