"""What the model is asked and how its answer is read: the response model, prompts, messages, chunks.

The response model is built from the contract's enums (schemas/), so schema, prompt and validation
share one source. The model returns quotes; its records are grounded and run through the same rule
checks as every other backend inside the response model's own validation (VALIDATION_CONTEXT), so an
`error` finding goes back to the model as a re-ask.

Only pydantic here: the cache identity (prompt version) and a warm run need this module, not the
HTTP client (backends/llm_client.py, which imports openai and instructor on the first request).
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, Field, PrivateAttr, ValidationInfo, create_model, model_validator

from ..checks import metadata_findings, record_errors, run_checks
from ..clean import CleanArticle
from ..schemas import Article, Evidence, Fund, Measure, Pairing, Region, Relation, Script
from ..text import paragraphs
from .attempts import Attempt
from .base import Extraction

MODE_NAMES = ("tools", "json_schema", "md_json", "json")  # instructor's modes, by the name --mode takes
UNGROUNDED = (-1, -1)

# --- what the model returns -----------------------------------------------------------

class PairingDraft(BaseModel):
    helper: str = Field(description="the region or organisation that gives help, as written in the article")
    recipient: str = Field(description="the region or organisation that receives help, as written")
    relation: Relation
    quote: str = Field(description="verbatim sentence from the article stating this pairing")


def _draft_of(model: type[BaseModel], name: str, drop: set[str], quote_hint: str) -> type[BaseModel]:
    """The contract record as the model writes it: the same fields, a quote instead of offsets."""
    fields = {k: (f.annotation, f) for k, f in model.model_fields.items() if k not in drop}
    fields["quote"] = (str, Field(description=quote_hint))
    return create_model(name, **fields)


FundDraft = _draft_of(Fund, "FundDraft", {"evidence", "approximate"},
                      "verbatim clause from the article containing amount_text")
MeasureDraft = _draft_of(Measure, "MeasureDraft", {"evidence"},
                         "verbatim sentence from the article describing the measure")


class MetadataDraft(BaseModel):
    title: str | None = Field(default=None, description="the article's headline, copied verbatim from the page; null if none")
    published: str | None = Field(default=None, description="publication date as YYYY-MM-DD, only if the page states it; else null")
    published_quote: str | None = Field(default=None, description="verbatim text from the page that states the date")
    outlet: str | None = Field(default=None, description="the media outlet or site that published it (来源), as written; null if none")


class ArticleExtraction(BaseModel):
    """Records extracted from one article (or one chunk of a long one)."""

    @classmethod
    def model_json_schema(cls, *args, **kwargs) -> dict:
        # instructor derives a fresh subclass and asks for its schema on every request; building it
        # costs more than the rest of the request, and it only depends on the name and the fields.
        key = (cls.__name__, tuple(cls.model_fields), args, tuple(sorted(kwargs.items())))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = BaseModel.model_json_schema.__func__(cls, *args, **kwargs)
        return copy.deepcopy(_SCHEMAS[key])

    metadata: MetadataDraft | None = Field(default=None, description="title, date and outlet of the article")
    summary: str = Field(description="一到三句简体中文摘要")
    pairings: list[PairingDraft] = Field(default_factory=list)
    funds: list[FundDraft] = Field(default_factory=list)  # type: ignore[valid-type]
    measures: list[MeasureDraft] = Field(default_factory=list)  # type: ignore[valid-type]
    # The records as validation grounded them in the article: the pipeline's verify step then finds
    # their quotes aligned and regions resolved instead of doing both again.
    _grounded: Extraction | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def passes_rule_checks(self, info: ValidationInfo) -> "ArticleExtraction":
        context = (info.context if info else None) or VALIDATION_CONTEXT.get() or {}
        article = context.get("article")
        if article is None:
            return self
        from ..verify import grounded_result  # the same grounding and checks as the pipeline

        grounded = to_extraction(self)
        result = grounded_result(article, grounded)
        errors = record_errors(run_checks(result))
        lines = [f"{path}: {c.rule}: {c.message}" for path, checks in errors.items() for c in checks]
        m = self.metadata
        findings = metadata_findings(m.title, m.published, m.published_quote, m.outlet,
                                     context.get("page") or article.text, context.get("known", frozenset())) if m else {}
        lines += [message for messages in findings.values() for message in messages]
        if context.get("attempts") is not None:  # every answer counts: see backends/attempts.py
            known = context.get("known", frozenset())
            metadata = {name: getattr(m, name) for name in ("title", "published", "outlet")
                        if m and name not in findings and name not in known}
            context["attempts"].append(Attempt(
                pairings=result.pairings, funds=result.funds, measures=result.measures, summary=self.summary,
                errors=set(errors), metadata=metadata, answer=self.model_dump_json()))
        if lines:
            raise ValueError("These records contradict the article; fix or remove them, and keep every other "
                             "record as it was:\n" + "\n".join(lines))
        self._grounded = grounded
        return self


_SCHEMAS: dict[tuple, dict] = {}


# What the validator checks an answer against ({"article": Article, "page": str}). Not passed as
# instructor's context=: given a context, instructor renders every message as a Jinja template, so
# an article with "{{ item.title }}" left over from a page script failed, and "{# … #}" vanished from
# what the model read. A ContextVar is per asyncio task, so concurrent articles do not mix.
VALIDATION_CONTEXT: ContextVar[dict | None] = ContextVar("summarizer_validation_context", default=None)


def to_extraction(drafts: ArticleExtraction) -> Extraction:
    if drafts._grounded is not None:  # handed over once: the records are the caller's to change
        grounded, drafts._grounded = drafts._grounded, None
        return grounded

    def evidence(quote: str) -> Evidence:
        return Evidence(text=quote, start=UNGROUNDED[0], end=UNGROUNDED[1])

    m = drafts.metadata
    return Extraction(
        metadata={"title": m.title, "published": m.published, "outlet": m.outlet} if m else None,
        summary=drafts.summary,
        pairings=[Pairing(helper=Region(name=p.helper), recipient=Region(name=p.recipient), relation=p.relation,
                          evidence=evidence(p.quote)) for p in drafts.pairings],
        funds=[Fund(amount_yuan=f.amount_yuan, amount_text=f.amount_text, kind=f.kind, donor=f.donor,
                    recipient=f.recipient, purpose=f.purpose, year=f.year, part_of=f.part_of, status=f.status,
                    cumulative=f.cumulative, since=f.since, per_unit=f.per_unit,
                    approximate=bool(re.search(r"近|约|超|逾|余|多", f.amount_text)), evidence=evidence(f.quote))
               for f in drafts.funds],
        measures=[Measure(category=m.category, description=m.description, indicators=m.indicators,
                          evidence=evidence(m.quote)) for m in drafts.measures],
    )


# --- prompts ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def load_prompts() -> tuple[str, list[dict], str]:
    """System prompt, worked examples, and a version derived from them and the response schema."""
    folder = resources.files("summarizer.prompts")
    system = folder.joinpath("system.md").read_text(encoding="utf-8")
    examples_raw = folder.joinpath("examples.json").read_text(encoding="utf-8")
    schema = json.dumps(ArticleExtraction.model_json_schema(), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256((system + examples_raw + schema).encode("utf-8")).hexdigest()[:12]
    return system, json.loads(examples_raw), f"p-{digest}"


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about one token per Han character, one per four other characters."""
    han = len(re.findall(r"[\u3400-\u9fff]", text))
    return han + (len(text) - han + 3) // 4


def prompt_overhead() -> dict:
    """What every request carries besides the article, and its size in (estimated) tokens."""
    messages = build_messages("（文章正文）")[:-1]
    schema = json.dumps(ArticleExtraction.model_json_schema(), ensure_ascii=False)
    system = estimate_tokens(messages[0]["content"])
    examples = sum(estimate_tokens(m["content"]) for m in messages[1:])
    return {"messages": messages, "system": system, "examples": examples, "example_count": (len(messages) - 1) // 2,
            "schema": estimate_tokens(schema), "total": system + examples + estimate_tokens(schema)}


KNOWN_LABELS = {"title": "标题", "published": "发布日期", "outlet": "来源"}
KNOWN_MARK = "已知（工具已从页面读出，无需返回）："


def known_metadata(article: CleanArticle) -> frozenset[str]:
    """The metadata fields the cleaner read with confidence: stated to the model as facts, not asked for."""
    return frozenset(name for name in KNOWN_LABELS if name in article.confident and getattr(article, name))


def request_header(article: CleanArticle) -> str:
    """What the request says besides the text: what the cleaner read with confidence, as facts the model
    need not return; for the rest, the page's own lines around the body to read them from."""
    known = known_metadata(article)
    lines = []
    if known:
        lines.append(KNOWN_MARK + "；".join(f"{label}：{getattr(article, name)}"
                                           for name, label in KNOWN_LABELS.items() if name in known))
    if len(known) < len(KNOWN_LABELS) and article.metadata_lines:
        lines.append("页面正文外的文字（可能含标题、日期、来源）：\n" + "\n".join(article.metadata_lines))
    return "\n".join(lines) + ("\n" if lines else "")


def validation_context(article: CleanArticle) -> dict:
    """What an answer is checked against: the article, the page its metadata may be read from, and the
    fields the request stated as known (their values are the cleaner's; the model's are not checked)."""
    return {"article": contract_article(article), "page": page_of(article), "known": known_metadata(article)}


def build_messages(article_text: str, header: str = "") -> list[dict]:
    system, examples, _ = load_prompts()
    messages = [{"role": "system", "content": system}]
    for example in examples:
        messages.append({"role": "user", "content": f"{example.get('header', '')}文章：\n{example['article']}"})
        messages.append({"role": "assistant", "content": json.dumps(example["answer"], ensure_ascii=False)})
    messages.append({"role": "user", "content": f"{header}文章：\n{article_text}"})
    return messages


def chunk_text(text: str, max_chars: int, overlap_paragraphs: int = 1) -> list[str]:
    """Split on paragraph boundaries into chunks of at most ~max_chars, overlapping a paragraph."""
    paras = [p.text for p in paragraphs(text)]
    if len(text) <= max_chars or len(paras) <= 1:
        return [text]
    chunks: list[list[str]] = [[]]
    size = 0
    for para in paras:
        if chunks[-1] and size + len(para) > max_chars:
            carried = chunks[-1][-overlap_paragraphs:] if overlap_paragraphs else []
            chunks.append(list(carried))
            size = sum(len(p) + 1 for p in carried)
        chunks[-1].append(para)
        size += len(para) + 1
    return ["\n".join(c) for c in chunks]


# --- reading an answer ------------------------------------------------------------------------

def answer_text(completion: dict) -> str:
    """What the model answered in a completion as JSON: the tool call's arguments, or the content."""
    try:
        message = completion["choices"][0]["message"]
        calls = message.get("tool_calls") or []
        return (calls[0]["function"]["arguments"] or "") if calls else (message.get("content") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""


def json_payload(raw: str) -> str:
    fenced = re.search(r"```(?:json)?\s*(.*?)```", raw, re.S)
    if fenced:
        return fenced.group(1)
    start, end = raw.find("{"), raw.rfind("}")
    return raw[start:end + 1] if start >= 0 and end > start else raw


def merge_extraction(into: Extraction, part: Extraction) -> None:
    into.summary = into.summary or part.summary
    into.metadata = into.metadata or part.metadata
    offset = len(into.funds)
    for fund in part.funds:
        if fund.part_of is not None:
            fund.part_of += offset
    into.pairings += part.pairings
    into.funds += part.funds
    into.measures += part.measures
    into.checks += part.checks
    into.input_tokens = (into.input_tokens or 0) + (part.input_tokens or 0)
    into.output_tokens = (into.output_tokens or 0) + (part.output_tokens or 0)


def contract_article(article: CleanArticle) -> Article:
    return Article(id=hashlib.sha256(article.text.encode("utf-8")).hexdigest(), source="-", title=article.title,
                   published=article.published, outlet=article.outlet,
                   original_script=article.original_script or Script.simplified, text=article.text)


def reask_messages(messages: list[dict], answer: str, problem: object) -> list[dict]:
    """The conversation that shows the model its answer and what the checks found wrong with it."""
    return [*messages, {"role": "assistant", "content": answer},
            {"role": "user", "content": f"Please correct the answer and return it again:\n{problem}"}]


def page_of(article: CleanArticle) -> str:
    """Where metadata may be read: the text and the page's lines around it."""
    return "\n".join([article.text, *article.metadata_lines])

