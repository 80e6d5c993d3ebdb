"""``tsunagu suggest``, ``train``, ``evaluate``, ``model`` and ``embed``: the matcher's commands.
Heavy imports (torch via sentence-transformers, scikit-learn) happen inside them."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import fail, open_configured, pad, settings, width
from cli.imports import ImportOptions, KindOption, MappingOption, SkipInvalidOption


def _scorer_line(status: dict[str, Any]) -> str:
    """Which scorer ranks and which embedding model is in use, for every command's output."""
    kind = {
        "learned": "learned / 学習済み",
        "formula": "fixed formula / 固定の式",
        "blend": "rank fusion / 順位の融合",
    }
    line = (
        f"scorer / 採点: {status['scorer']} ({kind.get(status['scorer_kind'], '')})"
        f"   ranker: {status['ranker'] or '-'}   model: {status['model']}"
    )
    if status.get("scorer_note"):
        line += f"\n  {status['scorer_note']}"
    return line


model_app = typer.Typer(
    help="Embedding models: list the presets, install one once / 埋め込みモデルの一覧と導入",
    no_args_is_help=True,
)


def suggest(
    org_id: Annotated[
        str | None,
        typer.Argument(help="organization id / 団体ID (or use --need)", show_default=False),
    ] = None,
    need: Annotated[
        str | None,
        typer.Option("--need", help="suggest partners for this need / このニーズへの提案"),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=200, help="how many / 件数")] = 10,
    sector: Annotated[
        list[str] | None,
        typer.Option(help="candidate sector(s), e.g. business, npo, 事業者 / 候補の種別"),
    ] = None,
    area: Annotated[list[str] | None, typer.Option(help="candidate district(s) / 地区")] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="field the candidate must share, code or name / 活動分野"),
    ] = None,
    include_partners: Annotated[
        bool, typer.Option(help="also suggest current partners / 現在の協働先も含める")
    ] = False,
    diverse: Annotated[
        bool, typer.Option(help="mix sectors in the top results / 上位を一つの種別に偏らせない")
    ] = False,
    min_score: Annotated[float, typer.Option(help="minimum score / 最低スコア")] = 0.0,
    refresh: Annotated[
        bool, typer.Option(help="encode new or changed texts first / 先に埋め込みを更新")
    ] = True,
    shortlist: Annotated[
        list[int] | None,
        typer.Option(
            "--shortlist",
            help="put these ranks into the review queue, e.g. --shortlist 1 --shortlist 3 "
            "/ この順位の候補をレビュー待ちに入れる",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON / JSON で出力")] = False,
) -> None:
    """Suggest partners for an organization or a need, with reasons (Japanese and English).
    Like the page, this only shows them; --shortlist puts the chosen ones into the review queue.
    団体またはニーズに合う協働先を、理由つきで提案します（表示のみ。--shortlist で選んだ候補を
    レビュー待ちに入れます）。"""
    from graph.errors import TsunaguError
    from graph.model import Organization, Sector, parse_field
    from matching.service import Matcher, SuggestFilters
    from workflows import suggestions
    from workflows.access import operator

    if (org_id is None) == (need is None):
        raise fail(
            "団体IDか --need のどちらか一方を指定してください",
            "give either an organization id or --need NEED_ID (not both)",
        )
    try:
        filters = SuggestFilters(
            sectors=[Sector.parse(s) for s in sector] if sector else None,
            areas=area or None,
            fields=[parse_field(f) for f in field] if field else None,
            exclude_current_partners=not include_partners,
            min_score=min_score,
            diverse=diverse,
        )
    except ValueError as exc:
        raise fail(f"指定が正しくありません: {exc}", f"bad option: {exc}") from exc
    config = settings()
    store = open_configured(config)
    try:
        matcher = Matcher(store, config.matcher_config())
        if refresh:
            matcher.refresh_embeddings(progress=True)
        user = operator()
        try:
            shown = suggestions.preview(
                store, matcher, user, org_id=org_id, need_id=need, k=k, filters=filters
            )
            results = shown.items
            chosen = [results[r - 1].id for r in shortlist or [] if 1 <= r <= len(results)]
            if shortlist and len(chosen) != len(shortlist):
                raise fail(
                    f"--shortlist の順位は 1〜{len(results)} で指定してください",
                    f"--shortlist takes ranks from 1 to {len(results)}",
                )
            queued = dict(shown.queued)
            if chosen:
                got = suggestions.shortlist(
                    store, matcher, user, chosen, org_id=org_id, need_id=need, k=k, filters=filters
                )
                queued.update({i: got.merged.get(i, i) for i in chosen})
        except TsunaguError as exc:
            raise fail(exc.ja, exc.en) from exc
        found = store.get_many("Organization", [s.candidate_id for s in results]).values()
        names = {o.id: o for o in found if isinstance(o, Organization)}
        status = matcher.status
    finally:
        store.close()
    if as_json:
        typer.echo(
            json.dumps([s.model_dump(mode="json") for s in results], ensure_ascii=False, indent=2)
        )
        return
    if not status["semantic"]:
        typer.echo(
            f"注意: 意味の類似度は使っていません / note: no semantic similarity "
            f"({status['error']})",
            err=True,
        )
    typer.echo(_scorer_line(status))
    if not results:
        typer.echo("候補がありません / no candidates")
        return
    head = f"{'#':>2}  {'score':>5}  {pad('団体 / organization', 30)}  {pad('種別・地区', 22)}"
    typer.echo(head)
    typer.echo("-" * width(head))
    for i, s in enumerate(results, 1):
        org = names.get(s.candidate_id)
        label = f"{org.name} ({org.id})" if org else s.candidate_id
        where = f"{org.sector.label_ja}・{org.area or '-'}" if org else ""
        typer.echo(f"{i:>2}  {s.score:5.3f}  {pad(label, 30)}  {pad(where, 22)}")
        typer.echo(f"      理由: {s.explanation.get('ja', '')}")
        typer.echo(f"      why:  {s.explanation.get('en', '')}")
        if s.id in queued:
            typer.echo(f"      レビュー待ち / in the review queue: {queued[s.id]}")
        elif s.id in shown.decided:
            typer.echo(f"      判断済み / decided before: {shown.decided[s.id].value}")


def train(
    seed: Annotated[int, typer.Option(help="random seed / 乱数の種")] = 0,
) -> None:
    """Train the ranker on past collaborations and coordinators' decisions, check it on the
    latest window against the strong baselines, and save whichever ranks best.
    過去の協働と判断から学習し、直近の期間で基準手法と比べて、最も良いものを保存します。"""
    from matching.service import Matcher

    config = settings()
    store = open_configured(config)
    try:
        matcher = Matcher(store, config.matcher_config())
        try:
            ranker, result = matcher.train(seed=seed)
        except ValueError as exc:
            raise fail(str(exc), str(exc)) from exc
        status = matcher.status
    finally:
        store.close()
    typer.echo(f"saved {ranker.version} to {config.data_dir / 'models'}")
    for w in result.windows:
        typer.echo(
            f"  window from {w['cut']} to {w['end'] or 'now'}: {w['queries']} queries, "
            f"{w['positives']} new partners / 学習期間"
        )
    if result.holdout:
        typer.echo("  held-out window, MRR / 検証期間の MRR:")
        for name, mrr in sorted(result.holdout.items(), key=lambda kv: -kv[1]):
            mark = "  <- ships / 採用" if name == result.scorer.name else ""
            typer.echo(f"    {mrr:.3f}  {name}{mark}")
    typer.echo(f"  {result.note}")
    typer.echo(_scorer_line(status))


def evaluate(
    split_date: Annotated[
        str | None,
        typer.Option(
            "--split-date",
            metavar="YYYY-MM-DD",
            help="train before, test on new partnerships from this day (default: the date by "
            "which 80% of partnerships had formed) / 分割日",
        ),
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="evaluate on these files (ingest formats) in a temporary store; "
            "repeatable / 評価用データ",
        ),
    ] = None,
    mapping: MappingOption = None,
    kind: KindOption = None,
    skip_invalid: SkipInvalidOption = False,
    demo: Annotated[
        int | None,
        typer.Option(
            "--demo", metavar="SEED", help="evaluate on the demo city with this seed / デモ市"
        ),
    ] = None,
    json_file: Annotated[
        Path | None,
        typer.Option("--json", metavar="FILE", help="also write the results as JSON / JSON に保存"),
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed / 乱数の種")] = 0,
    semantic: Annotated[
        bool, typer.Option(help="use the embedding model / 埋め込みモデルを使う")
    ] = True,
) -> None:
    """Evaluate the ranker against baselines on new partnerships after a split date.
    分割日より前で学習し、その後の新しい協働相手を当てられるかを評価します。"""
    from matching.evaluate import evaluate as run
    from matching.service import Matcher, MatcherConfig

    split = None
    if split_date:
        try:
            split = date.fromisoformat(split_date)
        except ValueError as exc:
            raise fail(
                f"日付は YYYY-MM-DD で指定してください: {split_date}",
                f"--split-date must be YYYY-MM-DD, got {split_date!r}",
            ) from exc
    config = settings()
    with tempfile.TemporaryDirectory(prefix="tsunagu-eval-") as tmp:
        if data or demo is not None:
            from graph.embedded import EmbeddedStore

            store: Any = EmbeddedStore(Path(tmp) / "eval.sqlite3")
            store.init_schema()
            if demo is not None:
                from democity import load

                load(store, seed=demo)
            if data:
                # the CLI reads the files through ingest; matching only sees the store
                # a foreign data set names its own districts (countries, for cordis): the
                # throwaway store registers them, a register never does so by itself
                options = ImportOptions(
                    skip_invalid=skip_invalid, mapping=mapping, kind=kind, register_districts=True
                )
                report = options.run(store, data)
                if report.blocked or not report.written:
                    for err in report.errors[:20]:
                        typer.echo(f"  {err}", err=True)
                    store.close()
                    raise fail("データを読み込めませんでした", "could not load the data")
        else:
            store = open_configured(config)
        try:
            # a fresh models folder: the evaluation trains its own ranker, never the saved one
            matcher = Matcher(
                store, MatcherConfig(data_dir=Path(tmp), embed_model=config.embed_model)
            )
            encoder = matcher.encoder if semantic else None
            if encoder is not None:
                matcher.refresh_embeddings(progress=True)
            elif semantic:
                typer.echo(
                    f"注意: 埋め込みなしで評価します / note: evaluating without "
                    f"embeddings ({matcher.status['error']})",
                    err=True,
                )
            try:
                result = run(store, split, encoder, seed=seed, progress=True)
            except ValueError as exc:
                raise fail(str(exc), str(exc)) from exc
        finally:
            store.close()
    typer.echo(
        f"split date / 分割日: {result.split_date}   queries / 質問: {result.queries}"
        f"   new partners / 新しい協働相手: {result.answers}"
        f"   candidates per query / 候補数: {result.candidates_per_query:.0f}"
    )
    typer.echo(f"shipped scorer / 採用: {result.shipped}   ({result.training['note']})")
    typer.echo("")
    typer.echo(result.table())
    if json_file:
        json_file.write_text(
            json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        typer.echo(f"wrote {json_file}")


@model_app.command("list")
def model_list() -> None:
    """The named models, whether each is installed here, and which one is in use.
    使えるモデル、導入済みか、どれを使っているかを表示します。"""
    from matching.encoders import DEFAULT_MODEL, PRESETS, installed_path

    current = settings().embed_model
    for p in PRESETS.values():
        here = p.name == DEFAULT_MODEL or installed_path(p.name).exists()
        mark = "*" if p.name == current else " "
        state = "installed / 導入済み" if here else "not installed / 未導入"
        typer.echo(f"{mark} {pad(p.name, 24)} {pad(p.languages, 28)} {state}")
        prompts = f" prompts: {p.query_prefix!r} / {p.document_prefix!r}" if p.query_prefix else ""
        typer.echo(f"    {p.source}: {p.note}{prompts}")
    if current not in PRESETS:
        typer.echo(f"* {current} (TSUNAGU_EMBED_MODEL: a local path or cached model id)")


@model_app.command("install")
def model_install(
    name: Annotated[str, typer.Argument(help="a preset from `tsunagu model list`")],
) -> None:
    """Download a preset once (needs internet access) into the data folder.  Then set
    TSUNAGU_EMBED_MODEL to its name and run `tsunagu embed` and `tsunagu train`.
    モデルを一度だけダウンロードします（インターネット接続が必要）。"""
    from matching.encoders import EncoderError, install_preset

    try:
        path = install_preset(name)
    except EncoderError as exc:
        raise fail(str(exc), str(exc)) from exc
    typer.echo(f"installed {name} at {path} / 導入しました")
    typer.echo(
        f"next: export TSUNAGU_EMBED_MODEL={name}; tsunagu embed; tsunagu train "
        "(the ranker's features depend on the model: retrain after switching / "
        "モデルを変えたら学習し直してください)"
    )


def embed() -> None:
    """Encode organization profiles, needs and offers whose text is new or changed.
    団体・ニーズ・提供の文章の埋め込みを更新します。"""
    from matching.service import Matcher

    config = settings()
    store = open_configured(config)
    try:
        matcher = Matcher(store, config.matcher_config())
        count = matcher.refresh_embeddings(progress=True)
        status = matcher.status
    finally:
        store.close()
    if not status["semantic"]:
        raise fail(
            f"埋め込みモデルを読み込めません: {status['error']}",
            f"cannot load the embedding model: {status['error']}",
        )
    typer.echo(f"encoded {count} new texts with {status['model']} / {count} 件を新たに符号化")


def register(app: typer.Typer) -> None:
    """Add the matcher's commands to the ``tsunagu`` app."""
    app.command("suggest")(suggest)
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.add_typer(model_app, name="model")
    app.command("embed")(embed)
