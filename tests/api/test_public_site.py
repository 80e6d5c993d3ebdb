"""The public site's rules through the real app, on both stores: publication as a deliberate act
(consent of every partner, only ended collaborations, unpublishing takes a case down at once),
disclosure levels, cooperating businesses, the anonymous offer of help and its spam guard, and
the offer in the coordinators' queue."""

from __future__ import annotations

from datetime import date

from graph.model import Collaboration, HelpOffer, Participant, PartnerEvaluation
from tests.api.conftest import API, Env
from workflows.publication import FormGuard, RateLimit

PUB = f"{API}/public"


def ended_case(env: Env) -> None:
    env.store.upsert(
        [
            Collaboration(
                id="collab-food",
                title="子ども食堂への野菜の提供",
                form="project_cooperation",
                description="規格外野菜を毎週届けた",
                starts=date(2025, 4, 1),
                ends=date(2026, 3, 31),
                status="ended",
                need_ids=["need-food"],
                participants=[
                    Participant(org_id="npo-kids", role="lead"),
                    Participant(org_id="biz-food", role="partner"),
                ],
                evaluations=[
                    PartnerEvaluation(
                        org_id="npo-kids",
                        targets=5,
                        form=4,
                        strengths=5,
                        selection=4,
                        relationship=5,
                        comment="毎週届いて助かった",
                    ),
                    PartnerEvaluation(
                        org_id="biz-food",
                        targets=4,
                        form=4,
                        strengths=4,
                        selection=4,
                        relationship=3,
                        comment="連絡の手順に課題",
                    ),
                ],
            )
        ]
    )


def publish(env: Env, collab: str, role: str = "staff", **body: object) -> object:
    return env.client.put(
        f"{API}/publication/collaborations/{collab}", headers=env.auth(role), json=body
    )


def quick_form(env: Env) -> None:
    """No minimum fill time, so the tests need not wait (the rule itself is tested below)."""
    env.client.app.state.form_guard = FormGuard(b"test-secret", min_seconds=0)  # type: ignore[attr-defined]


def test_publishing_needs_every_partners_consent_and_an_ended_collaboration(env: Env) -> None:
    ended_case(env)
    got = publish(env, "collab-food", published=True)
    assert got.status_code == 409 and "佐久フーズ株式会社" in got.json()["detail"]  # by name
    assert publish(env, "collab-food", consents=["npo-kids"], published=True).status_code == 409
    assert publish(env, "collab-food", consents=["no-such-org"]).status_code == 422
    assert env.client.get(f"{PUB}/cases").json() == []

    got = publish(
        env,
        "collab-food",
        consents=["npo-kids", "biz-food"],
        published=True,
        summary="目標はほぼ達成",
        public_comments=["npo-kids"],
    )
    assert got.status_code == 200, got.text
    cases = env.client.get(f"{PUB}/cases").json()
    assert [c["id"] for c in cases] == ["collab-food"]
    case = cases[0]
    assert [p["name"] for p in case["partners"]] == ["子ども食堂ひまわり", "佐久フーズ株式会社"]
    assert case["year"] == 2025 and case["form"] == "project_cooperation"
    # (5+4+5+4+5)/5 = 4.6 and (4+4+4+4+3)/5 = 3.8: overall 4.2; targets (5+4)/2 = 4.5
    assert case["evaluation"]["overall"] == 4.2
    assert case["evaluation"]["means"]["targets"] == 4.5
    assert case["evaluation"]["summary"] == "目標はほぼ達成"
    assert case["evaluation"]["comments"] == [
        {"org_name": "子ども食堂ひまわり", "comment": "毎週届いて助かった"}
    ]
    # an active collaboration cannot be published; filters
    assert (
        publish(env, "collab-old", consents=["assoc-chuo", "school-1"], published=True).status_code
        == 200
    )  # collab-old has ended
    assert len(env.client.get(f"{PUB}/cases").json()) == 2
    assert [
        c["id"] for c in env.client.get(f"{PUB}/cases", params={"form": "co_hosting"}).json()
    ] == ["collab-old"]
    assert [c["id"] for c in env.client.get(f"{PUB}/cases", params={"year": 2025}).json()] == [
        "collab-food"
    ]
    # a case's fields are its needs' (collab-food: 13), else its partners' (collab-old: 03, 09, 13)
    assert [c["id"] for c in env.client.get(f"{PUB}/cases", params={"field": "09"}).json()] == [
        "collab-old"
    ]
    assert len(env.client.get(f"{PUB}/cases", params={"field": "13"}).json()) == 2
    assert env.client.get(f"{PUB}/cases", params={"area": "岩村田"}).json() == []


def test_unpublishing_takes_a_case_down_at_once_everywhere(env: Env) -> None:
    ended_case(env)
    publish(
        env,
        "collab-food",
        consents=["npo-kids", "biz-food"],
        published=True,
        recognised=True,
        recognised_year=2026,
        recognition_note="食の支援の好例",
    )
    env.client.put(
        f"{API}/publication/organizations/biz-food",
        headers=env.auth("staff"),
        json={"level": "profile", "contributions": True},
    )
    assert env.client.get(f"{PUB}/cases/collab-food").status_code == 200
    assert [c["id"] for c in env.client.get(f"{PUB}/recognised").json()] == ["collab-food"]
    business = env.client.get(f"{PUB}/businesses").json()
    assert [c["case_id"] for c in business[0]["contributions"]] == ["collab-food"]
    assert "子ども食堂への野菜の提供" in env.client.get("/public/cases").text

    assert publish(env, "collab-food", published=False, recognised=False).status_code == 200
    assert env.client.get(f"{PUB}/cases").json() == []
    assert env.client.get(f"{PUB}/recognised").json() == []
    assert env.client.get(f"{PUB}/businesses").json()[0]["contributions"] == []
    for page in ("/public/cases", "/public/recognised", "/public/businesses", "/public"):
        assert "子ども食堂への野菜の提供" not in env.client.get(page).text, page
    gone = env.client.get(f"{PUB}/cases/collab-food")
    never = env.client.get(f"{PUB}/cases/no-such-case")
    assert gone.status_code == never.status_code == 404
    assert gone.json()["detail"].replace("collab-food", "X") == never.json()["detail"].replace(
        "no-such-case", "X"
    )
    assert env.client.get("/public/cases/collab-food").status_code == 404


def test_withdrawn_consent_takes_the_case_down(env: Env) -> None:
    ended_case(env)
    publish(env, "collab-food", consents=["npo-kids", "biz-food"], published=True)
    assert len(env.client.get(f"{PUB}/cases").json()) == 1
    assert publish(env, "collab-food", consents=["npo-kids"]).status_code == 409
    # recording the withdrawal together with unpublishing is accepted
    assert publish(env, "collab-food", consents=["npo-kids"], published=False).status_code == 200
    assert env.client.get(f"{PUB}/cases").json() == []


def test_who_may_publish(env: Env) -> None:
    ended_case(env)
    body = {"consents": ["npo-kids", "biz-food"], "published": True}
    assert (
        env.client.put(f"{API}/publication/collaborations/collab-food", json=body).status_code
        == 401
    )
    assert publish(env, "collab-food", role="business", **body).status_code == 403
    assert publish(env, "collab-food", role="coordinator", **body).status_code == 200
    got = env.client.put(
        f"{API}/publication/organizations/npo-kids",
        headers=env.auth("business"),
        json={"level": "contact"},
    )
    assert got.status_code == 403


def test_directory_shows_each_organization_at_its_level(env: Env) -> None:
    assert env.client.get(f"{PUB}/organizations").json() == []  # private until published
    put = lambda org, **b: env.client.put(  # noqa: E731
        f"{API}/publication/organizations/{org}", headers=env.auth("coordinator"), json=b
    )
    assert put("npo-kids", level="name").status_code == 200
    assert put("biz-food", level="contact").status_code == 200
    assert put("assoc-chuo", level="profile").status_code == 200
    orgs = {o["id"]: o for o in env.client.get(f"{PUB}/organizations").json()}
    assert set(orgs) == {"npo-kids", "biz-food", "assoc-chuo"}
    assert orgs["npo-kids"]["description"] is None and orgs["npo-kids"]["contact_email"] is None
    assert orgs["assoc-chuo"]["description"].startswith("見守り活動")
    assert orgs["assoc-chuo"]["contact_name"] is None
    assert orgs["biz-food"]["contact_email"] == "tanaka@example.jp"  # chosen: contact level
    assert [
        o["id"]
        for o in env.client.get(f"{PUB}/organizations", params={"sector": "business"}).json()
    ] == ["biz-food"]
    assert put("npo-kids", contributions=True).status_code == 422  # not a business
    assert put("biz-food", level="hidden").status_code == 200
    assert "biz-food" not in {o["id"] for o in env.client.get(f"{PUB}/organizations").json()}
    # a need names its organization only when the organization is listed
    needs = {n["id"]: n for n in env.client.get(f"{PUB}/needs").json()}
    assert needs["need-food"]["org_name"] == "子ども食堂ひまわり"
    assert needs["need-map"]["org_name"] == "中央区自治会"


def test_public_needs_are_open_public_and_searchable(env: Env) -> None:
    needs = env.client.get(f"{PUB}/needs").json()
    assert {n["id"] for n in needs} == {"need-food", "need-map"}
    assert [n["id"] for n in env.client.get(f"{PUB}/needs", params={"q": "GIS"}).json()] == [
        "need-map"
    ]
    assert [
        n["id"] for n in env.client.get(f"{PUB}/needs", params={"resource_kind": "goods"}).json()
    ] == ["need-food"]
    assert [n["id"] for n in env.client.get(f"{PUB}/needs", params={"field": "防災"}).json()] == [
        "need-map"
    ]
    assert env.client.get(f"{PUB}/needs/need-private").status_code == 404
    page = env.client.get("/public/needs", params={"q": "GIS"})
    assert "防災マップをデジタル化したい" in page.text and "子ども食堂の食材" not in page.text
    assert "Open needs" in env.client.get("/public/needs?lang=en").text


def offer(env: Env, need: str = "need-food", **body: object) -> object:
    token = env.client.get(f"{PUB}/form-token").json()["token"]
    data = {
        "name": "佐藤次郎",
        "email": "jiro@example.jp",
        "message": "土曜に手伝えます",
        "token": token,
        **body,
    }
    return env.client.post(f"{PUB}/needs/{need}/offers", json=data)


def test_an_offer_of_help_lands_in_the_queue_and_is_decided(env: Env) -> None:
    quick_form(env)
    got = offer(env)
    assert got.status_code == 202, got.text
    queue = env.get("coordinator", f"{API}/queue", params={"type": "help_offer"}).json()
    assert queue["total"] == 1
    item = queue["items"][0]
    assert (item["need_id"], item["offered_by"], item["contact"], item["message"]) == (
        "need-food",
        "佐藤次郎",
        "jiro@example.jp",
        "土曜に手伝えます",
    )
    assert item["org_name"] == "子ども食堂ひまわり"
    assert env.get("business", f"{API}/queue").status_code == 403
    assert (
        env.post(
            "business", f"{API}/help-offers/{item['id']}/decision", json={"status": "accepted"}
        ).status_code
        == 403
    )
    got = env.post(
        "coordinator",
        f"{API}/help-offers/{item['id']}/decision",
        json={"status": "accepted", "note": "団体に紹介した"},
    )
    assert got.status_code == 200 and got.json()["status"] == "accepted"
    assert (
        env.get("coordinator", f"{API}/queue", params={"type": "help_offer"}).json()["total"] == 0
    )
    assert (
        env.post(
            "coordinator", f"{API}/help-offers/{item['id']}/decision", json={"status": "declined"}
        ).status_code
        == 409
    )


def test_offer_spam_guard(env: Env) -> None:
    # too quick: the default minimum fill time
    assert offer(env).status_code == 422
    quick_form(env)
    # a forged token
    assert (
        env.client.post(
            f"{PUB}/needs/need-food/offers",
            json={"name": "x", "email": "x@example.jp", "token": "1.deadbeef"},
        ).status_code
        == 422
    )
    # a filled honeypot: answered as received, nothing stored
    assert offer(env, website="http://spam.example").status_code == 202
    assert list(env.store.iter_all("HelpOffer")) == []
    # the same form twice
    token = env.client.get(f"{PUB}/form-token").json()["token"]
    data = {"name": "a", "email": "a@example.jp", "token": token}
    assert env.client.post(f"{PUB}/needs/need-food/offers", json=data).status_code == 202
    assert env.client.post(f"{PUB}/needs/need-food/offers", json=data).status_code == 409
    # no contact, a private need
    assert offer(env, email="").status_code == 422
    assert offer(env, need="need-private").status_code == 404
    # the per-address limit
    env.client.app.state.offer_rate_limit = RateLimit(limit=2, window=3600)  # type: ignore[attr-defined]
    assert offer(env).status_code == 202
    assert offer(env).status_code == 202
    limited = offer(env)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    stored = [h for h in env.store.iter_all("HelpOffer") if isinstance(h, HelpOffer)]
    assert len(stored) == 3


def test_min_fill_time_is_signed() -> None:
    guard = FormGuard(b"k", min_seconds=3)
    token = guard.issue(now=1000.0)
    guard.check(token, now=1003.5)
    for now in (1001.0, 1000.0 + 3 * 3600):
        try:
            guard.check(token, now=now)
        except ValueError:
            continue
        raise AssertionError(f"accepted at {now}")
    issued, _, sig = token.partition(".")
    forged = f"{int(issued) - 10_000}.{sig}"  # pretend it was fetched earlier
    try:
        guard.check(forged, now=1003.5)
    except ValueError:
        return
    raise AssertionError("a forged issue time was accepted")
