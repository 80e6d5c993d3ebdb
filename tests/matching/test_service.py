"""The Matcher's public API on a real embedded store, without the embedding model (fast): the
no-model fallback, filters, ids, need suggestions, opportunity search and pair scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from graph.model import Need, ResourceKind, Sector, SuggestionKind, SuggestionStatus, Visibility
from graph.store import GraphStore, NotFoundError
from matching.service import (
    Matcher,
    MatcherConfig,
    SuggestFilters,
    diversify,
    suggestion_id,
)


@pytest.fixture
def matcher(city_store: GraphStore, tmp_path: Path) -> Matcher:
    return Matcher(city_store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent/model"))


def ids(suggestions: list) -> list[str]:  # type: ignore[type-arg]
    return [s.candidate_id for s in suggestions]


def test_no_model_still_works_and_says_why(matcher: Matcher) -> None:
    status = matcher.status
    assert status["semantic"] is False
    assert status["model"] == "/nonexistent/model"
    assert "/nonexistent/model" in status["error"]
    assert status["ranker"] is None
    assert matcher.refresh_embeddings(progress=False) == 0
    got = matcher.suggest_for_org("assoc", k=5)
    assert got and "biz-a" in ids(got)
    assert all(s.features["semantic_match"] == 0.0 for s in got)
    assert status["scorer"] == "hand-weighted"


def test_suggestions_are_explained_unsaved_records(
    matcher: Matcher, city_store: GraphStore
) -> None:
    got = matcher.suggest_for_org("assoc", k=10)
    scores = [s.score for s in got]
    assert scores == sorted(scores, reverse=True)
    for s in got:
        assert s.status == SuggestionStatus.PROPOSED
        assert s.suggestion_kind == SuggestionKind.ORG_ORG
        assert s.subject_id == "assoc" and s.candidate_id != "assoc"
        assert s.id == suggestion_id("assoc", s.candidate_id)
        assert 0.0 <= s.score <= 1.0
        assert s.explanation["ja"] and s.explanation["en"]
    assert city_store.count("Suggestion") == 0  # the API stores them, not the matcher
    assert ids(matcher.suggest_for_org("assoc", k=10)) == ids(got)  # deterministic


def test_current_partners_are_excluded_unless_asked(matcher: Matcher) -> None:
    assert not {"school", "welfare"} & set(ids(matcher.suggest_for_org("assoc", k=10)))
    got = matcher.suggest_for_org(
        "assoc", k=10, filters=SuggestFilters(exclude_current_partners=False)
    )
    assert {"school", "welfare"} <= set(ids(got))


def test_sector_area_field_and_pair_filters(matcher: Matcher) -> None:
    f = SuggestFilters(sectors=[Sector.BUSINESS])
    got = matcher.suggest_for_org("assoc", k=10, filters=f)
    assert got and set(ids(got)) <= {"biz-a", "biz-b"}
    got = matcher.suggest_for_org("npo", k=10, filters=SuggestFilters(areas=["北"]))
    assert set(ids(got)) == {"assoc", "biz-a"}
    got = matcher.suggest_for_org("npo", k=10, filters=SuggestFilters(fields=["07"]))
    assert set(ids(got)) == {"assoc", "biz-a"}  # 環境保全 in their fields or offers
    pairs = [(Sector.BUSINESS, Sector.NPO)]
    got = matcher.suggest_for_org("npo", k=10, filters=SuggestFilters(sector_pairs=pairs))
    assert got and all(s.candidate_id.startswith("biz") for s in got)
    # the pair is allowed either way round
    got = matcher.suggest_for_org("biz-b", k=10, filters=SuggestFilters(sector_pairs=pairs))
    assert ids(got) == ["npo"]


def test_min_score_and_k(matcher: Matcher) -> None:
    all_ = matcher.suggest_for_org("assoc", k=10)
    assert len(matcher.suggest_for_org("assoc", k=1)) == 1
    cut = all_[0].score
    assert all(
        s.score >= cut
        for s in matcher.suggest_for_org("assoc", k=10, filters=SuggestFilters(min_score=cut))
    )
    with pytest.raises(ValueError):
        matcher.suggest_for_org("assoc", k=0)


def test_diversity_reranking_mixes_sectors() -> None:
    sectors = [Sector.BUSINESS] * 4 + [Sector.NPO, Sector.SCHOOL]
    scores = np.array([0.9, 0.89, 0.88, 0.87, 0.5, 0.2])
    plain = list(range(6))
    mixed = diversify(plain, sectors, scores, k=3)
    assert sorted(mixed) == plain  # a permutation, nothing lost
    assert len({sectors[i] for i in mixed[:3]}) >= 2
    assert mixed[0] == 0  # the best stays first
    # even a tiny score cannot leave the top k all one sector
    top = diversify(plain, sectors, np.array([0.9, 0.9, 0.9, 0.9, 0.0, 0.0]), k=4)[:4]
    assert 4 in top and len({sectors[i] for i in top}) == 2


def test_diverse_option_in_the_service(matcher: Matcher) -> None:
    got = matcher.suggest_for_org("assoc", k=2, filters=SuggestFilters(diverse=True))
    assert len({s.candidate_id.split("-")[0] for s in got}) == 2


def test_suggest_for_need(matcher: Matcher) -> None:
    got = matcher.suggest_for_need("n-food", k=3)
    assert got[0].candidate_id == "biz-b"
    top = got[0]
    assert top.suggestion_kind == SuggestionKind.NEED_ORG
    assert top.need_id == "n-food" and top.offer_id == "o-veg" and top.subject_id == "npo"
    assert top.id == suggestion_id("npo", "biz-b", "n-food")
    assert "規格外野菜を寄付できる" in top.explanation["ja"]


def test_unknown_ids_raise_not_found(matcher: Matcher) -> None:
    with pytest.raises(NotFoundError):
        matcher.suggest_for_org("nope")
    with pytest.raises(NotFoundError):
        matcher.suggest_for_need("nope")
    with pytest.raises(NotFoundError):
        matcher.pair_score("assoc", "nope")
    with pytest.raises(NotFoundError):
        matcher.search_needs("nope")


def test_pair_score(matcher: Matcher) -> None:
    # biz-a offers the cleaning the association needs (清掃); biz-b offers food, which the
    # association neither needs nor has ever worked with
    matched = matcher.pair_score("assoc", "biz-a")
    unrelated = matcher.pair_score("assoc", "biz-b")
    assert matched > unrelated + 0.2
    assert matcher.pair_score("npo", "biz-b") > matcher.pair_score("npo", "biz-a")  # 食品
    assert matched == pytest.approx(matcher.pair_score("biz-a", "assoc"))  # symmetric
    assert matcher.pair_score("assoc", "assoc") == 0.0


def test_search_needs_for_a_business(matcher: Matcher, city_store: GraphStore) -> None:
    got = matcher.search_needs("biz-a")
    assert [n.id for n, _ in got][0] == "n-river"  # its cleaning offer answers the river need
    assert all(isinstance(n, Need) for n, _ in got)
    assert [n.id for n, _ in matcher.search_needs("biz-b")][0] == "n-food"
    assert [n.id for n, _ in matcher.search_needs("assoc")] == ["n-food"]  # not its own need
    only = matcher.search_needs("biz-a", resource_kinds=[ResourceKind.GOODS])
    assert [n.id for n, _ in only] == ["n-food"]
    assert [n.id for n, _ in matcher.search_needs(None, skills=["清掃"])] == ["n-river"]
    assert [n.id for n, _ in matcher.search_needs(None, area="北")] == ["n-river"]
    assert [n.id for n, _ in matcher.search_needs("biz-b", query="食材")] == ["n-food"]
    assert len(matcher.search_needs("biz-a", k=1, offset=1)) == 1
    # closed or coordinators-only needs and needs outside their dates never show
    need = city_store.get("Need", "n-food")
    assert isinstance(need, Need)
    city_store.upsert([need.model_copy(update={"starts": date(2030, 1, 1)})])
    assert "n-food" not in [n.id for n, _ in matcher.search_needs(None, on_date=date(2029, 1, 1))]
    assert "n-food" in [n.id for n, _ in matcher.search_needs(None, on_date=date(2030, 2, 1))]
    need = city_store.get("Need", "n-food")  # the stored version now (edits compare versions)
    assert isinstance(need, Need)
    city_store.upsert([need.model_copy(update={"visibility": Visibility.COORDINATORS})])
    assert "n-food" not in [n.id for n, _ in matcher.search_needs(None)]
    # a text hit passes the same filters, by the store's own semantics
    assert matcher.search_needs("biz-b", query="食材") == []


def test_text_hits_are_filtered_like_listed_needs(matcher: Matcher) -> None:
    assert [n.id for n, _ in matcher.search_needs(None, query="食材")] == ["n-food"]
    assert matcher.search_needs(None, query="食材", skills=["清掃"]) == []
    assert matcher.search_needs(None, query="食材", area="北") == []
    assert matcher.search_needs(None, query="食材", resource_kinds=[ResourceKind.PEOPLE]) == []
    assert matcher.search_needs("npo", query="食材") == []  # its own need


def test_pair_scores_in_one_pass(matcher: Matcher) -> None:
    got = matcher.pair_scores(["assoc", "biz-a", "npo"])
    assert len(got) == 6 and got[("assoc", "biz-a")] == got[("biz-a", "assoc")]
    assert got[("assoc", "biz-a")] == pytest.approx(matcher.pair_score("assoc", "biz-a"))
    with pytest.raises(NotFoundError):
        matcher.pair_scores(["assoc", "nope"])


def test_lexical_model_follows_new_data(tmp_path: Path) -> None:
    from tests.conftest import make_embedded_store
    from tests.matching.conftest import city_records

    store = make_embedded_store(tmp_path / "empty.sqlite3")
    matcher = Matcher(store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent/model"))
    assert matcher.lexical.fitted  # fitted on an empty store at start-up
    store.upsert(city_records())  # data imported while the service runs
    got = matcher.suggest_for_need("n-river", k=3)
    biz = next(s for s in got if s.candidate_id == "biz-a")
    assert biz.features["lexical_match"] > 0  # the vocabulary now knows 清掃
    store.close()


def test_a_need_for_a_skill_puts_the_owner_of_an_offer_with_it_in_the_top_5(
    city_store: GraphStore, tmp_path: Path
) -> None:
    """The design office is in another district, has no partners and shares no word with the
    need's text, while busy, text-similar organizations abound: the skill decides."""
    from graph.model import Collaboration, Offer, Organization, Participant

    extra = [
        Organization(
            id="design",
            name="南デザイン事務所",
            sector="business",
            area="南",
            description="ロゴやチラシの制作",
        ),
        Offer(
            id="o-design", org_id="design", title="チラシやポスターを作れます", skills=["デザイン"]
        ),
        Need(
            id="n-poster",
            org_id="assoc",
            title="北地区の清掃イベントの告知ポスター",
            description="北地区の河川清掃の参加者を増やしたい",
            skills=["デザイン"],
            area="北",
        ),
    ]
    for i in range(8):  # active organizations whose texts echo the need's words
        extra.append(
            Organization(
                id=f"busy{i}",
                name=f"北地区清掃の会{i}",
                sector="npo",
                area="北",
                description="北地区の河川清掃イベントを開催",
            )
        )
        extra.append(
            Collaboration(
                id=f"cb{i}",
                title="河川清掃",
                form="共催",
                starts=date(2023, 1, 1 + i),
                participants=[Participant(org_id=f"busy{i}"), Participant(org_id="npo")],
            )
        )
    city_store.upsert(extra)
    matcher = Matcher(
        city_store, MatcherConfig(data_dir=tmp_path, embed_model="/nonexistent/model")
    )
    top = ids(matcher.suggest_for_need("n-poster", k=5))
    assert "design" in top[:5]
    assert top[0] == "design"  # the only owner of an offer with the skill comes first
    reasons = matcher.suggest_for_need("n-poster", k=1)[0].explanation
    assert "必要な技術（デザイン）を提供できます。" in reasons["ja"]
