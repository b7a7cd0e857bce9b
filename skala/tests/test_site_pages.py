"""The site-wide pages: the API reference (Skala's own, accessible page over the OpenAPI schema) and the
accessibility statement."""

import pytest

from skala.api import api
from skala.api.reference import operations, type_of

pytestmark = pytest.mark.django_db


def schema() -> dict:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def test_the_api_reference_lists_every_operation_and_schema_of_the_api(client):
    page = client.get("/en/api/").text
    paths = schema()["paths"]
    listed = [(method.upper(), path) for path, item in paths.items() for method in item]
    assert len(listed) > 60
    for method, path in listed:
        assert f"<code>{method} {path}</code>" in page, (method, path)
    assert page.count('class="api-operation"') == len(listed)
    for name in schema()["components"]["schemas"]:
        assert f'id="schema-{name.lower()}"' in page, name
    assert 'href="/api/v1/openapi.json"' in page
    assert 'href="/api/v1/docs"' in page


def test_an_operation_shows_its_parameters_body_responses_and_whether_it_needs_a_login(client):
    page = client.get("/en/api/").text
    start = page.index("<code>POST /api/v1/match/cpv</code>")
    operation = page[start : page.index("</article>", start)]
    assert "<code>top</code>" in operation
    assert "list of MatchItem (application/json)" in operation
    assert '<th scope="row">200</th>' in operation
    needs = page[page.index("<code>POST /api/v1/needs</code>") :]
    assert "(signed in)" in needs[: needs.index("</article>")]


def test_every_operation_is_grouped_under_its_tag():
    groups = dict(operations(schema()))
    assert {"matching", "needs"} <= set(groups)
    assert sum(len(group) for group in groups.values()) == sum(
        len(item) for item in schema()["paths"].values()
    )


def test_types_are_said_as_a_reader_says_them():
    assert type_of({"$ref": "#/components/schemas/NeedOut"}) == "NeedOut"
    assert type_of({"type": "array", "items": {"$ref": "#/components/schemas/MatchItem"}}) == (
        "list of MatchItem"
    )
    assert type_of({"anyOf": [{"type": "string"}, {"type": "null"}]}) == "string or null"
    assert type_of({"type": "string", "format": "date"}) == "string (date)"
    assert type_of({"type": "object", "additionalProperties": True}) == "object of any"


def test_the_reference_and_the_statement_speak_every_ui_language(client):
    assert "API-referanse" in client.get("/nb/api/").text
    assert "Tillgänglighetsredogörelse" in client.get("/sv/accessibility/").text
    assert "Tilgjengelighetserklæring" in client.get("/nb/accessibility/").text


def test_the_statement_names_the_operators_contact_and_where_to_complain(client, settings):
    settings.SKALA_ACCESSIBILITY_CONTACT = "uu@oslo.kommune.no"
    page = client.get("/en/accessibility/").text
    assert 'href="mailto:uu@oslo.kommune.no"' in page
    assert 'href="https://www.uutilsynet.no/"' in page
    assert 'href="https://www.digg.se/"' in page
    assert "WCAG" in page
    assert "Swagger UI" in page
    settings.SKALA_ACCESSIBILITY_CONTACT = "https://oslo.kommune.no/uu-skjema"
    assert 'href="https://oslo.kommune.no/uu-skjema"' in client.get("/en/accessibility/").text
    settings.SKALA_ACCESSIBILITY_CONTACT = ""
    assert "Tell the organisation that runs this Skala installation" in client.get("/en/accessibility/").text


def test_every_page_links_the_statement_and_the_reference(client):
    page = client.get("/nb/").text
    assert 'href="/nb/accessibility/"' in page
    assert 'href="/nb/api/"' in page


def test_the_privacy_statement_says_what_is_kept_and_where_to_turn(client, settings):
    settings.SKALA_PRIVACY_CONTACT = "personvern@oslo.kommune.no"
    page = client.get("/en/privacy-statement/").text
    assert "Privacy statement" in page
    assert 'href="mailto:personvern@oslo.kommune.no"' in page
    assert 'href="https://www.datatilsynet.no/"' in page
    assert 'href="/en/privacy/"' in page
    assert "/en/privacy-statement/" in client.get("/en/").text  # linked from every page's footer
    settings.SKALA_PRIVACY_CONTACT = ""
    assert (
        "write to the organisation that runs this Skala installation"
        in client.get("/en/privacy-statement/").text
    )
