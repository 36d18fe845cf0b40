"""Multi-item documents: a day's broadcast transcript, a page of several news items.

Each item (under a `### ` heading, or a bracketed 【…】 title on a line of its own) is an article of
its own: its own title, the document's date and outlet, its source the document's plus `#N`. Only
items that speak of pairing assistance are read; the others are named in one note. A document is
taken as several items only when it is long (passages.SHORT_DOCUMENT) and has at least MIN_ITEMS
item headings, so a short article with a few subheadings stays one article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .clean import CleanArticle
from .passages import SHORT_DOCUMENT, passage_vocabulary, score_paragraph, selection_of
from .text import paragraphs

MIN_ITEMS = 4
ITEM_HEADING = re.compile(r"^(?:#{2,4}[ \t]*(?P<md>[^\n#][^\n]{0,60})|(?P<bracketed>【[^】\n]{2,40}】[^\n。]{0,40}))[ \t]*$",
                          re.M)
SOURCE_ITEM = re.compile(r"#(\d+)$")


@dataclass(frozen=True)
class Item:
    number: int  # 1-based, in document order
    title: str
    start: int  # where the item's own text (its title line first) starts in the document's text
    end: int
    relevant: bool  # it speaks of pairing assistance


def split_items(text: str) -> list[Item] | None:
    """The document's items, or None when it is one article."""
    if len(text) < SHORT_DOCUMENT:
        return None
    headings = [m for m in ITEM_HEADING.finditer(text) if not re.match(r"^#{2,4}\s*(?:新闻摘要|详细新闻)\s*$", m.group(0))]
    if len(headings) < MIN_ITEMS:
        return None
    threshold = passage_vocabulary().threshold
    items = []
    for number, (m, following) in enumerate(zip(headings, [*headings[1:], None]), start=1):
        title = (m.group("md") or m.group("bracketed")).strip()
        start = m.start("md") if m.group("md") else m.start("bracketed")
        end = following.start() if following else len(text)
        while end > start and text[end - 1].isspace():
            end -= 1
        body = text[start:end]
        relevant = any(score_paragraph(p.text)[0] >= threshold for p in paragraphs(body))
        items.append(Item(number, title, start, end, relevant))
    return items


def item_article(document: CleanArticle, item: Item) -> CleanArticle:
    """The item as an article of its own: its text (title line first), its title, the document's date,
    outlet and script. Its offsets count from the item's start."""
    text = document.text[item.start:item.end]
    return replace(document, text=text, title=item.title, checks=[], removed=[],
                   confident=document.confident | {"title"}, item=item.number)


def item_source(source: str, item: Item) -> str:
    return f"{source}#{item.number}"


def document_source(source: str) -> str:
    """The document an item's source belongs to (`a.txt#3` -> `a.txt`)."""
    return SOURCE_ITEM.sub("", source)


def skipped_note(source: str, items: list[Item]) -> str | None:
    skipped = [i for i in items if not i.relevant]
    if not skipped:
        return None
    read = len(items) - len(skipped)
    return (f"{source}: {len(items)} items, {read} read; {len(skipped)} skipped (no pairing-assistance content): "
            + ", ".join(str(i.number) for i in skipped))


def merge_items(results: list) -> list:
    """Results with one result per document: the items of a multi-item document (`a.txt#3`, `a.txt#7`)
    joined into one, for scoring a document against its gold. Records keep their items' offsets; the
    joined result's article is its first item's, its source the document's."""
    merged: dict[str, object] = {}
    out = []
    for result in results:
        source = result.article.source
        if not SOURCE_ITEM.search(source):
            out.append(result)
            continue
        document = document_source(source)
        if document not in merged:
            joined = result.model_copy(deep=True)
            joined.article.source = document
            merged[document] = joined
            out.append(joined)
            continue
        joined = merged[document]
        offset = len(joined.funds)
        for fund in result.funds:
            fund = fund.model_copy()
            if fund.part_of is not None:
                fund.part_of += offset
            joined.funds.append(fund)
        joined.pairings += result.pairings
        joined.measures += result.measures
        joined.checks += result.checks
    return out


def passages_report(source: str, document: CleanArticle) -> dict:
    """What the extractors read of a document and why (`clean --passages`): its items, if it has them,
    each read or skipped; and per article read, the kept spans with the reasons for each paragraph."""
    def selection_report(article: CleanArticle, offset: int) -> dict:
        selection = selection_of(article)
        return {"whole": selection.whole, "kept_chars": selection.kept_chars, "chars": len(article.text),
                "spans": [[offset + s, offset + e] for s, e in selection.spans],
                "paragraphs": [{"start": offset + s, "end": offset + e, "reasons": reasons,
                                "text": article.text[s:e]} for (s, e), reasons in selection.reasons.items()]}

    items = split_items(document.text)
    report: dict = {"source": source, "chars": len(document.text)}
    if items is None:
        report["read"] = selection_report(document, 0)
        return report
    report["items"] = [{"number": i.number, "title": i.title, "start": i.start, "end": i.end, "read": i.relevant,
                        **({"passages": selection_report(item_article(document, i), i.start)} if i.relevant else {})}
                       for i in items]
    return report
