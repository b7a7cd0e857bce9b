"""Suppliers: names normalised so variants merge, names taking the number they have elsewhere, and an
editor linking a name to its number, which moves its lines."""

import pytest

from skala.orgs.models import ApiToken, RegistryEntry
from skala.spend.models import SpendLine, SpendSummary, Supplier
from skala.spend.names import normalise_name
from skala.spend.suppliers import link_supplier
from skala.spend.tests.builders import import_rows, orgnr

pytestmark = pytest.mark.django_db

HEADER = ["Dato", "Leverandør", "Orgnr", "Beløp"]
A, B = orgnr(1), orgnr(2)


@pytest.mark.parametrize(
    "variant",
    [
        "Hansen & Sønn AS",
        "HANSEN OG SØNN A/S",
        "Hansen og Sønn",
        "hansen  &  sønn, as",
        "Hansen and Sønn Ltd.",
        "Hansen-och-Sønn AB",
    ],
)
def test_spelling_variants_share_a_normalised_name(variant):
    assert normalise_name(variant) == "hansen & sønn"


def test_a_legal_form_alone_is_kept():
    assert normalise_name("AS") == "as"


def test_name_variants_merge_into_one_supplier(tmp_path, personas):
    rows = [
        ["2025-01-01", "Nordlys Bygg AS", "", "100"],
        ["2025-01-02", "NORDLYS BYGG", "", "100"],
        ["2025-01-03", "Nordlys-Bygg A/S", "", "100"],
    ]
    import_rows(tmp_path, personas.oslo, rows, HEADER)
    supplier = Supplier.objects.get()
    assert (supplier.name, supplier.orgnr, supplier.normalised_name) == (
        "Nordlys Bygg AS",
        "",
        "nordlys bygg",
    )
    assert SpendLine.objects.filter(supplier=supplier).count() == 3


def test_a_name_takes_the_number_it_has_on_other_lines(tmp_path, personas):
    rows = [
        ["2025-01-01", "Nordlys Bygg", "", "100"],
        ["2025-01-02", "Nordlys Bygg AS", A, "200"],
        ["2025-01-03", "NORDLYS BYGG", "", "300"],
    ]
    report = import_rows(tmp_path, personas.oslo, rows, HEADER)
    numbered = Supplier.objects.get(orgnr=A)
    assert set(SpendLine.objects.values_list("supplier_id", flat=True)) == {numbered.pk}
    assert SpendSummary.objects.get(supplier=numbered).amount_ore == 60_000
    assert (report.unresolved, report.linked_by_name) == (0, 1)
    assert Supplier.objects.get(orgnr="").merged_into == numbered


def test_a_name_takes_its_number_from_enhetsregisteret_when_only_one_unit_has_it(tmp_path, personas):
    RegistryEntry.objects.create(orgnr=A, name="FJORDKRAFT VEST AS")
    RegistryEntry.objects.create(orgnr=orgnr(3), name="TO LIKE AS")
    RegistryEntry.objects.create(orgnr=orgnr(4), name="TO LIKE ANS")
    rows = [["2025-01-01", "Fjordkraft Vest", "", "100"], ["2025-01-02", "To like", "", "100"]]
    import_rows(tmp_path, personas.oslo, rows, HEADER)
    assert Supplier.objects.get(name="Fjordkraft Vest").orgnr == A
    assert Supplier.objects.get(name="To like").orgnr == ""  # two units share the name: a person decides


def test_a_later_import_of_a_linked_name_takes_the_number(tmp_path, personas):
    import_rows(tmp_path, personas.oslo, [["2025-01-01", "Vaktmester Hansen", "", "100"]], HEADER)
    link_supplier(Supplier.objects.get(), A)
    import_rows(
        tmp_path, personas.oslo, [["2025-02-01", "VAKTMESTER HANSEN", "", "50"]], HEADER, name="more.csv"
    )
    assert set(SpendLine.objects.values_list("supplier__orgnr", flat=True)) == {A}


def test_linking_a_name_to_a_known_number_moves_its_lines(tmp_path, personas):
    rows = [["2025-01-01", "Nordlys Bygg AS", A, "1000"], ["2025-01-02", "Vaktmester Hansen", "", "100"]]
    import_rows(tmp_path, personas.oslo, rows, HEADER)
    loose = Supplier.objects.unresolved().get()
    target, moved = link_supplier(loose, A)
    assert (target.orgnr, moved) == (A, 1)
    assert set(SpendLine.objects.values_list("supplier_id", flat=True)) == {target.pk}
    assert list(SpendSummary.objects.values_list("supplier_id", "amount_ore")) == [(target.pk, 110_000)]
    assert not Supplier.objects.unresolved().exists()


def test_an_editor_links_a_name_on_the_page_and_a_viewer_may_not(client, tmp_path, personas):
    import_rows(tmp_path, personas.oslo, [["2025-01-02", "Vaktmester Hansen", "", "100"]], HEADER)
    loose = Supplier.objects.get()
    url = f"/en/spend/{personas.oslo.pk}/suppliers/{loose.pk}/link/"
    client.force_login(personas.colleague)
    page = client.get(f"/en/spend/{personas.oslo.pk}/suppliers/")
    assert "Vaktmester Hansen" in page.text
    assert 'name="orgnr"' not in page.text
    assert client.post(url, {"orgnr": B}).status_code == 403
    client.force_login(personas.owner)
    response = client.post(url, {"orgnr": "123456789"}, follow=True)
    assert "check digit" in response.text
    client.post(url, {"orgnr": f"{B[:3]} {B[3:6]} {B[6:]}"})
    loose.refresh_from_db()
    assert loose.orgnr == B


def test_the_api_links_a_name_for_editors_only(client, tmp_path, personas):
    import_rows(tmp_path, personas.oslo, [["2025-01-02", "Vaktmester Hansen", "", "100"]], HEADER)
    loose = Supplier.objects.get()
    _token, viewer = ApiToken.issue(personas.colleague, "test")
    _token, owner = ApiToken.issue(personas.owner, "test")
    listed = client.get(
        f"/api/v1/spend/suppliers/unresolved?org={personas.oslo.pk}",
        headers={"authorization": f"Bearer {viewer}"},
    ).json()
    assert listed["items"] == [{"id": loose.pk, "name": "Vaktmester Hansen", "lines": 1, "spend": 100.0}]
    url = f"/api/v1/spend/suppliers/{loose.pk}/link"
    refused = client.post(
        url, {"orgnr": A}, content_type="application/json", headers={"authorization": f"Bearer {viewer}"}
    )
    assert refused.status_code == 403
    linked = client.post(
        url, {"orgnr": A}, content_type="application/json", headers={"authorization": f"Bearer {owner}"}
    )
    assert linked.json() == {"supplier": loose.pk, "name": "Vaktmester Hansen", "orgnr": A, "moved_lines": 0}
