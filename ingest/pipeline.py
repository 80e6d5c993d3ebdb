"""Import files into a GraphStore: read, map, convert, validate, check references, write once.

The library API used by the CLI and the web/API layer::

    report = import_paths(store, ["団体一覧.csv", "needs.jsonl"], dry_run=True)
    report = import_bytes(store, "upload.xlsx", data, skip_invalid=True)

Guarantees:

- **Nothing half-written.**  All rows of one import are validated, and every reference (a need's
  organization, a collaboration's participants and needs) is checked against the batch and the
  store, before anything is written; then the records go to the store as ONE import
  (:func:`graph.journal.import_records`): written in batches under an import journal, invisible
  until the import commits, and resumed by running the same import again if interrupted.  By
  default any invalid row means nothing is written; with ``skip_invalid`` the valid rows are
  written (and rows that refer to a skipped row are skipped too).
- **Stable ids.**  A row's id is the file's id column, else ``jcn-<法人番号>``, else a hash of the
  normalised name and area; a row without an id whose 法人番号 and name match a stored
  organization is that organization.  A 法人番号 never re-targets a record: a row that gives
  another id or another name than the organization holding its number is a conflict.
  Re-importing a file changes nothing; a changed row updates its record.  Columns that a file
  does not have keep their stored values.
- **Errors say where and why**, per row and column, in Japanese and English.
- **Likely duplicates are reported, never merged.**
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from typing_extensions import Unpack

from graph.errors import TsunaguError
from graph.journal import ImportSource, UnlistedImport, import_records
from graph.model import (
    Area,
    Collaboration,
    Interest,
    Need,
    Offer,
    Organization,
    Participant,
    PartnerEvaluation,
    Record,
    Suggestion,
    control_character,
    control_character_reasons,
    referenced_ids,
    text_values,
)
from graph.store import WRITE_ATTEMPTS, GraphStore, StoreError, VersionConflict
from ingest import formats
from ingest.columns import (
    KIND_LABELS,
    KINDS,
    ColumnMap,
    kind_from_headers,
    kind_from_name,
    load_mapping,
    parse_kind,
)
from ingest.convert import CONVERTERS, Converter, corporate_number_check_ok, is_blank, text
from ingest.dedup import OrgRef, find_duplicates
from ingest.errors import CellError, FileError
from ingest.formats import SourceRow
from ingest.readers import SUPPORTED, Table, read_tables
from ingest.report import ImportReport, Notice, RowError
from ingest.text import area_key, name_key
from workflows.collaborations import check_evaluation
from workflows.districts import district_of, registered_names, unknown_district_reasons

CHUNK = 500

# Columns each kind needs unless the table has an id column (then rows may update stored
# records partially, and a missing value is reported per row only for new records).
_REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "organizations": (("name",), ("sector",)),
    "needs": (("title",), ("org_id", "org_name")),
    "offers": (("title",), ("org_id", "org_name")),
    "collaborations": (("title",), ("form",), ("starts",)),
    "participants": (("collaboration_id",), ("org_id", "org_name")),
    "evaluations": (
        ("collaboration_id",),
        ("org_id", "org_name"),
        ("targets",),
        ("form",),
        ("strengths",),
        ("selection",),
        ("relationship",),
    ),
    "areas": (("name", "id"),),
    "interests": (("org_id", "org_name"), ("need_id",)),
    "suggestions": (("subject_id",), ("candidate_id",), ("score",)),
}

_MODEL_MESSAGES = {
    "ends must not be before starts": ("終了日が開始日より前です", "ends is before starts"),
    "an organization is listed twice among the participants": (
        "同じ団体が参加団体に 2 回書かれています",
        "an organization is listed twice among the participants",
    ),
}


class ImportOptions(TypedDict, total=False):
    """How an import runs (every entry point takes the same options).

    - ``dry_run``: validate and report, write nothing;
    - ``skip_invalid``: write the valid rows even when others are refused (by default any
      refused row means nothing is written);
    - ``mapping``: a column mapping (a dict, or a YAML/JSON file's path) for unusual headers;
    - ``kind``: what every file holds, when neither its name nor its headers tell;
    - ``include_personal``: keep a published format's representative's name (left out by
      default);
    - ``progress``: a progress bar on a terminal for long imports;
    - ``actor``: who runs the import, for the import history (graph.journal);
    - ``register_districts``: register every district the files name that is not registered
      yet, written with the import (for a throwaway store, such as ``tsunagu evaluate``'s on
      a foreign data set; a register's districts are registered on purpose, see
      :mod:`workflows.districts`).
    """

    dry_run: bool
    skip_invalid: bool
    mapping: dict[str, Any] | str | Path | None
    kind: str | None
    include_personal: bool
    progress: bool
    actor: str | None
    register_districts: bool


def import_paths(
    store: GraphStore, paths: Iterable[str | Path], **options: Unpack[ImportOptions]
) -> ImportReport:
    """Import files (a directory means every supported file under it) as one batch."""
    files: list[tuple[str, bytes]] = []
    early: list[RowError] = []
    for p in map(Path, paths):
        members = (
            sorted(q for q in p.rglob("*") if q.suffix.lower() in SUPPORTED and q.is_file())
            if p.is_dir()
            else [p]
        )
        if not members:
            early.append(
                RowError(
                    str(p),
                    None,
                    None,
                    None,
                    "フォルダに読み込めるファイル（CSV・TSV・XLSX・JSON・JSONL）がありません",
                    "the folder has no files to import (CSV, TSV, XLSX, JSON, JSON Lines)",
                )
            )
        for q in members:
            try:
                files.append((str(q), q.read_bytes()))
            except OSError as exc:
                early.append(
                    RowError(
                        str(q),
                        None,
                        None,
                        None,
                        f"ファイルを開けません（{exc.strerror or exc}）",
                        f"cannot open the file ({exc.strerror or exc})",
                    )
                )
    with_progress: ImportOptions = {"progress": True, **options}  # a bar by default here
    return import_files(store, files, early_errors=early, **with_progress)


def import_bytes(
    store: GraphStore, filename: str, data: bytes, **options: Unpack[ImportOptions]
) -> ImportReport:
    """Import one uploaded file given as bytes (its name tells the format and maybe the kind)."""
    return import_files(store, [(filename, data)], **options)


def import_files(
    store: GraphStore,
    files: Sequence[tuple[str, bytes]],
    *,
    early_errors: Sequence[RowError] = (),
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Import (filename, bytes) pairs as one batch; see the module docstring for guarantees."""
    with _no_cycle_collection():
        return _import_files(store, files, early_errors, options)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector during an import.  An import builds objects by the
    hundred thousand and keeps them (rows, records, planned writes): the collector ran again
    and again over them all without finding garbage, 5–10% of a large import's time.  The
    records an import drops are freed by reference counting as always; cycles made meanwhile
    elsewhere in the process are collected when it ends."""
    was_enabled = gc.isenabled()  # another import may have paused it: that one resumes it
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_files(
    store: GraphStore,
    files: Sequence[tuple[str, bytes]],
    early_errors: Sequence[RowError],
    options: ImportOptions,
) -> ImportReport:
    dry_run = options.get("dry_run", False)
    skip_invalid = options.get("skip_invalid", False)
    mapping = options.get("mapping")
    kind = options.get("kind")
    include_personal = options.get("include_personal", False)
    progress = options.get("progress", False)
    actor = options.get("actor")
    report = ImportReport(files=[f for f, _ in files], dry_run=dry_run, skip_invalid=skip_invalid)
    report.errors += early_errors
    try:
        mapping_data = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
        kind_override = parse_kind(kind) if kind else None
    except FileError as exc:
        report.errors.append(
            RowError(str(mapping or "--kind"), None, None, None, exc.reason_ja, exc.reason_en)
        )
        return report
    for _ in range(WRITE_ATTEMPTS):
        attempt = copy.deepcopy(report)
        job = _Import(store, attempt, mapping_data, kind_override, include_personal, progress)
        job.actor = actor
        job.register_districts = options.get("register_districts", False)
        job.run(files)
        if dry_run:
            return attempt
        if attempt.errors and not skip_invalid:
            # nothing is written: the counts of what would have been written would mislead
            attempt.created = attempt.updated = attempt.unchanged = 0
            attempt.by_kind = {}
            return attempt
        try:
            job.write()
        except VersionConflict:
            # another writer changed these records after they were read: read and merge
            # again, so that neither import's columns are lost
            continue
        return attempt
    report.errors.append(
        RowError(
            ", ".join(report.files),
            None,
            None,
            None,
            "取り込み中に同じレコードが何度も変更されたため、何も書き込んでいません。"
            "もう一度取り込んでください",
            "the same records kept changing during the import, so nothing was written; "
            "import again",
        )
    )
    return report


# ---------------------------------------------------------------------------------------------

#: cells up to this long are converted once per distinct value (``_Import._convert``)
_MEMO_CELL = 200
_UNSEEN = object()


@dataclass(frozen=True)
class _CellRefused:
    ja: str
    en: str


_IMMUTABLE = frozenset({str, int, float, bool, type(None), date, datetime, tuple})


def _fresh(value: Any) -> Any:
    """A memoised cell's own copy (rows may change their values later)."""
    if type(value) is list and all(type(v) in _IMMUTABLE or isinstance(v, Enum) for v in value):
        return list(value)
    if isinstance(value, Enum):
        return value
    return copy.deepcopy(value)


def _convert_cell(convert: Converter, raw: Any) -> Any:
    """A cell's value (None when blank), or why it is refused."""
    # the models' text rule, on the cell as read: tidying whitespace below would otherwise
    # turn some control characters into spaces without a word
    if type(raw) is str:
        bad = control_character(raw)
    else:
        bad = next(filter(None, map(control_character, text_values(raw))), None)
    if bad is not None:
        return _CellRefused(*control_character_reasons(bad))
    if is_blank(raw):
        return None
    try:
        return convert(raw)
    except CellError as exc:
        return _CellRefused(exc.reason_ja, exc.reason_en)


@dataclass
class _Row:
    """A source row after conversion, on its way to becoming (part of) a record."""

    src: SourceRow
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)

    def error(self, column_field: str | None, value: Any, ja: str, en: str) -> None:
        column = self.src.columns.get(column_field, column_field) if column_field else None
        self.errors.append(RowError(self.src.file, self.src.row, column, _show(value), ja, en))

    @property
    def where(self) -> str:
        return f"{self.src.file} 行{self.src.row}/row {self.src.row}"

    @property
    def where_ja(self) -> str:
        return f"{self.src.file} の {self.src.row} 行目"

    @property
    def where_en(self) -> str:
        return f"{self.src.file} row {self.src.row}"


@dataclass
class _Entry:
    record: Record
    row: _Row
    #: extra rows (participants, evaluations) folded into this record
    parts: list[_Row] = field(default_factory=list)


class _Import:
    def __init__(
        self,
        store: GraphStore,
        report: ImportReport,
        mapping: dict[str, Any] | None,
        kind: str | None,
        include_personal: bool,
        progress: bool,
    ) -> None:
        self.store = store
        self.report = report
        self.mapping = mapping
        self.kind = kind
        self.include_personal = include_personal
        self.progress = progress and sys.stderr.isatty()
        self.actor: str | None = None
        self.register_districts = False
        #: districts registered by this import (``register_districts``), written with it
        self.new_districts: dict[str, Area] = {}
        self.entries: dict[tuple[str, str], _Entry] = {}
        self.rows: list[_Row] = []
        self._existing: dict[str, dict[str, Record | None]] = {
            k: {}
            for k in (
                "Organization",
                "Need",
                "Offer",
                "Collaboration",
                "Area",
                "Suggestion",
                "Interest",
            )
        }
        self._store_orgs: list[Organization] | None = None
        self._store_org_index: dict[str, Organization] | None = None
        self._name_index: tuple[dict[str, set[str]], dict[str, set[str]]] | None = None
        self._recognised: set[str] = set()  # files with at least one table of a known kind
        self._reader_error_rows: set[tuple[str, int | None]] = set()  # rows a reader rejected
        self._rejected_rows = 0  # data rows of tables that could not be used at all

    # -- reading -------------------------------------------------------------------------------

    def run(self, files: Sequence[tuple[str, bytes]]) -> None:
        tables: list[Table] = []
        for name, data in files:
            try:
                found = read_tables(name, data)
            except FileError as exc:
                self.report.errors.append(
                    RowError(name, exc.row, None, None, exc.reason_ja, exc.reason_en)
                )
                continue
            for t in found:
                self.report.errors += t.errors
                self._reader_error_rows |= {(e.file, e.row) for e in t.errors}
                self.report.notices += t.notices
                self.report.read += len(t.rows) + len({e.row for e in t.errors if e.row})
            if not any(t.headers for t in found):
                self.report.notices.append(
                    Notice(name, None, "空のファイルです", "the file is empty")
                )
            tables += found
        sources = self._sources(tables)
        self._convert(sources)
        self._build()
        self._check_districts()
        self._check_references()
        self._duplicates()
        self._tally()

    def _sources(self, tables: list[Table]) -> list[SourceRow]:
        sources: list[SourceRow] = []
        known = self._known_areas(tables)
        hsds: list[tuple[str, Table]] = []
        for t in tables:
            if not t.headers:
                continue
            fmt = formats.detect(t, tables)
            if fmt:
                self._recognised.add(t.file)
            converted: formats.Converted | None = None
            if fmt == formats.NPO_PORTAL:
                converted = formats.convert_npo_portal(t, known, self.include_personal)
            elif fmt == formats.GIVING:
                converted = formats.convert_giving(t, known)
            elif fmt == formats.HSDS:
                hsds.append((formats.hsds_table(t, tables) or "", t))
                continue
            if converted is not None:
                sources += converted.rows
                self.report.errors += converted.errors
                self.report.notices += converted.notices
                continue
            sources += self._plain(t, sum(1 for u in tables if u.file == t.file and u.headers))
        workbooks = {t.file for t in tables if t.sheet and not t.structured and t.rows}
        for file in sorted(workbooks - self._recognised):
            if any(e.file.startswith(file) for e in self.report.errors):
                continue
            self.report.errors.append(
                RowError(
                    file,
                    None,
                    None,
                    None,
                    "どのシートも何の一覧か分かりません。シート名を「団体」「ニーズ」「提供」"
                    "「協働事業」「評価」などにするか、--kind で指定してください",
                    "no sheet could be recognised; name the sheets organizations, needs, offers, "
                    "collaborations, evaluations (or 団体, ニーズ ...) or pass --kind",
                )
            )
        if hsds:
            converted = formats.convert_hsds(hsds, known)
            sources += converted.rows
            self.report.errors += converted.errors
            self.report.notices += converted.notices
        # organizations first, then the rest; orgs named only in grants after the real ones
        order = list(KINDS)
        sources.sort(key=lambda s: (order.index(s.kind), s.create_only))
        return sources

    def _plain(self, t: Table, sheets_in_file: int = 1) -> list[SourceRow]:
        workbook_sheet = t.sheet is not None and not t.structured
        # a workbook's file name tells the kind only when it has one sheet with data
        by_file = not workbook_sheet or sheets_in_file == 1
        kind = (
            self.kind
            or (kind_from_name(t.sheet) if t.sheet else None)
            or (kind_from_name(Path(t.file).stem) if by_file else None)
            or kind_from_headers(t.headers)
        )
        if kind is None:
            if workbook_sheet:
                self.report.notices.append(
                    Notice(
                        t.label,
                        None,
                        f"シート「{t.sheet}」は何の一覧か分からないため読み飛ばしました"
                        "（シート名を「団体」「ニーズ」などにすると読み込みます）",
                        f"sheet {t.sheet!r} skipped: cannot tell what it lists (name it "
                        "organizations, needs, 団体 ... to import it)",
                    )
                )
                return []
            labels = "、".join(f"{ja}（{en}）" for ja, en in KIND_LABELS.values())
            self.report.errors.append(
                RowError(
                    t.label,
                    None,
                    None,
                    None,
                    f"何の一覧か分かりません（{labels}）。"
                    "ファイル名・シート名を needs.csv や「団体」のようにするか、"
                    "種類を指定してください（取り込み画面の「何の一覧か」、コマンドでは --kind）",
                    "cannot tell what this table lists; name the file or sheet after the kind "
                    '(organizations.csv, needs, 団体 ...) or say what it lists ("What the file '
                    'lists" on the imports page, --kind on the command line)',
                )
            )
            self._rejected_rows += len(t.rows)
            return []
        self._recognised.add(t.file)
        cmap = ColumnMap(kind, t.headers, self.mapping)
        for header, ja, en in cmap.problems:
            self.report.errors.append(RowError(t.label, 1, header, None, ja, en))
        if cmap.ignored:
            self.report.notices.append(
                Notice(
                    t.label,
                    None,
                    f"次の列は使いませんでした: {'、'.join(cmap.ignored)}"
                    "（見出しを項目名に合わせるか、列の対応づけで取り込めます: "
                    "コマンドでは --mapping、API では mapping）",
                    f"these columns were not used: {', '.join(cmap.ignored)} "
                    "(rename the headers to the field names, or map them: --mapping on the "
                    "command line, mapping in the API)",
                )
            )
        missing = [
            alternatives
            for alternatives in _REQUIRED[kind]
            if "id" not in cmap.fields and not set(alternatives) & cmap.fields
        ]
        for alternatives in missing:
            self.report.errors.append(
                RowError(
                    t.label,
                    1,
                    None,
                    None,
                    f"{KIND_LABELS[kind][0]}に必要な列「{' / '.join(alternatives)}」がありません",
                    f"{kind} need a column {' or '.join(alternatives)!r}",
                )
            )
        if cmap.problems or missing:
            self._rejected_rows += len(t.rows)
            return []
        out = []
        field_of = cmap.field_of
        columns = {f: h for h, f in field_of.items()}  # one for the table's rows (read only)
        for n, row in t.rows:
            values = {field_of[h]: v for h, v in row.items() if h in field_of}
            out.append(SourceRow(t.label, n, kind, values, columns))
        return out

    def _known_areas(self, tables: list[Table]) -> set[str]:
        known: set[str] = set()
        if any(formats.detect(t, tables) for t in tables if t.headers):
            known |= {a.id for a in self.store.iter_all("Area", include_inactive=True)}
            known |= {o.area for o in self.store_orgs() if o.area}
            for t in tables:
                if t.headers and (kind_from_name(t.name) == "areas"):
                    cmap = ColumnMap("areas", t.headers, self.mapping)
                    for _, row in t.rows:
                        for h, f in cmap.field_of.items():
                            if f == "name" and not is_blank(row.get(h)):
                                known.add(text(row[h]))
        return known

    def _convert(self, sources: list[SourceRow]) -> None:
        rows: Iterable[SourceRow] = sources
        if self.progress and len(sources) > 1000:
            from tqdm import tqdm

            rows = tqdm(sources, desc="検証 / validating", unit="行", file=sys.stderr, leave=False)
        # a register repeats its short cells (districts, sectors, fields, dates): each
        # distinct (converter, cell) is converted once; the converters depend on the cell only.
        # Each kind's fields are looked up once: field -> (converter, its converted cells).
        memo: dict[Converter, dict[str, Any]] = {}
        plans: dict[str, dict[str, tuple[Converter, dict[str, Any]]]] = {}
        for src in rows:
            values: dict[str, Any] = {}
            r = _Row(src, values)
            plan = plans.get(src.kind)
            if plan is None:
                plan = plans[src.kind] = {}
            for fld, raw in src.values.items():
                step = plan.get(fld)
                if step is None:
                    convert = CONVERTERS[src.kind].get(fld, text)
                    step = plan[fld] = (convert, memo.setdefault(convert, {}))
                convert, cells = step
                if type(raw) is str and len(raw) <= _MEMO_CELL:
                    got = cells.get(raw, _UNSEEN)
                    if got is _UNSEEN:
                        got = cells[raw] = _convert_cell(convert, raw)
                else:
                    got = _convert_cell(convert, raw)
                if type(got) in _IMMUTABLE:
                    values[fld] = got
                elif type(got) is _CellRefused:
                    r.error(fld, raw, got.ja, got.en)
                else:
                    values[fld] = _fresh(got)
            self.rows.append(r)

    # -- building records ----------------------------------------------------------------------

    def _build(self) -> None:
        by_kind: dict[str, list[_Row]] = {k: [] for k in KINDS}
        for r in self.rows:
            by_kind[r.src.kind].append(r)
        self._build_organizations(by_kind["organizations"])
        self._build_simple(by_kind["areas"], Area)
        self._build_simple(by_kind["needs"], Need)
        self._build_simple(by_kind["offers"], Offer)
        self._build_simple(by_kind["suggestions"], Suggestion)
        self._build_collaborations(
            by_kind["collaborations"], by_kind["participants"], by_kind["evaluations"]
        )
        self._build_simple(by_kind["interests"], Interest)
        refused = [r for r in self.rows if r.errors]
        for kind, rtype in _CHECKED.items():
            if issubclass(rtype, Record):  # the stored records they update, in few reads
                ids = [r.values.get("_id") or r.values.get("id") for r in refused]
                self.existing(
                    rtype.kind,
                    [i for r, i in zip(refused, ids, strict=True) if r.src.kind == kind and i],
                )
        for r in refused:
            self._also_check(r)

    def _also_check(self, r: _Row) -> None:
        """Report what else is wrong with a row already refused, so that one dry run shows
        every error of every row: its other cells are checked by the model as they would be
        if the first error were fixed (merged onto the stored record it updates).  A column
        with an error already gets no second one; references are checked for valid rows only."""
        rtype = _CHECKED.get(r.src.kind)
        if rtype is None:
            return
        fields = rtype.model_fields
        data: dict[str, Any] = {}
        rid = r.values.get("_id") or r.values.get("id")
        if issubclass(rtype, Record) and isinstance(rid, str):
            old = self.existing(rtype.kind, [rid]).get(rid)
            if old is not None:
                data = old.model_dump(exclude={"created_at", "updated_at", "version"})
        for fld, value in r.values.items():
            if fld in fields and value is not None and not fld.startswith("_"):
                data[fld] = value
        # stand-ins for what the references check, not the model
        data.setdefault("id", rid or "row")
        if "org_id" in fields and r.values.get("org_name"):
            data.setdefault("org_id", r.values["org_name"])
        if rtype is Collaboration and data.get("participants"):
            data["participants"] = [
                p
                if isinstance(p, dict | Participant)
                else {"org_id": p[0], "role": p[1] or "partner"}
                for p in data["participants"]
            ]
        if rtype is PartnerEvaluation:
            data.pop("id", None)
            data.setdefault("org_id", "row")
        try:
            rtype.model_validate(data)
        except ValidationError as exc:
            seen = {e.column for e in r.errors}
            more = _Row(r.src, r.values)
            self._validation_errors(more, exc)
            r.errors += [e for e in more.errors if e.column not in seen]

    def existing(self, kind: str, ids: Iterable[str]) -> dict[str, Record | None]:
        """Stored records by id (None when absent), fetched in chunks and cached."""
        cache = self._existing[kind]
        missing = [i for i in dict.fromkeys(ids) if i not in cache]
        if kind == "Organization" and missing and self._store_orgs is not None:
            # all stored organizations were read already (an organization import reads them
            # for names and the duplicate report): the records asked for come from that read
            stored = self._store_org_ids()
            for i in missing:
                cache[i] = stored.get(i)
            return cache
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            got = self.store.get_many(kind, chunk, include_inactive=True)
            for i in chunk:
                cache[i] = got.get(i)
        return cache

    def _store_org_ids(self) -> dict[str, Organization]:
        if self._store_org_index is None:
            self._store_org_index = {o.id: o for o in self.store_orgs()}
        return self._store_org_index

    def store_orgs(self) -> list[Organization]:
        if self._store_orgs is None:
            self._store_orgs = [
                o
                for o in self.store.iter_all("Organization", include_inactive=True)
                if isinstance(o, Organization)
            ]
        return self._store_orgs

    def _names(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """name key -> ids, for the organizations of this import and the stored ones."""
        if self._name_index is None:
            batch: dict[str, set[str]] = {}
            for e in self.entries.values():
                if isinstance(org := e.record, Organization):
                    batch.setdefault(name_key(org.name), set()).add(org.id)
            stored: dict[str, set[str]] = {}
            for o in self.store_orgs():
                stored.setdefault(name_key(o.name), set()).add(o.id)
            self._name_index = (batch, stored)
        return self._name_index

    def _build_organizations(self, rows: list[_Row]) -> None:
        if rows:
            self.store_orgs()  # read once: names, the duplicate report and the merges below
        numbers = sorted(
            {r.values["corporate_number"] for r in rows if r.values.get("corporate_number")}
        )
        stored_by_number: dict[str, Organization] = {}
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            offset = 0
            while True:
                page = self.store.list(
                    "Organization",
                    {"corporate_number": chunk},
                    offset=offset,
                    limit=1000,
                    include_inactive=True,
                )
                for o in page.items:
                    if isinstance(o, Organization) and o.corporate_number:
                        stored_by_number.setdefault(o.corporate_number, o)
                if not page.has_more or not page.items:
                    break
                offset += len(page.items)
        number_rows: dict[str, _Row] = {}
        ready: list[_Row] = []
        for r in rows:
            if r.errors:
                continue
            v = r.values
            number = v.get("corporate_number")
            if number and not corporate_number_check_ok(number):
                self.report.notices.append(
                    Notice(
                        r.src.file,
                        r.src.row,
                        f"法人番号 {number} のチェックディジットが合いません。"
                        "番号を確認してください",
                        f"corporate number {number} has a wrong check digit; please check it",
                    )
                )
            if number and number in stored_by_number:
                holder = stored_by_number[number]
                if not self._same_organization(r, holder):
                    continue
                rid = holder.id
            elif v.get("id"):
                rid = v["id"]
            elif number:
                rid = f"jcn-{number}"
            elif v.get("name"):
                rid = "org-" + _digest(name_key(v["name"]), area_key(v.get("area")))
            else:
                r.error("name", None, "団体名が空です", "the organization name is empty")
                continue
            if number and not r.src.create_only:
                first = number_rows.setdefault(number, r)
                if first is not r and first.values.get("_id") != rid:
                    r.error(
                        "corporate_number",
                        number,
                        f"同じ法人番号が {first.where_ja} にもあります（ID が異なります）",
                        f"the same corporate number is on {first.where_en} with another id",
                    )
                    continue
            v["_id"] = rid
            ready.append(r)
        self.existing("Organization", [r.values["_id"] for r in ready])
        for r in ready:
            rid = r.values["_id"]
            if r.src.create_only and (
                ("Organization", rid) in self.entries
                or self._existing["Organization"].get(rid) is not None
            ):
                continue  # an organization named in a grant that is already known
            self._add(Organization, r, rid)
        self._name_index = None

    def _same_organization(self, r: _Row, holder: Organization) -> bool:
        """Whether a row whose 法人番号 a stored organization holds describes that organization.

        The number never re-targets a record: a row with another id, or without an id and with
        another name, is a conflict (reported on the row, nothing written for it).
        """
        v = r.values
        number = v["corporate_number"]
        own = v.get("id")
        if own and own != holder.id:
            r.error(
                "corporate_number",
                number,
                f"法人番号 {number} は登録済みの団体 {holder.id}（{holder.name}）のものです。"
                f"この行の ID は {own} のため、どちらの団体も更新しません。"
                f"同じ団体なら ID を {holder.id} に、別の団体なら法人番号を確認してください",
                f"corporate number {number} belongs to stored organization {holder.id!r} "
                f"({holder.name}) but this row's id is {own!r}; neither is changed. Use the id "
                f"{holder.id!r} if it is the same organization, else check the number",
            )
            return False
        if not own and v.get("name") and name_key(v["name"]) != name_key(holder.name):
            r.error(
                "corporate_number",
                number,
                f"法人番号 {number} は登録済みの団体 {holder.id}（{holder.name}）のものですが、"
                f"この行の団体名は「{v['name']}」です。名称を変える更新なら ID 列に "
                f"{holder.id} を書いてください。別の団体なら法人番号を確認してください",
                f"corporate number {number} belongs to stored organization {holder.id!r} "
                f"({holder.name}) but this row names {v['name']!r}; to rename it give the id "
                f"{holder.id!r}, else check the number",
            )
            return False
        return True

    def _resolve_name(self, r: _Row, ref_field: str, ref: str) -> str | None:
        """The id of the one organization named ``ref`` (this import first, then the store)."""
        batch, stored = self._names()
        key = name_key(ref)
        ids = set(batch.get(key, set())) or set(stored.get(key, set()))
        if len(ids) == 1:
            return ids.pop()
        if not ids:
            r.error(
                ref_field, ref, f"団体「{ref}」が見つかりません", f"no organization named {ref!r}"
            )
        else:
            r.error(
                ref_field,
                ref,
                f"「{ref}」という名前の団体が複数あります（{', '.join(sorted(ids))}）。"
                "ID で指定してください",
                f"several organizations are named {ref!r} ({', '.join(sorted(ids))}); use the id",
            )
        return None

    def _build_simple(self, rows: list[_Row], rtype: type[Record]) -> None:
        ready: list[_Row] = []
        for r in rows:
            if r.errors:
                continue
            v = r.values
            if rtype in (Need, Offer, Interest):
                if not v.get("org_id") and v.get("org_name"):
                    resolved = self._resolve_name(r, "org_name", v["org_name"])
                    if resolved is None:
                        continue
                    v["org_id"] = resolved
                elif not v.get("org_id") and not v.get("id"):
                    r.error(
                        "org_id",
                        None,
                        "団体 ID（または団体名）が空です",
                        "the organization id (or name) is empty",
                    )
                    continue
                prefix = {Need: "need-", Offer: "offer-", Interest: "interest-"}[rtype]
                rid = v.get("id") or prefix + _digest(
                    v.get("org_id") or "", name_key(v.get("title") or v.get("need_id") or "")
                )
            elif rtype is Suggestion:
                rid = v.get("id") or "suggestion-" + _digest(
                    v.get("subject_id") or "", v.get("candidate_id") or "", v.get("need_id") or ""
                )
            else:  # Area: the id is the name
                rid = v.get("id") or v.get("name")
                if not rid:
                    r.error("name", None, "地区名が空です", "the area name is empty")
                    continue
                if not v.get("name"):
                    v["name"] = rid
            v["_id"] = rid
            ready.append(r)
        self.existing(rtype.kind, [r.values["_id"] for r in ready])
        for r in ready:
            self._add(rtype, r, r.values["_id"])

    def _build_collaborations(
        self, rows: list[_Row], participant_rows: list[_Row], evaluation_rows: list[_Row]
    ) -> None:
        refs = [r.values.get("org_id") for r in participant_rows + evaluation_rows]
        refs += [ref for r in rows for ref, _ in (r.values.get("participants") or [])]
        self.existing(
            "Organization",
            [x for x in refs if x and ("Organization", x) not in self.entries],
        )
        extra_participants: dict[str, list[tuple[_Row, str, str]]] = {}
        for r in participant_rows:
            partner = self._collaboration_partner(r)
            if partner is None:
                continue
            extra_participants.setdefault(partner[1], []).append(
                (r, partner[0], r.values.get("role") or "partner")
            )
        extra_evaluations: dict[str, list[tuple[_Row, PartnerEvaluation]]] = {}
        for r in evaluation_rows:
            partner = self._collaboration_partner(r)
            if partner is None:
                continue
            partner_id, cid = partner
            data = {
                k: v
                for k, v in r.values.items()
                if k not in ("collaboration_id", "org_id", "org_name") and v is not None
            }
            try:
                ev = PartnerEvaluation.model_validate({**data, "org_id": partner_id})
            except ValidationError as exc:
                self._validation_errors(r, exc)
                continue
            extra_evaluations.setdefault(cid, []).append((r, ev))

        ready: list[_Row] = []
        for r in rows:
            v = r.values
            rid = v.get("id") or "collab-" + _digest(
                name_key(v.get("title") or ""), str(v.get("starts") or "")
            )
            v["_id"] = rid
            if v.get("participants") is not None and not r.errors:
                resolved = []
                for ref, role in v["participants"]:
                    org = self._participant_ref(r, ref)
                    if org:
                        resolved.append({"org_id": org, "role": role or "partner"})
                v["participants"] = resolved
            if r.errors:
                for row, *_ in extra_participants.pop(rid, []) + extra_evaluations.pop(rid, []):
                    row.error(
                        "collaboration_id",
                        rid,
                        f"協働事業「{rid}」の行（{r.where_ja}）にエラーがあるため取り込みません",
                        f"not imported: the row of collaboration {rid!r} ({r.where_en}) has errors",
                    )
                continue
            ready.append(r)
        pending = sorted(set(extra_participants) | set(extra_evaluations))
        self.existing("Collaboration", [r.values["_id"] for r in ready] + pending)
        for r in ready:
            rid = r.values["_id"]
            self._add(
                Collaboration,
                r,
                rid,
                extra_participants.pop(rid, []),
                extra_evaluations.pop(rid, []),
            )
        # participants and evaluations of collaborations not in this import: update stored ones
        for cid in sorted(set(extra_participants) | set(extra_evaluations)):
            parts = extra_participants.get(cid, [])
            evals = extra_evaluations.get(cid, [])
            collab = self._existing["Collaboration"].get(cid)
            if collab is None:
                for row, *_ in parts + evals:
                    row.error(
                        "collaboration_id",
                        cid,
                        f"協働事業「{cid}」が見つかりません（この取り込みにも登録済みにもありません）",
                        f"no collaboration {cid!r} in this import or the store",
                    )
                continue
            first = (parts or evals)[0][0]
            self._add(Collaboration, first, cid, parts, evals, base=collab)

    def _collaboration_partner(self, r: _Row) -> tuple[str, str] | None:
        """(organization id, collaboration id) of a participant or evaluation row, or None
        after recording why the row cannot be used."""
        org = self._part_org(r)
        cid = r.values.get("collaboration_id")
        if not cid and not r.errors:
            r.error(
                "collaboration_id",
                None,
                "協働事業 ID が空です",
                "the collaboration id is empty",
            )
        if r.errors or org is None or not cid:
            return None
        return org, cid

    def _part_org(self, r: _Row) -> str | None:
        if r.values.get("org_id"):
            return self._participant_ref(r, r.values["org_id"], "org_id")
        if r.values.get("org_name"):
            return self._resolve_name(r, "org_name", r.values["org_name"])
        if not r.errors:
            r.error(
                "org_id",
                None,
                "団体 ID（または団体名）が空です",
                "the organization id (or name) is empty",
            )
        return None

    def _participant_ref(self, r: _Row, ref: str, column: str = "participants") -> str | None:
        """A participant given by id, or by name when no organization has that id."""
        rid = ref
        if ("Organization", rid) in self.entries or self.existing("Organization", [rid]).get(rid):
            return rid
        batch, stored = self._names()
        if name_key(ref) in batch or name_key(ref) in stored:
            return self._resolve_name(r, column, ref)
        return rid  # unknown: the reference check reports it with the row

    def _add(
        self,
        rtype: type[Record],
        r: _Row,
        rid: str,
        parts: Sequence[tuple[_Row, str, str]] = (),
        evals: Sequence[tuple[_Row, PartnerEvaluation]] = (),
        base: Record | None = None,
    ) -> None:
        if r.errors:
            return
        kind = rtype.kind
        cache = self._existing[kind]
        old = (
            base
            if base is not None
            else (cache[rid] if rid in cache else self.existing(kind, [rid]).get(rid))
        )
        data: dict[str, Any] = old.model_dump(exclude={"created_at", "updated_at"}) if old else {}
        fields = _model_fields(rtype)
        if base is None:
            copied = _copied_fields(rtype)
            soft = r.src.soft if old is not None else ()
            for fld, value in r.values.items():
                if fld not in copied:
                    if fld == "created_at" and value is not None and not old:
                        data["created_at"] = value
                    continue
                if soft and fld in soft and getattr(old, fld) not in (None, "", []):
                    continue  # a guess from a published format never overwrites stored data
                if value is None:
                    if fld in ("id", "active"):
                        continue
                    info = fields[fld]
                    if info.is_required():
                        data.pop(fld, None)
                    else:
                        data[fld] = info.get_default(call_default_factory=True)
                else:
                    data[fld] = value
            data["id"] = rid
        # the version it was read at (0: not stored yet), so that the store refuses this
        # record if someone else wrote it meanwhile, and import_files merges again
        data["version"] = (old.version or 0) if old else 0
        if rtype is Collaboration:
            participants = [
                Participant.model_validate(p) if isinstance(p, dict) else p
                for p in data.get("participants") or []
            ]
            for _, org, role in parts:
                participants = _replace_or_add(participants, Participant(org_id=org, role=role))
            if participants or "participants" in data:
                data["participants"] = participants
            if not participants:
                r.error(
                    "participants",
                    None,
                    "参加団体がありません（参加団体の列か参加団体ファイルで指定してください）",
                    "no participants (give a participants column or a participants file)",
                )
                return
            evaluations = [
                PartnerEvaluation.model_validate(e) if isinstance(e, dict) else e
                for e in data.get("evaluations") or []
            ]
            for _, ev in evals:
                evaluations = _replace_or_add(evaluations, ev)
            data["evaluations"] = evaluations
        try:
            rec = rtype.model_validate(data)
        except ValidationError as exc:
            self._validation_errors(r, exc)
            return
        if isinstance(rec, Collaboration) and rec.evaluations:
            rec = self._allowed_evaluations(r, rec, old, evals)
        key = (kind, rid)
        prior = self.entries.get(key)
        if prior is not None:
            if prior.record.content_hash() == rec.content_hash() and not parts and not evals:
                return  # the same row twice: harmless
            if kind == "Organization" and not r.values.get("id") and rid.startswith("org-"):
                r.error(
                    "name",
                    r.values.get("name"),
                    f"{prior.row.where_ja} と同じ団体（正規化した名称と地区が同じ）ですが"
                    "内容が異なります。"
                    "同じ団体なら 1 行にまとめ、別の団体なら ID 列で区別してください",
                    "the same organization (same normalised name and area) as "
                    f"{prior.row.where_en} with different content; merge the rows, or give each "
                    "an id if they are different organizations",
                )
                return
            r.error(
                "id",
                rid,
                f"ID「{rid}」は {prior.row.where_ja} と同じですが内容が異なります"
                "（同じ団体・事業を 2 回書いていませんか）",
                f"id {rid!r} is also on {prior.row.where_en} with different content "
                "(is the same record written twice?)",
            )
            return
        self.entries[key] = _Entry(rec, r, [p[0] for p in parts] + [e[0] for e in evals])

    @staticmethod
    def _allowed_evaluations(
        r: _Row,
        collab: Collaboration,
        old: Record | None,
        evals: Sequence[tuple[_Row, PartnerEvaluation]],
    ) -> Collaboration:
        """``collab`` with only the evaluations the workflow's rules allow
        (:func:`workflows.collaborations.check_evaluation`: the collaboration has ended, the
        evaluator is a partner).  Each one this import adds or changes that breaks them is
        reported on its own row, in the words a page would use, and left out (the stored one,
        if any, is kept); evaluations stored before are not this import's to judge."""
        rows = {ev.org_id: row for row, ev in evals}
        before = {e.org_id: e for e in old.evaluations} if isinstance(old, Collaboration) else {}
        kept: list[PartnerEvaluation] = []
        for ev in collab.evaluations:
            stored = before.get(ev.org_id)
            if stored is not None and stored.model_dump() == ev.model_dump():
                kept.append(ev)
                continue
            try:
                check_evaluation(collab, ev)
            except TsunaguError as exc:
                rows.get(ev.org_id, r).error("org_id", ev.org_id, exc.ja, exc.en)
                if stored is not None:
                    kept.append(stored)
                continue
            kept.append(ev)
        if len(kept) == len(collab.evaluations) and all(
            a is b for a, b in zip(kept, collab.evaluations, strict=True)
        ):
            return collab
        return collab.model_copy(update={"evaluations": kept})

    def _validation_errors(self, r: _Row, exc: ValidationError) -> None:
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ())]
            fld = loc[0] if loc else None
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            if err.get("type") == "missing":
                ja, en = f"必須の項目「{fld}」が空です", f"the required field {fld!r} is empty"
            elif msg in _MODEL_MESSAGES:
                ja, en = _MODEL_MESSAGES[msg]
                fld = fld or ("ends" if "ends" in msg else "participants")
            elif fld == "corporate_number":
                ja, en = "法人番号は 13 桁の数字です", "a corporate number has 13 digits"
            else:
                ja, en = f"値が正しくありません（{msg}）", f"invalid value ({msg})"
            raw = r.src.values.get(fld) if fld else None
            r.error(fld, raw, ja, en)

    # -- references, duplicates, counts --------------------------------------------------------

    def _check_districts(self) -> None:
        """Drop (and report on the district's column) every organization, need and offer
        whose district is neither registered nor in this import's districts table (the rule of
        :mod:`workflows.districts`); a district stored before the rule may stay as it is."""
        named = [e for e in self.entries.values() if district_of(e.record)]
        if not named:
            return
        known = registered_names(self.store)
        known |= {e.record.id for e in self.entries.values() if isinstance(e.record, Area)}
        for key, e in list(self.entries.items()):
            area = district_of(e.record)
            if not area or area in known:
                continue
            old = self._existing[key[0]].get(key[1])
            if old is not None and district_of(old) == area:
                continue
            if self.register_districts:
                self.new_districts.setdefault(area, Area(id=area, name=area))
                continue
            e.row.error("area", e.row.src.values.get("area", area), *unknown_district_reasons(area))
            del self.entries[key]

    def _check_references(self) -> None:
        """Drop (and report) every record that refers to an id neither valid in this import nor
        stored, repeating until stable: a need of a skipped organization is skipped too."""
        wanted: dict[str, set[str]] = {}
        for (_, _), e in self.entries.items():
            for kind, ref in referenced_ids(e.record):
                if (kind, ref) not in self.entries:
                    wanted.setdefault(kind, set()).add(ref)
        # whether they exist, not the records (a need names its organization: reading and
        # parsing 10,000 organizations to learn that they exist was most of this check)
        stored: dict[str, set[str]] = {}
        for kind, ids in wanted.items():
            known = self._existing[kind]
            found = {i for i in ids if known.get(i) is not None}
            asked = sorted(i for i in ids if i not in known)
            for start in range(0, len(asked), CHUNK):
                found |= self.store.stored_ids(kind, asked[start : start + CHUNK])
            stored[kind] = found
        # rows with errors, by the (kind, id) they would have had: "whose row has errors"
        bad_rows: dict[tuple[str, str], _Row] = {}
        for r in self.rows:
            if r.errors:
                for rid in (r.values.get("_id"), r.values.get("id")):
                    if isinstance(rid, str):
                        bad_rows.setdefault((KINDS[r.src.kind], rid), r)
        changed = True
        while changed:
            changed = False
            for key, e in list(self.entries.items()):
                for kind, ref in referenced_ids(e.record):
                    if (kind, ref) in self.entries or ref in stored.get(kind, set()):
                        continue
                    label = {
                        "Organization": ("団体", "organization"),
                        "Need": ("ニーズ", "need"),
                    }.get(kind, (kind, kind.lower()))
                    column = "org_id" if kind == "Organization" else "need_ids"
                    if e.record.kind == "Collaboration" and kind == "Organization":
                        column = "participants"
                    bad = bad_rows.get((kind, ref))
                    if bad is not None:
                        e.row.error(
                            column,
                            ref,
                            f"{label[0]}「{ref}」は {bad.where_ja} にありますが、"
                            "その行にエラーがあります",
                            f"refers to {label[1]} {ref!r}, whose row ({bad.where_en}) has errors",
                        )
                    else:
                        e.row.error(
                            column,
                            ref,
                            f"{label[0]}「{ref}」が見つかりません（この取り込みにも登録済みにもありません）",
                            f"unknown {label[1]} {ref!r} (not in this import nor in the store)",
                        )
                    bad_rows.setdefault(key, e.row)
                    del self.entries[key]
                    changed = True
                    break

    def _duplicates(self) -> None:
        new = [e for e in self.entries.values() if isinstance(e.record, Organization)]
        if not new:
            return
        refs = [
            OrgRef(org.id, org.name, org.area, e.row.where, True)
            for e in new
            if isinstance(org := e.record, Organization)
        ]
        in_batch = {e.record.id for e in new}
        refs += [
            OrgRef(o.id, o.name, o.area, "登録済み/stored", False)
            for o in self.store_orgs()
            if o.id not in in_batch and o.active
        ]
        self.report.duplicates = find_duplicates(refs)

    def _tally(self) -> None:
        errors = [e for r in self.rows for e in r.errors]
        self.report.errors += errors
        self.report.valid = len(self.entries)
        bad_rows = {(r.src.file, r.src.row) for r in self.rows if r.errors}
        bad_rows |= self._reader_error_rows
        if self.report.skip_invalid:
            self.report.skipped = len(bad_rows) + self._rejected_rows
        for (kind, rid), e in self.entries.items():
            old = self._existing[kind].get(rid)
            if old is None:
                status = "created"
            elif old.content_hash() == e.record.content_hash():
                status = "unchanged"
            else:
                status = "updated"
            counts = self.report.by_kind.setdefault(
                kind, {"created": 0, "updated": 0, "unchanged": 0}
            )
            counts[status] += 1
        for status in ("created", "updated", "unchanged"):
            setattr(self.report, status, sum(c[status] for c in self.report.by_kind.values()))

    # -- writing -------------------------------------------------------------------------------

    def write(self) -> None:
        """ONE import: the store shows all of it, once committed, or nothing (graph.journal)."""
        records = [*self.new_districts.values(), *(e.record for e in self.entries.values())]
        if not records:
            return
        if self.progress:
            print(f"書き込み中 / writing {len(records)} records …", file=sys.stderr)
        try:
            source = ImportSource(self.actor, [Path(f).name for f in self.report.files])
            result = import_records(self.store, records, source=source)
        except VersionConflict:
            raise  # import_files reads and merges again
        except UnlistedImport as exc:  # written and visible, only not in the import history
            result = exc.result
            self.report.notices.append(Notice(", ".join(self.report.files), None, exc.ja, exc.en))
        except Exception as exc:  # a StoreError, or the backend failing mid-write
            # Nothing of a failed import is visible (graph.journal); say so plainly
            # instead of crashing with a traceback after the whole file was validated.
            reason = exc if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
            self.report.errors.append(
                RowError(
                    ", ".join(self.report.files),
                    None,
                    None,
                    None,
                    f"書き込みに失敗したため何も書き込んでいません（{reason}）",
                    f"the write failed, so nothing was written ({reason})",
                )
            )
            return
        self.report.wrote = True
        self.report.import_id = result.import_id
        self.report.created = len(result.created)
        self.report.updated = len(result.updated)
        self.report.unchanged = len(result.unchanged)


#: the model each kind's rows are checked by
_CHECKED: dict[str, type[Record] | type[PartnerEvaluation]] = {
    "organizations": Organization,
    "needs": Need,
    "offers": Offer,
    "collaborations": Collaboration,
    "areas": Area,
    "interests": Interest,
    "suggestions": Suggestion,
    "evaluations": PartnerEvaluation,
}


@cache
def _copied_fields(rtype: type[Record]) -> frozenset[str]:
    """The model's fields a row's cells set as they are (``_add``): not the internal ``_…``
    values, nor the timestamps (``created_at`` only for a new record)."""
    return frozenset(
        f
        for f in _model_fields(rtype)
        if not f.startswith("_") and f not in ("org_name", "updated_at", "created_at")
    )


@cache
def _model_fields(rtype: type[Record]) -> dict[str, FieldInfo]:
    return dict(rtype.model_fields)  # the class property is slow when read per row


def _replace_or_add(items: list[Any], new: Any) -> list[Any]:
    """Replace the item of the same organization in place (order kept), else append."""
    for i, item in enumerate(items):
        if item.org_id == new.org_id:
            return items[:i] + [new] + items[i + 1 :]
    return [*items, new]


def _digest(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def _show(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)[:200]
    return str(value)[:200]


__all__ = [
    "ImportReport",
    "RowError",
    "import_bytes",
    "import_files",
    "import_paths",
]
