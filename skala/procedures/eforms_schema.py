"""XSD validation of eForms drafts against the eForms SDK's own schemas, where the SDK is on the machine.

The eForms SDK (OP-TED/eForms-SDK, EUPL 1.2) is published on GitHub and Maven Central, neither of
which Skala's machines can reach, and no package registry they can reach carries it; so its schemas
are not part of Skala. Set ``SKALA_EFORMS_SDK`` to a folder holding the SDK (or just its
``schemas/`` folder, with ``common/`` and ``maindoc/`` inside) and every draft is validated against
the schema of its root element before it is offered; an invalid one is refused with the line and
the element lxml names. Without the setting the drafts get the checks of
``skala.procedures.eforms_check`` only, and Doffin validates them when the buyer uploads.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _
from lxml import etree

from skala.procedures.eforms_build import NS

# The main document schema for each notice root Skala drafts or reads.
MAIN_DOCUMENTS = {
    "PriorInformationNotice": "UBL-PriorInformationNotice-2.3.xsd",
    "ContractNotice": "UBL-ContractNotice-2.3.xsd",
    "ContractAwardNotice": "UBL-ContractAwardNotice-2.3.xsd",
}


class SchemasUnavailableError(RuntimeError):
    """SKALA_EFORMS_SDK is set, but the schemas are not where it points."""


def schemas_folder(setting: str | None = None) -> Path | None:
    """The SDK's schemas/ folder from SKALA_EFORMS_SDK (the SDK's folder or its schemas/ folder);
    None when the setting is empty."""
    configured = settings.SKALA_EFORMS_SDK if setting is None else setting
    if not configured:
        return None
    folder = Path(configured).expanduser()
    if (folder / "schemas" / "maindoc").is_dir():
        folder = folder / "schemas"
    expected = folder / "maindoc" / MAIN_DOCUMENTS["ContractNotice"]
    if not expected.is_file():
        raise SchemasUnavailableError(
            f"SKALA_EFORMS_SDK is {configured!r}, but {expected} is not there: point it at the eForms "
            "SDK's folder or at its schemas/ folder."
        )
    return folder


@cache
def schema(folder: Path, root: str) -> etree.XMLSchema:
    """The compiled schema for a notice root; compiling takes about a second, so it is kept."""
    # The schemas import each other by relative paths only; nothing is fetched from the network.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(folder / "maindoc" / MAIN_DOCUMENTS[root]), parser))


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def prefixed(message: str) -> str:
    """lxml's message with the notices' usual prefixes (cbc:IssueDate) for the namespaces in braces."""
    for prefix, namespace in NS.items():
        message = message.replace(f"{{{namespace}}}", f"{prefix}:")
    return message


def schema_problems(xml: bytes, folder: Path | None = None) -> list[str] | None:
    """What the SDK's schema finds wrong with a notice, one sentence each with its line; an empty
    list when it is valid, None when no schemas are configured."""
    folder = folder or schemas_folder()
    if folder is None:
        return None
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return [_("XML, line %(line)s: %(message)s") % {"line": error.lineno, "message": error.msg}]
    root = local_name(document.tag)
    if root not in MAIN_DOCUMENTS:
        return [
            _("XML root: %(root)s is not a notice Skala validates (%(known)s).")
            % {"root": root, "known": ", ".join(MAIN_DOCUMENTS)}
        ]
    validator = schema(folder, root)
    if validator.validate(document):
        return []
    return [
        _("eForms schema, line %(line)s: %(message)s")
        % {"line": error.line, "message": prefixed(error.message)}
        for error in validator.error_log
    ]


@checks.register(checks.Tags.compatibility)
def check_eforms_sdk(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A SKALA_EFORMS_SDK that points nowhere is found at start-up, not at the first download."""
    try:
        schemas_folder()
    except SchemasUnavailableError as error:
        return [checks.Error(str(error), id="skala.procedures.E001")]
    return []
