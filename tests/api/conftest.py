"""A small real graph behind the real app, with one token per role.

The matcher runs with ``TSUNAGU_EMBED_MODEL`` pointing nowhere (its no-model fallback), so the
tests stay fast; ``test_real_model.py`` uses the real model once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.model import (
    Area,
    Collaboration,
    Need,
    Offer,
    Organization,
    Participant,
    Role,
)
from graph.store import GraphStore
from workflows.settings import Settings
from workflows.tokens import create_user

NO_MODEL = "/nonexistent/tsunagu-test-model"


def small_city() -> list:
    """Five organizations in two of the three registered districts, needs (one for
    coordinators only), offers and one past collaboration."""
    districts = [Area(id=d, name=d) for d in ("中央", "岩村田", "野沢")]
    orgs = [
        Organization(
            id="npo-kids",
            name="子ども食堂ひまわり",
            sector="npo",
            area="中央",
            description="地域の子どもに食事と居場所を提供する子ども食堂",
            fields=["13", "01"],
            contact_name="山田花子",
            contact_email="hanako@example.jp",
            contact_phone="0267-00-0001",
        ),
        Organization(
            id="biz-food",
            name="佐久フーズ株式会社",
            sector="business",
            area="中央",
            description="地元野菜を使った食品の製造と販売。食育活動にも協力",
            fields=["16"],
            contact_name="田中一郎",
            contact_email="tanaka@example.jp",
        ),
        Organization(
            id="biz-it",
            name="浅間システム",
            sector="business",
            area="岩村田",
            description="ITとGISの技術で地域の課題を解決するソフトウェア会社",
            fields=["14"],
        ),
        Organization(
            id="assoc-chuo",
            name="中央区自治会",
            sector="association",
            area="中央",
            description="見守り活動、河川清掃、防災訓練を行う自治会",
            fields=["03", "09"],
        ),
        Organization(
            id="school-1",
            name="中央小学校",
            sector="school",
            area="中央",
            description="食育と地域学習に力を入れる小学校",
            fields=["13"],
        ),
    ]
    needs = [
        Need(
            id="need-food",
            org_id="npo-kids",
            title="子ども食堂の食材が足りない",
            description="毎週土曜の子ども食堂で使う野菜や米の提供をお願いしたい",
            fields=["13"],
            resource_kinds=["goods"],
            skills=["調理"],
            area="中央",
            starts=date(2026, 4, 1),
            ends=date(2027, 3, 31),
        ),
        Need(
            id="need-map",
            org_id="assoc-chuo",
            title="防災マップをデジタル化したい",
            description="紙の防災マップをGISでデジタル化できる人を探しています",
            fields=["08"],
            resource_kinds=["skills"],
            skills=["GIS"],
            area="中央",
        ),
        Need(
            id="need-private",
            org_id="npo-kids",
            title="相談員の確保（非公開）",
            description="個別の家庭支援の相談員",
            resource_kinds=["people"],
            visibility="coordinators",
        ),
    ]
    offers = [
        Offer(
            id="offer-veg",
            org_id="biz-food",
            title="規格外野菜の提供",
            description="形の悪い野菜を毎週無償で提供できます",
            resource_kinds=["goods"],
            skills=["調理"],
            area="中央",
        ),
        Offer(
            id="offer-gis",
            org_id="biz-it",
            title="GISによる地図作成の支援",
            description="社員がGISで地図のデジタル化を手伝えます",
            resource_kinds=["skills"],
            skills=["GIS"],
            area="岩村田",
        ),
    ]
    collabs = [
        Collaboration(
            id="collab-old",
            title="河川清掃",
            form="co_hosting",
            starts=date(2024, 5, 1),
            ends=date(2024, 5, 31),
            status="ended",
            participants=[
                Participant(org_id="assoc-chuo", role="lead"),
                Participant(org_id="school-1", role="partner"),
            ],
        )
    ]
    return [*districts, *orgs, *needs, *offers, *collabs]


@dataclass
class Env:
    client: TestClient
    store: GraphStore
    tokens: dict[str, str]  # role name (and "business2") -> token
    user_ids: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, role: str, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.auth(role), **kw)

    def post(self, role: str, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.post(url, headers=self.auth(role), **kw)

    def patch(self, role: str, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.patch(url, headers=self.auth(role), **kw)

    def delete(self, role: str, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.delete(url, headers=self.auth(role), **kw)


def make_settings(tmp_path: Path, model: str = NO_MODEL) -> Settings:
    return Settings(data_dir=tmp_path / "data", embed_model=model, overdue_days=7)


def build_env(store: GraphStore, tmp_path: Path, model: str = NO_MODEL) -> Iterator[Env]:
    store.upsert(small_city())
    tokens, ids = {}, {}
    for key, role, org in [
        ("admin", Role.ADMIN, None),
        ("coordinator", Role.COORDINATOR, None),
        ("business", Role.BUSINESS, "biz-food"),
        ("business2", Role.BUSINESS, "biz-it"),
        ("staff", Role.STAFF, None),
    ]:
        user, token = create_user(store, f"{key}-user", role, org)
        tokens[key], ids[key] = token, user.id
    app = create_app(make_settings(tmp_path, model), store)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Env(client, store, tokens, ids)


@pytest.fixture
def env(store: GraphStore, tmp_path: Path) -> Iterator[Env]:
    """The app on each backend (embedded, and Neo4j when configured)."""
    yield from build_env(store, tmp_path)


API = "/api/v1"
