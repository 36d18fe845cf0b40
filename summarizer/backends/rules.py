"""The offline `rules` backend: deterministic, no network, the default."""
from __future__ import annotations

from ..clean import CleanArticle
from ..passages import PASSAGES_VERSION, masked_text, selection_of
from ..regions import RegionResolver
from ..rules.funds import extract_funds
from ..rules.measures import extract_measures
from ..rules.pairing_places import outlet_home
from ..rules.pairings import extract_pairings, places
from ..rules.summary import extractive_summary
from .base import Extraction

RULES_VERSION = "rules-1"


class RulesBackend:
    name = "rules"

    def cache_identity(self) -> dict:
        return {"backend": self.name, "version": RULES_VERSION, "passages": PASSAGES_VERSION}

    async def extract(self, article: CleanArticle) -> Extraction:
        return self.extract_sync(article)

    def extract_sync(self, article: CleanArticle) -> Extraction:
        # Only the selected passages are read; the rest is blanked, so offsets stay the article's.
        selection = selection_of(article)
        text = masked_text(article.text, selection)
        worded = masked_text(article.text, selection, worded_only=True)  # money and measures
        resolver = RegionResolver.for_text(text)
        home = outlet_home(article.outlet, resolver)
        found_places = places(resolver, home)
        pairings = extract_pairings(text, resolver, article.title, home=home)
        year = int(article.published[:4]) if article.published else None
        # The headline repeats the body; a record cites the body. (Pairings may fall back on it.)
        body_start = len(article.title) if article.title and text.startswith(article.title) else 0
        return Extraction(
            summary=extractive_summary(text, article.title, {p.region.name for p in found_places}),
            pairings=pairings,
            funds=extract_funds(worded, pairings, found_places, year, body_start),
            measures=[m for m in extract_measures(worded) if m.evidence.start >= body_start],
            prompt_version=RULES_VERSION,
        )
