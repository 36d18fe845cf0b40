from pathlib import Path

import pytest

from summarizer.reader import InputError, expand_inputs, html_to_text, read_document

TEXT = "天津市和平区对口帮扶甘肃省靖远县，今年投入帮扶资金5200万元，用于产业发展和劳务协作。"


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_simplified_encodings_decode_right(tmp_path, encoding):
    text = (TEXT + "\n") * 3
    assert read_document(write(tmp_path, "a.txt", text.encode(encoding))).text.strip() == text.strip()


def test_big5_traditional_decodes_right(tmp_path):
    text = ("天津市和平區對口幫扶甘肅省靖遠縣，今年投入幫扶資金5200萬元，用於產業發展和勞務協作。\n") * 3
    assert read_document(write(tmp_path, "b.txt", text.encode("big5"))).text.strip() == text.strip()


def test_html_is_reduced_to_text_without_scripts(tmp_path):
    html = (f"<html><head><title>标题</title><script>var x='不要这个脚本内容';</script>"
            f"<style>p{{color:red}}</style></head><body><p>{TEXT}</p><div>第二段&amp;内容</div></body></html>")
    text = read_document(write(tmp_path, "a.html", html.encode("utf-8"))).text
    assert TEXT in text and "第二段&内容" in text
    assert "不要这个脚本内容" not in text and "color" not in text


def test_html_block_tags_become_lines():
    assert html_to_text("<p>第一段</p><p>第二段</p>").split("\n") == ["第一段", "第二段"]


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (bytes(range(256)) * 20, "binary"),
    (b"Only English text here, nothing Chinese at all. " * 10, "no Chinese"),
])
def test_bad_inputs_give_one_clear_reason(tmp_path, data, reason):
    with pytest.raises(InputError) as info:
        read_document(write(tmp_path, "bad.txt", data))
    assert reason in info.value.reason


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_document(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="no file matches this pattern"):  # a glob that matched nothing
        read_document(str(tmp_path / "nothing*" / "*.txt"))


def test_expand_directories_recursively_and_globs(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "b.html", "sub/c.md", "sub/d.htm", "e.json", "f.png"):
        (tmp_path / name).write_text("x")
    found = list(expand_inputs([str(tmp_path)]))
    assert sorted(Path(p).name for p in found) == ["a.txt", "b.html", "c.md", "d.htm"]
    assert [Path(p).name for p in expand_inputs([str(tmp_path / "*.txt")])] == ["a.txt"]
    assert list(expand_inputs(["-", "missing.txt"])) == ["-", "missing.txt"]


def test_a_page_body_saved_as_a_json_string_is_read_as_its_html(tmp_path):
    page = tmp_path / "api.txt"
    page.write_text('"\\u003Cimg src=\\"http:\\u002F\\u002Fexample.org\\u002Fa.png\\" alt=\\"某图\\"\\u003E'
                    '\\u003Cp\\u003E甲市对口帮扶乙县，今年投入资金300万元。\\u003C\\u002Fp\\u003E'
                    '\\u003Cp\\u003E乙县新建学校两所。', encoding="utf-8")  # cut off, as stored
    assert read_document(str(page)).text == "甲市对口帮扶乙县，今年投入资金300万元。\n乙县新建学校两所。"


def test_a_json_string_page_keeps_its_emoji_and_is_not_decoded_when_it_is_ordinary_text(tmp_path):
    from summarizer.reader import unescape_json_string
    page = '"\\u003Cp\\u003E点赞\\ud83d\\udc4d甲市对口帮扶乙县\\u002F投入资金300万元\\u003C\\u002Fp\\u003E"'
    assert unescape_json_string(page) == "<p>点赞\U0001F44D甲市对口帮扶乙县/投入资金300万元</p>"
    quoted = '"甲市对口帮扶乙县"，当地群众这样说。'
    assert unescape_json_string(quoted) == quoted


def test_an_input_cleaning_empties_says_so():
    from summarizer.clean import clean
    checks = clean("首页 > 新闻 > 本地\n责任编辑：某某\n").checks
    assert [c.rule for c in checks] == ["nothing_left"]
