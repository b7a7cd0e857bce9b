"""Organisations: the API list and the list page with many organisations and units."""

import statistics
import time

from django.test import Client

from skala.orgs.models import Organisation, OrganisationKind, OrganisationUnit
from skala.reference.loading import load_reference
from skala.reference.models import Municipality

ORGANISATIONS = 2000


def make_organisations() -> None:
    if not Municipality.objects.exists():
        load_reference(progress=lambda message: None)
    municipalities = list(Municipality.objects.filter(country="NO"))
    tops = Organisation.objects.bulk_create(
        Organisation(
            name=f"Bench organisation {n:05d}",
            kind=OrganisationKind.SUPPLIER if n % 3 else OrganisationKind.MUNICIPALITY,
            municipality=municipalities[n % len(municipalities)] if municipalities else None,
        )
        for n in range(ORGANISATIONS)
    )
    Organisation.objects.bulk_create(
        Organisation(name=f"Unit of {top.name}", kind=top.kind, unit=OrganisationUnit.AGENCY, parent=top)
        for top in tops[:500]
    )


def median_ms(client: Client, path: str, params: dict, repeat: int = 30) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, params)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


def run() -> dict[str, tuple[float, str]]:
    make_organisations()
    client = Client()
    return {
        "api_list_50_median": (median_ms(client, "/api/v1/organisations", {"limit": 50}), "ms"),
        "api_list_filtered_by_kind_median": (
            median_ms(client, "/api/v1/organisations", {"kind": "municipality", "limit": 50}),
            "ms",
        ),
        "page_list_25_median": (median_ms(client, "/nb/organisations/", {}), "ms"),
        "page_search_by_name_median": (median_ms(client, "/nb/organisations/", {"q": "00042"}), "ms"),
    }
