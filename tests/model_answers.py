"""Replay a strong model's real answers (../shared/model-answers) through the fake OpenAI server.

The folder holds, per article, the request `summarize --backend openai` sent and the answer a
strong model wrote for it. Each chat request is answered with the recorded answer of the nearest
recorded article: character 4-gram (Jaccard) similarity of the article message, since that message
shifts a little whenever the cleaner or the request header changes.

There are no re-ask answers on file. A re-ask (a request whose conversation already carries an
answer after the article) is answered with no new answer: by default the same first answer again (`reask_answer="same"`),
or an empty object (`"empty"`, a worse answer), so a re-ask can never improve anything. The folder stays in ../shared; tests
that need it skip when it is absent.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fake_openai import Reply, answer, status

ROOT = Path(__file__).resolve().parent.parent
MODEL_ANSWERS = ROOT.parent / "shared" / "model-answers"
ARTICLE_MARK = "文章：\n"


def model_answers_dir() -> Path | None:
    """The folder of recorded answers beside the checkout, or None when it is not there."""
    for candidate in (MODEL_ANSWERS, Path("/work/shared/model-answers")):
        if candidate.is_dir() and any(candidate.glob("*.answer.json")):
            return candidate
    return None


def article_message(messages: list[dict]) -> tuple[str, bool]:
    """The article's own user message (the last one carrying the article mark) and whether the
    conversation goes on after it (a re-ask: the model's answer and the problems found in it)."""
    starts = [i for i, m in enumerate(messages)
              if m.get("role") == "user" and ARTICLE_MARK in str(m.get("content") or "")]
    if not starts:
        return "", False
    return str(messages[starts[-1]]["content"]), starts[-1] < len(messages) - 1


def grams(text: str, n: int = 4) -> set[str]:
    return {text[i:i + n] for i in range(max(0, len(text) - n + 1))}


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class Recorded:
    name: str
    grams: set[str]
    answer: dict


@dataclass
class ModelAnswers:
    """The recorded answers, and what was asked of them during a run (per article name)."""
    folder: Path
    recorded: list[Recorded] = field(default_factory=list)
    requests: Counter = field(default_factory=Counter)
    reasks: Counter = field(default_factory=Counter)
    reask_problems: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What a re-ask gets: "same" (the first answer again) or "empty" (an empty object, a worse answer).
    reask_answer: str = "same"

    @classmethod
    def load(cls, folder: Path) -> "ModelAnswers":
        replay = cls(folder)
        for answer_file in sorted(folder.glob("*.answer.json")):
            name = answer_file.name[: -len(".answer.json")]
            request = json.loads((folder / f"{name}.request.json").read_text(encoding="utf-8"))
            text, _ = article_message(request["messages"])
            replay.recorded.append(Recorded(name, grams(text),
                                            json.loads(answer_file.read_text(encoding="utf-8"))))
        return replay

    def nearest(self, text: str) -> tuple[Recorded, float]:
        mine = grams(text)
        scored = [(similarity(mine, r.grams), r) for r in self.recorded]
        best_score, best = max(scored, key=lambda pair: pair[0])
        return best, best_score

    def reply(self, body: dict) -> Reply:
        text, is_reask = article_message(body.get("messages") or [])
        if not text:
            return status(400, message="no article message in the request")
        recorded, _ = self.nearest(text)
        with self.lock:
            self.requests[recorded.name] += 1
            if is_reask:
                self.reasks[recorded.name] += 1
                self.reask_problems.setdefault(recorded.name, []).append(
                    str(body["messages"][-1].get("content") or ""))
        if is_reask and self.reask_answer == "empty":
            return answer({})
        return answer(recorded.answer)  # a re-ask gets no new answer: the first one again
