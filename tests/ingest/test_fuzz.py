"""Property test: malformed CSV and JSON never raise and never half-write.

Whatever the bytes, ``import_bytes`` returns a report (problems are its errors, never an
exception), and the store ends up either untouched or holding exactly the records the report
says were valid: with the default all-or-nothing mode, any error means no change at all.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.store import GraphStore
from ingest.pipeline import import_bytes

KINDS = ("Organization", "Need", "Offer", "Collaboration", "Area")

VALID_CSV = (
    "id,団体名,種別,地区,活動分野,設立年月日,法人番号\n"
    "o1,株式会社つなぐ,事業者,中込,まちづくり,令和元年5月1日,7000012050002\n"
    "o2,やまびこの会,NPO,野沢,環境保全,H30.1.1,\n"
    "o3,中込区,自治会,中込,防災,2001/4/1,\n"
)
VALID_JSON = {
    "organizations": [
        {"id": "o1", "name": "つなぐ", "sector": "business", "fields": ["03"]},
        {"id": "o2", "name": "やまびこの会", "sector": "npo", "area": "野沢"},
    ],
    "needs": [{"id": "n1", "org_id": "o2", "title": "河川清掃の人手", "starts": "R6.4.1"}],
    "collaborations": [
        {
            "id": "c1",
            "title": "花街道",
            "form": "共催",
            "starts": "2023-04-01",
            "participants": "o1:主催;o2:協力",
        }
    ],
}

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10**14)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
CELL_TEXT = st.one_of(
    st.text(max_size=15),
    st.sampled_from(
        [
            '"',
            '""',
            ",",
            "\n",
            "\r",
            "R5.13.1",
            "平成31年5月1日",
            "宇宙",
            "",
            "0",
            "7000012050002",
            "o9",
            "\x00",
            "；",
            "o1:主催;o9:協力",
        ]
    ),
)


def _counts(store: GraphStore) -> dict[str, int]:
    return {k: store.count(k) for k in KINDS}


def _check(store: GraphStore, filename: str, data: bytes, skip_invalid: bool) -> None:
    store.clear()
    before = _counts(store)
    report = import_bytes(store, filename, data, skip_invalid=skip_invalid)
    after = _counts(store)
    json.dumps(report.to_dict(), ensure_ascii=False, default=str)  # always serialisable
    if report.errors and not skip_invalid:
        assert after == before, "an invalid file must write nothing"
        assert not report.wrote
        return
    written = sum(after.values()) - sum(before.values())
    assert written == report.created == report.valid, (report.errors, after)
    assert report.skipped <= report.read


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), skip_invalid=st.booleans())
def test_malformed_csv(store: GraphStore, data: st.DataObject, skip_invalid: bool) -> None:
    mutation = data.draw(st.sampled_from(["cell", "bytes", "truncate", "garbage", "encoding"]))
    raw = VALID_CSV.encode("utf-8")
    if mutation == "cell":
        rows = [line.split(",") for line in VALID_CSV.splitlines()]
        r = data.draw(st.integers(0, len(rows) - 1))
        c = data.draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = data.draw(CELL_TEXT)
        raw = "\n".join(",".join(row) for row in rows).encode("utf-8")
    elif mutation == "bytes":
        at = data.draw(st.integers(0, len(raw)))
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=6)) + raw[at:]
    elif mutation == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif mutation == "garbage":
        raw = data.draw(st.binary(max_size=200))
    else:
        raw = VALID_CSV.encode(data.draw(st.sampled_from(["cp932", "utf-16", "utf-8-sig"])))
    name = data.draw(st.sampled_from(["organizations.csv", "団体.tsv", "x.csv"]))
    _check(store, name, raw, skip_invalid)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), skip_invalid=st.booleans())
def test_malformed_json(store: GraphStore, data: st.DataObject, skip_invalid: bool) -> None:
    doc = json.loads(json.dumps(VALID_JSON))
    mutation = data.draw(st.sampled_from(["value", "record", "text", "whole"]))
    if mutation == "value":
        kind = data.draw(st.sampled_from(sorted(doc)))
        item = data.draw(st.sampled_from(doc[kind]))
        key = data.draw(st.sampled_from(sorted(item) + ["extra", "id"]))
        item[key] = data.draw(JSON_VALUES)
    elif mutation == "record":
        kind = data.draw(st.sampled_from(sorted(doc)))
        doc[kind].append(data.draw(JSON_VALUES))
    elif mutation == "whole":
        doc = data.draw(JSON_VALUES)
    text = json.dumps(doc, ensure_ascii=False)
    if mutation == "text":
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.text(max_size=4)) + text[at + 1 :]
    name = data.draw(st.sampled_from(["city.json", "needs.jsonl"]))
    if name.endswith(".jsonl") and isinstance(doc, dict):
        text = "\n".join(json.dumps(x, ensure_ascii=False) for x in doc.get("needs", [doc]))
    _check(store, name, text.encode("utf-8", errors="surrogatepass"), skip_invalid)
