"""The ``timeline`` command line: each command is a few lines over the library.

Results go to standard output and nothing else does; warnings and errors go to
standard error, naming the file (and the offset, for a warning).
"""

from __future__ import annotations

import csv
import json
import socket
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from exports.chronology import associations_summary, chronology
from timeline import limits
from timeline.cells import CSV_LINE_END, csv_writer, neutralise
from timeline.dates import DATE_COLUMNS, collect_manifest, mention_row, resolve_documents
from timeline.documents import DEFAULT_MAX_BYTES, expand_paths, resolved
from timeline.engine import Engine
from timeline.evaluation import EvaluationError, evaluate, print_report
from timeline.manifest import ManifestError
from timeline.reviews import ALL, ReviewError, ReviewReport, load_reviews, write_review_sheet
from timeline.sheets import backup
from timeline.table import WRITERS, TableResult, build_events, default_reviews, write_table

app = typer.Typer(
    help="Event timelines from Chinese documents: find and resolve their dates.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: flags without a <bool> placeholder, text wrapped to the terminal.
    rich_markup_mode=None,
)


#: How documents are processed, set by the options before the command
#: (``timeline --scheduler ADDRESS build ...``), see :func:`_main`.
_ENGINE: dict[str, object] = {}


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"timeline {version('cn-timeline')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("timeline (not installed)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    max_expanded_mb: Annotated[
        float,
        typer.Option(
            min=0.001,
            help="What one .docx (or other zip) may decompress to, in MiB.",
        ),
    ] = limits.Limits.expanded_bytes / limits.MIB,
    max_pages: Annotated[int, typer.Option(min=1, help="Pages per PDF.")] = limits.Limits.pages,
    max_characters: Annotated[
        int, typer.Option(min=1, help="Characters of text per document.")
    ] = limits.Limits.characters,
    max_events: Annotated[
        int, typer.Option(min=1, help="Events per document.")
    ] = limits.Limits.events,
    time_budget: Annotated[
        float, typer.Option(min=0.01, help="Seconds to read and resolve one document.")
    ] = limits.Limits.seconds,
    scheduler: Annotated[
        str | None,
        typer.Option(
            envvar="TIMELINE_SCHEDULER",
            help="A dask.distributed scheduler (tcp://host:8786) to process the documents on;"
            " its workers must reach the documents at the same paths. Default: this machine.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            envvar="TIMELINE_WORKERS",
            min=0,
            help="Local processes (default: every core; serial for a few dozen documents;"
            " 0: serial).",
            show_default=False,
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="TIMELINE_CACHE_DIR",
            help="Where per-document results are kept between runs (safe to delete)."
            " Default: $XDG_CACHE_HOME/cn-timeline (~/.cache/cn-timeline).",
            show_default=False,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Read every document again; keep nothing.")
    ] = False,
) -> None:
    """Event timelines from Chinese documents: find and resolve their dates.

    The limits bound what one document may cost (see timeline.limits); over one, it
    is an error naming the option that raises it.
    """
    limits.configure(
        expanded_bytes=int(max_expanded_mb * limits.MIB),
        pages=max_pages,
        characters=max_characters,
        events=max_events,
        seconds=time_budget,
    )
    _ENGINE.update(scheduler=scheduler, workers=workers, cache_dir=cache_dir, no_cache=no_cache)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 document``, ``2 documents``: a count with its noun in the right number.

    >>> plural(1, "document"), plural(3, "entry", "entries")
    ('1 document', '3 entries')
    """
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


#: The old spelling of -o/--output, still accepted so that scripts keep working.
OutAlias = Annotated[Path | None, typer.Option("--out", hidden=True, show_default=False)]


def pick_association(query: str | None, known: set[str]) -> str | None:
    """The one association whose name is ``query`` or contains it; exit 2 otherwise.

    None stays None (every association). No match or several are errors that
    list the associations, so the user can pick the right spelling.
    """
    if query is None:
        return None
    if query in known:
        return query
    found = sorted(name for name in known if query.casefold() in name.casefold())
    if len(found) == 1:
        return found[0]
    names = "\n".join(f"  {name}" for name in sorted(known)) or "  (none)"
    if found:
        _error(f"error: --association {query!r} matches {plural(len(found), 'association')}:")
        _error("\n".join(f"  {name}" for name in found))
        _error("give more of the name")
    else:
        _error(f"error: no association matches {query!r}; the associations are:\n{names}")
    raise typer.Exit(2)


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"


#: Control characters in a message (a file named with an escape sequence) are
#: shown as \x1b and the like, never sent to the terminal; a line break too
#: (a file named "a.txt\nerror: …" must not forge a line of its own), and the
#: Unicode line and paragraph separators.
_SHOWN_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))} | {
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def _engine() -> Engine:
    from timeline.cache import DocumentCache

    cache = None if _ENGINE.get("no_cache") else DocumentCache(_ENGINE.get("cache_dir"))
    return Engine(scheduler=_ENGINE.get("scheduler"), workers=_ENGINE.get("workers"), cache=cache)


def _error(message: str) -> None:
    typer.echo(message.translate(_SHOWN_CONTROLS), err=True)


def _report(path: Path, label: str, message: str) -> None:
    """``path: label: message`` on standard error, the path said once."""
    _error(f"{path}: {label}: {message.removeprefix(f'{path}: ').removeprefix(f'{path.name}: ')}")


MaxDocumentOption = Annotated[
    float,
    typer.Option(
        "--max-document-mb",
        min=0.001,
        help="Size limit per document in MB (2^20 bytes); larger files are reported and skipped.",
    ),
]
DEFAULT_MAX_MB = DEFAULT_MAX_BYTES / 2**20


def _max_bytes(megabytes: float) -> int:
    return int(megabytes * 2**20)


@app.command()
def dates(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Documents or folders (searched recursively for .txt, .md, .html, .docx and .pdf).",
            show_default=False,
        ),
    ],
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="Manifest CSV (file,published,association,title,url) for all documents."
            " By default a folder's own documents.csv is used.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.csv,
    max_document_mb: MaxDocumentOption = DEFAULT_MAX_MB,
) -> None:
    """List every date mention of the documents, resolved to a range of days.

    One row per mention: doc, span_start, span_end, date_text, start, end,
    granularity, kind, anchor, rule. The offsets index the decoded text of the
    file. A document without a publication date in the manifest has it detected
    in its text. Warnings and errors go to standard error; a file that fails does
    not stop the others, but the exit code is then 1.
    """
    problems: list[str] = []
    try:
        metadata = collect_manifest(paths, manifest, problems)
    except ManifestError as error:
        _error(f"error: {error}")
        raise typer.Exit(2) from None
    for problem in problems:
        _error(f"error: {problem}")
    files = expand_paths(paths)
    if not files:
        _error("error: no documents in " + ", ".join(map(str, paths)))
        raise typer.Exit(1)

    writer = csv.DictWriter(sys.stdout, fieldnames=DATE_COLUMNS, lineterminator=CSV_LINE_END)
    if output_format is OutputFormat.csv:
        writer.writeheader()
    rows: list[dict[str, str | int]] = []
    failed = bool(problems)
    for result in resolve_documents(files, metadata, _max_bytes(max_document_mb)):
        if result.error is not None:
            failed = True
            _report(result.path, "error", result.error)
            continue
        for repair in result.repairs:
            failed = True
            _report(result.path, "repaired", repair)
        for warning in result.warnings:
            _error(
                f"{result.path}:{warning.span[0]}: warning: {warning.message} ({warning.text!r})"
            )
        for mention in result.mentions:
            row = mention_row(result.doc, mention)
            if output_format is OutputFormat.csv:
                writer.writerow({key: neutralise(value) for key, value in row.items()})
            else:
                rows.append(row)
        sys.stdout.flush()
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(1)


@app.command(name="evaluate")
def evaluate_command(
    gold_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder with the gold documents.csv and mentions.csv.", show_default=False
        ),
    ],
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Folder with the documents (and their documents.csv manifest)."
            " Default: the 'corpus' folder beside GOLD_DIR.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score the resolved dates against gold annotations.

    Prints recall, precision and value accuracy of the event mentions per
    document and overall, then what to fix: missed gold events, wrong values and
    false positives. Publication dates come from the corpus manifest or the
    document text, as for `timeline dates`, never from the gold.
    """
    try:
        result = evaluate(gold_dir, corpus)
    except (EvaluationError, ManifestError) as error:
        _error(f"error: {error}")
        raise typer.Exit(2) from None
    print_report(result)


# --- the event table -----------------------------------------------------------------

PROGRESS_FROM = 6  # a progress bar from this many documents on

Paths = Annotated[
    list[Path],
    typer.Argument(
        help="Documents or folders (searched recursively for .txt, .md, .html, .docx and .pdf).",
        show_default=False,
    ),
]
ManifestOption = Annotated[
    Path | None,
    typer.Option(
        help="Manifest CSV (file,published,association,title,url). Default: each folder's documents.csv.",
        show_default=False,
    ),
]
ReviewsOption = Annotated[
    Path | None,
    typer.Option(
        help="Reviews (CSV or XLSX) applied by event_id. Default: reviews.csv in the first folder.",
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no warnings.")
]


def _build(
    paths: list[Path],
    manifest: Path | None,
    reviews: Path | None,
    quiet: bool,
    max_document_mb: float = DEFAULT_MAX_MB,
) -> TableResult:
    """Build the event table, reporting errors and warnings on standard error.

    Exit 2 for a manifest or reviews file that cannot be used at all; anything
    else is reported and the run goes on (see :func:`_finish`).
    """
    files = expand_paths(paths)
    limit = _max_bytes(max_document_mb)
    try:
        reviews = reviews or default_reviews(paths)
        if len(files) >= PROGRESS_FROM and not quiet and sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as progress:
                task = progress.add_task("Reading documents", total=len(files))
                result = build_events(
                    paths, manifest, reviews, lambda _: progress.advance(task), limit, _engine()
                )
        else:
            result = build_events(
                paths, manifest, reviews, max_document_bytes=limit, engine=_engine()
            )
    except (ManifestError, ReviewError) as error:
        _error(f"error: {error}")
        raise typer.Exit(2) from None
    for _, message in result.problems:
        _error(f"error: {message}")
    for path, message in result.errors:
        _report(path, "error", message)
    for path, message in result.repairs:
        _report(path, "repaired", message)
    if not quiet:
        for _, message in result.warnings:
            _error(f"warning: {message}")
    for message in result.reviews.messages:
        _error(f"review: {message}")
    if not quiet:
        for message in result.reviews.migrated:
            _error(f"review: {message}")
    if not files:
        _error("error: no documents in " + ", ".join(map(str, paths)))
        raise typer.Exit(1)
    return result


def _finish(result: TableResult) -> None:
    """Exit 1 after the output when anything failed, needed repairs or could not be applied."""
    if result.errors:
        _error(f"{len(result.errors)} of {plural(result.documents, 'document')} failed")
    if result.repairs:
        read = "was" if len(result.repairs) == 1 else "were"
        _error(f"{plural(len(result.repairs), 'document')} {read} only readable with repairs")
    if result.problems:
        _error(f"{plural(len(result.problems), 'problem')} in the manifest or the PATH arguments")
    if result.reviews.messages:
        _error(f"{plural(len(result.reviews.messages), 'review')} could not be applied")
    if result.failed:
        raise typer.Exit(1)


@app.command()
def events(
    paths: Paths,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help=f"Where to write the table: {', '.join(WRITERS)} by suffix.",
            show_default=False,
        ),
    ],
    manifest: ManifestOption = None,
    reviews: ReviewsOption = None,
    quiet: QuietOption = False,
    max_document_mb: MaxDocumentOption = DEFAULT_MAX_MB,
) -> None:
    """Write the event table: one row per dated event, with its sentence and source.

    The format follows the suffix of --output (.csv, .parquet, .json, .xlsx).
    Reviews are applied; periods (十四五, a plan's years) are not events and stay out.
    """
    if output.suffix.lower() not in WRITERS:
        _error(f"error: {output.name}: unknown table format; use one of {', '.join(WRITERS)}")
        raise typer.Exit(2)
    result = _build(paths, manifest, reviews, quiet, max_document_mb)
    write_table(result.table, output)
    if not quiet:
        _error(
            f"{plural(len(result.table), 'event')} from"
            f" {plural(result.documents, 'document')} written to {output}"
        )
    _finish(result)


def _day(value: str | None, option: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _error(f"error: {option} {value!r} is not a date (write 2023-08-22)")
        raise typer.Exit(2) from None


class ChronologyFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    csv = "csv"
    docx = "docx"


@app.command(name="chronology")
def chronology_command(
    paths: Paths,
    association: Annotated[
        str | None, typer.Option(help="Only this association's events.", show_default=False)
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--from", help="Events ending on or after this day (YYYY-MM-DD).", show_default=False
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--to", help="Events starting on or before this day (YYYY-MM-DD).", show_default=False
        ),
    ] = None,
    output_format: Annotated[
        ChronologyFormat,
        typer.Option("--format", help="Output format; docx (a Word document) needs --output."),
    ] = ChronologyFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to this file instead of standard output.",
            show_default=False,
        ),
    ] = None,
    out_alias: OutAlias = None,
    manifest: ManifestOption = None,
    reviews: ReviewsOption = None,
    quiet: QuietOption = False,
    max_document_mb: MaxDocumentOption = DEFAULT_MAX_MB,
) -> None:
    """Print a dated chronology grouped by year, each date written the Chinese way.

    Dates keep their precision: 2024年4月, 2020年11月18日—20日, 2023年8月22日.
    --association takes any unique part of a name. With --format docx and
    --output 大事记.docx it writes a Word document: a heading per year, each
    event with its date, title and source, in a Chinese font, page numbers in
    the footer.
    """
    output = output or out_alias
    first, last = _day(since, "--from"), _day(until, "--to")
    if output_format is ChronologyFormat.docx and output is None:
        _error("error: --format docx writes a file: give it with --output, e.g. -o 大事记.docx")
        raise typer.Exit(2)
    result = _build(paths, manifest, reviews, quiet, max_document_mb)
    chosen = pick_association(association, set(result.extracted["association"]))
    if output_format is ChronologyFormat.docx:
        from exports.docx import write_chronology_docx

        write_chronology_docx(result.table, output, chosen, first, last)
        if not quiet:
            _error(f"chronology written to {output}")
    else:
        text = chronology(result.table, chosen, first, last, output_format.value)
        if output is None:
            typer.echo(text, nl=False)
        else:
            from timeline.files import write_atomic

            write_atomic(output, text.encode("utf-8"))
    _finish(result)


@app.command(name="associations")
def associations_command(
    paths: Paths,
    manifest: ManifestOption = None,
    reviews: ReviewsOption = None,
    quiet: QuietOption = False,
    max_document_mb: MaxDocumentOption = DEFAULT_MAX_MB,
) -> None:
    """List each association with its number of events and the span of their dates."""
    result = _build(paths, manifest, reviews, quiet, max_document_mb)
    summary = associations_summary(result.table)
    writer = csv_writer(sys.stdout)
    writer.writerow(["association", "events", "first", "last"])
    for row in summary.itertuples(index=False):
        writer.writerow(
            [neutralise(row.association), row.events, row.first.isoformat(), row.last.isoformat()]
        )
    _finish(result)


@app.command(name="review")
def review_command(
    paths: Paths,
    association: Annotated[
        str,
        typer.Option(
            help="The association whose events to review (any unique part of its name);"
            " 'all' puts every association in one workbook, a sheet each.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the review sheets.")
    ] = Path("."),
    out_alias: OutAlias = None,
    manifest: ManifestOption = None,
    reviews: ReviewsOption = None,
    quiet: QuietOption = False,
    max_document_mb: MaxDocumentOption = DEFAULT_MAX_MB,
) -> None:
    """Write a review sheet (XLSX and CSV) of one association's events, or of all.

    In the workbook (Chinese headers), set 审核结果 to 确认, 拒绝 or 更正 and
    correct 开始日期, 结束日期 or 标题 (in the CSV: status confirmed, rejected or
    corrected, start, end, title); then save it as reviews.csv beside the
    corpus, or pass it with --reviews: later runs apply it by event_id. Reviews
    already given fill in the new sheet.
    """
    out = out_alias or output
    result = _build(paths, manifest, reviews, quiet, max_document_mb)
    # The sheet lists the events as extracted, so rejected ones can be reconsidered.
    known = set(result.extracted["association"])
    if association.casefold() in ("all", "全部") and association not in known:
        association = ALL
    else:
        association = pick_association(association, known)
    try:
        chosen = reviews or default_reviews(paths)
        previous = load_reviews(chosen, ReviewReport()) if chosen is not None else []
    except ReviewError as error:
        _error(f"error: {error}")
        raise typer.Exit(2) from None
    sheets = review_sheets(out, association)
    _keep_reviews(sheets, chosen, previous)
    for sheet in sheets:
        kept = backup(sheet)
        if kept is not None and not quiet:
            _error(f"{sheet}: the earlier sheet is kept as {kept.name}")
    for path in write_review_sheet(result.extracted, association, out, previous):
        typer.echo(str(path))
    _finish(result)


def review_sheets(folder: Path, association: str) -> list[Path]:
    """The files :func:`timeline.reviews.write_review_sheet` writes for ``association``."""
    from timeline.slugs import slugify

    stem = "review-all" if association == ALL else f"review-{slugify(association)}"
    return [folder / f"{stem}.xlsx", folder / f"{stem}.csv"]


def _keep_reviews(sheets: list[Path], chosen: Path | None, previous: list) -> None:
    """Exit 2 rather than write a sheet over reviews that exist nowhere else.

    That is the reviews file in use (passed back with --reviews), or an earlier
    sheet where someone already set statuses that the reviews in use do not
    have: a new sheet would silently throw that work away.
    """
    given = {review.event_id: review.status for review in previous}
    for sheet in sheets:
        if chosen is not None and resolved(sheet) == resolved(chosen):
            _error(f"error: {sheet} is the reviews file in use; write the sheet elsewhere (-o)")
            raise typer.Exit(2)
        if not sheet.is_file():
            continue
        try:
            found = load_reviews(sheet, ReviewReport())
        except ReviewError as error:  # what it holds cannot be told: never overwrite it
            _error(
                f"error: {error}; it is left as it is and no new sheet was written"
                " (fix it, or move it away)"
            )
            raise typer.Exit(2) from None
        unsaved = [r for r in found if given.get(r.event_id) != r.status]
        if unsaved:
            _error(
                f"error: {sheet} holds {plural(len(unsaved), 'review')} that the reviews in use do not"
                f" ({unsaved[0].where}); save it as reviews.csv beside the corpus or pass it"
                " with --reviews, or remove it, before writing a new sheet"
            )
            raise typer.Exit(2)


# --- publishing ------------------------------------------------------------------------


@app.command()
def build(
    paths: Paths,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The folder to publish, served as it is.")
    ] = Path("public"),
    out_alias: OutAlias = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Where the folder will be served (https://host/path/), for webcal:// links.",
            show_default=False,
        ),
    ] = None,
    include_years: Annotated[
        bool, typer.Option(help="Put year-level events in the feeds too.")
    ] = False,
    include_open: Annotated[
        bool,
        typer.Option(help="Put open-ended events (春节前, 截至9月, 2020年以来) in the feeds too."),
    ] = False,
    allow_partial: Annotated[
        bool,
        typer.Option(
            help="Publish even when some documents or manifest rows failed (their events or metadata are then missing)."
        ),
    ] = False,
    manifest: ManifestOption = None,
    reviews: ReviewsOption = None,
    quiet: QuietOption = False,
    max_document_mb: MaxDocumentOption = DEFAULT_MAX_MB,
) -> None:
    """Build the published folder: timeline page, iCalendar feeds, the event table.

    Writes index.html, feeds.html, feeds/all.ics, one feeds/<association>.ics per
    association, events.csv and events.parquet, each atomically. When a document
    or a manifest row fails, nothing is published (the previous outputs stay as
    they were) unless --allow-partial is given; the exit code is 1 either way.
    The output folder must not hold input documents, nor be inside an input folder.
    """
    from exports.publish import Interrupted
    from exports.site import build_site

    out = out_alias or output
    _outside_inputs(out, paths)
    result = _build(paths, manifest, reviews, quiet, max_document_mb)
    if result.incomplete and not allow_partial:
        failed = len(result.errors) + len(result.problems)
        rows = "document or manifest row" if failed == 1 else "documents or manifest rows"
        _error(
            f"error: {failed} {rows} failed; {out} left as it was"
            " (--allow-partial publishes the rest)"
        )
        _finish(result)
    try:
        site = build_site(
            result.table,
            out,
            include_years=include_years,
            include_open=include_open,
            base_url=base_url,
            engine=_engine(),
        )
    except Interrupted as stop:
        _error(f"interrupted: {out} left as it was")
        raise typer.Exit(128 + stop.signum) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _error(f"error: {where}{error.strerror or error}; {out} left as it was")
        raise typer.Exit(1) from None
    except ValueError as error:
        _error(f"error: {error}; {out} left as it was")
        raise typer.Exit(1) from None
    if not quiet:
        _error(
            f"{plural(len(result.table), 'event')}, {plural(len(site.feeds), 'feed')} written to {out}"
        )
    if reviews is not None or result.reviews.applied:
        _error(f"reviews: {result.reviews.summary}")
    typer.echo(str(site.folder / "index.html"))
    _finish(result)


def _outside_inputs(out: Path, paths: list[Path]) -> None:
    """Exit 2 when publishing to ``out`` would overwrite or re-read input documents.

    A folder argument containing ``out`` would read the published pages as
    documents on the next run; a document inside ``out`` could be overwritten.
    """
    target = resolved(out)
    for argument in paths:
        source = resolved(argument)
        if target == source or target.is_relative_to(source) and source.is_dir():
            _error(
                f"error: the output folder {out} is inside the input folder {argument}:"
                " its pages would be read as documents; publish elsewhere (-o)"
            )
            raise typer.Exit(2)
        if source.is_relative_to(target):
            _error(f"error: the input {argument} is inside the output folder {out}")
            raise typer.Exit(2)


@app.command()
def serve(
    directory: Annotated[
        Path, typer.Argument(help="The published folder (default public/).")
    ] = Path("public"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve the published folder over HTTP, with calendar content types and ETags."""

    if not directory.is_dir():
        _error(f"error: {directory} is not a folder; run `timeline build` first")
        raise typer.Exit(2)
    server = _listen(directory, host, port)
    bound_host, bound_port = server.server_address[:2]
    _error(f"serving {directory} on http://{bound_host}:{bound_port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _listen(directory: Path, host: str, port: int):
    """The server bound to ``host:port``, or exit 2 with one line saying why not."""
    import errno

    from exports.serve import make_server

    if not 0 <= port <= 65535:
        _error(f"error: --port {port} is not a port (use 1024-65535, or 0 for any free one)")
        raise typer.Exit(2)
    try:
        return make_server(directory, host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = f"port {port} is already in use (another server?); choose another with --port"
        elif error.errno == errno.EACCES:
            reason = f"port {port} needs privileges; use a port from 1024 up (--port)"
        elif error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
            reason = f"cannot listen on {host!r}: not an address of this machine (--host)"
        else:
            reason = f"cannot listen on {host}:{port}: {error.strerror or error}"
        _error(f"error: {reason}")
        raise typer.Exit(2) from None


if __name__ == "__main__":
    app()
