"""A small hand-built city for the matcher's tests, and one embedding model per session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.model import (
    Area,
    Collaboration,
    Need,
    Offer,
    Organization,
    Participant,
    PartnerEvaluation,
    Record,
)
from graph.store import GraphStore
from tests.conftest import make_embedded_store


def _eval(org: str, score: int) -> PartnerEvaluation:
    return PartnerEvaluation(
        org_id=org, targets=score, form=score, strengths=score, selection=score, relationship=score
    )


def city_records() -> list[Record]:
    """Six organizations in three districts (北 — 中央 — 南) with four dated collaborations.

    Partner graph: assoc–school (2021-04), school–npo (2022-05), npo–welfare (2023-06),
    assoc–welfare (2023-07).  biz-a and biz-b have no partners.
    """
    return [
        Area(id="北", name="北", neighbours=["中央"]),
        Area(id="中央", name="中央", neighbours=["北", "南"]),
        Area(id="南", name="南"),
        Organization(
            id="assoc",
            name="北区自治会",
            sector="association",
            area="北",
            fields=["03", "07"],
            description="北地区の自治会。河川敷の清掃と見守り活動。",
        ),
        Organization(
            id="biz-a",
            name="株式会社北建設",
            sector="business",
            area="北",
            fields=["07", "16"],
            description="地元の建設会社。社会貢献活動に力を入れる。",
        ),
        Organization(
            id="npo",
            name="子ども食堂ネット",
            sector="npo",
            area="中央",
            fields=["13"],
            description="子ども食堂を運営するNPO。",
        ),
        Organization(
            id="school",
            name="中央小学校",
            sector="school",
            area="中央",
            fields=["02", "13"],
            description="市立小学校。地域学習に取り組む。",
        ),
        Organization(
            id="biz-b",
            name="南食品株式会社",
            sector="business",
            area="南",
            fields=["16"],
            description="食品の製造販売。",
        ),
        Organization(
            id="welfare",
            name="市社会福祉協議会",
            sector="welfare",
            area="中央",
            fields=["01"],
            description="地域福祉の推進。ボランティアセンター。",
        ),
        Need(
            id="n-river",
            org_id="assoc",
            title="河川清掃の人手が足りない",
            description="毎月の河川清掃に参加する人が減っている。",
            fields=["07"],
            resource_kinds=["people"],
            skills=["清掃"],
            area="北",
        ),
        Need(
            id="n-food",
            org_id="npo",
            title="子ども食堂の食材を寄付してほしい",
            description="野菜や米などの食材が不足している。",
            fields=["13"],
            resource_kinds=["goods"],
            skills=["食品"],
        ),
        Offer(
            id="o-clean",
            org_id="biz-a",
            title="社員が週末に清掃活動に参加できる",
            description="社員ボランティアを年4回派遣できます。",
            fields=["07"],
            resource_kinds=["people"],
            skills=["清掃"],
        ),
        Offer(
            id="o-veg",
            org_id="biz-b",
            title="規格外野菜を寄付できる",
            description="形の悪い野菜を子ども食堂などに無償で提供します。",
            fields=["05"],
            resource_kinds=["goods"],
            skills=["食品"],
        ),
        Offer(
            id="o-kids",
            org_id="school",
            title="児童が地域の清掃に参加",
            description="総合学習の時間に地域の清掃活動へ参加します。",
            fields=["02"],
            resource_kinds=["people"],
            skills=["清掃"],
        ),
        Collaboration(
            id="c1",
            title="河川清掃",
            form="共催",
            starts=date(2021, 4, 1),
            ends=date(2021, 9, 30),
            status="ended",
            participants=[Participant(org_id="assoc"), Participant(org_id="school")],
            evaluations=[_eval("assoc", 4), _eval("school", 5)],
        ),
        Collaboration(
            id="c2",
            title="食育授業",
            form="事業協力",
            starts=date(2022, 5, 1),
            participants=[Participant(org_id="school"), Participant(org_id="npo")],
        ),
        Collaboration(
            id="c3",
            title="子ども食堂支援",
            form="補助・助成",
            starts=date(2023, 6, 1),
            participants=[Participant(org_id="npo"), Participant(org_id="welfare")],
        ),
        Collaboration(
            id="c4",
            title="見守り",
            form="実行委員会",
            starts=date(2023, 7, 1),
            participants=[Participant(org_id="assoc"), Participant(org_id="welfare")],
        ),
    ]


@pytest.fixture
def city_store(tmp_path: Path) -> Iterator[GraphStore]:
    store = make_embedded_store(tmp_path / "city.sqlite3")
    store.upsert(city_records())
    yield store
    store.close()


@pytest.fixture(scope="session")
def encoder():  # type: ignore[no-untyped-def]
    """The real default model, loaded once for the whole session (offline)."""
    from matching.encoders import load_encoder

    return load_encoder()
