"""The base layout's accessibility structure (WCAG 2.1 AA) on the pages that exist, without a browser.

Browser tests with axe-core come with the trust issue; these pin the structure on every page now.
"""

from html.parser import HTMLParser

import pytest

from skala.orgs.models import Organisation

pytestmark = pytest.mark.django_db


class PageStructure(HTMLParser):
    """Collects what the checks below need from one HTML page."""

    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.tags: list[tuple[str, dict]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))

    def all(self, tag):
        return [attributes for name, attributes in self.tags if name == tag]


def structure(response) -> PageStructure:
    assert response.status_code == 200
    parser = PageStructure()
    parser.feed(response.text)
    return parser


def assert_accessible(page: PageStructure, language: str) -> None:
    assert page.html_lang == language
    assert len(page.all("main")) == 1
    assert page.all("main")[0]["id"] == "main"
    skip = page.all("a")[0]
    assert skip["href"] == "#main", "the first link skips to the main content"
    assert page.all("header")
    assert page.all("footer")
    assert all(nav.get("aria-label") for nav in page.all("nav")), "every nav is named"
    assert page.headings.count(1) == 1, "one h1 a page"
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), (
        "no skipped levels"
    )
    for field in page.all("input") + page.all("select") + page.all("textarea"):
        if field.get("type") in {"hidden", "submit", "button"}:
            continue
        assert field.get("id") in page.label_for or field.get("aria-label"), f"unlabelled field {field}"
    for image in page.all("img"):
        assert "alt" in image
    for script in page.all("script"):
        assert not script.get("src", "").startswith(("http:", "https:", "//")), "nothing from a CDN"
    for link in page.all("link"):
        if link.get("rel") == "stylesheet":
            assert not link["href"].startswith(("http:", "https:", "//"))


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/organisations/",
        "/reference/cpv/",
        "/reference/cpv/?q=skole",
        "/reference/cpv/03000000/",
        "/reference/sdgs/",
        "/accounts/login/",
        "/accounts/password/reset/",
    ],
)
def test_public_pages_have_an_accessible_structure(client, personas, language, path):
    assert_accessible(structure(client.get(f"/{language}{path}")), language)


def test_organisation_page_is_accessible(client, personas):
    assert_accessible(structure(client.get(f"/nb/organisations/{personas.oslo.pk}/")), "nb")


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/",
        "/accounts/tokens/",
        "/organisations/{oslo}/edit/",
        "/organisations/{oslo}/members/",
        "/organisations/{oslo}/units/new/",
    ],
)
def test_signed_in_pages_are_accessible(client, personas, path):
    client.force_login(personas.owner)
    assert_accessible(structure(client.get("/sv" + path.format(oslo=personas.oslo.pk))), "sv")


def test_form_errors_are_summarised_and_tied_to_their_fields(client, personas):
    client.force_login(personas.owner)
    oslo: Organisation = personas.oslo
    response = client.post(f"/en/organisations/{oslo.pk}/edit/", {"name": "", "website": "not a site"})
    page = structure(response)
    summary = [div for div in page.all("div") if "error-summary" in div.get("class", "")]
    assert summary
    assert summary[0]["role"] == "alert"
    for field_name in ("name", "website"):
        field = next(each for each in page.all("input") if each.get("name") == field_name)
        assert field["aria-invalid"] == "true"
        assert f"id_{field_name}_error" in field["aria-describedby"]
        assert f"id_{field_name}_error" in page.ids
        assert f'href="#id_{field_name}"' in response.text


def test_htmx_is_served_from_our_own_static_files(client):
    page = structure(client.get("/nb/"))
    sources = [script.get("src", "") for script in page.all("script")]
    assert any("django_htmx/htmx" in source for source in sources)
    script = client.get(next(s for s in sources if "htmx" in s))
    assert script.status_code == 200
    assert b"htmx" in b"".join(script.streaming_content)
    script.close()


def test_focus_is_visible_and_colours_are_defined_in_the_stylesheet(client):
    response = client.get("/static/skala/skala.css")
    css = b"".join(response.streaming_content).decode()
    response.close()
    assert ":focus-visible" in css
    assert "outline: 3px" in css


def test_every_page_title_names_the_page_then_skala(client, personas):
    """WCAG 2.4.2: a title that says what the page is; "NeedsSkala" ran the two together."""
    import re

    for path in ("/en/", "/en/needs/", "/en/accounts/login/"):
        title = re.search(r"<title>(.*?)</title>", client.get(path).text, re.S).group(1).strip()
        assert title.endswith(" – Skala"), title
        assert len(title) > len(" – Skala"), title


def test_the_navigation_marks_the_section_the_page_is_in(client, db):
    page = client.get("/en/procedures/notices/").text
    nav = page.split('class="main-nav"')[1].split("</nav>")[0]
    assert nav.count('aria-current="page"') == 1
    assert 'href="/en/procedures/notices/" aria-current="page"' in nav  # not Procurements at /procedures/
    assert 'href="/en/needs/" aria-current="page"' in client.get("/en/needs/").text
