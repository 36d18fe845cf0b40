"""The `summarizer` command line: thin commands over the pipeline modules."""
from __future__ import annotations

import asyncio
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .backends import BACKENDS, BackendError, make_backend
from .cache import Cache, CacheError
from .checks import run_checks
from .clean import clean
from .evaluate import evaluate, load_gold, match_results
from .items import passages_report
from .pipeline import Outcome, Pipeline
from .reader import InputError, expand_inputs, read_document
from .render import (
    cache_view, checks_table, clean_view, eval_breakdown_view, eval_view, explain_view, passages_view, result_view,
)
from .rules.pairings import explain_pairings
from .results_io import load_results
from .schemas import FundKind, Result, Severity, json_schema

app = typer.Typer(
    help="Turn Chinese pairing-assistance articles (东西部协作, 对口支援, 对口帮扶, 结对帮扶, 定点帮扶) "
    "into typed, evidence-grounded records: pairings, funds, measures and a summary.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cache_app = typer.Typer(help="Inspect or clear the result cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

out = Console()
err = Console(stderr=True, soft_wrap=True)  # one message, one line: never folded mid-sentence
PROGRESS_THRESHOLD = 3


def hide_flag_types() -> None:
    """Recent typer prints <bool> after every on/off flag (--json, --help…) in --help, as if it took a value."""
    from typer import core

    option = getattr(core, "TyperOption", None)
    shown = getattr(option, "display_type_rich", None)
    if shown is None or getattr(shown, "hides_flags", False):
        return

    def display_type_rich(self, ctx):
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    display_type_rich.hides_flags = True
    option.display_type_rich = display_type_rich


hide_flag_types()


def fail(message: str, code: int = 2) -> None:
    err.print(f"[red]summarizer: error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Offline by default (the rules backend); set SUMMARIZER_MODEL or --model to use an LLM."""


# --- backend options shared by summarize / eval / report --------------------------------

BackendOpt = typer.Option("auto", "--backend", "-b",
                          help=f"Extractor: {', '.join(BACKENDS)}, or auto (openai when a model is configured, else rules).")
ModelOpt = typer.Option(None, "--model", "-m", help="LLM model name (env SUMMARIZER_MODEL).")
BaseUrlOpt = typer.Option(None, "--base-url", help="OpenAI-compatible server URL (env OPENAI_BASE_URL).")
TemperatureOpt = typer.Option(0.0, "--temperature", help="LLM sampling temperature.")
ModeOpt = typer.Option("tools", "--mode", help="instructor mode: tools, json_schema, md_json or json "
                                                "(local servers differ; see the README).")
TimeoutOpt = typer.Option(120.0, "--timeout", help="Seconds to wait for one LLM request.")
ConcurrencyOpt = typer.Option(8, "--concurrency", "-j", min=1, help="Articles processed at once.")
CacheDirOpt = typer.Option(None, "--cache-dir", help="Cache directory (env SUMMARIZER_CACHE_DIR; default: user cache dir).")
NoCacheOpt = typer.Option(False, "--no-cache", help="Neither read nor write the cache.")
RefreshOpt = typer.Option(False, "--refresh", help="Ignore cached results and overwrite them.")


RecordOpt = typer.Option(None, "--record", help="Save every LLM request and answer in this folder (a replayable fixture).")
ReplayOpt = typer.Option(None, "--replay", help="Answer from a folder made by --record instead of a server "
                                                "(no key needed; implies --backend openai).")


CorrectionsOpt = typer.Option(None, "--corrections", help="Corrections to apply (the JSONL `review` writes); default: "
                                                            "corrections.jsonl beside each results file, when there is one.")
MAX_PROBLEM_LINES = 20


def open_corrections(result_paths: list[Path], explicit: Path | None):
    """The corrections to apply: --corrections, else corrections.jsonl beside each results file; None if there are none."""
    from .corrections import find

    try:
        return find(result_paths, explicit)
    except FileNotFoundError as exc:
        fail(str(exc))


def say_problems(problems) -> None:
    """A correction that could not be applied is reported, one line each, never dropped silently."""
    for problem in problems[:MAX_PROBLEM_LINES]:
        err.print(f"[yellow]summarizer: correction not applied:[/yellow] {problem}", highlight=False)
    if len(problems) > MAX_PROBLEM_LINES:
        err.print(f"[yellow]summarizer: … and {len(problems) - MAX_PROBLEM_LINES} more correction(s) not applied[/yellow]",
                  highlight=False)


def choose_backend(name: str, model: str | None, base_url: str | None, temperature: float, mode: str,
                   timeout: float, record: Path | None = None, replay: Path | None = None):
    model = model or os.environ.get("SUMMARIZER_MODEL")
    if name == "auto":
        name = "openai" if model or replay else "rules"
    extra = {k: str(v) for k, v in (("record_dir", record), ("replay_dir", replay)) if v}
    try:
        return make_backend(name, model=model, base_url=base_url, temperature=temperature, mode=mode, timeout=timeout,
                            **extra)
    except BackendError as exc:
        fail(str(exc))


def open_cache(backend, cache_dir: Path | None, no_cache: bool) -> Cache | None:
    # The rules backend is deterministic and fast: caching it would only risk stale results.
    if no_cache or backend.name == "rules":
        return None
    try:
        return Cache(cache_dir)
    except CacheError as exc:
        fail(str(exc))


def run_pipeline(pipeline: Pipeline, sources: list[str], concurrency: int, on_outcome) -> list[Outcome]:
    """Run all sources; call on_outcome(index, outcome) as each finishes; show progress on stderr.
    A multi-item document counts as one input and gives one outcome per item it read (in order), and a
    one-line note on stderr naming the items it skipped."""
    outcomes: list[list[Outcome] | None] = [None] * len(sources)
    show = len(sources) > PROGRESS_THRESHOLD and err.is_terminal
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[status]}"), console=err, disable=not show, transient=False)

    async def drive() -> None:
        done = failed = cached = 0
        task = progress.add_task("summarizing", total=len(sources), status="")
        async for index, outcome in pipeline.run_many(sources, concurrency):
            outcomes[index] = outcome.flat()
            done += 1
            failed += not outcome.ok
            cached += outcome.cached
            progress.update(task, advance=1, status=f"failed {failed} · cached {cached}")
            if outcome.note:
                say_notes([outcome.note])
            for part in outcome.flat():
                on_outcome(index, part)

    with progress:
        asyncio.run(drive())
    return [o for parts in outcomes if parts is not None for o in parts]


def say_notes(notes: list[str]) -> None:
    """A multi-item document's note on the items it skips (items.skipped_note), as summarize and batch say it."""
    for note in notes:
        err.print(f"summarizer: {note}", style="dim", highlight=False)


def summarize_sources(sources: list[str], backend: str, model: str | None, base_url: str | None,
                      temperature: float, mode: str, timeout: float, concurrency: int, cache_dir: Path | None,
                      no_cache: bool, refresh: bool = False, on_outcome=lambda index, outcome: None,
                      record: Path | None = None, replay: Path | None = None, budget_of=None) -> list[Outcome]:
    """The pipeline over many inputs with the chosen backend and cache: shared by summarize, eval and report.
    budget_of(backend, cache), when given, returns the cost.Budget that --max-cost holds the run to."""
    chosen = choose_backend(backend, model, base_url, temperature, mode, timeout, record, replay)
    cache = open_cache(chosen, cache_dir, no_cache)
    budget = budget_of(chosen, None if refresh else cache) if budget_of else None
    pipeline = Pipeline(chosen, cache, refresh=refresh, budget=budget)
    return run_pipeline(pipeline, sources, concurrency, on_outcome)


def report_failures(outcomes: list[Outcome]) -> int:
    """One line per failed input; inputs skipped because the endpoint was down are counted in one line."""
    failures = [o for o in outcomes if not o.ok and not o.not_attempted]
    for o in failures:
        err.print(f"[red]summarizer: failed:[/red] {o.source}: {o.error}", highlight=False)
    skipped = [o for o in outcomes if o.not_attempted]
    if skipped:
        err.print(f"[red]summarizer: {len(skipped)} article(s) not attempted:[/red] {skipped[0].error.split(': ', 1)[-1]}; "
                  "finished results are cached, so running the same command again resumes", highlight=False)
    return 1 if failures or skipped else 0


def token_line(outcomes: list[Outcome], price_in: float | None, price_out: float | None,
               currency: str = "USD") -> str | None:
    from .cost import cost_of, money

    counted = [o.provenance for o in outcomes if o.ok and o.provenance.get("input_tokens") is not None]
    if not counted:
        return None
    fresh = [p for p in counted if not p.get("cached")]
    tokens_in = sum(p.get("input_tokens") or 0 for p in fresh)
    tokens_out = sum(p.get("output_tokens") or 0 for p in fresh)
    line = (f"tokens: {tokens_in:,} in + {tokens_out:,} out over {len(fresh)} article(s) sent, "
            f"{len(counted) - len(fresh)} from cache")
    document = sum(o.document_tokens or 0 for o in outcomes if o.ok and not o.cached)
    sent = sum(o.text_tokens_sent or 0 for o in outcomes if o.ok and not o.cached)
    if document and sent < document:
        line += (f"; article text sent ≈ {sent:,} of {document:,} tokens "
                 f"({1 - sent / document:.0%} saved by passage selection)")
    if price_in is not None or price_out is not None:
        cost = cost_of(tokens_in, tokens_out, price_in, price_out)
        line += f"; cost ≈ {money(cost, currency)}"
        if fresh:
            line += f" ({money(cost / len(fresh), currency)} per article)"
    return line


PriceInOpt = typer.Option(None, "--price-in", min=0, help="Price per million input tokens: prints the cost "
                                                          "(estimated with --dry-run, counted after a run).")
PriceOutOpt = typer.Option(None, "--price-out", min=0, help="Price per million output tokens.")
CurrencyOpt = typer.Option("USD", "--currency", help="Currency the prices are in, named in every cost printed.")
MaxCostOpt = typer.Option(None, "--max-cost", min=0, help="Send nothing that would take the cost past this "
                                                          "(in --currency; needs --price-in/--price-out).")
DryRunOpt = typer.Option(False, "--dry-run", help="Send nothing: print the requests, estimated tokens and, with "
                                                  "prices, the cost.")


def check_prices(price_in: float | None, price_out: float | None, max_cost: float | None) -> None:
    if max_cost is not None and price_in is None and price_out is None:
        fail("--max-cost needs --price-in and/or --price-out (per million tokens)")
    if (price_in is None) != (price_out is None):  # a cost of half the tokens would read as the whole cost
        missing = "--price-out" if price_out is None else "--price-in"
        err.print(f"summarizer: warning: no {missing}: the cost counts only the "
                  f"{'input' if price_out is None else 'output'} tokens", highlight=False)


def dry_run_backend() -> None:
    """A dry run sends nothing, so it needs no API key: the placeholder never leaves this process."""
    os.environ.setdefault("OPENAI_API_KEY", "dry-run-sends-nothing")


def cache_if_any(cache_dir: Path | None) -> Cache | None:
    """The cache, for looking up only: a dry run creates none."""
    try:
        return Cache(cache_dir, create=False)
    except CacheError:
        return None


def estimate_or_stop(sources: list[str], backend, cache, price_in, price_out, currency: str):
    """Print what the requests would be and cost; return the estimate."""
    from .cost import estimate, estimate_line

    found = estimate(sources, backend, cache)
    say_notes(found.notes)
    for source, reason in found.unreadable:
        err.print(f"[red]summarizer: failed:[/red] {source}: {reason}", highlight=False)
    err.print(estimate_line(found, price_in, price_out, currency), highlight=False)
    return found


@app.command()
def summarize(
    paths: list[str] = typer.Argument(..., help="Files, directories (*.txt *.html *.htm *.md, recursive), globs, or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="JSON: an object for exactly one file argument (or -), "
                                                      "otherwise always an array (a folder or glob, even of one file)."),
    as_jsonl: bool = typer.Option(False, "--jsonl", help="One JSON line per input, written as each finishes."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write output here instead of stdout."),
    backend: str = BackendOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    temperature: float = TemperatureOpt,
    mode: str = ModeOpt,
    timeout: float = TimeoutOpt,
    concurrency: int = ConcurrencyOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
    record: Optional[Path] = RecordOpt,
    replay: Optional[Path] = ReplayOpt,
    refresh: bool = RefreshOpt,
    price_in: Optional[float] = PriceInOpt,
    price_out: Optional[float] = PriceOutOpt,
    currency: str = CurrencyOpt,
    max_cost: Optional[float] = MaxCostOpt,
    dry_run: bool = DryRunOpt,
    corrections: Optional[Path] = typer.Option(
        None, "--corrections", help="Apply these corrections (from `review`) to the output. Without it, corrections.jsonl "
                                    "beside --out is only checked against the new results (the results stay as "
                                    "extracted; report, check and review apply it)."),
    explain: bool = typer.Option(False, "--explain", help="After each article, why the offline rules made or did "
                                                        "not make each pairing (trigger, reading, orientation, "
                                                        "typing by the published pairings)."),
) -> None:
    """Summarize articles into pairings, funds, measures and a summary (rich view, --json or --jsonl)."""
    if as_json and as_jsonl:
        fail("choose one of --json and --jsonl")
    check_prices(price_in, price_out, max_cost)
    book = open_corrections([], corrections) if corrections else None
    beside_out = open_corrections([out_file], None) if out_file and not corrections else None
    problems: list = list(book.problems) if book else []
    if explain and (as_json or as_jsonl):
        fail("--explain prints a table after the rich view; use it without --json/--jsonl")
    sources = list(expand_inputs(paths))
    if not sources:
        fail(f"no articles in {', '.join(paths)} (looked for *.txt *.html *.htm *.md)")
    if dry_run:
        if "-" in sources:
            fail("--dry-run reads files, not stdin")
        dry_run_backend()
        chosen = choose_backend(backend, model, base_url, temperature, mode, timeout, record, replay)
        if chosen.name == "rules":
            err.print("dry run: the rules backend works offline: no request is sent, nothing to pay", highlight=False)
            raise typer.Exit(0)
        found = estimate_or_stop(sources, chosen, None if refresh or no_cache else cache_if_any(cache_dir),
                                 price_in, price_out, currency)
        raise typer.Exit(1 if found.unreadable else 0)

    def budget_of(chosen, cache):
        from .cost import Budget, estimate

        if max_cost is None or chosen.name == "rules":
            return None
        return Budget(max_cost, price_in, price_out, estimate([s for s in sources if s != "-"], chosen, cache),
                      currency)
    one_document = len(paths) == 1 and (paths[0] == "-" or Path(paths[0]).is_file())
    try:
        if out_file:
            out_file.parent.mkdir(parents=True, exist_ok=True)  # as report --out does
        sink = open(out_file, "w", encoding="utf-8") if out_file else None
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror or exc}")
    console = Console(file=sink, width=120) if sink else out

    def on_outcome(index: int, outcome: Outcome) -> None:
        if not outcome.ok:
            return
        for found in (book, beside_out):
            if found and outcome.result.article.id in found.by_article:
                fixed, trouble = found.apply_one(outcome.result)
                problems.extend(trouble)
                if found is book:
                    outcome = outcomes_corrected[index] = Outcome(outcome.source, result=fixed)
        if as_jsonl:
            line = outcome.as_json() + "\n"
            (sink or sys.stdout).write(line)
            (sink or sys.stdout).flush()
        elif not as_json:
            view = result_view(outcome.result)
            console.print(view, soft_wrap=isinstance(view, Text))  # a one-line verdict stays one line
            if explain:
                article = outcome.result.article
                console.print(explain_view(article.source, explain_pairings(article.text, article.title)))

    outcomes_corrected: dict[int, Outcome] = {}
    try:
        outcomes = summarize_sources(sources, backend, model, base_url, temperature, mode, timeout, concurrency,
                                     cache_dir, no_cache, refresh, on_outcome, record=record, replay=replay,
                                     budget_of=budget_of)
        if as_json:
            docs = [outcomes_corrected.get(i, o).as_dict() for i, o in enumerate(outcomes) if o.ok]
            if one_document and not docs:  # an object, as promised for one file, even when it failed
                payload = {"source": outcomes[0].source, "error": outcomes[0].error}
            else:
                payload = docs[0] if one_document and len(docs) == 1 else docs
            (sink or sys.stdout).write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    finally:
        if sink:
            sink.close()
    line = token_line(outcomes, price_in, price_out, currency)
    if line:
        err.print(line, style="dim", highlight=False)
    say_problems(problems)
    raise typer.Exit(report_failures(outcomes))


@app.command("clean")
def clean_command(
    paths: list[str] = typer.Argument(..., help="Files, directories, globs, or - for stdin."),
    removed: bool = typer.Option(False, "--removed", help="Also list the lines that were removed as junk."),
    as_json: bool = typer.Option(False, "--json", help="Print the cleaned article as JSON."),
    passages: bool = typer.Option(False, "--passages", help="Show which passages of a long document the extractors "
                                                            "read and why (and its items, for a multi-item document)."),
) -> None:
    """Show what the extractor sees: cleaned Simplified text, metadata, and what was removed."""
    failed = 0
    for source in expand_inputs(paths):
        try:
            cleaned = clean(read_document(source).text)
        except InputError as exc:
            err.print(f"[red]summarizer: failed:[/red] {source}: {exc.reason}", highlight=False)
            failed += 1
            continue
        reading = passages_report(source, cleaned) if passages else None
        if as_json:
            data = {"source": source, "title": cleaned.title, "published": cleaned.published,
                    "outlet": cleaned.outlet, "original_script": cleaned.original_script.value,
                    "text": cleaned.text, "checks": [c.model_dump(mode="json") for c in cleaned.checks],
                    "removed": cleaned.removed, "removed_reasons": [line.reason for line in cleaned.removed]}
            if reading is not None:
                data["passages"] = reading
            out.print_json(data=data)
        elif reading is not None:
            out.print(passages_view(reading))
        else:
            out.print(clean_view(source, cleaned, removed))
    raise typer.Exit(1 if failed else 0)


@app.command()
def schema(
    prompt: bool = typer.Option(False, "--prompt", help="Instead, print what every LLM request carries besides the "
                                                        "article (system prompt, worked examples, response schema) "
                                                        "and its size in tokens."),
) -> None:
    """Print the JSON Schema of one result (the output contract, schema_version 2)."""
    if not prompt:
        sys.stdout.write(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")
        return
    from .backends.prompting import prompt_overhead

    overhead = prompt_overhead()
    for message in overhead["messages"]:
        sys.stdout.write(f"--- {message['role']} ---\n{message['content']}\n")
    sys.stdout.write(f"--- size (estimated tokens: a Han character is about one, other text about four characters "
                     f"a token) ---\nsystem prompt {overhead['system']}, worked examples {overhead['examples']} "
                     f"({overhead['example_count']}), response schema {overhead['schema']}: "
                     f"{overhead['total']} tokens per request before the article\n")


@app.command("eval")
def eval_command(
    gold_dir: Path = typer.Argument(..., help="Directory of gold JSON files (one per article, same stem)."),
    predictions: Path = typer.Argument(..., help="Directory of articles (summarized first) or a JSON/JSONL of results."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    by_class: bool = typer.Option(False, "--by-class", help="Also show the relation confusion (gold vs predicted) "
                                                             "and the accuracy of each metadata field."),
    backend: str = BackendOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    temperature: float = TemperatureOpt,
    mode: str = ModeOpt,
    timeout: float = TimeoutOpt,
    concurrency: int = ConcurrencyOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
    record: Optional[Path] = RecordOpt,
    replay: Optional[Path] = ReplayOpt,
    corrections: Optional[Path] = CorrectionsOpt,
) -> None:
    """Score results against gold annotations (P/R/F1, relation/kind accuracy, indicators, metadata).

    A result is matched to a gold file by the file stem of its article.source (002_c529….txt
    matches gold 002_c529….json), or, for results read from stdin (source "-"), by article.id
    when the gold's article file can be found beside the gold folder.
    """
    if not gold_dir.is_dir():
        fail(f"{gold_dir}: not a directory of gold files")
    golds = load_gold(gold_dir)
    if not golds:
        fail(f"{gold_dir}: no *.json gold files")
    results: list[Result] = []
    failed = 0
    if predictions.is_dir():
        outcomes = summarize_sources(list(expand_inputs([str(predictions)])), backend, model, base_url, temperature,
                                     mode, timeout, concurrency, cache_dir, no_cache, record=record, replay=replay)
        failed = report_failures(outcomes)
        results = [o.result for o in outcomes if o.ok]
        if corrections is not None:
            from .corrections import apply as apply_corrections

            results, problems = apply_corrections(results, open_corrections([], corrections))
            say_problems(problems)
    elif predictions.is_file() or str(predictions) == "-":
        for loaded in load_results(predictions):
            if loaded.result is None:
                err.print(f"[yellow]summarizer: skipped:[/yellow] {loaded.label}: {loaded.error}", highlight=False)
                failed = 1
                continue
            results.append(loaded.result)
        book = open_corrections([predictions], corrections)
        if book:
            from .corrections import apply as apply_corrections

            results, problems = apply_corrections(results, book)
            say_problems(problems)
    else:
        fail(f"{predictions}: no such file or directory")
    matched = match_results(golds, gold_dir, results)
    if not matched:
        fail(f"no gold article in {gold_dir} has a prediction among {len(results)} result(s): results are matched "
             "by the file stem of article.source (or, for source '-', by article.id against the gold's article file)")
    report = evaluate(golds, matched)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(eval_view(report, width=out.width))
        if by_class:
            out.print(eval_breakdown_view(report))
    missing = sum(a.missing for a in report.articles)
    if missing:
        err.print(f"summarizer: {missing} of {len(golds)} gold article(s) had no prediction and score 0", highlight=False)
    raise typer.Exit(1 if failed or missing else 0)


@app.command("check")
def check_command(
    results: list[Path] = typer.Argument(..., help="JSON / JSONL result files (contract shape, article.text inside)."),
    as_json: bool = typer.Option(False, "--json", help="Print findings as JSON lines, one per result."),
    corrections: Optional[Path] = CorrectionsOpt,
) -> None:
    """Re-run every rule check on results against their own article.text; exit 1 on any error.

    Corrections (from `review`) are applied first, so every edit is checked by the same rules; record
    numbers in the findings of a corrected article are those of the corrected records."""
    any_error = False
    book = open_corrections([p for p in results if p.is_file()], corrections)
    for path in results:
        if str(path) != "-" and not path.is_file():
            err.print(f"[red]summarizer: failed:[/red] {path}: no such file", highlight=False)
            any_error = True
            continue
        for loaded in load_results(path):
            findings = list(loaded.findings)
            if loaded.result is not None and book and loaded.result.article.id in book.by_article:
                corrected, problems = book.apply_one(loaded.result)
                say_problems(problems)
                loaded.label += " (corrected)"
                findings += run_checks(corrected)
            elif loaded.result is not None:
                findings += [c.model_copy(update={"path": loaded.original_path(c.path)}) for c in run_checks(loaded.result)]
            any_error |= loaded.error is not None or any(c.severity is Severity.error for c in findings)
            if as_json:
                sys.stdout.write(json.dumps({"source": loaded.label, "error": loaded.error,
                                             "checks": [c.model_dump(mode="json") for c in findings]},
                                            ensure_ascii=False) + "\n")
                continue
            if loaded.error:
                err.print(f"[red]summarizer: invalid:[/red] {loaded.label}: {loaded.error}", highlight=False)
            if findings:
                out.print(checks_table(findings, loaded.label))
            elif loaded.result is not None:
                out.print(f"[green]ok[/green] {loaded.label}: no findings", highlight=False)
    if book:
        say_problems(book.problems + book.unmatched())
    raise typer.Exit(1 if any_error else 0)


@app.command()
def review(
    results: list[Path] = typer.Argument(..., help="JSON / JSONL result files (from `summarize`) to review."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    corrections: Optional[Path] = typer.Option(None, "--corrections", help="Where decisions are appended (default: "
                                                                          "corrections.jsonl beside the first results file)."),
    to_gold: Optional[Path] = typer.Option(None, "--to-gold", help="Instead of serving the page, write a gold file "
                                                                  "(../shared/gold format) for every reviewed article "
                                                                  "into this folder."),
) -> None:
    """Serve a local page (127.0.0.1 only) to accept, reject, edit and add records, each decision appended to
    corrections.jsonl beside the results (the results file is never changed). Keys: j/k record, J/K article,
    a accept, r reject, e edit, u undo, n add the selected quote, d article reviewed, ? help."""
    from .corrections import beside, load_corrections
    from .review import Loaded, ReviewError, ReviewSession, make_server

    from .results_io import iter_documents

    loaded: list[Loaded] = []
    for path in results:
        if not path.is_file():
            fail(f"{path}: no such file")
        for label, data, error in iter_documents(path):  # each result is validated when it is opened
            if error is None and not (isinstance(data, dict) and isinstance(data.get("article"), dict)):
                error = "not a result (no article object)"
            if error is not None:
                err.print(f"[yellow]summarizer: skipped:[/yellow] {label}: {error}", highlight=False)
            else:
                loaded.append(Loaded(label, data))
    if not loaded:
        fail("no results to review")
    target = corrections or beside(results[0])
    found, problems = load_corrections(target)
    say_problems(problems)
    session = ReviewSession(loaded, target, found)
    if to_gold is not None:
        from .to_gold import write_gold

        reviewed = []
        for n, item in enumerate(loaded):
            if item.article_id in session.by_article:
                try:
                    reviewed.append(session.review(n))
                except ReviewError as exc:
                    err.print(f"[yellow]summarizer: skipped:[/yellow] {exc}", highlight=False)
        written, skipped = write_gold([r.result for r in reviewed if r.reviewed], to_gold)
        for source in skipped:
            err.print(f"[yellow]summarizer: skipped:[/yellow] {source}: another reviewed article has the same file name",
                      highlight=False)
        say_problems([p for r in reviewed for p in r.problems])
        err.print(f"wrote {len(written)} gold file(s) to {to_gold}/ from {len(written) + len(skipped)} reviewed of "
                  f"{len(loaded)} article(s)", highlight=False)
        raise typer.Exit(0 if written else 1)
    try:
        server = make_server(session, port)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
    progress = session.progress()
    err.print(f"reviewing {len(loaded)} article(s) at http://127.0.0.1:{server.server_address[1]}/ — "
              f"{progress['line']}; decisions go to {target}. Ctrl-C stops.", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err.print(f"stopped; {session.progress()['line']}", highlight=False)
    finally:
        server.server_close()


REPORT_FORMATS = ("table", "md", "csv", "html", "json")
REPORT_FILE_NAMES = {"table": "report.txt", "md": "report.md", "html": "report.html", "json": "report.json"}


def report_out_path(out: str | None, fmt: str) -> Path | None:
    """--out as a path, its folders created. A folder (an existing one, or a name ending in /) gets report.<ext>;
    for csv a name without a suffix is a folder of one CSV per view."""
    if out is None:
        return None
    path = Path(out)
    folder = out.endswith(("/", os.sep)) or path.is_dir() or (fmt == "csv" and not path.suffix)
    if folder and fmt != "csv":
        path = path / REPORT_FILE_NAMES[fmt]
    try:
        (path if folder and fmt == "csv" else path.parent).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the folder for --out {out}: {exc.strerror or exc}")
    return path


RESULT_SUFFIXES = (".json", ".jsonl")
ResultsArg = typer.Argument(..., help="JSON/JSONL results from `summarize`, or article files/directories "
                                      "(summarized first, with the cache).")


def results_files(inputs: list[str]) -> list[str]:
    """The inputs that are results (JSON/JSONL from `summarize`) rather than articles; `-` is stdin, results when
    it holds JSON (`summarize --jsonl … | summarizer report -`)."""
    return [i for i in inputs if (i == "-" and stdin_holds_results())
            or (i.lower().endswith(RESULT_SUFFIXES) and Path(i).is_file())]


class HeldStdin(io.TextIOWrapper):
    """Stdin read once and put back, for whichever reader takes it (an article is read as bytes, results as text)."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data), encoding="utf-8-sig")
        self.held = data


def stdin_holds_results() -> bool:
    """JSON on stdin is results (`summarize --jsonl … | summarizer report -`), anything else an article (one that
    opens on [图片] is not JSON)."""
    if not isinstance(sys.stdin, HeldStdin):
        sys.stdin = HeldStdin(sys.stdin.buffer.read())
    held = sys.stdin.held.decode("utf-8-sig", errors="replace").strip()
    if held[:1] not in ("[", "{"):
        return False
    for candidate in (held, held.split("\n", 1)[0]):  # a JSON document, or the first line of JSON Lines
        try:
            json.loads(candidate)
            return True
        except ValueError:
            continue
    return False


def corrections_beside(inputs: list[str]) -> list[Path]:
    """Results files whose folder may hold their corrections.jsonl (not stdin)."""
    return [Path(p) for p in results_files(inputs) if p != "-"]


def gather_results(inputs: list[str], backend, model, base_url, temperature, mode, timeout, concurrency, cache_dir,
                   no_cache, record=None, replay=None) -> tuple[list[Result], int]:
    """Results files are read (a bad record is one line and counted as failed); article inputs are summarized."""
    results: list[Result] = []
    failed = 0
    result_files = results_files(inputs)
    article_inputs = [i for i in inputs if i not in result_files]
    for path in result_files:
        for loaded in load_results(Path(path)):
            if loaded.result is None:
                err.print(f"[red]summarizer: skipped:[/red] {loaded.label}: {loaded.error}", highlight=False)
                failed += 1
            else:
                results.append(loaded.result)
    if article_inputs:
        outcomes = summarize_sources(list(expand_inputs(article_inputs)), backend, model, base_url, temperature, mode,
                                     timeout, concurrency, cache_dir, no_cache, record=record, replay=replay)
        failed += report_failures(outcomes)
        results += [o.result for o in outcomes if o.ok]
    return results, failed


@app.command("export")
def export_command(
    inputs: list[str] = ResultsArg,
    to: Path = typer.Option(..., "--to", help="A folder (one CSV per table, UTF-8 with BOM) or a .sqlite/.db file "
                                              "(the same tables with keys and indexes)."),
    backend: str = BackendOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    temperature: float = TemperatureOpt,
    mode: str = ModeOpt,
    timeout: float = TimeoutOpt,
    concurrency: int = ConcurrencyOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
    corrections: Optional[Path] = CorrectionsOpt,
) -> None:
    """Tidy tables for pandas, R, DuckDB or a spreadsheet: articles, pairings, funds, measures, indicators,
    one row per record (columns in the README). Corrections from `review` are applied, as by report."""
    from .export import ExportError, is_database, tables, write_csv, write_sqlite

    if to.is_file() and not is_database(to):
        fail(f"--to {to}: give a folder for CSV files or a .sqlite / .db file")
    results, failed = gather_results(inputs, backend, model, base_url, temperature, mode, timeout, concurrency,
                                     cache_dir, no_cache)
    if not results:
        fail("no results to export")
    book = open_corrections(corrections_beside(inputs), corrections)
    if book:
        from .corrections import apply as apply_corrections

        results, problems = apply_corrections(results, book)
        say_problems(problems)
    rows = tables(results)
    try:
        if is_database(to):
            write_sqlite(rows, to)
        else:
            write_csv(rows, to)
    except ExportError as exc:
        fail(str(exc), 1)
    counts = ", ".join(f"{len(v)} {k}" for k, v in rows.items())
    err.print(f"wrote {counts} to {to}" + ("" if is_database(to) else "/"), highlight=False)
    raise typer.Exit(1 if failed else 0)


@app.command()
def report(
    inputs: list[str] = ResultsArg,
    fmt: str = typer.Option("table", "--format", "-f", help="table, md, csv, html or json."),
    out_arg: Optional[str] = typer.Option(None, "--out", "-o",
                                          help="Output file, created with its folders; a folder (dir/) gets report.html, "
                                           "report.md…, or for csv one CSV per view."),
    by: list[str] = typer.Option([], "--by", help="Views to show (repeat): pairing, recipient, helper, compare, "
                                                  "matrix. Default: all."),
    regions: list[str] = typer.Option([], "--region", help="A region by name or adcode, with every place inside it "
                                                           "(repeat): filters every view, total and list, and adds "
                                                           "a side-by-side view."),
    level: str = typer.Option("as_written", "--level", help="Roll regions up to: as_written, county, city, province."),
    since: Optional[str] = typer.Option(None, "--since", help="Only articles published on or after this date (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only articles published on or before this date."),
    kinds: list[str] = typer.Option([], "--kind", help="Only funds of this kind (repeat): fiscal, social, donation, "
                                                       "investment, procurement, credit, returns, other."),
    backend: str = BackendOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    temperature: float = TemperatureOpt,
    mode: str = ModeOpt,
    timeout: float = TimeoutOpt,
    concurrency: int = ConcurrencyOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
    record: Optional[Path] = RecordOpt,
    replay: Optional[Path] = ReplayOpt,
    corrections: Optional[Path] = CorrectionsOpt,
) -> None:
    """Compare regions across many articles: who gives how much to whom, for what.

    Corrections from `review` are applied (beside each results file, or --corrections); the header
    says how far the review has got."""
    from .report import ROLLUP_LEVELS, NothingSelected, UnknownRegion, build_report, inputs_frozen
    from .report_render import VIEWS, as_csv, as_html, as_json, as_markdown, as_table, csv_rows

    fmt = fmt.lower()
    if fmt not in REPORT_FORMATS:
        fail(f"--format {fmt!r}: choose from {', '.join(REPORT_FORMATS)}")
    if level not in ROLLUP_LEVELS:
        fail(f"--level {level!r}: choose from {', '.join(ROLLUP_LEVELS)}")
    unknown = [v for v in by if v not in VIEWS]
    if unknown:
        fail(f"--by {unknown[0]!r}: choose from {', '.join(VIEWS)}")
    views = list(by) or list(VIEWS)
    if regions and "compare" not in views:
        views.append("compare")
    for name, value in (("--since", since), ("--until", until)):
        if value is not None and not _is_date_prefix(value):
            fail(f"{name} {value!r}: use a date such as 2020-07-13 (or 2020, 2020-07)")
    kinds = [k.strip().lower() for k in kinds]  # as case-insensitive as --format
    unknown_kinds = [k for k in kinds if k not in {k.value for k in FundKind}]
    if unknown_kinds:
        fail(f"--kind {unknown_kinds[0]!r}: choose from {', '.join(k.value for k in FundKind)}")
    out_path = report_out_path(out_arg, fmt)

    results, failed = gather_results(inputs, backend, model, base_url, temperature, mode, timeout, concurrency,
                                     cache_dir, no_cache, record, replay)
    if not results:
        fail("no results to report on")
    book = open_corrections(corrections_beside(inputs), corrections)
    review_stats = None
    if book:
        from .corrections import apply as apply_corrections, progress, progress_line

        review_stats = progress(results, book)
        review_stats["line"] = progress_line(review_stats, book.source)
        results, problems = apply_corrections(results, book)
        say_problems(problems)
    try:
        with inputs_frozen():
            data = build_report(results, rollup=level, regions=regions, since=since,
                                until=until + "-99" if until and len(until) < 10 else until, kinds=kinds)
    except (UnknownRegion, NothingSelected) as exc:
        fail(str(exc))
    for line in data.left_out:  # a record that contradicts its article is never added up
        err.print(f"[red]summarizer: check:[/red] {line}", highlight=False)
    failed += len(data.left_out)
    data.review = review_stats or {}
    if data.filters.get("undated_left_out"):
        err.print(f"summarizer: {data.filters['undated_left_out']} article(s) without a publication date left out "
                  "by --since/--until", highlight=False)
    if fmt == "table":
        console = Console(file=open(out_path, "w", encoding="utf-8"), width=160) if out_path else out
        console.print(as_table(data, views, width=console.width))
    elif fmt == "csv" and out_path is not None and (out_path.is_dir() or not out_path.suffix):
        out_path.mkdir(parents=True, exist_ok=True)
        rows = csv_rows(data, views)
        for view in sorted({r["view"] for r in rows}):
            (out_path / f"{view}.csv").write_text(as_csv([r for r in rows if r["view"] == view]), encoding="utf-8")
        err.print(f"wrote one CSV per view to {out_path}/", highlight=False)
    else:
        render = {"md": as_markdown, "html": as_html, "json": as_json,
                  "csv": lambda d, v: as_csv(csv_rows(d, v))}[fmt]
        with inputs_frozen():
            text = render(data, views)
        if out_path:
            out_path.write_text(text, encoding="utf-8")
            err.print(f"wrote {out_path}", highlight=False)
        else:
            sys.stdout.write(text)
    raise typer.Exit(1 if failed else 0)

# --- batch: the provider's Batch API -------------------------------------------------------------

batch_app = typer.Typer(
    help="Large corpora through the provider's Batch API (OpenAI's Files + Batches endpoints and the servers "
         "that copy them): about half the price and no per-minute rate limits; answers within 24 hours. "
         "`run` submits, waits and collects; or `submit` now and `collect` later. The job folder is the state: "
         "`collect` after a crash or on another day carries on, and nothing is submitted twice.",
    no_args_is_help=True)
app.add_typer(batch_app, name="batch")
BatchInputsArg = typer.Argument(..., help="Files, directories or globs of articles.")
JobOutOpt = typer.Option(..., "--out", "-o", help="Job folder to create (holds the requests and the state).")
JobDirArg = typer.Argument(..., help="The job folder made by `batch submit` / `batch run`.")
JsonlOutOpt = typer.Option(None, "--jsonl", help="Also write every collected result (JSON Lines) to this file, "
                                                 "or - for stdout. They are always in JOBDIR/results.jsonl.")
ReaskOpt = typer.Option("sync", "--reask", help="Answers that fail the rule checks are re-asked: sync (now, as "
                                                "ordinary requests) or batch (in a follow-up batch; collect again later).")
MaxRequestsOpt = typer.Option(50_000, "--max-requests", min=1, help="Requests per batch (the provider's limit; "
                                                                      "more make several batches).")
MaxMbOpt = typer.Option(190.0, "--max-mb", min=0.01, help="Size of one batch's request file in MB (the provider's limit).")


def with_provider(backend, work):
    """Run work(openai client) on a fresh event loop; provider errors become one line."""
    import openai

    from .backends.llm_client import describe_failure

    async def run():
        try:
            return await work(backend.openai_client())
        finally:
            await backend.aclose()

    try:
        return asyncio.run(run())
    except openai.OpenAIError as exc:
        fail(describe_failure(exc, backend.settings), 1)


def load_job(job_dir: Path):
    from .batch import Job, JobError

    try:
        job = Job.load(job_dir)
        return job, job.backend()
    except (JobError, BackendError) as exc:
        fail(str(exc))


def resume_submit(out_dir: Path, cache_dir: Path | None, no_cache: bool):
    """A job folder whose upload or batch creation failed: send its parts that have no batch yet.
    Returns None when the folder holds no job, or one whose every part was submitted."""
    from .batch import JOB_FILE, submit, unsubmitted

    if not (out_dir / JOB_FILE).is_file():
        return None
    job, backend = load_job(out_dir)
    left = unsubmitted(job)
    if not left:
        return None
    err.print(f"{out_dir} holds job {job.id[:8]} with {len(left)} batch(es) not submitted (an earlier upload "
              "failed): sending them; its requests were built then, so the inputs given now are not read again",
              highlight=False)
    with_provider(backend, lambda client: submit(job, client))
    err.print(f"submitted {sum(p.requests for p in left)} request(s) in {len(left)} batch(es). Job folder: {out_dir}",
              highlight=False)
    return job, backend, open_cache(backend, cache_dir, no_cache), False


def submit_job(paths: list[str], out_dir: Path, model, base_url, temperature, mode, timeout, cache_dir, no_cache,
               max_requests: int, max_mb: float, price_in=None, price_out=None, currency="USD", max_cost=None,
               dry_run=False):
    from .batch import JobError, prepare, submit

    check_prices(price_in, price_out, max_cost)
    sources = list(expand_inputs(paths))
    if not sources:
        fail(f"no articles in {', '.join(paths)} (looked for *.txt *.html *.htm *.md)")
    if dry_run:
        dry_run_backend()
        backend = choose_backend("openai", model, base_url, temperature, mode, timeout)
        found = estimate_or_stop(sources, backend, None if no_cache else cache_if_any(cache_dir), price_in, price_out,
                                 currency)
        raise typer.Exit(1 if found.unreadable else 0)
    resumed = resume_submit(out_dir, cache_dir, no_cache)
    if resumed is not None:
        return resumed
    backend = choose_backend("openai", model, base_url, temperature, mode, timeout)
    cache = open_cache(backend, cache_dir, no_cache)
    if max_cost is not None:
        from .cost import cost_of, estimate, money

        found = estimate(sources, backend, cache)
        expected = cost_of(found.input_tokens, found.output_tokens, price_in, price_out)
        if expected > max_cost:
            fail(f"estimated cost ≈ {money(expected, currency)} for {found.requests} request(s) is more than "
                 f"--max-cost {money(max_cost, currency)}: nothing submitted (a batch is sent whole; split the "
                 "inputs, or see `--dry-run`)")
    show = len(sources) > PROGRESS_THRESHOLD and err.is_terminal
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not show) as progress:
        task = progress.add_task("building requests", total=len(sources))
        try:
            job, prepared = prepare(out_dir, sources, backend, cache, max_requests, int(max_mb * 1024 * 1024),
                                    on_article=lambda: progress.advance(task))
        except JobError as exc:
            fail(str(exc))
    say_notes(prepared.notes)
    for source, reason in prepared.unreadable:
        err.print(f"[red]summarizer: failed:[/red] {source}: {reason}", highlight=False)
    if prepared.requests:
        with_provider(backend, lambda client: submit(job, client))
    err.print(f"submitted {prepared.requests} request(s) for {prepared.articles} article(s) in {len(job.parts)} "
              f"batch(es) to {backend.settings.base_url or 'the OpenAI API'}; {prepared.cached} already cached, "
              f"{prepared.duplicates} duplicate(s) not sent. Job folder: {out_dir}", highlight=False)
    return job, backend, cache, bool(prepared.unreadable)


def collect_job(job, backend, cache, reask: str, jsonl: str | None) -> int:
    from .batch import collect, unsubmitted

    check_reask(reask)
    left = unsubmitted(job)
    if left:  # nothing will ever answer them: waiting would be forever
        fail(f"{len(left)} batch(es) of {job.folder} were never submitted (the upload failed): "
             f"`summarizer batch submit … --out {job.folder}` sends them, then collect", 1)
    report = with_provider(backend, lambda client: collect(job, client, backend, cache, reask))
    for source, reason in report.failed.items():
        err.print(f"[red]summarizer: failed:[/red] {source}: {reason}", highlight=False)
    if report.malformed:
        err.print(f"[yellow]summarizer: {report.malformed} line(s) of the provider's output could not be read; "
                  "their articles count as failed if no other answer came[/yellow]", highlight=False)
    line = (f"collected {report.results} article(s) now, {report.already} before; {len(job.failed)} failed; "
            f"{report.reasked} answer(s) re-asked")
    if report.pending:
        line += f"; {report.pending} waiting for batches still running: `summarizer batch collect {job.folder}` later"
    err.print(line, highlight=False)
    write_results(job, jsonl)
    return 1 if job.failed else 0


def check_reask(reask: str) -> None:
    from .batch import REASK_MODES

    if reask not in REASK_MODES:
        fail(f"--reask {reask!r}: choose from {', '.join(REASK_MODES)}")


def write_results(job, jsonl: str | None) -> None:
    """Every result the job has collected so far, to a file or (-) stdout."""
    from .batch import RESULTS_FILE

    if not jsonl:
        return
    results = (job.folder / RESULTS_FILE).read_text(encoding="utf-8")
    if jsonl == "-":
        sys.stdout.write(results)
    else:
        try:
            Path(jsonl).write_text(results, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {jsonl}: {exc.strerror or exc}", 1)


def print_status(job) -> None:
    from .batch import progress, unsubmitted

    for part in job.parts:
        counts = ", ".join(f"{k} {v}" for k, v in part.counts.items())
        out.print(f"{part.name}: {part.requests} request(s), batch {part.batch_id or '(not submitted)'}, "
                  f"{part.status or 'not submitted'}" + (f" ({counts})" if counts else ""), highlight=False)
    done, total, finished = progress(job)
    left = unsubmitted(job)
    state = (f"{len(left)} batch(es) never submitted (the upload failed): `summarizer batch submit … --out "
             f"{job.folder}` sends them" if left else "all batches finished" if finished else "running")
    out.print(f"{done}/{total} request(s) answered or failed; {state}; "
              f"{len(job.collected)} article(s) collected, {len(job.failed)} failed", highlight=False)


@batch_app.command("submit")
def batch_submit(
    paths: list[str] = BatchInputsArg,
    out_dir: Path = JobOutOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    temperature: float = TemperatureOpt,
    mode: str = ModeOpt,
    timeout: float = TimeoutOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
    max_requests: int = MaxRequestsOpt,
    max_mb: float = MaxMbOpt,
    price_in: Optional[float] = PriceInOpt,
    price_out: Optional[float] = PriceOutOpt,
    currency: str = CurrencyOpt,
    max_cost: Optional[float] = MaxCostOpt,
    dry_run: bool = DryRunOpt,
) -> None:
    """Build one request per article chunk (articles already cached are left out) and submit them as batches.
    Given the folder of a job whose upload failed, sends what was not submitted. Prices are the Batch API's."""
    _, _, _, unreadable = submit_job(paths, out_dir, model, base_url, temperature, mode, timeout, cache_dir, no_cache,
                                     max_requests, max_mb, price_in, price_out, currency, max_cost, dry_run)
    raise typer.Exit(1 if unreadable else 0)


@batch_app.command("status")
def batch_status(job_dir: Path = JobDirArg) -> None:
    """Ask the provider how each batch of the job stands."""
    from .batch import refresh

    job, backend = load_job(job_dir)
    with_provider(backend, lambda client: refresh(job, client))
    print_status(job)


@batch_app.command("collect")
def batch_collect(
    job_dir: Path = JobDirArg,
    jsonl: Optional[str] = JsonlOutOpt,
    reask: str = ReaskOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
) -> None:
    """Download what finished and turn it into results (validated, grounded, checked, cached); run it again
    for batches still running. Exit 1 if an article has no result (failed requests, expired batch)."""
    job, backend = load_job(job_dir)
    raise typer.Exit(collect_job(job, backend, open_cache(backend, cache_dir, no_cache), reask, jsonl))


@batch_app.command("run")
def batch_run(
    paths: list[str] = BatchInputsArg,
    out_dir: Path = JobOutOpt,
    jsonl: Optional[str] = JsonlOutOpt,
    reask: str = ReaskOpt,
    poll: float = typer.Option(30.0, "--poll", min=0.0, help="Seconds between status checks."),
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    temperature: float = TemperatureOpt,
    mode: str = ModeOpt,
    timeout: float = TimeoutOpt,
    cache_dir: Optional[Path] = CacheDirOpt,
    no_cache: bool = NoCacheOpt,
    max_requests: int = MaxRequestsOpt,
    max_mb: float = MaxMbOpt,
    price_in: Optional[float] = PriceInOpt,
    price_out: Optional[float] = PriceOutOpt,
    currency: str = CurrencyOpt,
    max_cost: Optional[float] = MaxCostOpt,
) -> None:
    """submit, wait for the batches (progress on stderr), collect. Interrupted, `batch collect JOBDIR` carries on."""
    import time

    from .batch import progress, refresh

    check_reask(reask)
    job, backend, cache, unreadable = submit_job(paths, out_dir, model, base_url, temperature, mode, timeout,
                                                 cache_dir, no_cache, max_requests, max_mb, price_in, price_out,
                                                 currency, max_cost)
    show = err.is_terminal
    code = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not show) as bar:
        task = bar.add_task("batches", total=max(1, progress(job)[1]))
        while True:
            done, total, finished = progress(job)
            bar.update(task, completed=done, total=max(1, total))
            if finished:
                code = collect_job(job, backend, cache, reask, None)
                if progress(job)[2]:  # no follow-up batch of re-asks was started
                    break
                continue
            time.sleep(poll)
            with_provider(backend, lambda client: refresh(job, client))
    write_results(job, jsonl)
    raise typer.Exit(1 if unreadable or code else 0)



DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def existing_cache(cache_dir: Path | None) -> Cache | None:
    """The cache if there is one; None (with a line saying so) if nothing was ever cached there."""
    try:
        return Cache(cache_dir, create=False)
    except CacheError as exc:
        if "nothing has been cached" in str(exc):
            out.print(str(exc), highlight=False, soft_wrap=True)
            return None
        fail(str(exc))


@cache_app.command("stats")
def cache_stats(cache_dir: Optional[Path] = CacheDirOpt) -> None:
    """Entries, size, hits and misses, tokens saved. Reads only: never creates a cache."""
    cache = existing_cache(cache_dir)
    if cache is not None:
        out.print(cache_view(cache.stats()))


@cache_app.command("clear")
def cache_clear(
    cache_dir: Optional[Path] = CacheDirOpt,
    older_than: Optional[str] = typer.Option(None, "--older-than", help="Only entries older than this: 30m, 12h, 7d, 2w."),
) -> None:
    """Delete cached results (all, or those older than --older-than)."""
    seconds = None
    if older_than is not None:
        m = DURATION.match(older_than.strip())
        if not m:
            fail(f"--older-than {older_than!r}: use a number and a unit, e.g. 30m, 12h, 7d")
        seconds = float(m.group(1)) * SECONDS[m.group(2)]
    cache = existing_cache(cache_dir)
    if cache is None:
        return
    try:
        removed = cache.clear(seconds)
    except CacheError as exc:
        fail(str(exc))
    out.print(f"removed {removed} cached result(s)" + ("; counters reset" if seconds is None else ""))


def _is_date_prefix(value: str) -> bool:
    """2020, 2020-07 or a real calendar date 2020-07-13 (not 2019-13-01 or 2019-02-30)."""
    import datetime as dt

    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return False
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("summarizer: interrupted")
        sys.exit(130)
    except OSError as exc:  # writing to /dev/full, a closed pipe, a vanished folder…
        sys.stdout = open(os.devnull, "w")
        err.print(f"summarizer: error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        sys.exit(1)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        try:
            sys.stdout.flush()  # > /dev/full, a closed pipe: say so in one line instead of a traceback at exit
        except OSError as write_error:
            sys.stdout = open(os.devnull, "w")  # nothing more can be written there
            err.print(f"summarizer: error: cannot write the output: {write_error.strerror or write_error}")
            code = code or 1
        sys.exit(code)


if __name__ == "__main__":
    main()
