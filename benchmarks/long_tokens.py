"""Tokens the LLM path would send for long documents (run by hand: python benchmarks/long_tokens.py [files…]).

Builds every request `summarize --backend openai` would send for each document (no server needed), as
the pipeline does: a multi-item document's items that speak of pairing assistance, each its own
article; a long document's selected passages. Prints, per document, the document's own size in
estimated tokens, the article text the requests carry (all chunks, overlaps and passage markers
included) and the whole messages (system prompt and examples included; the response schema sent
beside them is not counted), with the share of the
document's tokens that is sent.
"""
from __future__ import annotations

import sys
from pathlib import Path

from summarizer.backends.llm import LLMBackend, LLMSettings
from summarizer.backends.prompting import estimate_tokens
from summarizer.clean import clean
from summarizer.items import item_article, split_items
from summarizer.reader import document_text, expand_inputs, read_bytes

ROOT = Path(__file__).resolve().parent.parent


def main(inputs: list[str]) -> None:
    backend = LLMBackend(LLMSettings(model="bench", base_url="http://127.0.0.1:9/v1", api_key="sk-bench"))
    print(f"{'document':52} {'chars':>7} {'doc tok':>8} {'requests':>8} {'text sent':>9} {'share':>6} {'whole req':>9}")
    for source in expand_inputs(inputs or [str(ROOT / "devset/long/articles")]):
        article = clean(document_text(source, read_bytes(source)))
        document_tokens = estimate_tokens(article.text)
        items = split_items(article.text)
        articles = [item_article(article, i) for i in items if i.relevant] if items else [article]
        requests = [messages for a in articles or [article] for messages in backend.chunk_messages(a)]
        sent = sum(estimate_tokens(messages[-1]["content"]) for messages in requests)
        whole = sum(estimate_tokens(m["content"]) for messages in requests for m in messages)
        print(f"{Path(source).name[:52]:52} {len(article.text):7,} {document_tokens:8,} {len(requests):8} "
              f"{sent:9,} {sent / max(1, document_tokens):6.0%} {whole:9,}")


if __name__ == "__main__":
    main(sys.argv[1:])
