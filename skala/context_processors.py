"""Values every page template uses."""

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_info


def site(request):
    """The language switcher's links to this same page in each language, and site-wide flags."""
    path = request.get_full_path()
    languages = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(path, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    return {
        "skala_languages": languages,
        "skala_production": settings.PRODUCTION,
        "skala_acts": SimpleLazyObject(lambda: acts_as(request.user)),
    }


def acts_as(user) -> dict[str, bool]:
    """What the person acts as, for the navigation: a supplier (alerts) and a buyer or another
    public-side body (portfolio and key figures). Facilitators and staff see both."""
    from skala.orgs.models import Organisation, OrganisationKind
    from skala.orgs.permissions import member_organisations

    if not user.is_authenticated:
        return {"supplier": False, "buyer": False}
    if user.is_facilitator or user.is_staff:
        return {"supplier": True, "buyer": True}
    kinds = set(Organisation.objects.filter(pk__in=member_organisations(user)).values_list("kind", flat=True))
    return {
        "supplier": OrganisationKind.SUPPLIER in kinds,
        "buyer": bool(kinds - {OrganisationKind.SUPPLIER}),
    }
