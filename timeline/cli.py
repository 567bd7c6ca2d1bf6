"""The ``timeline`` command line: each command is a few lines over the library.

Results go to standard output and nothing else does; warnings and errors go to
standard error, naming the file (and the offset, for a warning).
"""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from timeline.dates import DATE_COLUMNS, collect_manifest, mention_row, resolve_documents
from timeline.documents import expand_paths
from timeline.evaluation import EvaluationError, evaluate, print_report
from timeline.manifest import ManifestError

app = typer.Typer(
    help="Event timelines from Chinese documents: find and resolve their dates.",
    no_args_is_help=True,
    add_completion=False,
)


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"


def _error(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def dates(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Documents or folders (searched recursively for .txt and .md files).",
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
) -> None:
    """List every date mention of the documents, resolved to a range of days.

    One row per mention: doc, span_start, span_end, date_text, start, end,
    granularity, kind, anchor, rule. The offsets index the decoded text of the
    file. A document without a publication date in the manifest has it detected
    in its text. Warnings and errors go to standard error; a file that fails does
    not stop the others, but the exit code is then 1.
    """
    try:
        metadata = collect_manifest(paths, manifest)
    except ManifestError as error:
        _error(f"error: {error}")
        raise typer.Exit(2) from None
    files = expand_paths(paths)
    if not files:
        _error("error: no .txt or .md documents in " + ", ".join(map(str, paths)))
        raise typer.Exit(1)

    writer = csv.DictWriter(sys.stdout, fieldnames=DATE_COLUMNS, lineterminator="\n")
    if output_format is OutputFormat.csv:
        writer.writeheader()
    rows: list[dict[str, str | int]] = []
    failed = False
    for result in resolve_documents(files, metadata):
        if result.error is not None:
            failed = True
            _error(f"{result.path}: error: {result.error}")
            continue
        for warning in result.warnings:
            _error(
                f"{result.path}:{warning.span[0]}: warning: {warning.message} ({warning.text!r})"
            )
        for mention in result.mentions:
            row = mention_row(result.doc, mention)
            if output_format is OutputFormat.csv:
                writer.writerow(row)
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


if __name__ == "__main__":
    app()
