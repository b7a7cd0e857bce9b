"""eForms drafts against the eForms SDK's XSD schemas, where the machine has the SDK (SKALA_EFORMS_SDK).

The SDK cannot be installed here (skala/procedures/eforms_schema.py says why), so the tests that
need its schemas run only where SKALA_EFORMS_SDK points at it; the rest run everywhere.
"""

import os
import re
from pathlib import Path

import pytest
from lxml import etree

from skala.procedures import eforms
from skala.procedures.eforms_derive import EXAMPLES
from skala.procedures.eforms_schema import SchemasUnavailableError, schema_problems, schemas_folder
from skala.procedures.models import Lot
from skala.procedures.tests.test_eforms import NOW, joint_need, make_procurement

# SKALA_EFORMS_SDK, else an SDK beside the project (as ../shared is).
BESIDE = Path(__file__).resolve().parents[3].parent / "eforms-sdk"
SDK = os.environ.get("SKALA_EFORMS_SDK") or (str(BESIDE) if BESIDE.is_dir() else "")
needs_sdk = pytest.mark.skipif(
    not SDK, reason="no eForms SDK: SKALA_EFORMS_SDK is not set and there is no ../eforms-sdk"
)

# Every kind of draft Skala offers: (procedure, estimated value, notice kind, the subtype it gets,
# lots).
DRAFTS = [
    ("innovation_partnership", 12_000_000, "contract", "16", 0),
    ("innovation_partnership", 12_000_000, "contract", "16", 2),
    ("innovation_partnership", 12_000_000, "advisory", "4", 2),
    ("competitive_dialogue", 5_000_000, "contract", "16", 0),
    ("negotiation", 4_000_000, "contract", "16", 0),
    ("open", 3_000_000, "contract", "16", 0),
    ("restricted", 3_000_000, "contract", "16", 0),
    ("open", 2_000_000, "contract", "E3", 0),
    ("national", 900_000, "contract", "E3", 0),
    ("national", 900_000, "contract", "E3", 2),
    ("national", 900_000, "advisory", "E2", 0),
]


# DFØ's test notices are templates: their test runner fills these in before validating.
PLACEHOLDERS = {
    b"${ISSUEDATE}": b"2026-12-01+01:00",
    b"${ISSUETIME}": b"09:00:00+01:00",
    b"${EFORMS_MINOR}": b"15",
}


def valid_examples() -> list[Path]:
    return sorted(path for path in EXAMPLES.glob("*.xml") if "INVALID" not in path.name)


def filled(path: Path) -> bytes:
    xml = path.read_bytes()
    for placeholder, value in PLACEHOLDERS.items():
        xml = xml.replace(placeholder, value)
    return xml


def test_without_the_setting_nothing_is_validated(settings):
    settings.SKALA_EFORMS_SDK = ""
    assert schemas_folder() is None
    assert schema_problems(b"<ContractNotice/>") is None


def test_a_setting_that_points_nowhere_says_where_it_looked(settings, tmp_path):
    settings.SKALA_EFORMS_SDK = str(tmp_path)
    with pytest.raises(
        SchemasUnavailableError, match=re.escape("maindoc/UBL-ContractNotice-2.3.xsd is not there")
    ):
        schemas_folder()


@needs_sdk
@pytest.mark.parametrize("path", valid_examples(), ids=lambda path: path.name)
def test_the_schemas_accept_the_sdks_and_dfos_valid_example_notices(path):
    # The schemas Skala validates against are the SDK's: its own valid examples pass them.
    assert schema_problems(filled(path), schemas_folder(SDK)) == []


@needs_sdk
@pytest.mark.django_db
@pytest.mark.parametrize(("procedure", "value", "kind", "subtype", "lots"), DRAFTS)
def test_every_draft_skala_offers_is_valid_by_the_sdks_schema(
    settings, personas, procedure, value, kind, subtype, lots
):
    settings.SKALA_EFORMS_SDK = SDK
    need = joint_need(personas) if procedure == "innovation_partnership" else None
    procurement = make_procurement(personas, procedure, value, need=need, contract_months=24)
    for number in range(1, lots + 1):
        Lot.objects.create(
            procurement=procurement, number=number, title=f"Del {number}", estimated_value=value // lots
        )
    choice, xml = eforms.draft(procurement, kind, personas.owner, NOW)
    assert choice.subtype == subtype
    assert schema_problems(xml) == []


@needs_sdk
def test_the_schema_names_the_line_and_the_element_out_of_order():
    xml = (EXAMPLES / "sdk-cn_24_minimal.xml").read_bytes()
    root = etree.fromstring(xml)
    # The issue date moved to the end: the order the schema fixes is broken.
    issue_date = root.find(f"{{{eforms.NS['cbc']}}}IssueDate")
    root.remove(issue_date)
    root.append(issue_date)
    found = schema_problems(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), schemas_folder(SDK))
    assert found
    assert any(re.match(r"eForms schema, line \d+: Element 'cbc:IssueDate'", problem) for problem in found)


STRICTER = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
  targetNamespace="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2"
  elementFormDefault="qualified">
  <xsd:element name="ContractNotice">
    <xsd:complexType>
      <xsd:sequence><xsd:element name="Unheard" type="xsd:string"/></xsd:sequence>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>
"""


@pytest.mark.django_db
def test_a_draft_the_configured_schema_refuses_is_not_offered(settings, personas, tmp_path):
    # A stand-in for the SDK's schemas that no draft can meet: the draft is refused, with the line
    # and the element the schema expected, and nothing is offered.
    (tmp_path / "schemas" / "maindoc").mkdir(parents=True)
    (tmp_path / "schemas" / "maindoc" / "UBL-ContractNotice-2.3.xsd").write_text(STRICTER)
    settings.SKALA_EFORMS_SDK = str(tmp_path)
    procurement = make_procurement(personas, "innovation_partnership", 12_000_000)
    with pytest.raises(eforms.DraftError) as refused:
        eforms.draft(procurement, "contract", personas.owner, NOW)
    assert len(refused.value.problems) == 1
    assert re.match(
        r"eForms schema, line \d+: Element 'ext:UBLExtensions': This element is not expected",
        refused.value.problems[0],
    )
    assert "Unheard" in refused.value.problems[0]


def test_a_setting_that_points_nowhere_fails_the_system_check(settings, tmp_path):
    from skala.procedures.eforms_schema import check_eforms_sdk

    settings.SKALA_EFORMS_SDK = str(tmp_path / "no-sdk")
    assert [message.id for message in check_eforms_sdk()] == ["skala.procedures.E001"]
    settings.SKALA_EFORMS_SDK = ""
    assert check_eforms_sdk() == []
