"""Pair features on the hand-built city (tests/matching/conftest.py), against hand-computed
values.  Partner graph: assoc–school (2021-04), school–npo (2022-05), npo–welfare (2023-06),
assoc–welfare (2023-07)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from graph.model import Sector
from matching.features import (
    FEATURE_NAMES,
    MAX_DISTANCE,
    SEMANTIC_FEATURES,
    PairFeatureBuilder,
    adamic_adar,
    common_partners,
    coverage,
    graph_distance,
    jaccard,
    partner_shares,
    past_collaboration,
    recent_partners,
    sector_complement,
)
from matching.graphdata import GraphData
from matching.text import LexicalModel, normalise_text, record_text
from tests.matching.conftest import city_records


@pytest.fixture
def data() -> GraphData:
    return GraphData.from_records(city_records())


@pytest.fixture
def builder(data: GraphData) -> PairFeatureBuilder:
    recs = city_records()
    corpus = [r.description for r in recs if hasattr(r, "description")]
    return PairFeatureBuilder(data, LexicalModel().fit(corpus), None, today=date(2024, 1, 1))


def test_set_overlaps() -> None:
    assert jaccard({"07", "16"}, {"07"}) == 0.5
    assert jaccard([], []) == 0.0
    assert coverage({"清掃", "IT"}, {"清掃"}) == 0.5
    assert coverage(set(), {"清掃"}) == 0.0


def test_common_partners_and_adamic_adar(data: GraphData) -> None:
    # now: assoc {school, welfare}, npo {school, welfare}; both have 2 partners
    assert common_partners(data, "assoc", "npo") == ["school", "welfare"]
    assert adamic_adar(data, "assoc", "npo") == pytest.approx(2 / math.log(2))
    # before 2023-01-01: only school is shared (partners assoc and npo -> degree 2)
    assert common_partners(data, "assoc", "npo", date(2023, 1, 1)) == ["school"]
    assert adamic_adar(data, "assoc", "npo", date(2023, 1, 1)) == pytest.approx(1 / math.log(2))
    # before 2022-05-01 school had one partner: degree 1 adds nothing (log 1 = 0)
    assert adamic_adar(data, "assoc", "npo", date(2022, 5, 1)) == 0.0


def test_graph_distance_is_capped_and_dated(data: GraphData) -> None:
    assert graph_distance(data, "assoc", "school") == 1
    assert graph_distance(data, "assoc", "npo") == 2
    assert (
        graph_distance(data, "assoc", "welfare", date(2023, 6, 15)) == 3
    )  # assoc-school-npo-welfare
    assert graph_distance(data, "assoc", "npo", date(2022, 1, 1)) == MAX_DISTANCE
    assert graph_distance(data, "assoc", "biz-a") == MAX_DISTANCE


def test_past_collaboration_and_evaluation(data: GraphData) -> None:
    # c1: evaluations 4 and 5 on every item -> mean 4.5, centred on 3 -> 1.5
    assert past_collaboration(data, "assoc", "school") == (1, pytest.approx(1.5))
    assert past_collaboration(data, "school", "npo") == (1, 0.0)  # not evaluated
    assert past_collaboration(data, "assoc", "school", date(2021, 4, 1)) == (0, 0.0)


def test_busy_counts_running_collaborations(data: GraphData) -> None:
    assert data.busy("assoc", date(2021, 6, 1)) == 1  # c1 runs Apr–Sep 2021
    assert data.busy("assoc", date(2022, 6, 1)) == 0
    assert data.busy("school", date(2022, 6, 1)) == 1  # c2 open-ended
    assert data.busy("welfare", date(2024, 1, 1)) == 2


def test_recent_partners_and_partner_shares(data: GraphData) -> None:
    assert recent_partners(data, "welfare", date(2024, 1, 1)) == 2
    assert recent_partners(data, "school", date(2024, 1, 1)) == 0
    npo = data.require_org("npo")
    # assoc's partners: school (school, 中央) and welfare (welfare, 中央)
    assert partner_shares(data, "assoc", npo) == (0.0, 1.0)
    assert partner_shares(data, "assoc", data.require_org("school")) == (0.5, 1.0)
    assert partner_shares(data, "biz-a", npo) == (0.0, 0.0)


def test_sector_complement_is_symmetric() -> None:
    assert sector_complement(Sector.BUSINESS, Sector.NPO) == 1.0
    assert sector_complement(Sector.NPO, Sector.BUSINESS) == 1.0
    assert sector_complement(Sector.GOVERNMENT, Sector.GOVERNMENT) == 0.2
    assert sector_complement(Sector.OTHER, Sector.SCHOOL) == 0.5


def test_lexical_similarity_is_nfkc_and_character_based() -> None:
    lex = LexicalModel().fit(["河川清掃の人手が足りない", "規格外野菜を寄付できる", "ＩＴ支援"])
    assert normalise_text("ＩＴ　支援") == "it 支援"
    assert lex.similarity("ＩＴ支援", "IT支援") == pytest.approx(1.0)
    assert lex.similarity("河川清掃の人手", "清掃活動に参加") > lex.similarity(
        "河川清掃の人手", "野菜を寄付"
    )
    assert lex.similarity("河川清掃", "野菜") == 0.0


def test_pair_features_for_a_need(builder: PairFeatureBuilder, data: GraphData) -> None:
    need = next(n for n in data.needs_of("assoc") if n.id == "n-river")
    f, ev = builder.compute("assoc", "biz-a", need=need)
    assert set(f) == set(FEATURE_NAMES) - set(SEMANTIC_FEATURES)  # no vectors: no semantic
    assert f["same_area"] == 1.0 and f["neighbour_area"] == 0.0
    assert f["skill_overlap"] == 1.0  # 清掃 required and provided
    assert f["resource_overlap"] == 1.0  # people / people
    assert f["field_overlap"] == pytest.approx(jaccard({"07"}, {"07", "16"}))
    assert f["sector_complement"] == 0.8
    assert f["common_partners"] == 0.0 and f["graph_distance"] == MAX_DISTANCE
    assert f["lexical_match"] > 0
    assert ev.need is need and ev.offer is not None and ev.offer.id == "o-clean"
    assert ev.shared_skills == ["清掃"]


def test_pair_features_org_to_org(builder: PairFeatureBuilder) -> None:
    f, ev = builder.compute("npo", "biz-b")
    assert f["neighbour_area"] == 1.0  # 中央 – 南
    assert f["skill_overlap"] == 1.0  # 食品
    assert ev.offer is not None and ev.offer.id == "o-veg"
    f2, _ = builder.compute("assoc", "npo")
    assert f2["common_partners"] == 2.0
    assert f2["adamic_adar"] == pytest.approx(2 / math.log(2))
    assert f2["busy_candidate"] == 2.0  # c2 and c3 still running on 2024-01-01
    assert f2["candidate_partners"] == pytest.approx(math.log1p(2))


def test_features_before_a_date_ignore_later_collaborations(builder: PairFeatureBuilder) -> None:
    f, _ = builder.compute("assoc", "welfare", before=date(2023, 7, 1))
    assert f["past_collaborations"] == 0.0  # c4 starts that day: not yet known
    assert f["common_partners"] == 0.0 and f["graph_distance"] == 3.0
    f_after, _ = builder.compute("assoc", "welfare")
    assert f_after["past_collaborations"] == 1.0 and f_after["graph_distance"] == 1.0


def test_record_text_joins_title_and_description(data: GraphData) -> None:
    offer = data.offers_of("biz-a")[0]
    assert (
        record_text(offer)
        == "社員が週末に清掃活動に参加できる。社員ボランティアを年4回派遣できます。"
    )
