"""One rule for text on every path (issue 9 item 8): what cannot be decoded for sure is
refused, nothing is stripped silently, and no control character but tab and line breaks (and
those only in multi-line fields) gets into a record, whether through the importer or the API."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from graph.model import STORED, Collaboration, Organization, PartnerEvaluation, Sector
from graph.store import GraphStore
from ingest.encoding import decode
from ingest.errors import FileError
from ingest.pipeline import import_bytes

CSV = (
    "id,name,sector,description\n"
    "org-1,みどり川を守る会,npo,河川清掃\n"
    "org-2,さくら町自治会,自治会,見守り\n"
)


def test_an_iso_2022_jp_csv_reads_as_japanese(store: GraphStore) -> None:
    data = CSV.encode("iso2022_jp")
    assert b"\x1b$B" in data and data.isascii()  # also "valid UTF-8": it used to be read so
    report = import_bytes(store, "organizations.csv", data)
    assert report.ok, report.errors
    assert store.require("Organization", "org-1").name == "みどり川を守る会"  # type: ignore[attr-defined]
    assert any("iso2022" in n.message_en for n in report.notices)


def test_escape_characters_that_are_not_jis_are_refused() -> None:
    with pytest.raises(FileError) as err:
        decode("id,name\norg-1,名前\x1b[31m赤\n".encode())
    assert "ESC" in err.value.reason_en and "line 2" in err.value.reason_en
    assert "エスケープ" in err.value.reason_ja


def test_invalid_utf8_in_json_is_refused_not_read_as_cp932(store: GraphStore) -> None:
    # ASCII up to a Shift_JIS name: CP932 would "read" it; JSON is UTF-8 only
    data = b'[{"id": "org-1", "name": "' + "団体".encode("cp932") + b'", "sector": "npo"}]'
    report = import_bytes(store, "organizations.json", data)
    assert not report.wrote and store.count("Organization") == 0
    (error,) = report.errors
    assert "UTF-8" in error.reason_en and error.file == "organizations.json"
    # the same bytes as CSV are CP932, read for sure and said so
    assert decode(b"id,name\n" + "団体".encode("cp932"))[1] == "cp932"


@pytest.mark.parametrize("ch", ["\x01", "\x0b", "\x1f", "\x7f", "\x85", "\x9b"])
def test_the_importer_refuses_control_characters(store: GraphStore, ch: str) -> None:
    data = f"id,name,sector,description\norg-1,名前,npo,説明{ch}です\n".encode()
    report = import_bytes(store, "organizations.csv", data)
    assert not report.wrote and store.count("Organization") == 0
    (error,) = report.errors
    assert (error.file, error.row, error.column) == ("organizations.csv", 2, "description")
    assert f"U+{ord(ch):04X}" in error.reason_en and "制御文字" in error.reason_ja


def test_a_nul_byte_refuses_the_file(store: GraphStore) -> None:
    report = import_bytes(store, "organizations.csv", "id,name,sector\norg-1,名\x00,npo\n".encode())
    assert not report.wrote and report.errors[0].row == 2 and "NUL" in report.errors[0].reason_en


def test_tabs_and_line_breaks_only_where_text_allows_them(store: GraphStore) -> None:
    data = 'id,name,sector,description\norg-1,名前,npo,"一行目\n二行目\tタブ"\n'.encode()
    assert import_bytes(store, "organizations.csv", data).ok
    assert "\n" in store.require("Organization", "org-1").description  # type: ignore[attr-defined]
    Organization(id="o", name="n", sector=Sector.NPO, description="a\nb\tc")
    with pytest.raises(ValidationError, match="U\\+000A"):
        Organization(id="o", name="二行の\n名前", sector=Sector.NPO)
    with pytest.raises(ValidationError, match="U\\+0000"):
        Organization(id="o", name="n", sector=Sector.NPO, description="NUL\x00")
    with pytest.raises(ValidationError, match="U\\+0085"):
        PartnerEvaluation(
            org_id="o", targets=1, form=1, strengths=1, selection=1, relationship=1,
            comment="\x85",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="U\\+001B"):
        Collaboration.model_validate(
            {"id": "c", "title": "t", "form": "共催", "starts": "2024-01-01",
             "participants": [{"org_id": "o", "role": "lead\x1b"}]}
        )  # fmt: skip
    # records stored before the rule existed still load
    old = Organization.model_construct(id="o", name="古い\x00データ", sector=Sector.NPO)
    doc = old.model_dump_json()
    assert Organization.model_validate_json(doc, context=STORED).name == "古い\x00データ"


def test_the_printable_fast_path_never_passes_a_refused_character() -> None:
    """``control_character`` and the models' validator pass a printable text without the
    rule's own search: that is only right if no character the rule refuses is printable.
    Every code point, both forms of the rule (one-line and multi-line fields)."""
    from graph.model import _BREAKS, _CONTROL, control_character

    refused = [ch for ch in map(chr, range(0x110000)) if _CONTROL.search(ch) or _BREAKS.search(ch)]
    assert len(refused) == 29 + 1 + 32 + 3  # C0 but tab, LF, CR; DEL; C1; tab, LF, CR
    assert not [ch for ch in refused if ch.isprintable()]
    for ch in refused:
        assert control_character(f"名前{ch}", multiline=False) == ch
        with pytest.raises(ValidationError):
            Organization(id="o", name=f"名前{ch}", sector=Sector.NPO)
