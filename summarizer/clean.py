"""Clean step: raw decoded text -> normalised Simplified body plus header metadata.

Order matters: damaged ruby fragments are marked first, then inline pinyin ruby is
stripped (before script conversion, which would otherwise see the ruby as text), then
Traditional -> Simplified, then line-level junk removal and metadata extraction.
Everything removed is kept in `removed` so a user can see what was dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .schemas import Check, Script, Severity

LOST = "\ufffd"  # marks a character the source lost; we never invent it

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN = f"a-zü{TONED}"
# A pinyin syllable (or a few) carrying at least one tone mark, in ASCII or full-width
# parentheses, directly after a Han character: 當(dāng). Real parentheticals such as
# （2020年） or (GDP) have no tone marks and survive.
RUBY = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（]([{PINYIN}]*[{TONED}][{PINYIN}]*(?: [{PINYIN}]+)*)[)）]"
)
# What is left when a character and the start of its ruby were lost: `?xùn)|`.
DAMAGED = re.compile(rf"\?[{PINYIN}]*[{TONED}][{PINYIN}]*\)\|?")

ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")
FULLWIDTH_ALNUM = str.maketrans(
    {chr(c): chr(c - 0xFEE0) for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}
)

FULLWIDTH = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
SOURCE_FIELD = re.compile(r"(?:来源|来自|稿源|媒体)\s*[:：]\s*")
OUTLET_STOP = re.compile(r"[\s|｜【\[(（]|发布|时间|日期|作者|编辑|责编|浏览|点击|字号|访问|记者|\d{4}[-年/]")
HEADER_HINT = re.compile(r"发布|时间|日期|来源|作者|编辑|责编|浏览|点击|访问量")

NAVIGATION = re.compile(r"^(?:您?(?:当前|现在)?的?(?:位置|所在位置)\s*[:：]|当前位置|首页\s*[>›»]|网站首页\s*[>›»])|[>›»]{2}")
CHROME = re.compile(
    r"^[\s【\[(（]*(?:分享到|分享|相关附件|附件|打印|关闭|关闭窗口|字体|字号|收藏|我为政府网站找错|适老化|无障碍|"
    r"热门资讯|热点新闻|相关新闻|相关阅读|相关链接|推荐阅读|延伸阅读|上一篇|下一篇|返回顶部|返回首页|扫一扫|手机版|"
    r"责任编辑|编辑|责编|审核|审校|校对|监制|出品|访问量|浏览次数|点击数|记者|作者|通讯员|来源|【|网站地图|联系我们)"
)
FOOTER = re.compile(r"版权所有|copyright|©|ICP[备证]|公网安备|主办单位|承办单位|技术支持|建议使用.*浏览器", re.I)
DISCLAIMER_HEAD = re.compile(r"(?:版权|免责).{0,12}声明")
DISCLAIMER_BODY = re.compile(
    r"^[•·●▪\-*]|^\d+[、.．]|本网|本站|转载|授权|版权|侵权|法律责任|摘编|著作权|联系|不代表"
)
SPAM = re.compile(
    r"bet365|博彩|赌场|赌博|娱乐城|百家乐|六合彩|彩票|真人(?:娱乐|视讯)|棋牌|老虎机|威尼斯人|葡京|皇冠体育|体育投注|"
    r"投注|网上开户|亚洲官网|官方网站入口|线上娱乐|电子游艺|捕鱼|体育平台|app下载",
    re.I,
)

SHORT_LINE = 40
TITLE_MAX = 60


@dataclass
class CleanArticle:
    text: str
    title: str | None
    published: str | None
    outlet: str | None
    original_script: Script
    checks: list[Check] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def clean(raw: str) -> CleanArticle:
    text = normalise_characters(raw)
    damaged = len(DAMAGED.findall(text))
    text = DAMAGED.sub(LOST, text)
    text, ruby_count = RUBY.subn("", text)
    simplified = to_simplified(text)
    script = detect_script(text, simplified, ruby_count)

    lines = [line.strip() for line in simplified.split("\n")]
    header = extract_header(lines)
    body, removed = remove_junk(lines, header)
    title = header.title
    paragraphs = [line for line in body if line]
    if title is None and paragraphs and looks_like_title(paragraphs[0]) and len(paragraphs) > 1:
        title = paragraphs.pop(0)
    parts = ([title] if title else []) + paragraphs
    text = "\n".join(parts)

    checks: list[Check] = []
    if damaged:
        positions = [m.start() for m in re.finditer(LOST, text)]
        checks.append(
            Check(
                rule="damaged_text",
                severity=Severity.warning,
                path="article.text",
                message=f"{damaged} damaged fragment(s) where the source lost a character "
                f"(marked {LOST!r} at offsets {positions[:10]}); not reconstructed",
            )
        )
    return CleanArticle(
        text=text,
        title=title,
        published=header.published,
        outlet=header.outlet,
        original_script=script,
        checks=checks,
        removed=removed,
    )


def normalise_characters(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = ZERO_WIDTH.sub("", text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    return text.translate(FULLWIDTH_ALNUM) if FULLWIDTH.search(text) else text


def detect_script(before: str, after: str, ruby_count: int) -> Script:
    if ruby_count >= 3:
        return Script.traditional
    han = len(re.findall(r"[\u4e00-\u9fff]", before))
    if not han:
        return Script.simplified
    changed = 0 if before == after else sum(map(str.__ne__, before, after))
    return Script.traditional if changed / han > 0.03 else Script.simplified


@dataclass
class Header:
    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    lines: frozenset[int] = frozenset()  # indexes of lines that are metadata, not body


def extract_header(lines: list[str]) -> Header:
    """Find the byline (date / 来源 line) near the top and the title above it."""
    meta: set[int] = set()
    published = outlet = None
    first_content = [i for i, line in enumerate(lines) if line][:12]
    byline = None
    for i in first_content:
        line = lines[i]
        if len(line) > 120:
            continue
        has_date = DATE.search(line)
        if (has_date and (HEADER_HINT.search(line) or len(line) < 40 and not line.endswith("。"))) or (
            SOURCE_FIELD.search(line) and len(line) < 80
        ):
            meta.add(i)
            byline = i if byline is None else byline
            if has_date and published is None:
                published = iso_date(has_date)
            if outlet is None:
                outlet = parse_outlet(line)
    # 来源 on a line of its own at the end of the article.
    for i in [i for i, line in enumerate(lines) if line][-4:]:
        if SOURCE_FIELD.match(lines[i]) and len(lines[i]) < 40:
            meta.add(i)
            outlet = outlet or parse_outlet(lines[i])
    title = None
    if byline is not None:
        title, title_lines = find_title(lines, byline)
        meta.update(title_lines)
        # Lines above the byline that merely repeat the title ("栏目_标题", "标题_网站名" from <title>).
        meta.update(i for i in range(byline) if title and lines[i] and len(lines[i]) <= 2 * len(title) + 20 and any(
            part in lines[i] for part in title.split(" ") if len(part) >= 4))
    return Header(title=title, published=published, outlet=outlet, lines=frozenset(meta))


def iso_date(match: re.Match) -> str | None:
    year, month, day = (int(g) for g in match.groups())
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def parse_outlet(line: str) -> str | None:
    m = SOURCE_FIELD.search(line)
    if not m:
        return None
    rest = line[m.end():]
    stop = OUTLET_STOP.search(rest)
    value = rest[: stop.start()] if stop else rest
    value = value.strip(" :：|,，。")
    return value or None


def is_junk(line: str) -> bool:
    if not line:
        return False
    if len(line) <= 80 and (NAVIGATION.search(line) or SPAM.search(line)):
        return True
    if len(line) <= SHORT_LINE and (CHROME.match(line) or FOOTER.search(line)):
        return True
    if re.fullmatch(r"[(（][^()（）]{0,12}(?:编|记者|作者|通讯员)[^()（）]{0,12}[)）]", line):
        return True  # (责编:田洲), (记者 某某)
    return False


def looks_like_title(line: str) -> bool:
    return 4 <= len(line) <= TITLE_MAX and not line.endswith(("。", "；", ";", ":", "：")) and not is_junk(line)


def find_title(lines: list[str], byline: int) -> tuple[str | None, list[int]]:
    """The block of short lines right above the byline (blank lines end the block)."""
    i = byline - 1
    while i >= 0 and not lines[i]:
        i -= 1
    block: list[int] = []
    while i >= 0 and lines[i]:
        if is_junk(lines[i]):
            if block:
                break
        elif looks_like_title(lines[i]):
            block.insert(0, i)
        else:
            break
        i -= 1
    # A site prefix such as "栏目_标题" repeats the real title: keep the shortest form.
    parts = [lines[b] for b in block]
    parts = [p for p in parts if not any(o != p and p.endswith(o) for o in parts)]
    return (" ".join(parts) or None), block


def remove_junk(lines: list[str], header: Header) -> tuple[list[str], list[str]]:
    body: list[str] = []
    removed: list[str] = []
    counts: dict[str, int] = {}
    for line in lines:
        if line and len(line) <= 30:
            counts[line] = counts.get(line, 0) + 1
    in_disclaimer = False
    title_lines = set((header.title or "").split(" ")) | {header.title}
    for i, line in enumerate(lines):
        if i in header.lines:
            removed.append(line)
            continue
        if in_disclaimer:
            if not line or DISCLAIMER_BODY.search(line):
                if line:
                    removed.append(line)
                continue
            in_disclaimer = False
        if line and len(line) <= 60 and DISCLAIMER_HEAD.search(line):
            in_disclaimer = True
            removed.append(line)
            continue
        repeated_chrome = counts.get(line, 0) >= 2 and line not in title_lines and not looks_like_sentence(line)
        if is_junk(line) or repeated_chrome:
            removed.append(line)
            continue
        body.append(line)
    return body, removed


def looks_like_sentence(line: str) -> bool:
    return bool(re.search(r"[，,。；;！？]", line))
