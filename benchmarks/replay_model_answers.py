"""A strong model's real answers replayed through the whole LLM path (run by hand:
python benchmarks/replay_model_answers.py [--reask-answer same|empty] [--json FILE]).

../shared/model-answers holds the request `summarize --backend openai` sent for each seed and each
devset/articles article and the answer a strong model wrote for it (no re-ask answers). A fake
OpenAI-compatible server (tests/model_answers.py) answers every request with the recorded answer of
the nearest recorded article, and a re-ask with no new answer: the same first answer again, or
with --reask-answer empty an empty object (a worse answer). This
runs `summarizer summarize --backend openai --no-cache --jsonl` over seeds/ and devset/articles/
against it and prints:

- requests per article (and which articles were re-asked, for what);
- records lost: gold records the first answer matched (its records grounded, unchecked) that the
  final result no longer matches;
- the eval figures against seeds/gold and devset/gold.

REPLAY_RESULTS=FILE keeps the replayed results (JSONL) there, for a report or a per-article look.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402
from model_answers import ModelAnswers, model_answers_dir  # noqa: E402

from summarizer.backends.base import Extraction  # noqa: E402
from summarizer.backends.prompting import ArticleExtraction, json_payload, to_extraction  # noqa: E402
from summarizer.evaluate import _fund_match, _greedy, _pairing_match, evaluate, load_gold  # noqa: E402
from summarizer.schemas import Result  # noqa: E402
from summarizer.verify import grounded_result  # noqa: E402

SETS = [("seeds", ROOT / "seeds", ROOT / "seeds" / "gold"),
        ("devset", ROOT / "devset" / "articles", ROOT / "devset" / "gold")] + [
    (folder.name, folder / "articles", folder / "gold") for folder in sorted((ROOT / "devset").glob("holdout*"))]


def run_summarize(url: str, folders: list[Path], out: Path) -> int:
    env = dict(os.environ, OPENAI_API_KEY="replay", SUMMARIZER_CACHE_DIR=str(out.parent / "cache"))
    command = [sys.executable, "-m", "summarizer.cli", "summarize", *map(str, folders), "--backend", "openai",
               "--model", "replay", "--base-url", url, "--no-cache", "--jsonl", "--out", str(out)]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    for line in done.stderr.splitlines():
        if not line.startswith("tokens:"):
            print("  stderr:", line)
    return done.returncode


def matched_gold(result: Result, gold: dict) -> set[tuple[str, int]]:
    """Which required gold records this result matches, as ("pairings"|"funds", gold index)."""
    found: set[tuple[str, int]] = set()
    for name, match in (("pairings", _pairing_match), ("funds", _fund_match)):
        pairs, _, _ = _greedy(getattr(result, name), gold.get(name, []), gold.get(f"optional_{name}", []), match)
        found |= {(name, g) for _, g in pairs}
    return found


def first_answer_result(final: Result, answer: dict) -> Result:
    """The first answer's records grounded in the final result's article, with no check applied."""
    drafts = ArticleExtraction.model_validate_json(json_payload(json.dumps(answer, ensure_ascii=False)))
    extraction: Extraction = to_extraction(drafts)
    return grounded_result(final.article, extraction)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--answers", type=Path,
                        help="a folder of NAME.request.json + NAME.answer.json (default ../shared/model-answers; "
                             "devset/model-answers/<prompt version> holds answers to later prompts); only the "
                             "articles it answers are run and scored")
    parser.add_argument("--reask-answer", choices=["same", "empty"], default="same",
                        help="what a re-ask gets: the first answer again (default) or an empty object")
    args = parser.parse_args()
    folder = args.answers or model_answers_dir()
    if folder is None or not folder.is_dir():
        print("no ../shared/model-answers beside the checkout: nothing to replay")
        return 2
    replay = ModelAnswers.load(folder)
    replay.reask_answer = args.reask_answer
    print(f"re-asks answered with: {args.reask_answer}")
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        server.default = replay.reply
        out = Path(os.environ.get("REPLAY_RESULTS") or Path(tmp) / "results.jsonl")
        names = {r.name for r in replay.recorded}
        inputs = [p for _, f, _ in SETS for p in sorted(f.glob("*.txt")) if p.stem in names]
        code = run_summarize(server.url, inputs, out)
        results = [Result.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
    by_stem = {Path(r.article.source).stem: r for r in results}
    answers = {r.name: r.answer for r in replay.recorded}

    articles = len(inputs)
    total_requests = sum(replay.requests.values())
    print(f"summarize exit {code}; {len(results)}/{articles} results; {total_requests} requests "
          f"= {total_requests / articles:.3f} per article; {sum(replay.reasks.values())} re-asks "
          f"in {len(replay.reasks)} article(s)")
    reasons: Counter = Counter()
    for name, problems in sorted(replay.reask_problems.items()):
        lines = [line.strip() for line in problems[0].split("\n")
                 if re.match(r"\s*(metadata\.|(pairings|funds|measures)\[)", line)]
        lines = [re.sub(r" \[type=.*", "", line) for line in lines]
        for line in lines:
            reasons[line.split(": ")[1] if re.match(r"\w+\[", line) else line.split(" ")[0]] += 1
        print(f"  re-asked {name} ×{replay.reasks[name]}: {' | '.join(lines)[:240]}")
    if reasons:
        print("  re-ask reasons:", dict(reasons.most_common()))

    figures: dict = {"requests": total_requests, "articles": articles,
                     "requests_per_article": round(total_requests / articles, 3),
                     "reasked_articles": len(replay.reasks), "sets": {}}
    lost_total = 0
    for label, _, gold_dir in SETS:
        golds = [g for g in load_gold(gold_dir) if Path(g["article"]).stem in names]
        if not golds:
            continue
        matched = {Path(g["article"]).stem: by_stem[Path(g["article"]).stem] for g in golds
                   if Path(g["article"]).stem in by_stem}
        for gold in golds:
            stem = Path(gold["article"]).stem
            if stem not in answers:
                continue
            if stem not in matched:  # the article failed: everything the first answer had is lost
                count = len(gold.get("pairings", [])) + len(gold.get("funds", []))
                lost_total += count
                print(f"  LOST {stem}: no result ({count} gold records)")
                continue
            had = matched_gold(first_answer_result(matched[stem], answers[stem]), gold)
            kept = matched_gold(matched[stem], gold)
            lost = sorted(had - kept)
            if lost:
                lost_total += len(lost)
                print(f"  LOST {stem}: {lost}")
        report = evaluate(golds, matched)
        for score in report.articles:
            missed = [name for name, ratio in score.metadata_fields.items() if ratio.total and not ratio.hit]
            if missed:
                result = matched.get(Path(score.article).stem)
                got = {name: getattr(result.article, name) for name in missed} if result else "no result"
                print(f"  metadata miss {Path(score.article).stem}: {got}")
        metrics = report.metrics()
        figures["sets"][label] = metrics
        print(f"{label:7s} pairing F1 {metrics['pairing_f1']:.3f} · relation {metrics['relation_accuracy']:.3f} · "
              f"fund F1 {metrics['fund_f1']:.3f} · kind {metrics['kind_accuracy']:.3f} · "
              f"measure F1 {metrics['measure_f1']:.3f} · metadata {metrics['metadata_accuracy']:.3f}")
    both_report = evaluate([g for _, _, gold_dir in SETS for g in load_gold(gold_dir)
                            if Path(g["article"]).stem in names], by_stem)
    both = both_report.metrics()
    figures["both"] = both
    figures["records_lost"] = lost_total
    print(f"both    pairing F1 {both['pairing_f1']:.3f} · fund F1 {both['fund_f1']:.3f} · "
          f"metadata {both['metadata_accuracy']:.3f}; status {both['status_accuracy']:.3f} · cumulative "
          f"{both['cumulative_accuracy']:.3f} · per-unit {both['per_unit_accuracy']:.3f} · headline aid error "
          f"{both.get('comparable_aid_error', float('nan')):.1%}; records lost vs the first answer: {lost_total}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
