"""Test sentences are written for the test: no string literal of a test file shares a 12-character
run with a real article in seeds/ or devset/ (issue 21). Both sides are compared in Simplified
script without ruby or spaces, once as written and once without punctuation, so a sentence copied
from a Traditional page or re-punctuated still counts as copied."""
import ast
import unicodedata
from functools import cache
from pathlib import Path

from summarizer.clean import RUBY, VARIANTS, normalise_characters, to_simplified
from summarizer.reader import read_document

ROOT = Path(__file__).resolve().parent.parent
WINDOW = 12


def article_paths() -> list[Path]:
    return sorted(ROOT.glob("seeds/*.txt")) + sorted(ROOT.glob("devset/**/articles/*.txt"))


def python_test_files() -> list[Path]:
    return sorted(p for p in (ROOT / "tests").rglob("*.py") if "fixtures" not in p.parts)


def comparable(text: str) -> str:
    text = RUBY.sub("", normalise_characters(text))
    text = unicodedata.normalize("NFKC", to_simplified(text).translate(VARIANTS))
    return "".join(ch for ch in text if not ch.isspace())


def without_punctuation(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def worth_checking(window: str) -> bool:
    """A run of digits, punctuation and ASCII alone (dates, amounts, URLs) is shared by chance."""
    return any(not ch.isascii() and unicodedata.category(ch)[0] not in "PNSZC" for ch in window)


def windows(text: str) -> set[str]:
    return {w for i in range(len(text) - WINDOW + 1) if worth_checking(w := text[i:i + WINDOW])}


@cache
def article_windows() -> dict[str, str]:
    """Each 12-character run of any article → the article it comes from."""
    found: dict[str, str] = {}
    for path in article_paths():
        text = comparable(read_document(str(path)).text)
        for form in (text, without_punctuation(text)):
            for window in windows(form):
                found.setdefault(window, path.relative_to(ROOT).as_posix())
    return found


def literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def copied_runs(text: str) -> list[tuple[str, str]]:
    known = article_windows()
    text = comparable(text)
    return [(w, known[w]) for form in (text, without_punctuation(text)) for w in sorted(windows(form)) if w in known]


def test_the_check_sees_a_sentence_copied_from_an_article():
    article = comparable(read_document(str(article_paths()[0])).text)
    sentence = sorted(windows(article))[0]
    assert copied_runs(sentence)
    assert copied_runs("（" + " ".join(sentence) + "）")  # spaced out and bracketed: still found


def test_the_check_ignores_runs_of_digits_punctuation_and_ascii():
    assert not worth_checking("2019-10-10 08:00")
    assert not worth_checking("（2,000,000）。")
    assert worth_checking("1000万元，")


def test_no_test_sentence_is_copied_from_an_article():
    copied = []
    for path in python_test_files():
        for line, value in literals(path):
            for window, article in copied_runs(value)[:1]:  # one run a literal is enough to find it
                copied.append(f"{path.relative_to(ROOT)}:{line}: {window!r} is in {article}")
    assert not copied, "test sentences copied from articles (rewrite them in our own words):\n" + "\n".join(copied)
