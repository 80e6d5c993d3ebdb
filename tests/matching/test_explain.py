"""Explanations: both languages state the key facts of a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.settings import Settings
from graph.store import GraphStore
from matching.explain import explain
from matching.features import Evidence
from matching.ranker import FALLBACK_WEIGHTS
from matching.service import Matcher


@pytest.fixture
def matcher(city_store: GraphStore, tmp_path: Path) -> Matcher:
    return Matcher(city_store, Settings(data_dir=tmp_path, embed_model="/nonexistent/model"))


def test_need_meets_offer_same_district_and_sectors(matcher: Matcher) -> None:
    top = matcher.suggest_for_need("n-river", k=5)
    biz = next(s for s in top if s.candidate_id == "biz-a")
    ja, en = biz.explanation["ja"], biz.explanation["en"]
    for text in (ja, en):
        assert "河川清掃の人手が足りない" in text
        assert "社員が週末に清掃活動に参加できる" in text
    assert "同じ地区（北）" in ja and "same district (北)" in en
    assert "区・自治会と事業者" in ja and "neighbourhood association with business" in en
    assert "清掃" in ja and "skills needed (清掃)" in en


def test_shared_partners_are_counted_in_both_languages(matcher: Matcher) -> None:
    got = matcher.suggest_for_org("assoc", k=10)
    npo = next(s for s in got if s.candidate_id == "npo")
    assert "共通の協働先が2団体" in npo.explanation["ja"]
    assert "two shared partners" in npo.explanation["en"].lower()
    assert "隣の地区" in npo.explanation["ja"] and "neighbouring districts" in npo.explanation["en"]


def test_weak_pairs_get_an_honest_explanation() -> None:
    got = explain({"sector_complement": 0.3}, Evidence(), "A", "B", FALLBACK_WEIGHTS)
    assert "特に強い根拠はありません" in got["ja"] and "no strong single reason" in got["en"]


def test_past_collaboration_with_good_evaluation(matcher: Matcher) -> None:
    from matching.service import SuggestFilters

    got = matcher.suggest_for_org(
        "assoc", k=10, filters=SuggestFilters(exclude_current_partners=False)
    )
    school = next(s for s in got if s.candidate_id == "school")
    assert "過去に1件の協働（評価が高い）" in school.explanation["ja"]
    assert "one past collaboration (well evaluated)" in school.explanation["en"]
