"""Report formats: rich tables, Markdown, CSV, JSON and one self-contained HTML file.

Every figure can be traced: Markdown gives footnotes with the article and quote, HTML
links each figure to its evidence highlighted in an article viewer, CSV and JSON carry
the references alongside the numbers.
"""
from __future__ import annotations

import csv
import html
import io
import math
from importlib import resources

from jinja2 import Environment, select_autoescape
from rich.cells import cell_len
from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.table import Table
from rich.cells import cell_len
from rich.text import Text

from .indented_json import dumps_indented
from .money import format_yuan
from .report import FundEntry, Group, Ref, ReportData, timeline_by_year
from .schemas import AID_KINDS, Category, FundKind

VIEWS = ("pairing", "recipient", "helper", "compare", "matrix")
KINDS = [k.value for k in FundKind]
CATEGORIES = [c.value for c in Category]
# Chinese labels for people; json and csv keep the contract's codes.
RELATION_ZH = {"east_west": "东西部协作", "counterpart_support": "对口支援", "counterpart_assistance": "对口帮扶",
               "twinning": "结对帮扶", "designated": "定点帮扶", "other": "其他"}
KIND_ZH = {"fiscal": "财政", "social": "社会", "donation": "捐赠", "investment": "投资", "procurement": "采购销售",
           "credit": "信贷", "returns": "收益", "other": "其他"}
CATEGORY_ZH = {"industry": "产业", "employment": "就业", "consumption": "消费", "education": "教育", "health": "医疗健康",
               "talent": "人才", "infrastructure": "基础设施", "social_security": "兜底保障", "finance": "金融",
               "twinning": "结对共建", "governance": "组织机制", "environment": "人居环境", "other": "其他"}
NOT_AID = [k for k in KINDS if k not in AID_KINDS]
KIND_COLOURS = {"fiscal": "#1f77b4", "social": "#ff7f0e", "donation": "#2ca02c", "investment": "#d62728",
                "procurement": "#9467bd", "credit": "#8c564b", "returns": "#e377c2", "other": "#7f7f7f"}


def _money(group: Group, kind: str) -> str:
    value = group.funds_by_kind.get(kind, 0.0)
    if not value:
        return ""
    return ("≈" if kind in group.approximate_kinds else "") + format_yuan(value)


def _total(group: Group) -> str:
    if not group.total_yuan:
        return ""
    return ("≈" if group.approximate_kinds else "") + format_yuan(group.total_yuan)


def _aid(group: Group) -> str:
    """Fiscal + social + donation: the figure regions are compared on."""
    if not group.aid_yuan:
        return ""
    return ("≈" if group.approximate_kinds & set(AID_KINDS) else "") + format_yuan(group.aid_yuan)


def _relations(group: Group) -> str:
    return "、".join(RELATION_ZH.get(r, r) for r in group.relations)


def _categories(group: Group) -> str:
    """Measures claimed for this row; the article's measures no pairing could claim are labelled apart."""
    def listed(counts) -> str:
        return "、".join(CATEGORY_ZH.get(c, c) + ("" if n == 1 else f"×{n}") for c, n in counts.items())

    text = listed(group.categories)
    if group.article_categories:
        text += ("；" if text else "") + f"全文(article-level): {listed(group.article_categories)}"
    return text


def _kinds_used(groups: list[Group]) -> list[str]:
    return [k for k in NOT_AID if any(g.funds_by_kind.get(k) for g in groups)]


def _cumulative(group: Group) -> str:
    """The row's largest cumulative aid with its span, never summed with one year's money."""
    e = group.cumulative
    if e is None:
        return ""
    return f"{'≈' if e.approximate else ''}{format_yuan(e.amount_yuan)} ({_span(e)})"


def _span(e: FundEntry) -> str:
    return f"since {e.since}" if e.since else "累计"


def _reported_span(data: ReportData, e: FundEntry) -> str:
    """since–the year it was reported (the article's publication year when the record gives none)."""
    published = data.articles[e.refs[0].article].published
    until = e.year or (published[:4] if published else "")
    return f"{e.since or '?'}–{until}"


def _plans(group: Group) -> str:
    parts = [f"计划 {format_yuan(group.planned_yuan)}" if group.planned_yuan else "",
             f"签约 {format_yuan(group.agreed_yuan)}" if group.agreed_yuan else ""]
    return "; ".join(p for p in parts if p)


def _totals_line(data: ReportData) -> str:
    h = data.headline
    rest = "; ".join(f"{KIND_ZH[k]} {format_yuan(v)}" for k, v in h.not_aid_by_kind.items())
    line = (f"援助 aid {format_yuan(h.aid_yuan)}: fiscal + social + donation, each amount paid and one year's "
            "(summed over the years in view), counted once (no cumulative, planned, agreed or per-unit money)")
    if h.cumulative_largest is not None:
        line += f"; largest cumulative aid {format_yuan(h.cumulative_largest.amount_yuan)} ({_span(h.cumulative_largest)})"
    if h.planned_yuan:
        line += f"; planned {format_yuan(h.planned_yuan)}"
    if h.agreed_yuan:
        line += f"; agreed {format_yuan(h.agreed_yuan)}"
    line += f"; not aid: {rest}" if rest else ""
    unattributed = sum(e.amount_yuan for e in data.unattributed if e.is_aid)
    if unattributed:
        line += f"; of the aid, {format_yuan(unattributed)} is in no pairing row (its article does not say which pairing)"
    if h.dominant is not None:
        share = h.dominant.amount_yuan / h.aid_yuan
        ref = h.dominant.refs[0]
        line += (f"; one amount is {share:.0%} of the aid: {h.dominant.amount_text} "
                 f"(article {ref.article}, {ref.record}: “{ref.quote[:40]}”) — if it is a running total or a plan, the headline is off by it")
    if data.apart:
        line += (f"; {len(data.apart)} amount(s) are from articles that name no helper"
                 + (f" ({format_yuan(h.apart_yuan)} of it paid one-year aid)" if h.apart_yuan else ""))
    line += f"; {h.not_added} amount(s) not added (those included), each with its reason at the end"
    if h.left_out:
        line += f"; {h.left_out} record(s) left out for failing a check"
    return line + "."


def _filters_line(data: ReportData) -> str:
    f = {k: v for k, v in data.filters.items() if k not in ("articles_in_view", "undated_left_out")}
    if not f:
        return ""
    parts = [f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in f.items()]
    if data.filters.get("undated_left_out"):
        parts.append(f"{data.filters['undated_left_out']} article(s) without a publication date left out")
    return (f"Filtered ({'; '.join(parts)}): {len(data.filters['articles_in_view'])} of {len(data.articles)} article(s) "
            "in view; every view, total and list below is filtered the same way.")


def _review_line(data: ReportData) -> str:
    """How far an analyst's review has got (reviewed / total articles, records changed), when there is one."""
    return data.review.get("line", "")


def _views(data: ReportData, views: list[str]) -> list[tuple[str, str, list[Group]]]:
    titles = {"pairing": ("By pairing (helper → recipient)", data.by_pairing),
              "recipient": (f"By recipient region ({data.rollup})", data.by_recipient),
              "helper": (f"By helper region ({data.rollup})", data.by_helper),
              "compare": ("Regions side by side", data.compare)}
    return [(v, *titles[v]) for v in views if v in titles and (v != "compare" or data.compare)]


# --- terminal ------------------------------------------------------------------------------

FIGURE_COLUMNS = ("articles", "aid", "cumulative", "planned · agreed", "not aid")
OPTIONAL_COLUMNS = ("cumulative", "planned · agreed", "not aid")
WIDE = 120  # below this many columns the terminal gets one block per row instead of a wide table


def _stacked(title: str, groups: list[Group], view: str) -> RenderableType:
    """One block per row, each figure on a short line of its own: nothing splits mid-number at 80 columns."""
    lines = [Text(title, style="bold underline")]
    for g in groups:
        head = f"{g.label} · {_relations(g) or '—'} · {len(g.articles)} article(s)"
        lines.append(Text(head, style="bold"))
        if g.aid_yuan:
            lines.append(Text(f"  援助 aid {_aid(g)}"))
            lines += [Text(f"    {KIND_ZH[k]} {_money(g, k)}", style="dim") for k in AID_KINDS if g.funds_by_kind.get(k)]
        if g.cumulative:
            lines.append(Text(f"  累计 cumulative {_cumulative(g)}"))
        if _plans(g):
            lines.append(Text(f"  {_plans(g)}"))
        for k in NOT_AID:
            if g.funds_by_kind.get(k):
                lines.append(Text(f"  {KIND_ZH[k]} {_money(g, k)}"))
        if g.years:
            lines.append(Text(f"  years {', '.join(map(str, sorted(g.years)))}"))
        if view != "pairing" and g.partners:
            lines.append(Text(f"  partners {'、'.join(sorted(g.partners))}"))
        if g.categories:
            lines.append(Text(f"  measures {_categories(g)}", style="dim"))
    return RichGroup(*lines, Text(""))


def as_table(data: ReportData, views: list[str], width: int = WIDE) -> RenderableType:
    # One short line per figure so a narrow terminal never splits one.
    parts: list[RenderableType] = [Text(line) for line in _totals_line(data).replace("; ", ";\n  ").split("\n")]
    if len(data.filters) > 1:
        parts.append(Text(_filters_line(data)))
    if _review_line(data):
        parts.append(Text(_review_line(data)))
    for view, title, groups in _views(data, views):
        if width < WIDE:
            parts.append(_stacked(title, groups, view))
            continue
        table = Table(title=title, title_justify="left", expand=True)
        columns = ["row", "relation", "articles", "aid", "cumulative", "planned · agreed", "not aid", "measures", "years"]
        if view != "pairing":
            columns.append("partners")
        rows = []
        for g in groups:
            kinds = "\n".join(f"{KIND_ZH[k]} {_money(g, k)}" for k in NOT_AID if g.funds_by_kind.get(k))
            row = [g.label, _relations(g), str(len(g.articles)), _aid(g), _cumulative(g).replace(" (", "\n("),
                   _plans(g).replace("; ", "\n"), kinds, _categories(g), "\n".join(map(str, sorted(g.years)))]
            if view != "pairing":
                row.append("、".join(sorted(g.partners)))
            rows.append(row)
        # A money column no row of this view has anything in is left out: it would only take width.
        shown = [i for i, col in enumerate(columns) if col not in OPTIONAL_COLUMNS or any(r[i] for r in rows)]
        # A figure is never cut or split from its unit: its column is as wide as its widest line; the words
        # (row names, measures, partners) take what is left and wrap, and years wrap between years.
        headers = {i: columns[i].replace(" · ", " ·\n") for i in shown}
        widest = {i: max([cell_len(line) for r in rows for line in r[i].split("\n")] +
                         [cell_len(line) for line in headers[i].split("\n")]) for i in shown}
        least = {i: widest[i] if columns[i] in FIGURE_COLUMNS or columns[i] == "years" else min(widest[i], 10)
                 for i in shown}  # a year is a figure too: one a line, never cut
        if sum(least.values()) + 3 * len(shown) + 1 > width:  # too many figures for this width: one block per row
            parts.append(_stacked(title, groups, view))
            continue
        for i in shown:
            col = columns[i]
            table.add_column(headers[i], overflow="fold", no_wrap=col in FIGURE_COLUMNS or col == "years",
                             min_width=least[i],
                             ratio=3 if col == "measures" else 2 if col in ("row", "partners") else None)
        for row in rows:
            table.add_row(*[row[i] for i in shown])
        parts.append(table)
    if "matrix" in views and data.matrix:
        used = [c for c in CATEGORIES if any(c in row for row in data.matrix.values())]
        if width < WIDE:
            lines = [Text("Measure categories × recipient region (articles)", style="bold underline")]
            lines += [Text(f"{region}: " + "、".join(f"{CATEGORY_ZH[c]} {row[c]}" for c in used if row.get(c)))
                      for region, row in data.matrix.items()]
            parts.append(RichGroup(*lines, Text("")))
        else:
            table = Table(title="Measure categories × recipient region (articles)", title_justify="left")
            table.add_column("region", no_wrap=True)
            for c in used:
                table.add_column(CATEGORY_ZH[c], justify="right", no_wrap=True)
            for region, row in data.matrix.items():
                table.add_row(region, *[str(row.get(c, "")) for c in used])
            parts.append(table)
    parts.append(_notes_table(data))
    return RichGroup(*parts)


def _notes_table(data: ReportData) -> Table:
    table = Table(title="Not in a pairing row, or not added to the aid headline", title_justify="left", expand=True)
    for col in ("what", "amount", "sources"):
        table.add_column(col, overflow="fold")
    for e in data.unattributed:
        if e.is_aid:
            table.add_row("in the aid headline, in no pairing row: its article does not say which pairing", e.amount_text,
                          _sources(data, e.refs))
    for m in data.merges:
        table.add_row(f"not added, merged duplicate: {m.reason}", data.articles[m.merged.article].source,
                      f"kept {data.articles[m.kept.article].source} {m.kept.record}")
    for e in data.not_added:
        table.add_row(f"not added: {not_added_reason(e)}", e.amount_text, _sources(data, e.refs))
    for line in data.left_out:
        table.add_row("left out: the record fails a rule check", "", line)
    return table


def not_added_reason(e: FundEntry) -> str:
    return e.not_added or f"kind {e.kind} ({KIND_ZH[e.kind]}): not aid, shown in its own column"


def _sources(data: ReportData, refs: list[Ref]) -> str:
    return "; ".join(f"{data.articles[r.article].source} {r.record}" for r in refs)


# --- markdown ------------------------------------------------------------------------------

def as_markdown(data: ReportData, views: list[str]) -> str:
    notes: list[str] = []

    def cite(refs: list[Ref]) -> str:
        marks = []
        for ref in refs:
            notes.append(f"[^{len(notes) + 1}]: {data.articles[ref.article].title or data.articles[ref.article].source} "
                         f"({data.articles[ref.article].source}, {ref.record}): “{ref.quote}”")
            marks.append(f"[^{len(notes)}]")
        return "".join(marks)

    out = [f"# Pairing-assistance report\n\n{len(data.filters['articles_in_view'])} article(s), "
           f"{len(data.counted())} distinct fund(s) counted; ≈ marks approximate amounts. Every amount not added "
           f"to the aid headline is listed at the end with its reason.\n\n{_totals_line(data)}\n"]
    if _filters_line(data) and len(data.filters) > 1:
        out.append(_filters_line(data) + "\n")
    if _review_line(data):
        out.append(_review_line(data) + "\n")
    for _, title, groups in _views(data, views):
        out.append(f"## {title}\n")
        out.append("| row | relation | articles | aid (财政+社会+捐赠) | cumulative | planned · agreed | not aid | measures | years |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for g in groups:
            aid = _aid(g) + "".join(cite(g.fund_refs[k]) for k in AID_KINDS if g.funds_by_kind.get(k))
            kinds = "; ".join(f"{KIND_ZH[k]} {_money(g, k)}{cite(g.fund_refs[k])}" for k in NOT_AID
                              if g.funds_by_kind.get(k))
            cumulative = _cumulative(g) + (cite(g.cumulative.refs) if g.cumulative else "")
            plans = _plans(g) + cite(g.planned_refs + g.agreed_refs)
            out.append(f"| {g.label} | {_relations(g)} | {len(g.articles)} | {aid} | {cumulative} | {plans} | {kinds} | "
                       f"{_categories(g)} | {', '.join(map(str, sorted(g.years)))} |")
        out.append("")
    if "matrix" in views and data.matrix:
        used = [c for c in CATEGORIES if any(c in row for row in data.matrix.values())]
        out.append("## Measure categories × recipient region (articles)\n")
        out.append("| 地区 region | " + " | ".join(CATEGORY_ZH[c] for c in used) + " |")
        out.append("|---|" + "---|" * len(used))
        for region, row in data.matrix.items():
            out.append(f"| {region} | " + " | ".join(str(row.get(c, "")) for c in used) + " |")
        out.append("")
    spans = data.cumulative_spans()
    if spans:
        out.append("## Cumulative aid (spans, never added to one year's money)\n")
        out += [f"- {_reported_span(data, e)}: {e.amount_text} ({_place(e.helper)} → {_place(e.recipient)}){cite(e.refs)}"
                for e in spans]
        out.append("")
    out.append("## In the aid headline but in no pairing row\n")
    for e in data.unattributed:
        if e.is_aid:
            out.append(f"- {e.amount_text} ({KIND_ZH[e.kind]}): its article does not say which pairing{cite(e.refs)}")
    out.append("\n## Not added to the aid headline\n")
    for m in data.merges:
        out.append(f"- merged duplicate ({m.reason}){cite([m.merged])}, kept{cite([m.kept])}")
    for e in data.not_added:
        out.append(f"- {e.amount_text}: {not_added_reason(e)}{cite(e.refs)}")
    if data.left_out:
        out.append("\n## Left out: records that fail a rule check\n")
        out += [f"- {line}" for line in data.left_out]
    out.append("")
    out.extend(notes)
    return "\n".join(out) + "\n"


# --- csv -------------------------------------------------------------------------------------

CSV_FIELDS = ["view", "row", "metric", "value", "unit", "approximate", "sources"]


def csv_rows(data: ReportData, views: list[str]) -> list[dict]:
    rows: list[dict] = []
    for view, _, groups in _views(data, views):
        for g in groups:
            rows.append(dict(view=view, row=g.label, metric="articles", value=len(g.articles), unit="", approximate="",
                             sources=""))
            rows.append(dict(view=view, row=g.label, metric="funds.aid", value=g.aid_yuan, unit="元",
                             approximate=bool(g.approximate_kinds & set(AID_KINDS)), sources=""))
            for k in KINDS:
                if g.funds_by_kind.get(k):
                    rows.append(dict(view=view, row=g.label, metric=f"funds.{k}", value=g.funds_by_kind[k], unit="元",
                                     approximate=k in g.approximate_kinds, sources=_sources(data, g.fund_refs[k])))
            if g.cumulative:
                rows.append(dict(view=view, row=g.label, metric="funds.cumulative_largest", value=g.cumulative_yuan,
                                 unit="元", approximate=g.cumulative.approximate, sources=_sources(data, g.cumulative.refs)))
            for status in ("planned", "agreed"):
                if getattr(g, f"{status}_yuan"):
                    rows.append(dict(view=view, row=g.label, metric=f"funds.{status}", value=getattr(g, f"{status}_yuan"),
                                     unit="元", approximate="", sources=_sources(data, getattr(g, f"{status}_refs"))))
            for c, n in g.categories.items():
                rows.append(dict(view=view, row=g.label, metric=f"measures.{c}", value=n, unit="articles",
                                 approximate="", sources=""))
            for (c, unit), v in g.indicators.items():
                rows.append(dict(view=view, row=g.label, metric=f"indicators.{c}", value=v, unit=unit, approximate="",
                                 sources=""))
    if "matrix" in views:
        for region, row in data.matrix.items():
            for c, n in row.items():
                rows.append(dict(view="matrix", row=region, metric=c, value=n, unit="articles", approximate="",
                                 sources=""))
    for e in data.ledger:
        rows.append(dict(view="ledger", row=f"{_place(e.helper)} → {_place(e.recipient)}", metric=f"fund.{e.kind}",
                         value=e.amount_yuan, unit="元", approximate=e.approximate,
                         sources=_sources(data, e.refs) + ("" if e.is_aid else f" (not added: {not_added_reason(e)})")))
    return rows


def _place(place) -> str:
    return place.label if place else "?"


def as_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --- json ------------------------------------------------------------------------------------

def _ref(ref: Ref) -> dict:
    return {"article": ref.article, "record": ref.record, "quote": ref.quote, "start": ref.start, "end": ref.end}


def _place_dict(place) -> dict | None:
    return None if place is None else {"name": place.name, "full_name": place.full_name, "adcode": place.adcode,
                                       "level": place.level}


def _headline_dict(data: ReportData) -> dict:
    h = data.headline
    largest = h.cumulative_largest
    return {"aid_yuan": h.aid_yuan, "aid_by_kind": h.aid_by_kind, "not_aid_by_kind": h.not_aid_by_kind,
            "cumulative_largest_yuan": largest.amount_yuan if largest else None,
            "cumulative_largest_since": largest.since if largest else None,
            "planned_yuan": h.planned_yuan, "agreed_yuan": h.agreed_yuan, "apart_yuan": h.apart_yuan,
            "not_added": h.not_added, "left_out": h.left_out,
            "dominant": None if h.dominant is None else {
                "amount_yuan": h.dominant.amount_yuan, "amount_text": h.dominant.amount_text,
                "share": h.dominant.amount_yuan / h.aid_yuan, "article": h.dominant.refs[0].article,
                "record": h.dominant.refs[0].record, "quote": h.dominant.refs[0].quote},
            "means": "fiscal + social + donation money that is paid, one year's (not cumulative), not per unit, "
                     "counted once (a total or its parts); every other amount is in not_added with its reason"}


def as_json(data: ReportData, views: list[str]) -> str:
    def group_dict(g: Group) -> dict:
        return {"row": g.label, "key": g.key, "relations": dict(g.relations), "articles": sorted(g.articles),
                "aid_yuan": g.aid_yuan, "total_yuan": g.total_yuan, "funds_by_kind": dict(sorted(g.funds_by_kind.items())),
                "cumulative_yuan": g.cumulative_yuan, "cumulative_since": g.cumulative.since if g.cumulative else None,
                "cumulative_refs": [_ref(r) for r in g.cumulative.refs] if g.cumulative else [],
                "planned_yuan": g.planned_yuan, "agreed_yuan": g.agreed_yuan,
                "approximate_kinds": sorted(g.approximate_kinds),
                "fund_refs": {k: [_ref(r) for r in refs] for k, refs in g.fund_refs.items()},
                "categories": dict(sorted(g.categories.items())),
                "article_level_categories": dict(sorted(g.article_categories.items())),
                "indicators": [{"category": c, "unit": u, "value": v} for (c, u), v in g.indicators.items()],
                "years": sorted(g.years), "partners": sorted(g.partners)}

    made: dict[int, dict] = {}

    def entry_dict(e: FundEntry) -> dict:  # an entry is in the ledger and maybe in other lists: built once
        if id(e) not in made:
            made[id(e)] = _entry_dict(e)
        return made[id(e)]

    places: dict[int, dict | None] = {}

    def place_dict(place) -> dict | None:  # one dict per place however many entries name it: written once
        if id(place) not in places:
            places[id(place)] = _place_dict(place)
        return places[id(place)]

    def _entry_dict(e: FundEntry) -> dict:
        return {"amount_yuan": e.amount_yuan, "amount_text": e.amount_text, "kind": e.kind, "year": e.year,
                "approximate": e.approximate, "helper": place_dict(e.helper), "recipient": place_dict(e.recipient),
                "status": e.status, "cumulative": e.cumulative, "since": e.since, "per_unit": e.per_unit,
                "refs": [_ref(r) for r in e.refs], "sub_allocation_of": e.sub_allocation_of, "counted": e.counted,
                "in_aid": e.is_aid}

    payload = {
        "articles": [{"source": a.source, "title": a.title, "published": a.published, "outlet": a.outlet}
                     for a in data.articles],
        "rollup": data.rollup,
        "filters": data.filters,
        "headline": _headline_dict(data),
        "review": {k: v for k, v in data.review.items() if k != "line"},
        "totals_by_kind": data.totals_by_kind(),
        "aid_kinds": list(AID_KINDS),
        "reconciliation": data.reconciliation(),
        "views": {view: [group_dict(g) for g in groups] for view, _, groups in _views(data, views)},
        "matrix": data.matrix if "matrix" in views else {},
        "matrix_indicators": data.matrix_indicators if "matrix" in views else {},
        "ledger": [entry_dict(e) for e in data.ledger],
        "merged": [{"kept": _ref(m.kept), "merged": _ref(m.merged), "reason": m.reason} for m in data.merges],
        "unattributed": [entry_dict(e) for e in data.unattributed],
        # each amount once, pointing at its ledger entry (which has the parties, flags and evidence)
        "not_added": [{"ledger": index, "amount_yuan": e.amount_yuan, "amount_text": e.amount_text, "kind": e.kind,
                       "article": e.refs[0].article, "reason": not_added_reason(e)}
                      for index, e in enumerate(data.ledger) if not e.is_aid],
        "left_out": data.left_out,
    }
    return dumps_indented(payload) + "\n"  # json.dumps(payload, ensure_ascii=False, indent=2), faster


# --- html ------------------------------------------------------------------------------------

def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Axis ticks on round values (0, 50亿, 100亿, 150亿, 200亿), the last at or above top."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


CHART_WIDTH = 600  # drawn at this size, never shrunk (the box scrolls on a phone): labels stay 12-13 px


def _bar_chart(rows: list[tuple[str, dict[str, float]]], width: int = CHART_WIDTH) -> str:
    """Horizontal stacked bars as inline SVG (no script, no network), with a yuan axis on round values."""
    rows = [r for r in rows if sum(r[1].values())]
    if not rows:
        return "<p class='empty'>No money attributed to a pairing.</p>"
    ticks = nice_ticks(max(sum(v.values()) for _, v in rows))
    top = ticks[-1]
    label_w, bar_w, row_h = 170, width - 250, 26
    height = row_h * len(rows) + 34
    parts = [f"<svg role='img' class='chart' viewBox='0 0 {width} {height}' width='{width}' height='{height}'>"]
    axis_y = row_h * len(rows) + 8
    parts.append(f"<line x1='{label_w}' y1='{axis_y}' x2='{label_w + bar_w}' y2='{axis_y}' stroke='#999'/>")
    for tick in ticks:
        x = label_w + bar_w * tick / top
        parts.append(f"<line x1='{x:.1f}' y1='{axis_y}' x2='{x:.1f}' y2='{axis_y + 4}' stroke='#999'/>"
                     f"<text x='{x:.1f}' y='{axis_y + 16}' class='val' text-anchor='middle'>"
                     f"{format_yuan(tick) if tick else '0'}</text>")
    for i, (label, kinds) in enumerate(rows):
        y = i * row_h + 5
        parts.append(f"<text x='0' y='{y + 14}' class='lbl'>{html.escape(label)}</text>")
        x = label_w
        for kind in KINDS:
            value = kinds.get(kind, 0)
            if not value:
                continue
            w = max(1.0, bar_w * value / top)
            parts.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='18' fill='{KIND_COLOURS[kind]}'>"
                         f"<title>{kind}: {format_yuan(value)}</title></rect>")
            x += w
        parts.append(f"<text x='{x + 6:.1f}' y='{y + 14}' class='val'>{format_yuan(sum(kinds.values()))}</text>")
    parts.append("</svg>")
    return "".join(parts)


# A tile grid of China's provinces (one square each, no boundary data): code -> (column, row, short name).
TILES = {
    "23": (7, 0, "黑"), "65": (0, 1, "新"), "15": (3, 1, "蒙"), "11": (4, 1, "京"), "22": (6, 1, "吉"),
    "63": (1, 2, "青"), "62": (2, 2, "甘"), "64": (3, 2, "宁"), "14": (4, 2, "晋"), "13": (5, 2, "冀"), "21": (6, 2, "辽"),
    "54": (0, 3, "藏"), "51": (2, 3, "川"), "61": (3, 3, "陕"), "41": (4, 3, "豫"), "37": (5, 3, "鲁"), "12": (6, 3, "津"),
    "50": (2, 4, "渝"), "42": (3, 4, "鄂"), "34": (4, 4, "皖"), "32": (5, 4, "苏"), "31": (6, 4, "沪"),
    "52": (2, 5, "黔"), "43": (3, 5, "湘"), "36": (4, 5, "赣"), "33": (5, 5, "浙"),
    "53": (1, 6, "云"), "45": (2, 6, "桂"), "44": (3, 6, "粤"), "35": (4, 6, "闽"), "71": (5, 6, "台"),
    "46": (3, 7, "琼"), "81": (4, 7, "港"), "82": (5, 7, "澳"),
}


def province_flows(data: ReportData) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Aid received per province, and money (all kinds) per helper province -> recipient province."""
    received: dict[str, float] = {}
    flows: dict[tuple[str, str], float] = {}
    for e in data.counted():
        to = e.recipient.adcode[:2] if e.recipient and e.recipient.adcode else None
        frm = e.helper.adcode[:2] if e.helper and e.helper.adcode else None
        if to and e.kind in AID_KINDS:
            received[to] = received.get(to, 0.0) + e.amount_yuan
        if to and frm and to != frm:
            flows[(frm, to)] = flows.get((frm, to), 0.0) + e.amount_yuan
    return dict(sorted(received.items())), dict(sorted(flows.items()))


LABEL_CLEARANCE = 0.3  # of a tile: arrows start and end this far from a tile's centre, clear of its name


def _tile_map(data: ReportData, size: int = 54) -> str:
    """Provinces coloured by aid received, arrows helper -> recipient province; a tile links to its rows."""
    received, flows = province_flows(data)
    if not received and not flows:
        return "<p class='empty'>No money with a known recipient province.</p>"
    peak = max(received.values() or [1])
    top_flow = max(flows.values() or [1])
    rows_by_province = {}
    for g in data.by_recipient:
        code = g.key[:2] if g.key[:2].isdigit() else None
        if code and code not in rows_by_province:
            rows_by_province[code] = g.key
    width, height = 8 * size, 8 * size
    labels: list[str] = []
    parts = [f"<svg role='img' class='map' viewBox='0 0 {width} {height}' width='{width}' height='{height}'>",
             "<defs><marker id='arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='9' markerHeight='9' "
             "markerUnits='userSpaceOnUse' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#d62728'/></marker></defs>"]
    for code, (col, row, short) in TILES.items():
        value = received.get(code, 0.0)
        shade = f"rgba(31,119,180,{0.12 + 0.8 * value / peak:.2f})" if value else "#f2f2f2"
        title = f"{short}: 援助 {format_yuan(value)}" if value else short
        tile = (f"<rect x='{col * size + 2}' y='{row * size + 2}' width='{size - 4}' height='{size - 4}' rx='4' "
                f"fill='{shade}' stroke='#bbb'><title>{html.escape(title)}</title></rect>")
        if code in rows_by_province:
            tile = f"<a href='#row-{html.escape(rows_by_province[code])}'>{tile}</a>"
        parts.append(tile)
        labels.append(f"<text x='{col * size + size / 2}' y='{row * size + size / 2 + 5}' text-anchor='middle' "
                      f"class='tile'>{short}</text>")
    for (frm, to), value in flows.items():
        if frm not in TILES or to not in TILES:
            continue
        (c1, r1, _), (c2, r2, _) = TILES[frm], TILES[to]
        x1, y1, x2, y2 = (c1 + 0.5) * size, (r1 + 0.5) * size, (c2 + 0.5) * size, (r2 + 0.5) * size
        # From the edge of the helper's label to the edge of the recipient's: the arrowhead never covers a name.
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        clear = LABEL_CLEARANCE * size
        stroke = 1 + 5 * value / top_flow
        parts.append(f"<line x1='{x1 + ux * clear:.1f}' y1='{y1 + uy * clear:.1f}' x2='{x2 - ux * clear:.1f}' "
                     f"y2='{y2 - uy * clear:.1f}' stroke='#d62728' stroke-opacity='0.7' stroke-width='{stroke:.1f}' "
                     f"marker-end='url(#arrow)'><title>{TILES[frm][2]} → {TILES[to][2]}: {format_yuan(value)}</title></line>")
    parts += labels  # on top of the arrows
    parts.append("</svg>")
    return "".join(parts)


def _highlighted(article, index: int) -> str:
    """Article text with evidence spans wrapped in <mark>, colour-coded by record type."""
    text = article.text
    bounds = sorted({0, len(text), *[s for s, _, _, _ in article.spans], *[e for _, e, _, _ in article.spans]})
    out = []
    for a, b in zip(bounds, bounds[1:]):
        covering = [(s, e, kind, path) for s, e, kind, path in article.spans if s <= a and b <= e]
        piece = html.escape(text[a:b]).replace("\n", "<br>")
        if not covering:
            out.append(piece)
            continue
        kind = min(covering, key=lambda c: ("fund", "pairing", "measure").index(c[2]))[2]
        ids = " ".join(f"a{index}-{p.replace('[', '').replace(']', '')}" for _, _, _, p in covering)
        anchors = "".join(f"<span id='a{index}-{p.replace('[', '').replace(']', '')}'></span>"
                          for s, _, _, p in covering if s == a)
        out.append(f"{anchors}<mark class='{kind}' data-records='{ids}'>{piece}</mark>")
    return "".join(out)


def _anchor(ref: Ref) -> str:
    return f"#a{ref.article}-{ref.record.replace('[', '').replace(']', '')}"


def as_html(data: ReportData, views: list[str]) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["yuan"] = format_yuan
    env.globals.update(anchor=_anchor, money=_money, total=_total, aid=_aid, kinds=KINDS, colours=KIND_COLOURS,
                       aid_kinds=AID_KINDS, cumulative_of=_cumulative, plans_of=_plans, reason_of=not_added_reason,
                       span_of=lambda e: _reported_span(data, e),
                       categories_of=_categories, relations_of=_relations, kind_zh=KIND_ZH, not_aid=NOT_AID,
                       category_zh=CATEGORY_ZH,
                       totals_line=_totals_line(data), filters_line=_filters_line(data) if len(data.filters) > 1 else "",
                       review_line=_review_line(data))
    in_view = set(data.filters.get("articles_in_view", range(len(data.articles))))
    kinds_with_data = [k for k in KINDS if data.totals_by_kind().get(k)]
    template = env.from_string(resources.files("summarizer").joinpath("templates/report.html.j2").read_text("utf-8"))
    used = [c for c in CATEGORIES if any(c in row for row in data.matrix.values())]
    peak = max([n for row in data.matrix.values() for n in row.values()] or [1])
    return template.render(
        data=data,
        views=_views(data, views),
        show_matrix="matrix" in views and bool(data.matrix),
        categories=used,
        peak=peak,
        pairing_chart=_bar_chart([(g.label, dict(g.funds_by_kind)) for g in data.by_pairing]),
        timeline_chart=_bar_chart(timeline_by_year(data)),
        tile_map=_tile_map(data),
        legend_kinds=kinds_with_data,
        articles=[(i, a, _highlighted(a, i)) for i, a in enumerate(data.articles) if i in in_view],
    )
