"""CONTRACT.md and the pydantic models must agree: field names and enum values."""
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.schemas import Category, FundKind, FundStatus, Level, Relation, Result, Severity, json_schema

CONTRACT = (Path(__file__).resolve().parent.parent / "CONTRACT.md").read_text(encoding="utf-8")


def _json_block() -> dict:
    block = re.search(r"```jsonc\n(.*?)```", CONTRACT, re.S).group(1)
    block = re.sub(r"//[^\n]*", "", block)
    block = block.replace("…", "")
    return json.loads(block)


def _keys(model_schema: dict, defs: dict) -> set[str]:
    if "$ref" in model_schema:
        model_schema = defs[model_schema["$ref"].split("/")[-1]]
    return set(model_schema.get("properties", {}))


def test_every_contract_field_is_in_the_models():
    example = _json_block()
    schema = json_schema()
    defs = schema["$defs"]
    assert set(example) <= set(schema["properties"])

    def prop(model: str, name: str) -> dict:
        return defs[model]["properties"][name]

    assert set(example["article"]) <= set(defs["Article"]["properties"])
    assert set(example["pairings"][0]) <= set(defs["Pairing"]["properties"])
    assert set(example["pairings"][0]["helper"]) <= set(defs["Region"]["properties"])
    assert set(example["pairings"][0]["evidence"]) <= set(defs["Evidence"]["properties"])
    assert set(example["funds"][0]) <= set(defs["Fund"]["properties"])
    assert set(example["measures"][0]) <= set(defs["Measure"]["properties"])
    assert set(example["measures"][0]["indicators"][0]) <= set(defs["Indicator"]["properties"])
    assert set(example["checks"][0]) <= set(defs["Check"]["properties"])
    assert set(example["provenance"]) <= set(defs["Provenance"]["properties"])
    assert prop("Article", "original_script")


def _enum_from_table(heading: str) -> set[str]:
    """Values in the first column of the table that follows heading (up to the next blank line after it)."""
    section = CONTRACT.split(heading, 1)[1].lstrip("\n")
    table = section.split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))


def test_enums_match_the_contract():
    levels = set(re.findall(r"`([a-z]+)`", CONTRACT.split("Region `level`:")[1].split("\n\n")[0]))
    assert levels == {e.value for e in Level}
    assert _enum_from_table("Pairing `relation`:") == {e.value for e in Relation}
    assert _enum_from_table("Fund `kind`:") == {e.value for e in FundKind}
    assert _enum_from_table("Fund `status`:") == {e.value for e in FundStatus}
    categories = set(re.findall(r"`([a-z_]+)`", CONTRACT.split("Measure `category`:")[1].split("`checks[].severity`")[0]))
    assert categories == {e.value for e in Category}
    severities = set(re.findall(r"`([a-z]+)`", CONTRACT.split("`checks[].severity`:")[1]))
    assert severities == {e.value for e in Severity}


def test_contract_example_validates():
    example = _json_block()
    example["article"]["original_script"] = "traditional"
    Result.model_validate(example)


def test_schema_command_prints_the_model_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json_schema()


def test_a_v1_result_still_loads_with_v2_defaults():
    example = _json_block()
    example["schema_version"] = "1"
    for key in ("status", "cumulative", "since", "per_unit"):
        example["funds"][0].pop(key)
    fund = Result.model_validate(example).funds[0]
    assert (fund.status, fund.cumulative, fund.since, fund.per_unit) == (FundStatus.paid, False, None, False)


def test_adcodes_are_written_in_the_standard_form():
    from summarizer.regions import standard_adcode, unit_code
    assert [standard_adcode(c) for c in ("52", "5203", "520581", "522326107", None)] == \
        ["520000", "520300", "520581", "522326107", None]
    assert [unit_code(c) for c in ("520000", "520300", "520581", "110100")] == ["52", "5203", "520581", "1101"]
