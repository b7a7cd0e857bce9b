"""Derive what Skala's eForms drafts may contain from real example notices.

The eForms SDK's XSD schemas and its field and notice-type definitions are not available to Skala,
so the draft validator (``skala.procedures.eforms_check``) checks drafts against what the SDK's own
example notices, and DFØ's Norwegian test notices, show instead. This module reads those examples
(copied into ``skala/procedures/tests/data/eforms/``, see SOURCES.md there) and writes
``skala/procedures/data/eforms/structure.json``:

- per notice family (form type and notice type: ``planning/pin-only``, ``competition/cn-standard``),
  every element path that occurs in at least one valid example of the family;
- per notice subtype (4, 16, E2, E3), the paths every valid example of the subtype carries, with
  DFØ's mandatory fields for the national subtypes: the validator's required fields are drawn from
  these;
- per parent element, which children the examples put after which: the schema's order, as far as
  the examples show it;
- per codelist (``listName``), the codes the valid examples use, with DFØ's codelists for BT-776
  (innovative-acquisition, retired codes left out) and BT-06 (strategic-procurement), and the codes
  of the SDK's procurement-procedure-type codelist for BT-105.

Regenerate with ``python -m skala.procedures.eforms_derive``; a test checks the committed file is
what this module makes of the committed examples.
"""

import itertools
import json
import re
import sys
from pathlib import Path

from defusedxml import ElementTree

EXAMPLES = Path(__file__).resolve().parent / "tests" / "data" / "eforms"
OUTPUT = Path(__file__).resolve().parent / "data" / "eforms" / "structure.json"

PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
    "http://data.europa.eu/p27/eforms-ubl-extensions/1": "efext",
    "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1": "efac",
    "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1": "efbc",
}
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {
    "urn:oasis:names:specification:ubl:schema:xsd:PriorInformationNotice-2": "PriorInformationNotice",
    "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2": "ContractNotice",
}
# The attributes that say which business term an element carries (a Lot's ID or a Part's, which
# codelist a code is from): a path keeps them, so a code element from one list does not vouch for
# the same element from another.
QUALIFIERS = ("listName", "schemeName")

# The valid examples of each subtype Skala drafts, by file; DFØ's files are Norway's own tests.
SUBTYPES = {
    "4": [
        "sdk-pin-only_24.xml",
        "sdk-pin-only_24_lots.xml",
        "sdk-pin-only_24_maximal.xml",
        "dfo-eu-pin-only_24.xml",
    ],
    "E2": ["sdk-E2_minimal.xml", "dfo-VALID-national-e2-minimum.xml"],
    "16": [
        "sdk-cn_24_minimal.xml",
        "sdk-cn_24_open.xml",
        "sdk-cn_24_maximal.xml",
        "sdk-cn_24_nego_accel.xml",
        "dfo-eu-cn_24.xml",
        "dfo-eu-cn-standard-nor-env.xml",
    ],
    "E3": [
        "sdk-E3_minimal.xml",
        "dfo-VALID-national-e3-minimum.xml",
        "dfo-VALID-national-e3-multi-buyer-0e9f.xml",
        "dfo-VALID-national-e3-nor-env.xml",
    ],
}
FAMILIES = {
    "4": "planning/pin-only",
    "E2": "planning/pin-only",
    "16": "competition/cn-standard",
    "E3": "competition/cn-standard",
}

# DFØ's tailoring of the national subtypes (docs/procurements-beneath-threshold.md): fields
# mandatory in E2 and E3 beyond what every example carries.
LEGAL_BASIS = (
    "/{root}/cac:TenderingTerms/cac:ProcurementLegislationDocumentReference/cbc:ID[@schemeName='ELI']"
)
DFO_MANDATORY = {
    "E2": [LEGAL_BASIS.format(root="PriorInformationNotice")],
    "E3": [
        LEGAL_BASIS.format(root="ContractNotice"),
        # DFØ's test notice INVALID-national-e3-without-buyer-legal-type.xml is refused for lacking it.
        "/ContractNotice/cac:ContractingParty/cac:ContractingPartyType/cbc:PartyTypeCode[@listName='buyer-legal-type']",
        "/ContractNotice/cac:ProcurementProjectLot/cac:TenderingProcess/cac:ContractingSystem"
        "/cbc:ContractingSystemTypeCode[@listName='framework-agreement']",
        "/ContractNotice/cac:ProcurementProjectLot/cac:TenderingProcess/cbc:SubmissionMethodCode[@listName='esubmission']",
        "/ContractNotice/cac:ProcurementProjectLot/cac:TenderingTerms/cac:CallForTendersDocumentReference/cbc:DocumentType",
    ],
}
# Buyer legal types DFØ's national rules refuse (its INVALID test notice shows 'body-pl' refused in E3).
DFO_REFUSED_CODES = {"E2": {"buyer-legal-type": ["body-pl"]}, "E3": {"buyer-legal-type": ["body-pl"]}}


# The codes of OP-TED/eForms-SDK codelists/procurement-procedure-type.gc (list version 20210929-0),
# read from the SDK; the examples use only some of them (no competitive dialogue among them).
SDK_PROCEDURE_TYPES = [
    "comp-dial",
    "comp-tend",
    "innovation",
    "neg-w-call",
    "neg-wo-call",
    "open",
    "oth-mult",
    "oth-single",
    "restricted",
]


def step(element) -> str:
    """One path step: the prefixed name, with the attributes that qualify it."""
    namespace, local = element.tag[1:].split("}")
    name = ROOTS.get(namespace) if namespace in ROOTS else f"{PREFIXES[namespace]}:{local}"
    return name + "".join(
        f"[@{attribute}='{element.attrib[attribute]}']"
        for attribute in QUALIFIERS
        if attribute in element.attrib
    )


def name(step_text: str) -> str:
    """A step without its qualifiers: the element's name, which is what the schema orders."""
    return step_text.split("[", 1)[0]


def paths_and_codes(
    element, prefix: str = ""
) -> tuple[set[str], dict[str, set[str]], dict[str, list[list[str]]]]:
    """Every element path under the element, the codes used per listName, and per parent path the
    sequences of its children's names (repeats folded)."""
    paths: set[str] = set()
    codes: dict[str, set[str]] = {}
    sequences: dict[str, list[list[str]]] = {}

    def walk(node, parent: str) -> None:
        path = f"{parent}/{step(node)}"
        paths.add(path)
        if "listName" in node.attrib and (node.text or "").strip():
            codes.setdefault(node.attrib["listName"], set()).add(node.text.strip())
        children = [child for child in node if isinstance(child.tag, str)]
        sequence: list[str] = []
        for child in children:
            if not sequence or sequence[-1] != name(step(child)):
                sequence.append(name(step(child)))
            walk(child, path)
        if len(sequence) > 1:
            sequences.setdefault(path, []).append(sequence)

    walk(element, prefix)
    return paths, codes, sequences


def precedence(sequences: list[list[str]]) -> dict[str, list[str]]:
    """For each child name, the names seen right after it: the schema's order, as far as the examples
    show it. Refuses examples that contradict each other, since then one of them must be wrong."""
    after: dict[str, set[str]] = {}
    for sequence in sequences:
        for item in sequence:
            after.setdefault(item, set())
        for earlier, later in itertools.pairwise(sequence):
            after[earlier].add(later)
    for item in after:
        if item in reachable(after, item):
            raise ValueError(f"The examples order {item} both before and after another element")
    return {item: sorted(followers) for item, followers in sorted(after.items())}


def reachable(after, start: str) -> set[str]:
    """Every name that comes, directly or through others, after start."""
    seen: set[str] = set()
    todo = list(after.get(start, ()))
    while todo:
        item = todo.pop()
        if item not in seen:
            seen.add(item)
            todo.extend(after.get(item, ()))
    return seen


def legal_bases(root) -> set[str]:
    """The national legal basis descriptions a DFØ example uses (BT-01(d))."""
    found = set()
    for reference in root.iter(f"{{{CAC}}}ProcurementLegislationDocumentReference"):
        identifier = reference.find(f"{{{CBC}}}ID")
        description = reference.find(f"{{{CBC}}}DocumentDescription")
        if identifier is not None and identifier.get("schemeName") == "ELI" and description is not None:
            found.add(description.text.strip())
    return found


def retained_codes(yaml_text: str) -> list[str]:
    """The codes of one of DFØ's codelists (YAML, one code a top-level key), retired ones left out."""
    codes, retired = [], False
    for line in yaml_text.splitlines():
        if "RETIRED" in line:
            retired = True
        match = re.match(r"^([a-z][a-z-]*):", line)
        if match:
            if not retired:
                codes.append(match.group(1))
            retired = False
    return codes


def derive(examples: Path = EXAMPLES) -> dict:
    """The structure, codes and national rules the examples show, as one JSON-ready dict."""
    families: dict[str, set[str]] = {}
    sequences: dict[str, dict[str, list[list[str]]]] = {}
    subtypes: dict[str, dict] = {}
    codes: dict[str, set[str]] = {}
    national_bases: set[str] = set()
    for subtype, files in SUBTYPES.items():
        seen = []
        for name in files:
            root = ElementTree.parse(examples / name).getroot()
            paths, used, ordered = paths_and_codes(root)
            seen.append(paths)
            families.setdefault(FAMILIES[subtype], set()).update(paths)
            for parent, found in ordered.items():
                sequences.setdefault(FAMILIES[subtype], {}).setdefault(parent, []).extend(found)
            for list_name, values in used.items():
                codes.setdefault(list_name, set()).update(values)
            if subtype.startswith("E"):
                national_bases |= legal_bases(root)
        subtypes[subtype] = {
            "family": FAMILIES[subtype],
            "examples": files,
            "carried_by_all": sorted(set.intersection(*seen) | set(DFO_MANDATORY.get(subtype, []))),
            "refused_codes": DFO_REFUSED_CODES.get(subtype, {}),
        }
    for list_name in ("innovative-acquisition", "strategic-procurement"):
        text = (examples / f"dfo-{list_name}.yaml").read_text(encoding="utf-8")
        codes[list_name] = set(retained_codes(text))
    codes["procurement-procedure-type"] = set(SDK_PROCEDURE_TYPES)
    return {
        "about": "Derived by skala/procedures/eforms_derive.py from the example notices in "
        "skala/procedures/tests/data/eforms/ (OP-TED/eForms-SDK and anskaffelser/eforms-sdk-nor, CC BY 4.0).",
        "families": {family: sorted(paths) for family, paths in sorted(families.items())},
        "order": {
            family: {parent: precedence(found) for parent, found in sorted(by_parent.items())}
            for family, by_parent in sorted(sequences.items())
        },
        "subtypes": subtypes,
        "codes": {list_name: sorted(values) for list_name, values in sorted(codes.items())},
        "national_legal_bases": sorted(national_bases),
    }


def main() -> None:
    OUTPUT.write_text(json.dumps(derive(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"Wrote {OUTPUT}\n")


if __name__ == "__main__":
    main()
