from summarizer.regions import RegionResolver, gazetteer, is_east_to_west
from summarizer.schemas import Level


def test_short_name_resolves_with_context():
    region = RegionResolver("花都区对口帮扶黔西县").resolve("花都")
    assert region.adcode == "440114" and region.full_name == "广东省广州市花都区" and region.level is Level.county


def test_an_autonomous_prefecture_is_found_by_its_short_name():
    # the ethnic names are read off whole (傣, 苗族侗族), not as any four characters before 族
    for short, code in (("西双版纳州", "5328"), ("黔东南州", "5226"), ("伊犁州", "6540"), ("湘西州", "4331")):
        resolver = RegionResolver(f"某区对口帮扶{short}，两地签署协议。")
        [region] = [resolver.resolve_mention(m) for m in resolver.mentions if m.text == short]
        assert region.adcode.startswith(code), short


def test_a_county_named_after_its_people_is_found_by_its_short_name():
    # 东乡族自治县 (甘肃) is also written 东乡县, the old name of a district in 江西: the article decides
    gansu = RegionResolver("甘肃某企业在甘肃开展帮扶，向东乡县捐建学校。").resolve("东乡县")
    jiangxi = RegionResolver("江西省抚州市东乡县的企业家返乡创业。").resolve("东乡县")
    assert (gansu.adcode, jiangxi.adcode) == ("622926", "361003")
    assert RegionResolver("内蒙古鄂温克旗草原").resolve("鄂温克旗").adcode == "150724"


def test_a_county_short_name_is_found_where_its_prefecture_is_named():
    found = RegionResolver("凉山州今年新建学校12所，普格、布拖各建3所。").mentions
    assert [m.text for m in found] == ["凉山州", "普格", "布拖"]
    assert [m.text for m in RegionResolver("普格、布拖各建3所学校。").mentions] == []  # alone: not trusted


def test_a_county_short_name_is_found_where_one_of_its_townships_is_named_in_full():
    found = RegionResolver("某市今年投入资金600万元，在西畴兴办项目5个，为董马乡中学添置课桌。").mentions
    assert [(m.text, m.codes) for m in found if m.text == "西畴"] == [("西畴", ("532623",))]
    assert "西畴" not in [m.text for m in RegionResolver("某市今年投入资金600万元，在西畴兴办项目5个。").mentions]


def test_ambiguous_name_uses_article_context():
    tianjin = RegionResolver("天津市和平区与靖远县开展东西部协作，天津企业参与。").resolve("和平区")
    shenyang = RegionResolver("沈阳市和平区组织干部赴某地学习，沈阳各界参与。").resolve("和平区")
    assert tianjin.adcode == "120101"
    assert shenyang.adcode == "210102"


def test_ambiguous_name_without_context_is_unknown_not_guessed():
    region = RegionResolver("和平区开展帮扶工作。").resolve("和平区")
    assert region.adcode is None and region.level is Level.county


def test_township_resolves_under_its_county():
    resolver = RegionResolver("来到望谟县石屯镇开展结对帮扶活动")
    region = resolver.resolve("石屯镇")
    assert region.adcode == "522326107" and region.level is Level.township
    assert region.full_name.endswith("望谟县石屯镇")
    assert RegionResolver("").resolve("东黄水镇").full_name == "山西省太原市阳曲县东黄水镇"


def test_historical_name_resolves_to_current_unit():
    region = RegionResolver("花都区对口帮扶黔西县").resolve("黔西县")
    assert region.name == "黔西县" and region.adcode == "520581" and region.full_name == "贵州省毕节市黔西市"


def test_unknown_name_has_no_code():
    region = RegionResolver("").resolve("不存在县")
    assert region.adcode is None and region.full_name is None


def test_hierarchical_name_and_mentions():
    resolver = RegionResolver("天津市和平区对口帮扶甘肃省白银市靖远县，向织金捐赠鱼苗")
    assert resolver.resolve("天津市和平区").adcode == "120101"
    names = [m.text for m in resolver.mentions]
    assert "靖远县" in names and "织金" not in names  # a bare 织金 needs 织金县 in the text


def test_generic_names_are_not_found_alone():
    names = [m.text for m in gazetteer().find_mentions("城区和郊区的群众，工业园区里的企业")]
    assert names == []


def test_east_west():
    assert is_east_to_west("12", "62") is True
    assert is_east_to_west("62", "12") is False
    assert is_east_to_west("44", "44") is None
