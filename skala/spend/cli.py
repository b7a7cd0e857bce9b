"""What the spend commands share: finding the organisation an option names."""

from django.core.management.base import CommandError

from skala.orgs.models import Organisation


def organisation_for(value: str, option: str = "--org") -> Organisation:
    """The organisation with this id or organisation number; CommandError naming the option if none."""
    text = (value or "").strip()
    digits = text.replace(" ", "")
    found = Organisation.objects.filter(orgnr=digits).first() if len(digits) >= 9 else None
    if found is None and text.isdigit():
        found = Organisation.objects.filter(pk=int(text)).first()
    if found is None:
        raise CommandError(f"{option} {value!r}: no organisation has this id or organisation number.")
    return found
