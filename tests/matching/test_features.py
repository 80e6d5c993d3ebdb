"""Snapshots and pair features on the hand-built city (tests/matching/conftest.py), against
hand-computed values.  Partner graph: assoc–school (2021-04, ended, evaluated 4 and 5),
school–npo (2022-05), npo–welfare (2023-06), assoc–welfare (2023-07)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
import pytest

from graph.model import Organization, Sector
from matching.features import (
    COLUMN,
    FEATURE_NAMES,
    FEATURES,
    coverage,
    evidence,
    jaccard,
    pair_features,
    sector_complement,
)
from matching.graphdata import GraphData
from matching.snapshot import Snapshot, known_at, profile_parts
from matching.text import LexicalModel, normalise_text, record_text
from tests.matching.conftest import city_records


@pytest.fixture
def data() -> GraphData:
    return GraphData.from_records(city_records())


def _snap(data: GraphData, cut: date | None) -> Snapshot:
    corpus = [getattr(r, "description", "") or getattr(r, "title", "") for r in city_records()]
    return Snapshot.build(
        data, data.org_ids(), cut, LexicalModel().fit(corpus), today=date(2024, 1, 1)
    )


def _row(s: Snapshot, a: str, b: str, need=None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    X = pair_features(s, s.index[a], np.array([s.index[b]]), need)
    return dict(zip(FEATURE_NAMES, X[0].tolist(), strict=True))


def test_set_overlaps_and_sector_table() -> None:
    assert jaccard({"07", "16"}, {"07"}) == 0.5
    assert jaccard([], []) == 0.0
    assert coverage({"清掃", "IT"}, {"清掃"}) == 0.5
    assert coverage(set(), {"清掃"}) == 0.0
    assert sector_complement(Sector.BUSINESS, Sector.NPO) == 1.0
    assert sector_complement(Sector.OTHER, Sector.NPO) == 0.5


def test_graph_features_now(data: GraphData) -> None:
    s = _snap(data, None)
    r = _row(s, "assoc", "npo")  # shared partners school and welfare, each with 2 partners
    assert r["common_partners"] == 2.0
    assert r["adamic_adar"] == pytest.approx(2 / math.log(2))
    assert r["resource_allocation"] == pytest.approx(1.0)
    assert r["jaccard"] == pytest.approx(1.0)  # 2 / (2 + 2 - 2)
    assert r["graph_distance"] == 2.0
    assert r["candidate_partners"] == pytest.approx(math.log1p(2))
    assert r["candidate_activity"] == pytest.approx(math.log1p(2))  # c2, c3
    assert r["subject_activity"] == pytest.approx(math.log1p(2))  # c1, c4
    assert _row(s, "assoc", "biz-a")["graph_distance"] == 4.0
    assert _row(s, "assoc", "biz-a")["candidate_idle_years"] == pytest.approx(math.log1p(30.0))
    past = _row(s, "assoc", "school")  # one collaboration, evaluated 4 and 5: mean 4.5
    assert past["past_collaborations"] == 1.0 and past["graph_distance"] == 1.0
    assert past["past_evaluation"] == pytest.approx(1.5)


def test_graph_features_as_of_a_date_see_only_the_past(data: GraphData) -> None:
    s = _snap(data, date(2023, 1, 1))  # only c1 and c2 had started
    r = _row(s, "assoc", "npo")
    assert r["common_partners"] == 1.0  # school
    assert r["adamic_adar"] == pytest.approx(1 / math.log(2))
    assert r["resource_allocation"] == pytest.approx(0.5)
    w = _row(s, "assoc", "welfare")
    assert w["common_partners"] == 0.0 and w["graph_distance"] == 4.0
    assert w["candidate_activity"] == 0.0
    # a later collaboration changes nothing in an earlier snapshot
    from graph.model import Collaboration, Participant

    future = Collaboration(
        id="c-future",
        title="将来の協働",
        form="共催",
        starts=date(2025, 4, 1),
        participants=[Participant(org_id="assoc"), Participant(org_id="npo")],
    )
    later = _snap(GraphData.from_records([*city_records(), future]), date(2023, 1, 1))
    assert _row(later, "assoc", "npo") == r


def test_recent_activity_decays_and_recent_partners_count_the_last_year(
    data: GraphData,
) -> None:
    s = _snap(data, date(2023, 8, 1))  # on 2023-07-31
    i = s.index["welfare"]  # c3 2023-06-01 and c4 2023-07-01: two partners this year
    assert s.recent_partners[i] == 2.0 and s.activity[i] == 2.0
    assert s.decayed[s.index["assoc"]] < s.activity[s.index["assoc"]]  # c1 is two years old
    assert s.busy[i] == 2.0  # both still running (no end date)
    assert s.busy[s.index["assoc"]] == 1.0  # c1 ended in 2021


def test_need_offer_skills_and_district(data: GraphData) -> None:
    s = _snap(data, None)
    need = next(n for n in data.needs_of("assoc") if n.id == "n-river")
    cand = np.array([s.index[o] for o in ("biz-a", "school", "biz-b")])
    X = pair_features(s, s.index["assoc"], cand, need)
    skill = X[:, COLUMN["skill_overlap"]]
    assert skill.tolist() == [1.0, 1.0, 0.0]  # both clean; the food company does not
    assert X[0, COLUMN["same_area"]] == 1.0 and X[1, COLUMN["neighbour_area"]] == 1.0
    assert X[0, COLUMN["lexical_match"]] > X[2, COLUMN["lexical_match"]]
    assert X[0, COLUMN["resource_overlap"]] == 1.0  # people for people
    ev = evidence(s, s.index["assoc"], s.index["biz-a"], need)
    assert ev.need is not None and ev.need.id == "n-river" and ev.need_owner == "subject"
    assert ev.offer is not None and ev.offer.id == "o-clean" and ev.shared_skills == ["清掃"]


def test_features_of_a_query_are_those_of_its_pairs_one_by_one(data: GraphData) -> None:
    """All candidates at once give the same rows as one candidate at a time (except the
    features normalised within the query, which depend on who else is ranked)."""
    s = _snap(data, None)
    q = s.index["assoc"]
    others = np.array([i for i in range(s.scored) if i != q])
    together = pair_features(s, q, others)
    per_query = {"lexical_profile_rel", "semantic_profile_rel"} | {
        f for f in FEATURE_NAMES if f.endswith("_pct")
    }
    cols = [COLUMN[f] for f in FEATURE_NAMES if f not in per_query]
    for k, c in enumerate(others):
        alone = pair_features(s, q, np.array([c]))
        assert np.allclose(together[k, cols], alone[0, cols])


def test_every_feature_has_a_direction_and_a_meaning() -> None:
    assert set(FEATURES) == set(FEATURE_NAMES)
    assert all(d in (-1, 0, 1) and text for d, text in FEATURES.values())


def test_profiles_as_of_a_date_leave_out_what_was_not_known_then(data: GraphData) -> None:
    """A description registered after the cut may name partners found later (a leak): left
    out.  The collaborations the organization had done before the cut stand in for it."""
    registered = datetime(2024, 1, 1, tzinfo=UTC)
    org = data.require_org("assoc").model_copy(
        update={"description": "2023年に市社会福祉協議会と見守りを始めた", "created_at": registered}
    )
    assert not known_at(org, date(2023, 1, 1)) and known_at(org, date(2024, 2, 1))
    later = GraphData.from_records(
        [org if getattr(r, "id", "") == "assoc" else r for r in city_records()]
    )
    assert profile_parts(later, "assoc", date(2023, 1, 1)) == ["河川清掃"]
    assert "2023年に市社会福祉協議会と見守りを始めた" in profile_parts(later, "assoc", None)
    assert "見守り" in profile_parts(later, "assoc", None)  # c4's title, today
    assert isinstance(later.require_org("assoc"), Organization)


def test_normalise_and_record_text() -> None:
    assert normalise_text("ＡＢＣ　ｶﾅ  x") == "abc カナ x"
    need = next(r for r in city_records() if getattr(r, "id", "") == "n-river")
    assert record_text(need).startswith("河川清掃の人手が足りない。")  # type: ignore[arg-type]
