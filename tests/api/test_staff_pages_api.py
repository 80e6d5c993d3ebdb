"""The routes behind the staff's pages, on both stores: the growth snapshots kept by
``tsunagu stats`` (list, one, compare), the growth figures as one CSV (``/export/csv``), the
partial mark of a running period, and the lists of the publication page (cases with their
partners' consent, disclosure levels, indicators) — each refused to the roles that may not."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

from graph.analytics import compute_growth, save_snapshot
from graph.model import Collaboration, Organization, Participant
from tests.api.conftest import Env

API = "/api/v1"


def _two_snapshots(env: Env, data_dir: Path) -> tuple[str, str]:
    """FY2024 saved in January 2025 (the year still running), then again in June 2025 after a
    late-entered collaboration of August 2024 between the welfare association and the IT firm."""
    save_snapshot(data_dir, compute_growth(env.store, "fiscal"), datetime(2025, 1, 10, tzinfo=UTC))
    env.store.upsert(
        [
            Collaboration(
                id="collab-late",
                title="防災マップ",
                form="project_cooperation",
                starts=date(2024, 8, 1),
                ends=date(2024, 9, 30),
                status="ended",
                participants=[
                    Participant(org_id="assoc-chuo", role="lead"),
                    Participant(org_id="biz-it", role="partner"),
                ],
            )
        ]
    )
    save_snapshot(data_dir, compute_growth(env.store, "fiscal"), datetime(2025, 6, 10, tzinfo=UTC))
    got = env.get("staff", f"{API}/network/snapshots", params={"period": "fiscal"}).json()
    fy2024 = [s for s in got["snapshots"] if s["period"] == "FY2024" and s["scope"] == "all"]
    assert [s["computed_at"][:10] for s in fy2024] == ["2025-01-10", "2025-06-10"]
    # January 2025 is before FY2024's end (31 March 2025): partial; June is after: final
    assert [s["partial"] for s in fy2024] == [True, False]
    assert fy2024[0]["label_ja"] == "2024年度" and fy2024[0]["scope_label_en"] == "Whole network"
    return fy2024[0]["id"], fy2024[1]["id"]


def test_snapshots_compare_hand_counted(env: Env, tmp_path: Path) -> None:
    old, new = _two_snapshots(env, tmp_path / "data")  # the app's data_dir (make_settings)
    diff = env.get("staff", f"{API}/network/snapshots/compare", params={"old": old, "new": new})
    assert diff.status_code == 200
    body = diff.json()
    assert body["period"] == "FY2024" and body["data_changed"] is True
    changes = {c["name"]: c for c in body["changes"]}
    # one collaboration more in FY2024: 1 → 2 started, 1 → 2 ties (assoc–school, assoc–IT)
    assert (changes["new_collaborations"]["old"], changes["new_collaborations"]["new"]) == (1, 2)
    assert changes["new_collaborations"]["delta"] == 1
    assert (changes["ties"]["old"], changes["ties"]["new"]) == (1, 2)
    assert changes["new_ties"]["label_ja"] == "新しいつながり"
    one = env.get("coordinator", f"{API}/network/snapshots/one", params={"id": new}).json()
    assert one["figures"]["ties"] == 2 and one["partial"] is False


def test_snapshots_refused_and_bad_names(env: Env, tmp_path: Path) -> None:
    old, new = _two_snapshots(env, tmp_path / "data")
    assert env.get("business", f"{API}/network/snapshots").status_code == 403
    assert env.client.get(f"{API}/network/snapshots").status_code == 401
    compare = f"{API}/network/snapshots/compare"
    assert env.get("business", compare, params={"old": old, "new": new}).status_code == 403
    assert env.client.get(compare, params={"old": old, "new": new}).status_code == 401
    outside = env.get("staff", f"{API}/network/snapshots/one", params={"id": "../../etc/passwd"})
    assert outside.status_code == 404
    other = [
        s["id"]
        for s in env.get("staff", f"{API}/network/snapshots").json()["snapshots"]
        if s["period"] == "FY2025"
    ][0]
    assert env.get("staff", compare, params={"old": old, "new": other}).status_code == 422


def test_growth_marks_the_running_period_partial(env: Env) -> None:
    series = env.get("staff", f"{API}/network/growth", params={"period": "fiscal"}).json()
    today = date.today()
    for p in series["series"]:
        assert p["partial"] == (date.fromisoformat(p["end"]) >= today)
    assert series["series"][-1]["partial"] is True  # the need of 2026 reaches the present
    assert series["plan_indicators"]["periods"][-1]["partial"] is True


def test_export_csv_is_the_figures_table(env: Env) -> None:
    env.store.upsert([Organization(id="late", name="新しい団体", sector="npo", area="中央")])
    got = env.get("staff", f"{API}/network/export/csv", params={"period": "fiscal"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["期間 / period", "期間名", "period name"]
    col = header.index("登録団体数 / Registered organizations")
    by_period = {r[0]: r for r in rows[1:]}
    # FY2024: the two partners of the 2024 clean-up (the others were registered only now);
    # the running year: all six, marked partial
    assert by_period["FY2024"][col] == "2" and by_period["FY2024"][4] == ""
    assert rows[-1][col] == "6" and rows[-1][4] == "yes"
    assert "tsunagu-growth-fiscal.csv" in got.headers["content-disposition"]
    assert env.get("business", f"{API}/network/export/csv").status_code == 403


def test_publication_lists_for_staff(env: Env) -> None:
    cases = env.get("staff", f"{API}/publication/collaborations")
    assert cases.status_code == 200
    [case] = cases.json()
    assert case["collaboration_id"] == "collab-old"
    assert [p["name"] for p in case["partners"]] == ["中央区自治会", "中央小学校"]
    assert case["publication"]["published"] is False
    put = f"{API}/publication/collaborations/collab-old"
    refused = env.client.put(put, json={"published": True}, headers=env.auth("staff"))
    assert refused.status_code == 409  # no consent yet
    body = {"consents": ["assoc-chuo", "school-1"], "published": True}
    assert env.client.put(put, json=body, headers=env.auth("staff")).status_code == 200
    [case] = env.get("staff", f"{API}/publication/collaborations").json()
    assert case["publication"]["published"] is True

    profiles = env.get("staff", f"{API}/publication/organizations").json()
    assert [p["name"] for p in profiles][:2] == sorted(p["name"] for p in profiles)[:2]
    assert {p["level"] for p in profiles} == {"hidden"}
    level = f"{API}/publication/organizations/biz-it"
    assert env.client.put(level, json={"level": "profile"}, headers=env.auth("staff")).is_success
    got = {
        p["org_id"]: p["level"] for p in env.get("staff", f"{API}/publication/organizations").json()
    }
    assert got["biz-it"] == "profile"

    assert env.get("staff", f"{API}/indicators").json() == []
    indicator = {
        "name_ja": "協働事業数",
        "method": "computed",
        "figure": "new_collaborations",
        "baseline_year": 2023,
        "targets": [{"year": 2026, "value": 5}],
    }
    assert env.client.put(
        f"{API}/indicators/ind-a", json=indicator, headers=env.auth("staff")
    ).is_success
    [listed] = env.get("staff", f"{API}/indicators").json()
    assert listed["id"] == "ind-a" and listed["targets"][0]["value"] == 5


def test_publication_lists_refused(env: Env) -> None:
    for path in ("publication/collaborations", "publication/organizations", "indicators"):
        assert env.get("business", f"{API}/{path}").status_code == 403, path
        assert env.client.get(f"{API}/{path}").status_code == 401, path
