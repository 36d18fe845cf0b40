"""The domain vocabulary in data/vocabulary.toml, loaded once and compiled.

Relation words, programme abbreviations, organisation
suffixes, cleaning and metadata patterns, measure cues: what a domain expert extends
without touching code. tests/test_vocabulary.py checks every entry against its examples.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .schemas import Category, Relation


@dataclass(frozen=True)
class RelationWord:
    pattern: re.Pattern
    relation: Relation
    recipient_province: str | None  # 援藏 names 西藏 (54) as the helped province
    examples: tuple[str, ...]
    negative_examples: tuple[str, ...] = ()
    programme: bool = False  # the match opens with two province short names, a published pair to count


@dataclass(frozen=True)
class MeasureCue:
    category: Category
    pattern: re.Pattern
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    relations: tuple[RelationWord, ...]
    abbreviations: dict[str, str]
    support_only: frozenset[str]
    entity_suffix: str
    government_suffix: str
    organisation_examples: tuple[str, ...]
    spam: re.Pattern
    chrome: re.Pattern
    chrome_short: re.Pattern  # furniture only on a line of at most 12 characters
    footer: re.Pattern
    outlet_suffix: str
    dateline: re.Pattern
    not_a_title: re.Pattern  # a caption, credit or signature above a byline: never a confident title
    directed: re.Pattern  # 向/给 … a giving verb: the places after the marker are recipients
    local_school: re.Pattern  # a school named between a university and 学校: 学校 is that school
    measures: tuple[MeasureCue, ...]
    raw: dict


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("summarizer.data").joinpath("vocabulary.toml").read_text("utf-8"))
    cleaning, metadata, orgs = raw["cleaning"], raw["metadata"], raw["organisations"]
    return Vocabulary(
        relations=tuple(RelationWord(re.compile(e["pattern"]), Relation(e["relation"]), e.get("recipient"),
                                     tuple(e["examples"]), tuple(e.get("negative_examples", ())),
                                     bool(e.get("programme"))) for e in raw["relation"]),
        abbreviations=dict(raw["abbreviations"]),
        support_only=frozenset(raw["provinces"]["support_only"]),
        entity_suffix=orgs["entity"],
        government_suffix=orgs["government"],
        organisation_examples=tuple(orgs["examples"]),
        spam=re.compile(cleaning["spam"], re.I),
        chrome=re.compile(rf"^[\s【\[(（□■•·]*(?:{cleaning['chrome']})|欢迎您|欢迎访问"),
        chrome_short=re.compile(rf"^[\s【\[(（□■•·]*(?:{cleaning['chrome_short']})"),
        footer=re.compile(cleaning["footer"], re.I),
        outlet_suffix=metadata["outlet_suffix"],
        dateline=re.compile(metadata["dateline"]),
        not_a_title=re.compile(metadata["not_a_title"]),
        directed=re.compile(rf"[向给](?=[^，。；;！？]{{1,24}}?(?:{raw['direction']['verbs']}))|{raw['direction']['done_for']}"),
        local_school=re.compile(rf"(?:{raw['references']['local_school']})"),
        measures=tuple(MeasureCue(Category(e["category"]), re.compile(e["pattern"]), tuple(e["examples"]))
                       for e in raw["measure"]),
        raw=raw,
    )
