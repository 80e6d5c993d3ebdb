"""Explanations: both languages state the key facts of a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.store import GraphStore
from matching.explain import explain
from matching.features import Evidence
from matching.service import Matcher, MatcherConfig


@pytest.fixture
def matcher(city_store: GraphStore, tmp_path: Path) -> Matcher:
    return Matcher(city_store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent/model"))


def test_need_meets_offer_same_district_and_sectors(matcher: Matcher) -> None:
    top = matcher.suggest_for_need("n-river", k=5)
    biz = next(s for s in top if s.candidate_id == "biz-a")
    ja, en = biz.explanation["ja"], biz.explanation["en"]
    for text in (ja, en):
        assert "河川清掃の人手が足りない" in text
        assert "社員が週末に清掃活動に参加できる" in text
    assert "同じ地区（北）で活動しています。" in ja and "the same district (北)" in en
    assert "北区自治会のニーズ「河川清掃の人手が足りない」に、株式会社北建設の提供" in ja
    assert "株式会社北建設's offer" in en and "北区自治会's need" in en
    assert "必要な技術（清掃）を提供できます。" in ja and "skills needed (清掃)" in en
    for text in (ja, en):  # sentences, never ids or raw numbers
        assert "biz-a" not in text and "assoc" not in text and "0." not in text


def test_shared_partners_are_counted_in_both_languages(matcher: Matcher) -> None:
    got = matcher.suggest_for_org("assoc", k=10)
    npo = next(s for s in got if s.candidate_id == "npo")
    # the shared partners by name, not by count or id
    assert (
        "中央小学校・市社会福祉協議会と、どちらも協働したことがあります。" in npo.explanation["ja"]
    )
    assert "Both have worked with 中央小学校 and 市社会福祉協議会." in npo.explanation["en"]
    assert "隣り合う地区（北・中央）です。" in npo.explanation["ja"]
    assert "are neighbours" in npo.explanation["en"]


def test_weak_pairs_get_an_honest_explanation() -> None:
    got = explain({"sector_complement": 0.3}, Evidence(), "A", "B")
    assert "特に強い根拠はありません" in got["ja"] and "no strong single reason" in got["en"]


def test_past_collaboration_with_good_evaluation(matcher: Matcher) -> None:
    from matching.service import SuggestFilters

    got = matcher.suggest_for_org(
        "assoc", k=10, filters=SuggestFilters(exclude_current_partners=False)
    )
    school = next(s for s in got if s.candidate_id == "school")
    assert "過去に1件協働しました（評価が高い）。" in school.explanation["ja"]
    assert "one past collaboration (well evaluated)." in school.explanation["en"]
