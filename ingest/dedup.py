"""Likely duplicate organizations, reported for a person to confirm (never merged here).

Two organizations are candidates when their names have the same comparison form (see
:func:`ingest.text.name_key`), or when their names are very similar and contain the same
numerals (第一中学校 and 第二中学校 differ).  "Very similar" is a difflib ratio of at least
``threshold`` when one name only adds characters to the other (やまびこ会 / やまびこの会), and
of at least ``replace_threshold`` when characters differ (西原地区… / 高原地区… are usually
two organizations).
Similar-name candidates come from an inverted index of character bigrams, built for each group of
names with the same numerals (the only names that can match); bigrams shared by very many names of
a group (自治, 治会 ...) are skipped, so the work stays near-linear for large registers, and a
register of numbered names (支部1 … 支部9999) costs little more than reading it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from typing import NamedTuple

from ingest.report import DuplicateCandidate
from ingest.text import area_key, name_key, numerals

#: a bigram in more names than this is too common to suggest a match
MAX_POSTING = 64


class OrgRef(NamedTuple):
    """An organization as the duplicate report compares it (a tuple: an import makes one per
    organization it holds and per stored one)."""

    id: str
    name: str
    area: str | None
    source: str  # "file.csv row 3" or "stored"
    new: bool  # part of this import


def find_duplicates(
    orgs: Sequence[OrgRef],
    threshold: float = 0.85,
    replace_threshold: float = 0.95,
    limit: int = 1000,
) -> list[DuplicateCandidate]:
    """Candidate pairs with at least one side from this import, most similar first."""
    keys = [name_key(o.name) for o in orgs]
    out: dict[tuple[str, str], DuplicateCandidate] = {}

    def add(i: int, j: int, score: float) -> None:
        a, b = orgs[i], orgs[j]
        if a.id == b.id or not (a.new or b.new):
            return
        pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if pair in out and out[pair].score >= score:
            return
        if score >= 1.0 and area_key(a.area) == area_key(b.area):
            ja = "正規化した名称と地区が同じです（株式会社/(株) や全角/半角の違いを除く）"
            en = "same normalised name and area (ignoring 株式会社/(株), widths and spaces)"
        elif score >= 1.0:
            ja, en = (
                "正規化した名称が同じです（地区は異なります）",
                "same normalised name, different area",
            )
        else:
            ja, en = (
                f"名称がよく似ています（類似度 {score:.2f}）",
                f"very similar names (ratio {score:.2f})",
            )
        out[pair] = DuplicateCandidate(
            a.id, a.name, b.id, b.name, a.area, b.area, round(score, 3), ja, en, a.source, b.source
        )

    by_key: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if k:
            by_key[k].append(i)
    for members in by_key.values():
        for pos, i in enumerate(members):
            for j in members[pos + 1 :]:
                add(i, j, 1.0)

    # similar names: only names of at least four characters with the same numerals can match
    # (第一中学校 / 第二中学校 differ; a register of numbered names, 第一…第九十九 or 支部12,
    # compares each with its own kind only), so each group of those is searched on its own and
    # a group without a new name, or with one name, costs nothing more
    groups: dict[frozenset[str], list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if len(k) >= 4:
            groups[frozenset(numerals(k))].append(i)
    for members in groups.values():
        if len(members) > 1 and any(orgs[i].new for i in members):
            for i, j, ratio in _similar_in_group(members, keys, orgs, threshold, replace_threshold):
                add(i, j, ratio)
    ranked = sorted(out.values(), key=lambda d: (-d.score, d.id_a, d.id_b))
    return ranked[:limit]


def _similar_in_group(
    members: list[int],
    keys: list[str],
    orgs: Sequence[OrgRef],
    threshold: float,
    replace_threshold: float,
) -> Iterator[tuple[int, int, float]]:
    """(i, j, ratio) of the very similar names among ``members`` (indexes into ``keys``, names
    with the same numerals), each pair once, at least one of them new."""
    grams = {i: frozenset(keys[i][p : p + 2] for p in range(len(keys[i]) - 1)) for i in members}
    postings: dict[str, list[int]] = defaultdict(list)
    for i in members:
        for gram in grams[i]:
            postings[gram].append(i)
    for i in members:
        if not orgs[i].new:
            continue
        k = keys[i]
        shared: Counter[int] = Counter()
        rare = 0
        for gram in grams[i]:
            names = postings[gram]
            if len(names) <= MAX_POSTING:  # rare among the names it could match
                shared.update(names)
                rare += 1
        # names this similar share most of their rare bigrams; the rest are not worth comparing
        need = max(1, rare // 2)
        for j, count in shared.items():
            if count < need or j == i:
                continue
            other = keys[j]
            if other == k or (orgs[j].new and j < i):
                continue
            if min(len(k), len(other)) / max(len(k), len(other)) < 0.7:
                continue
            matcher = SequenceMatcher(None, k, other, autojunk=False)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio < threshold:
                continue
            replaced = any(op == "replace" for op, *_ in matcher.get_opcodes())
            if not replaced or ratio >= replace_threshold:
                yield i, j, ratio
