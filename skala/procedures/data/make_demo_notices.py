"""Build demo_notices_se_2021.jsonl: real Swedish procurements of 2021 as notices in Skala's format.

    python skala/procedures/data/make_demo_notices.py \
        ../shared/data/procurement/sweden_2021_number_of_procurements.csv

Every procurement whose title names one of the demo needs' subjects (welfare technology, home care,
safety alarms, supervision at night, school meals, job seekers...), and an even sample of the rest,
so the demo's needs meet real Swedish notices. Values are Upphandlingsmyndigheten's, unchanged
(CC0); the description says the procedure and the kind of contract, as the source has no text.
"""

import csv
import json
import random
import re
import sys
from pathlib import Path

SUBJECTS = re.compile(
    r"välfärdstekn|trygghetslarm|larm|hemtjänst|tillsyn|nattillsyn|nattkamera|e-hälsa|digital|"
    r"sensor|äldreomsorg|vård- och omsorg|särskilt boende|skolmat|måltid|livsmedel|arbetsmarknad|"
    r"arbetssökande|rehabilitering|hjälpmedel|demens|läkemedel",
    re.IGNORECASE,
)
SAMPLE = 150
SEED = 2021


def rows(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["Huvudsaklig CPV-kod"].split(" ", 1)[0]
            title = row["Upphandlingens titel"].strip()
            if (
                title
                and len(code) == 8
                and code.isdigit()
                and len(row["Organisationsnummer för köpare"]) == 10
            ):
                yield row, code, title


def notice(row, code: str, title: str) -> dict:
    kind = row["Upphandlingsslag"] or "–"
    return {
        "id": f"uhm-2021-{row['Upphandlings-ID']}",
        "title": title,
        "description": f"{row['Förfarande']} ({kind}). {row['Namn för köpare'].title()}.",
        "language": "sv",
        "cpv": [code],
        "buyer": {
            "name": row["Namn för köpare"],
            "orgnr": row["Organisationsnummer för köpare"],
            "country": "SE",
        },
        "published": row["Publiceringsdatum"][:10],
        "url": "",
    }


def main(source: str) -> None:
    every = list(rows(Path(source)))
    chosen = {
        row["Upphandlings-ID"]: (row, code, title) for row, code, title in every if SUBJECTS.search(title)
    }
    rest = [item for item in every if item[0]["Upphandlings-ID"] not in chosen]
    for row, code, title in random.Random(SEED).sample(rest, SAMPLE):
        chosen[row["Upphandlings-ID"]] = (row, code, title)
    out = Path(__file__).with_name("demo_notices_se_2021.jsonl")
    with out.open("w", encoding="utf-8") as handle:
        for key in sorted(chosen):
            handle.write(json.dumps(notice(*chosen[key]), ensure_ascii=False) + "\n")
    print(f"{len(chosen)} notices written to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
