"""Terminal rendering: rich renderables for results, checks, evaluations. Prints nothing itself."""
from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from .cache import CacheStats
from .clean import CleanArticle
from .evaluate import Report
from .schemas import Check, Result, Severity
from .text import clip

SEVERITY_STYLE = {Severity.error: "bold red", Severity.warning: "yellow", Severity.info: "dim"}


def result_view(result: Result) -> RenderableType:
    a = result.article
    if not (result.pairings or result.funds or result.measures):
        return Text(f"{a.source}: no pairing, fund or measure found ({a.title or 'no title'}): "
                    "the article may not be about pairing assistance", style="yellow")
    head = Text()
    head.append(a.title or "(no title)", style="bold")
    meta = " · ".join(x for x in (a.published, a.outlet, a.source, a.original_script.value) if x)
    head.append(f"\n{meta}", style="dim")
    parts: list[RenderableType] = [head, Text(result.summary or "(no summary)")]

    if result.pairings:
        table = Table(title="Pairings", title_justify="left", expand=True)
        for col in ("helper", "→ recipient", "relation", "evidence"):
            # Codes never fold mid-token; a quote is cut to the width there is.
            if col == "relation":
                table.add_column(col, no_wrap=True, min_width=max(cell_len(p.relation.value) for p in result.pairings))
            else:
                table.add_column(col, overflow="ellipsis" if col == "evidence" else "fold", no_wrap=col == "evidence",
                                 ratio=1)
        for p in result.pairings:
            table.add_row(_region(p.helper), _region(p.recipient), p.relation.value, clip(p.evidence.text, 50))
        parts.append(table)
    if result.funds:
        table = Table(title="Funds", title_justify="left", expand=True)
        rows = []
        for i, f in enumerate(result.funds):
            amount = ("≈ " if f.approximate else "") + f.amount_text
            if f.part_of is not None:
                amount += f" (⊂#{f.part_of})"
            flow = f"{f.donor or '?'} → {f.recipient or '?'}"
            rows.append((str(i), amount, f"{f.amount_yuan:,.0f}", f.kind.value, flow, str(f.year or ""),
                         clip(f.evidence.text, 40)))
        for index, col in enumerate(("#", "amount", "yuan", "kind", "donor → recipient", "year", "evidence")):
            if col in ("donor → recipient", "evidence"):  # text: folds, or is cut, in the width left over
                table.add_column(col, overflow="ellipsis" if col == "evidence" else "fold", no_wrap=col == "evidence",
                                 ratio=1)
            else:  # figures and codes keep their whole width: never split across lines
                table.add_column(col, no_wrap=True, min_width=max(cell_len(col), *(cell_len(r[index]) for r in rows)))
        for row in rows:
            table.add_row(*row)
        parts.append(table)
    if result.measures:
        table = Table(title="Measures (by category)", title_justify="left", expand=True)
        for col in ("category", "n", "what", "indicators"):
            if col in ("category", "n"):
                table.add_column(col, no_wrap=True, min_width=len("social_security") if col == "category" else 2)
            else:
                table.add_column(col, overflow="fold", ratio=1)
        by_category: dict = {}
        for m in result.measures:
            by_category.setdefault(m.category.value, []).append(m)
        for category, measures in by_category.items():
            what = clip("；".join(dict.fromkeys(m.description for m in measures)), 90)
            indicators = [f"{i.name} {i.value:g}{i.unit or ''}" for m in measures for i in m.indicators]
            shown = "; ".join(indicators[:6]) + (f" (+{len(indicators) - 6})" if len(indicators) > 6 else "")
            table.add_row(category, str(len(measures)), what, shown)
        parts.append(table)
    if result.checks:
        parts.append(checks_table(result.checks))
    prov = result.provenance
    foot = f"backend {prov.backend}" + (f" · model {prov.model}" if prov.model else "")
    foot += " · cached" if prov.cached else ""
    if prov.elapsed_ms is not None:
        foot += f" · {prov.elapsed_ms:.0f} ms"
    if prov.input_tokens is not None:
        foot += f" · tokens {prov.input_tokens}+{prov.output_tokens or 0}"
    parts.append(Text(foot, style="dim"))
    return Panel(Group(*parts), expand=True)


def explain_view(source: str, decisions) -> RenderableType:
    """Why the offline rules made, or did not make, each pairing (summarize --explain)."""
    table = Table(title=f"Pairing decisions (offline rules) — {source}", title_justify="left", expand=True)
    for column in ("helper → recipient", "relation", "made", "why"):
        table.add_column(column, overflow="fold")
    for d in decisions:
        table.add_row(f"{d.helper} → {d.recipient}", d.relation or "", "yes" if d.made else "[yellow]no[/yellow]",
                      "\n".join(d.reasons))
    if not decisions:
        return Text(f"{source}: no pairing was considered (no relation wording, help verb or direction marker "
                    "links two places)", style="dim")
    return table


def _region(region) -> str:
    extra = region.full_name if region.full_name and region.full_name != region.name else ""
    return region.name + (f"\n[dim]{extra} {region.adcode or ''}[/dim]" if extra else "")


def checks_table(checks: list[Check], source: str | None = None) -> Table:
    table = Table(title="Checks" + (f" — {source}" if source else ""), title_justify="left", expand=True)
    for col in ("severity", "rule", "path", "message"):
        table.add_column(col, overflow="fold")
    for c in checks:
        table.add_row(Text(c.severity.value, style=SEVERITY_STYLE[c.severity]), c.rule, c.path, c.message)
    return table


def clean_view(source: str, cleaned: CleanArticle, show_removed: bool) -> RenderableType:
    head = Text()
    head.append(f"{source}\n", style="bold")
    head.append(f"title: {cleaned.title}\npublished: {cleaned.published}\noutlet: {cleaned.outlet}\n"
                f"original_script: {cleaned.original_script.value}", style="dim")
    parts: list[RenderableType] = [head, Text(cleaned.text)]
    if cleaned.checks:
        parts.append(checks_table(cleaned.checks))
    if show_removed and cleaned.removed:
        parts.append(Text("removed lines:\n" + "\n".join(f"  - {line}  ({line.reason})" for line in cleaned.removed), style="dim"))
    return Panel(Group(*parts))


EVAL_COLUMNS = ("pairing F1", "relation", "fund F1", "kind", "status", "measure F1", "indicators", "metadata")
EVAL_WIDE = 110  # below this the per-article table would cut names and headers: one line per article instead


def eval_view(report: Report, width: int = EVAL_WIDE) -> RenderableType:
    rows = []
    for a in report.articles:
        name = a.article + (" (no result)" if a.missing else "")
        rows.append((name, f"{a.pairings.f1:.2f}", f"{a.relation.value:.2f}", f"{a.funds.f1:.2f}",
                     f"{a.kind.value:.2f}", f"{a.status.value:.2f}" if a.status.total else "–",
                     f"{a.measures.f1:.2f}", f"{a.indicators.value:.2f}", f"{a.metadata.value:.2f}"))
    if width < EVAL_WIDE:
        lines = [Text("Per article", style="italic")]
        for name, *values in rows:
            lines.append(Text(name, style="bold"))
            lines.append(Text("  " + " · ".join(f"{col} {v}" for col, v in zip(EVAL_COLUMNS, values))))
        table: RenderableType = Group(*lines)
    else:
        table = Table(title="Per article", title_justify="left")
        table.add_column("article", no_wrap=True)
        for col in EVAL_COLUMNS:
            table.add_column(col, no_wrap=True)
        for row in rows:
            table.add_row(*row)
    micro = Table(title="Micro-average", title_justify="left")
    micro.add_column("metric")
    micro.add_column("value", justify="right")
    for name, value in report.metrics().items():
        micro.add_row(name, f"{value:.3f}")
    aid = report.aid()
    line = (f"Comparable aid: gold {aid['gold_comparable_aid_yuan']:,.0f} yuan · report headline "
            f"{(aid['report_headline_aid_yuan'] or 0):,.0f} yuan" +
            (f" · error {aid['relative_error']:.1%}" if aid["relative_error"] is not None else "") +
            (f" (within the kinds the gold accepts, up to {aid['gold_aid_with_any_aid_kind_yuan']:,.0f}: "
             f"{aid['error_within_accepted_kinds']:.1%})" if aid.get("error_within_accepted_kinds") is not None else "") +
            f" · funds with status/cumulative/per_unit in gold: {aid['scored_funds']['status']}/"
            f"{aid['scored_funds']['cumulative']}/{aid['scored_funds']['per_unit']}")
    return Group(table, micro, Text(line))


RELATION_SHORT = {"east_west": "EW", "counterpart_support": "CS", "counterpart_assistance": "CA", "twinning": "TW",
                  "designated": "DS", "other": "OT"}


def eval_breakdown_view(report: Report) -> RenderableType:
    """Which relations are confused with which, and which metadata field fails."""
    breakdown = report.breakdown()
    relations = sorted({r for g, row in breakdown["relation_confusion"].items() for r in (g, *row)})
    confusion = Table(caption=" ".join(f"{RELATION_SHORT[r]}={r}" for r in relations), caption_justify="left")
    confusion.add_column("gold", no_wrap=True)
    for r in relations:
        confusion.add_column(RELATION_SHORT[r], justify="right", no_wrap=True)
    for gold in relations:
        row = breakdown["relation_confusion"].get(gold, {})
        if row:
            confusion.add_row(RELATION_SHORT[gold], *[str(row.get(r, "")) for r in relations])
    fields = Table(title="Metadata fields", title_justify="left")
    fields.add_column("field")
    fields.add_column("accuracy", justify="right")
    for name, value in breakdown["metadata_fields"].items():
        fields.add_row(name, f"{value:.3f}")
    return Group(Text("Relation confusion (rows gold, columns predicted)", style="italic"), confusion, fields)


def cache_view(stats: CacheStats) -> RenderableType:
    table = Table(title="Cache", title_justify="left", show_header=False)
    table.add_column("key")
    table.add_column("value", justify="right")
    for key, value in (("path", stats.path), ("entries", stats.entries), ("size", f"{stats.size_bytes / 1024:.1f} KiB"),
                       ("hits", stats.hits), ("misses", stats.misses), ("tokens saved", stats.tokens_saved)):
        table.add_row(key, str(value))
    return table


def passages_view(report: dict) -> RenderableType:
    """`clean --passages`: what the extractors read of a document, and why."""
    head = Text(f"{report['source']} · {report['chars']:,} characters\n", style="bold")

    def selection_lines(selection: dict) -> Text:
        text = Text()
        if selection["whole"]:
            text.append(f"  read whole (shorter than the passage threshold): {selection['chars']:,} characters\n",
                        style="dim")
            return text
        share = selection["kept_chars"] / max(1, selection["chars"])
        text.append(f"  read {selection['kept_chars']:,} of {selection['chars']:,} characters ({share:.0%}) in "
                    f"{len(selection['spans'])} passage(s): "
                    + ", ".join(f"{s}–{e}" for s, e in selection["spans"]) + "\n", style="dim")
        for para in selection["paragraphs"]:
            text.append(f"  [{para['start']}–{para['end']}] ", style="cyan")
            text.append("; ".join(para["reasons"]), style="green")
            text.append(f"  {clip(para['text'], 60)}\n")
        return text

    parts: list[RenderableType] = [head]
    if "items" in report:
        read = sum(1 for i in report["items"] if i["read"])
        parts.append(Text(f"{len(report['items'])} items, {read} read\n", style="dim"))
        for item in report["items"]:
            mark = "read" if item["read"] else "skipped: no pairing-assistance content"
            parts.append(Text(f"#{item['number']} {item['title']} [{item['start']}–{item['end']}] · {mark}\n",
                              style="bold" if item["read"] else "dim"))
            if item["read"]:
                parts.append(selection_lines(item["passages"]))
    else:
        parts.append(selection_lines(report["read"]))
    return Panel(Group(*parts))
