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
from .vocabulary import vocabulary

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
# A broadcast header gives a compact date: 《新闻联播》 (20200512).
COMPACT_DATE = re.compile(r"[(（]((?:19|20)\d{2})(\d{2})(\d{2})[)）]")
# A byline's two-digit year, read as a date only with a time after it: 23-07-11 08:07.
SHORT_DATE = re.compile(r"(?<![\d.:-])(\d{2})-(\d{1,2})-(\d{1,2})(?=\s+\d{1,2}:\d{2})")
TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
# A tag that ends a block (a paragraph, a line break) inside text ends a line: transcripts store
# a whole item's <p>…</p><p>…</p> on one line.
BLOCK_END_TAG = re.compile(r"</(?:p|div|li|h[1-6]|tr)>|<br\s*/?>", re.I)
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>\n]{0,200}>|<!--.*?-->|[^\s<>]{0,3}!--[^\n]*?-->|"
                      r"/(?:h[1-6]|p|div|span|a|li|td|tr|ul|ol|em|strong|b|i)>")  # a closing tag whose < was lost
PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# Variant characters that opencc's t2s leaves as they are.
VARIANTS = str.maketrans({"陜": "陕", "峯": "峰", "羣": "群", "衆": "众", "裏": "里", "産": "产", "爲": "为", "啓": "启"})
SOURCE_FIELD = re.compile(r"(?:来源|来自|稿源|媒体)\s*[:：]\s*")
OUTLET_STOP = re.compile(r"[\s|｜丨【\[(（”」』。，,;；]|发布|时间|日期|作者|编辑|责编|浏览|点击|字号|访问|记者|参与互动|分享|收藏|打印|\d{4}[-年/]")
HEADER_HINT = re.compile(r"发布|时间|日期|来源|作者|编辑|责编|浏览|点击|访问量")

NAVIGATION = re.compile(r"^(?:您?(?:当前|现在)?的?(?:位置|所在位置)\s*[:：]|当前位置|首页\s*[>›»]|网站首页\s*[>›»])|[>›»]{2}")
# A breadcrumb: short items joined by > (中国西藏网 > 援藏 > 资讯, 手机人民网 江苏>经济, 新华网 正文).
BREADCRUMB = re.compile(r"^[^，。,；;！？]{0,20}\s*[>›»]\s*[^，。,；;！？]{0,20}(?:[>›»][^，。,；;！？]{0,20})*$|^\S{2,8}\s+正文$")
# A menu: several short items joined by |.
MENU_ITEM = re.compile(r"\s*[|｜]\s*")
# A line of mostly Latin letters, digits and punctuation: a file name, an address, a time, a view counter.
NOT_PROSE = re.compile(r"^[\x00-\x7f·•□■\s]*$|^[^\u4e00-\u9fff]*(?:\.(?:jpg|jpeg|png|gif)|https?:|www\.)|"
                       r"^[^，。]{0,30}[a-z0-9-]+\.(?:com|cn|net|org|gov)\b", re.I)
# A column prefix before a headline: 【栏目】标题, [视频]标题, 云南|标题.
COLUMN_PREFIX = re.compile(r"^(?:[【\[][^】\]]{1,12}[】\]])+|^[\u4e00-\u9fff]{2,4}[|｜]")
DISCLAIMER_HEAD = re.compile(r"(?:版权|免责).{0,12}声明")
RIGHTS_WORDS = "本网|本站|转载|授权|版权|侵权|法律责任|摘编|著作权"
DISCLAIMER_BODY = re.compile(rf"^[•·●▪\-*]|^\d+[、.．]|{RIGHTS_WORDS}|联系|不代表")
# A site's reprint notice without a heading names several of these: 凡本网注明来源…版权均属于…未经本网授权…
NOTICE_TERM = re.compile(rf"{RIGHTS_WORDS}|原作者")
# A comma doubled before another mark by a page's conversion: 天津市,、青岛市  获悉,,近年来  攻坚,。
STRAY_COMMA = re.compile(r"[,，]+(?=[、,，。；;！？])")

SHORT_LINE = 40
TITLE_MAX = 60


class RemovedLine(str):
    """A line cleaning removed, with the reason (spam, page furniture, byline, a repeated paragraph…)."""

    reason: str

    def __new__(cls, line: str, reason: str) -> "RemovedLine":
        removed = super().__new__(cls, line)
        removed.reason = reason
        return removed


@dataclass
class CleanArticle:
    text: str
    title: str | None
    published: str | None
    outlet: str | None
    original_script: Script
    checks: list[Check] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)  # each line with its reason
    # Which metadata the cleaner read with confidence: the title above a byline, a date on a byline,
    # an outlet after 来源/来自 (the other values are guesses a model may do better on).
    confident: frozenset[str] = frozenset()
    # The page's lines around the body that carry metadata (title, byline, credits), as written
    # (Simplified): what a model needs to find title, date and outlet when the cleaner could not.
    metadata_lines: list[str] = field(default_factory=list)
    # The item number when this is one item of a multi-item document (items.py); None for a document.
    item: int | None = None


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
    simplified = to_simplified(text).translate(VARIANTS)
    script = detect_script(text, simplified, ruby_count)
    simplified, garbled = mark_garbled(simplified)
    damaged += garbled

    lines = [line.strip() for line in simplified.split("\n")]
    header = extract_header(lines)
    body, removed = remove_junk(lines, header)
    title = header.title
    paragraphs = [line for line in body if line]
    if title is None and len(paragraphs) > 1 and looks_like_title(paragraphs[0]) and not looks_like_sentence(paragraphs[0]):
        title = paragraphs.pop(0)
    paragraphs = join_wrapped(paragraphs)
    # The title is the first line of the text, once; the extractors never take records from it.
    parts = ([title] if title else []) + paragraphs
    text = "\n".join(parts)
    outlet = header.outlet or outlet_in_body(paragraphs, [line for line in lines if line][-3:])
    confident = {name for name, known in (("title", header.title), ("published", header.published),
                                          ("outlet", header.outlet_from_field)) if known}
    if header.title and vocabulary().not_a_title.search(header.title):
        confident.discard("title")  # a caption, credit or signature moved above the byline: a guess
    first_body = next((i for i, line in enumerate(lines) if paragraphs and line == paragraphs[0]), len(lines))
    metadata_lines = [line for i, line in enumerate(lines) if line and len(line) <= 80
                      and (i < first_body or i in header.lines)][-12:]
    metadata_lines += [line for line in lines if line and len(line) <= 80][-3:]

    checks: list[Check] = []
    if damaged:
        positions = [m.start() for m in re.finditer(LOST, text)]
        checks.append(
            Check(
                rule="damaged_text",
                severity=Severity.warning,
                path="article.text",
                message=f"{damaged} damaged fragment(s) where the source lost or garbled characters "
                f"(marked {LOST!r} at offsets {positions[:10]}); not reconstructed",
            )
        )
    if not paragraphs and removed:
        checks.append(Check(rule="nothing_left", severity=Severity.warning, path="article.text",
                            message=f"cleaning removed every line ({len(removed)}; first: {str(removed[0])[:40]!r}, "
                            f"{removed[0].reason}): nothing was read from this input"))
    return CleanArticle(
        text=text,
        title=title,
        published=header.published,
        outlet=outlet,
        original_script=script,
        checks=checks,
        removed=removed,
        confident=frozenset(confident),
        metadata_lines=list(dict.fromkeys(metadata_lines)),
    )


# Hard-wrapped text (a scanned book page, a PDF): most lines fill one width and break mid-sentence.
WRAP_TOLERANCE = 2.0
MIN_WRAPPED_LINES = 4
WRAPPED_SHARE = 0.5
SENTENCE_END = ("。", "！", "？", "；", "：", "”", "」", "!", "?", ";", ":")


def display_width(line: str) -> float:
    return sum(1 if ord(c) >= 0x2E80 else 0.5 for c in line)


def join_wrapped(paragraphs: list[str]) -> list[str]:
    """Join the lines of hard-wrapped paragraphs: a line that fills the page's common width (within
    WRAP_TOLERANCE characters) and ends mid-sentence runs on into the next line. Only where at least
    MIN_WRAPPED_LINES lines, and half the lines, do so; never list items, menus or two-column layouts (runs of
    spaces)."""
    widths = [display_width(line) for line in paragraphs]

    def wrappable(line: str, width: float) -> bool:
        # (running text has clause punctuation inside a line; a list of headlines has none)
        return (width >= 20 and not line.endswith(SENTENCE_END) and "|" not in line
                and re.search(r"[，,、；;。]", line) is not None and "    " not in line
                and not re.match(r"[-•·*]|\d{1,2}[、.．)）]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|[问答][：:]", line))
    candidates = [width for line, width in zip(paragraphs, widths) if wrappable(line, width)]
    if len(candidates) < MIN_WRAPPED_LINES:
        return paragraphs
    common = sorted(candidates)[len(candidates) // 2]
    full = [wrappable(line, width) and abs(width - common) <= WRAP_TOLERANCE for line, width in zip(paragraphs, widths)]
    if sum(full) < MIN_WRAPPED_LINES or sum(full) < WRAPPED_SHARE * len(paragraphs):
        return paragraphs  # (a transcript's or a list's lines that happen to share a width are not a page's)
    # a page's width bounds every line, and a wrap falls after a comma now and then (a list's rows never end on one)
    if any(width > common + WRAP_TOLERANCE for width in widths[1:]) or not any(
            f and line.endswith(("，", ",", "、")) for f, line in zip(full, paragraphs)):
        return paragraphs
    joined: list[str] = []
    for line, runs_on in zip(paragraphs, [False] + full[:-1]):
        if runs_on and joined:
            joined[-1] += line
        else:
            joined.append(line)
    return joined


def normalise_characters(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = ZERO_WIDTH.sub("", text)
    text = text.replace("\u00a0", " ").replace("\u3000", " ")
    if "<" in text or ">" in text:
        text = HTML_TAG.sub("", BLOCK_END_TAG.sub("\n", text))
    text = STRAY_COMMA.sub("", text)
    return text.translate(FULLWIDTH_ALNUM) if FULLWIDTH.search(text) else text


@lru_cache(maxsize=4096)
def _common(ch: str) -> bool:
    return _encodable(ch)


def _encodable(run: str) -> bool:
    try:
        run.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


GARBLE_CANDIDATE = re.compile(r"[\u4e00-\u9fff]{3,}")


def mark_garbled(text: str) -> tuple[str, int]:
    """Private-use characters and mojibake runs become LOST, so no quote carries them.

    A mojibake run is a stretch of Han characters with two or more outside GB2312 (the
    characters of everyday Simplified text) right beside a lost character or a `?`, or
    with three or more such characters anywhere: real text, even a rare place name, has
    one at most.
    """
    count = len(PRIVATE_USE.findall(text))
    text = PRIVATE_USE.sub(LOST, text)
    chars: list[str] | None = None
    for m in GARBLE_CANDIDATE.finditer(text):
        if _encodable(m.group()):
            continue  # the usual case: every character is an everyday one
        rare = sum(not _common(c) for c in m.group())
        if rare < 2:
            continue
        beside = text[m.start() - 1:m.start()] + text[m.end():m.end() + 1]
        if rare >= 3 or LOST in beside or "?" in beside:
            chars = chars if chars is not None else list(text)
            chars[m.start():m.end()] = LOST * (m.end() - m.start())
            count += 1
    return ("".join(chars) if chars is not None else text), count


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
    title_lines: frozenset[int] = frozenset()
    outlet_from_field: bool = False  # the outlet followed 来源/来自 (not a guess beside a date)


# 2019年6月25日,某市代表团到某院汇报工作: a date opening a sentence (a caption, a lead), not a byline.
DATE_OPENS_SENTENCE = re.compile(vocabulary().raw["rule_words"]["date_opens_sentence"])


def extract_header(lines: list[str]) -> Header:
    """Find the byline (date / 来源 line) near the top and the title above it."""
    meta: set[int] = set()
    published = outlet = None
    from_field = False
    first_content = [i for i, line in enumerate(lines) if line][:12]
    byline = None
    for i in first_content:
        line = lines[i]
        if len(line) > 120 or is_reprint_notice(line):
            continue
        has_date = DATE.search(line) or (COMPACT_DATE.search(line) if "《" in line else None) or SHORT_DATE.search(line)
        if (has_date and (HEADER_HINT.search(line) or len(line) < 40 and not line.endswith("。")
                          and not DATE_OPENS_SENTENCE.match(line, has_date.end()))) or (
            SOURCE_FIELD.search(line) and len(line) < 80
        ):
            meta.add(i)
            byline = i if byline is None else byline
            if has_date and published is None:
                published = iso_date(has_date)
            if outlet is None:
                outlet = parse_outlet(line)
                from_field = from_field or outlet is not None
                outlet = outlet or outlet_beside_date(line, has_date)
    # 来源 at the end of the article: on a line of its own, or closing the last paragraph.
    for i in [i for i, line in enumerate(lines) if line][-4:]:
        if is_reprint_notice(lines[i]):
            continue  # 凡本网注明“来源:…”: the site's rule for reprints, not this article's source
        if SOURCE_FIELD.match(lines[i]) and len(lines[i]) < 40:
            meta.add(i)
            if outlet is None and (outlet := parse_outlet(lines[i])):
                from_field = True
        elif (m := SOURCE_FIELD.search(lines[i])) and len(lines[i]) - m.end() < 30:
            if outlet is None and (outlet := parse_outlet(lines[i][m.start():])):
                from_field = True
    title = None
    title_lines: list[int] = []
    if byline is not None:
        title, title_lines = find_title(lines, byline)
        meta.update(title_lines)
        # Lines above the byline that merely repeat the title ("栏目_标题", "标题_网站名" from <title>).
        meta.update(i for i in range(byline) if title and lines[i] and len(lines[i]) <= 2 * len(title) + 20 and any(
            part in lines[i] for part in title.split(" ") if len(part) >= 4))
    return Header(title=title, published=published, outlet=outlet, lines=frozenset(meta),
                  title_lines=frozenset(title_lines), outlet_from_field=from_field)


def is_reprint_notice(line: str) -> bool:
    return len(set(NOTICE_TERM.findall(line))) >= 3


def iso_date(match: re.Match) -> str | None:
    year, month, day = (int(g) for g in match.groups())
    year += 2000 if year < 100 else 0  # SHORT_DATE
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
    return value if re.search(r"[\u4e00-\u9fff]", value) else None  # not "sp20241130"


def _outlet_name() -> re.Pattern:
    return re.compile(rf"[\u4e00-\u9fff][\u4e00-\u9fff·—\-]{{0,14}}?(?:{vocabulary().outlet_suffix})")


def outlet_beside_date(line: str, date: re.Match | None) -> str | None:
    """"人民网 2018-10-16", "2024-03-31 09:38 江苏广电总台·融媒体新闻中心": a name written beside the date."""
    if date is None or len(line) > 50:
        return None
    for side in (line[date.end():], line[:date.start()]):
        side = TIME.sub(" ", side)
        side = re.sub(r"\d+|发布|时间|日期|[:：|]", " ", side).strip(" ·-—")
        if not side or " " in side.strip() or not re.search(r"[\u4e00-\u9fff]", side):
            continue
        programme = re.fullmatch(r"《([^《》]{2,20})》", side)  # 《新闻联播》 (20200512): the programme is the outlet
        if programme:
            return programme.group(1)
        if _outlet_name().fullmatch(side):  # a name beside a date is an outlet only if it reads as one (not an author)
            return side
    return None


CREDIT = re.compile(r"[（(]([^（）()]{2,30}?)(?:融媒体)?记者[^（）()]{0,20}[)）]\s*$")
BROADCAST = re.compile(r"^[^，。]{0,12}?([\u4e00-\u9fff]{2,6}(?:卫视|电视台|广播电台))《")
REPORTED_BY = re.compile(r"^[^\u4e00-\u9fff]{0,3}(?:据|来自)([\u4e00-\u9fff]{2,12}?)(?:报道|消息)")
BYLINE_REPORT = re.compile(r"^([\u4e00-\u9fff·]{2,14}?)记者\s*[\u4e00-\u9fff]{2,4}(?:\s*[\u4e00-\u9fff]{0,6})?报道$")
# A reporter's line of its own: "□青岛日报/观海新闻记者 王涛" (the first outlet named).
BYLINE_LINE = re.compile(r"^[^\u4e00-\u9fff]{0,3}([\u4e00-\u9fff·]{2,14}?)(?:/[\u4e00-\u9fff·]{2,14})?记者\s*[\u4e00-\u9fff]{2,4}$")
# A dateline naming its outlet before 讯: "亮点黔西南讯 浙江省…" (not 本报讯, 综合讯, 扶贫简讯, 扶贫喜讯).
# (a site's name may come first: 天天天水网-天水日报讯)
OWN_DATELINE = re.compile(r"^(?!本报|本台|本网)(?:[\u4e00-\u9fff]{2,8}网[-—－·]\s*)?([\u4e00-\u9fff]{3,8}?)(?<![简快喜综要资短通])讯[\s　(（]")


def outlet_in_body(paragraphs: list[str], last_lines: list[str]) -> str | None:
    """The outlet named by the body when no byline does: a dateline, a reporter's credit, a broadcast.

    `last_lines` are the page's last lines before cleaning: a credit line is removed as junk.
    """
    name = _outlet_name()
    for line in paragraphs[:3]:
        for pattern in (BYLINE_REPORT, BYLINE_LINE, BROADCAST, REPORTED_BY):
            m = pattern.search(line)
            if m and name.fullmatch(m.group(1)):
                return m.group(1)
        own = OWN_DATELINE.match(line)
        if own and not re.fullmatch(vocabulary().outlet_suffix, own.group(1)):  # 晚报讯: no name of its own
            return own.group(1)
        dateline = vocabulary().dateline.match(line)
        if dateline:
            m = re.match(r"(新华社|中新社|[\u4e00-\u9fff]{2,8}?网)", dateline.group())
            if m:
                return m.group(1)
    for line in paragraphs[-3:] + last_lines:
        m = CREDIT.search(line)
        if m:
            found = name.match(m.group(1))
            if found:
                return found.group()
    return None


def is_junk(line: str) -> bool:
    return junk_reason(line) is not None


def junk_reason(line: str) -> str | None:
    """Why a line is not article text (navigation, spam, page furniture, a footer…), or None if it is.

    Spam and furniture words match whole spam and furniture lines: a line that reads as a sentence and
    carries an amount or relation wording (记者了解到，…捐赠资金300万元。) is prose, whatever word it starts with.
    """
    if not line:
        return None
    vocab = vocabulary()
    if len(line) <= 80 and NAVIGATION.search(line):
        return "navigation"
    if len(line) <= 80 and vocab.spam.search(line) and not is_prose_with_content(line):
        return "spam"
    if len(line) <= SHORT_LINE and BREADCRUMB.match(line):
        return "breadcrumb"
    if len(line) <= SHORT_LINE and vocab.footer.search(line):
        return "footer"
    if len(line) <= SHORT_LINE and vocab.chrome.match(line) and not is_prose(line):
        return "page furniture"
    if len(line) <= 12 and vocab.chrome_short.match(line):
        return "page furniture"
    if len(vocab.spam.findall(line)) >= 3:
        return "spam list"  # a long line that is a list of spam phrases
    if len(line) <= 100 and vocab.footer.search(line) and not looks_like_sentence(line):
        return "footer"
    if len(MENU_ITEM.split(line)) >= 4 and not looks_like_sentence(line):
        return "menu"  # 首页|新闻|图片|评论
    if NOT_PROSE.search(line):
        return "not prose"  # 00:37, 642a….jpg), <i id="…">
    if re.fullmatch(r"[(（][^()（）]{0,12}(?:编|记者|作者|通讯员)[^()（）]{0,12}[)）]", line):
        return "credit"  # (责编:田洲), (记者 某某)
    return None


def carries_content(line: str) -> bool:
    """An amount of money or relation wording: what the extractors read records from."""
    from .money import find_amounts
    from .relations import relation_mentions

    return bool(find_amounts(line) or relation_mentions(line))


def is_prose_with_content(line: str) -> bool:
    return looks_like_sentence(line) and carries_content(line)


def is_prose(line: str) -> bool:
    """A finished sentence, or clauses carrying an amount or relation wording: not a furniture line
    (原标题:… with relation wording but no clause is still furniture)."""
    return looks_like_sentence(line) and (line.endswith(("。", "！", "？", "…")) or carries_content(line))


def looks_like_title(line: str) -> bool:
    # (a line with fewer than two Chinese characters, such as "(1978—2020)" or "P. 614", names nothing)
    return (4 <= len(line) <= TITLE_MAX and not line.endswith(("。", "；", ";", ":", "：")) and not is_junk(line)
            and len(re.findall(r"[\u4e00-\u9fff]", line)) >= 2
            and not vocabulary().dateline.match(line) and not re.search(r"记者|通讯员|摄影", line))


def find_title(lines: list[str], byline: int) -> tuple[str | None, list[int]]:
    """The block of short lines right above the byline (blank lines end the block)."""
    i = byline - 1
    while i >= 0 and not lines[i]:
        i -= 1
    block: list[int] = []
    while i >= 0 and lines[i]:
        if is_junk(lines[i]) or is_site_name(lines[i]):
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
    # "标题 |" from a page's title bar; a lost last character is not part of the title
    title = " ".join(parts).strip(" |｜_-—").rstrip(LOST + "?") or None
    return title, block


def is_site_name(line: str) -> bool:
    """A lone site or outlet name above a headline: 中乡网, 央广网."""
    return len(line) <= 8 and bool(re.fullmatch(r"[\u4e00-\u9fff]{1,7}网", line))


def remove_junk(lines: list[str], header: Header) -> tuple[list[str], list[RemovedLine]]:
    body: list[str] = []
    removed: list[RemovedLine] = []
    counts: dict[str, int] = {}
    for line in lines:
        if line and len(line) <= 30:
            counts[line] = counts.get(line, 0) + 1
    in_disclaimer = False
    title_lines = set((header.title or "").split(" ")) | {header.title}
    seen_paragraphs: set[str] = set()
    for i, line in enumerate(lines):
        if i in header.title_lines:
            continue  # the title is kept once, as the text's first line
        if i in header.lines:
            removed.append(RemovedLine(line, "byline or header"))
            continue
        if in_disclaimer:
            if not line or DISCLAIMER_BODY.search(line):
                if line:
                    removed.append(RemovedLine(line, "disclaimer"))
                continue
            in_disclaimer = False
        if line and (len(line) <= 60 and DISCLAIMER_HEAD.search(line) or is_reprint_notice(line)):
            in_disclaimer = True
            removed.append(RemovedLine(line, "disclaimer" if DISCLAIMER_HEAD.search(line) else "reprint notice"))
            continue
        repeated_chrome = counts.get(line, 0) >= 2 and line not in title_lines and not looks_like_sentence(line)
        repeated_paragraph = len(line) > 30 and line in seen_paragraphs  # a page that prints its body twice
        reason = junk_reason(line) or ("repeated page furniture" if repeated_chrome else None) or (
            "the paragraph again (the page prints its body twice)" if repeated_paragraph else None)
        if reason:
            removed.append(RemovedLine(line, reason))
            continue
        if len(line) > 30:
            seen_paragraphs.add(line)
        body.append(line)
    return trim_furniture(body, removed, header)


def trim_furniture(body: list[str], removed: list[RemovedLine], header: Header) -> tuple[list[str], list[RemovedLine]]:
    """Short lines with no sentence in them before the first paragraph and after the last are page furniture.

    Subheadings inside the article survive: only the runs at either end go. Before the
    first paragraph the last such line may be the headline, when no byline named one.
    """
    content = [i for i, line in enumerate(body) if line]
    prose = [i for i in content if looks_like_sentence(body[i]) and len(body[i]) > SHORT_LINE]
    if not prose:
        return body, removed
    first, last = prose[0], prose[-1]
    lead = [i for i in content if i < first]
    keep_lead: set[int] = set()
    headlines = [i for i in lead if looks_like_title(body[i]) and not looks_like_sentence(body[i])
                 and not is_site_name(body[i]) and len(body[i]) >= 6]
    if header.title is None and headlines:
        keep_lead.add(headlines[-1])  # the last title-like line before the body; a short first paragraph stays
    drop = {i for i in lead if i not in keep_lead and not looks_like_sentence(body[i])}
    drop |= {i for i in content if i > last and len(body[i]) <= SHORT_LINE and not looks_like_sentence(body[i])}
    removed.extend(RemovedLine(body[i], "short line before the first paragraph" if i < first else
                               "short line after the last paragraph") for i in sorted(drop))
    return [line for i, line in enumerate(body) if i not in drop], removed


def looks_like_sentence(line: str) -> bool:
    return bool(re.search(r"[，,。；;！？]", line))
