"""The output contract (CONTRACT.md, schema_version "2") as pydantic models.

These models are the single source of truth: `summarizer schema` prints their JSON
Schema, the LLM backend derives its response model from the same enums, and the checks
and the evaluator read them. Fields may be added; never rename or drop one without
bumping SCHEMA_VERSION.

Installed as `summarizer.schemas` (see pyproject's package-dir).
"""
from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2"
READ_VERSIONS = ("1", "2")  # v1 results (no status/cumulative/since/per_unit) still load


class Level(str, Enum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"
    other = "other"


class Relation(str, Enum):
    east_west = "east_west"
    counterpart_support = "counterpart_support"
    counterpart_assistance = "counterpart_assistance"
    twinning = "twinning"
    designated = "designated"
    other = "other"


class FundKind(str, Enum):
    fiscal = "fiscal"
    social = "social"
    donation = "donation"
    investment = "investment"
    procurement = "procurement"
    credit = "credit"
    returns = "returns"
    other = "other"


# What a report's headline aid adds (CONTRACT.md): money given, not invested, bought, lent or earned.
AID_KINDS = ("fiscal", "social", "donation")


class FundStatus(str, Enum):
    paid = "paid"
    planned = "planned"
    agreed = "agreed"


class Category(str, Enum):
    industry = "industry"
    employment = "employment"
    consumption = "consumption"
    education = "education"
    health = "health"
    talent = "talent"
    infrastructure = "infrastructure"
    social_security = "social_security"
    finance = "finance"
    twinning = "twinning"
    governance = "governance"
    environment = "environment"
    other = "other"


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class Script(str, Enum):
    simplified = "simplified"
    traditional = "traditional"


class _Model(BaseModel):
    model_config = ConfigDict(use_enum_values=False, extra="ignore")


class Evidence(_Model):
    text: str = Field(description="verbatim quote from article.text")
    start: int = Field(description="code-point offset into article.text")
    end: int = Field(description="end offset (exclusive): article.text[start:end] == text")
    alignment: Literal["exact", "normalized", "fuzzy", "unaligned"] | None = Field(
        default=None, description="how a model's quote was aligned to the text (extension)"
    )


class Region(_Model):
    name: str = Field(description="the name as the article writes it")
    full_name: str | None = Field(default=None, description="full administrative name, e.g. 甘肃省白银市靖远县")
    level: Level | None = None
    adcode: str | None = Field(
        default=None,
        description="statistical division code: 6 digits for a province, city or county (110000, 520300, 520581), "
                    "9 for a township; null when not resolved")


class Pairing(_Model):
    helper: Region
    recipient: Region
    relation: Relation
    evidence: Evidence


class Fund(_Model):
    amount_yuan: float = Field(description="normalised to yuan")
    amount_text: str = Field(description="verbatim amount from article.text, e.g. 5200万元")
    kind: FundKind
    donor: str | None = None
    recipient: str | None = None
    purpose: str | None = None
    year: int | None = None
    evidence: Evidence
    approximate: bool = Field(default=False, description="余/近/约/超/多 … (extension)")
    part_of: int | None = Field(
        default=None, description="index in funds of the total this is a sub-allocation of (extension)"
    )
    status: FundStatus = Field(
        default=FundStatus.paid,
        description="paid: reported as given, allocated, invested, donated, raised or sold (投入、拨付、到位、捐赠、完成); "
                    "planned: intended (计划、将、拟、预计、力争、目标); agreed: signed or pledged, not yet paid "
                    "(签约、签订、协议、意向、认捐)")
    cumulative: bool = Field(
        default=False,
        description="true when the amount adds up several years or rounds (累计、以来、先后、期间、近N年来、\"十三五\"期间); "
                    "false for one year or one gift")
    since: int | None = Field(default=None, description="first year a cumulative amount counts from, when the text gives it "
                                                        "(2016年以来 → 2016); else null")
    per_unit: bool = Field(
        default=False,
        description="true when the amount is per recipient, person or household and the recipients are not each named "
                    "(每县300万元、人均); money to named recipients with 各/分别 is one fund per recipient instead")


class Indicator(_Model):
    name: str
    value: float
    unit: str | None = None


class Measure(_Model):
    category: Category
    description: str
    indicators: list[Indicator] = Field(default_factory=list)
    evidence: Evidence


class Check(_Model):
    rule: str
    severity: Severity
    path: str = Field(description="where the finding points, e.g. funds[2] or article.text")
    message: str


class Article(_Model):
    id: str = Field(description="sha256 hex of article.text")
    source: str
    title: str | None = None
    published: str | None = Field(default=None, description="ISO date")
    outlet: str | None = None
    original_script: Script = Script.simplified
    text: str


class Provenance(_Model):
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    cached: bool = False
    elapsed_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    # Where article.title / published / outlet came from: "cleaner" (read with confidence from the
    # page's byline), "model" (the LLM's answer, checked against the page), or "cleaner-guess".
    metadata_source: dict[str, str] | None = None
    # The spans [start, end) of article.text the extractor read (a long document's selected passages);
    # null when it read the whole text.
    passages: list[tuple[int, int]] | None = None


class Result(_Model):
    schema_version: Literal["1", "2"] = SCHEMA_VERSION
    article: Article
    summary: str = ""
    pairings: list[Pairing] = Field(default_factory=list)
    funds: list[Fund] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    provenance: Provenance


def json_schema() -> dict:
    return Result.model_json_schema()
