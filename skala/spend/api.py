"""Spend and the supplier base as JSON, with the pages' rules."""

from datetime import date, datetime

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from skala.orgs.api import api_auth, optional_auth
from skala.orgs.models import Organisation
from skala.spend.models import SpendImport, Supplier
from skala.spend.reading import FieldError
from skala.spend.removal import SummaryMismatchError, remove_import
from skala.spend.report import openings, supplier_base
from skala.spend.suppliers import link_supplier

router = Router(tags=["spend"])


def caller(request):
    return request.auth if request.auth is not None else request.user


def organisation_for(value: str) -> Organisation:
    """The organisation with this id or organisation number, or 404."""
    text = value.strip().replace(" ", "")
    if len(text) >= 9:
        found = Organisation.objects.filter(orgnr=text).first()
        if found is not None:
            return found
    if not text.isdigit():
        raise HttpError(404, "No organisation has this id or organisation number.")
    return get_object_or_404(Organisation, pk=int(text))


def checked_year(year: int | None) -> int | None:
    if year is not None and not 1900 <= year <= 2200:
        raise HttpError(422, "year must be between 1900 and 2200.")
    return year


def checked_threshold(threshold: int | None) -> int | None:
    if threshold is not None and threshold < 0:
        raise HttpError(422, "threshold must be zero or more.")
    return threshold


@router.get("/report", response=dict, auth=api_auth, summary="The supplier-base report of ?org= and ?year=")
def report(request, org: str, year: int | None = None, threshold: int | None = None):
    """The supplier-base report (as `skala report supplier-base --json`); members of the organisation only."""
    organisation = organisation_for(org)
    if not caller(request).has_perm("spend.view_report", organisation):
        raise HttpError(403, "Only members of the organisation see its spend.")
    return supplier_base(organisation, checked_year(year), checked_threshold(threshold))


@router.get("/openings", response=dict, auth=optional_auth, summary="Openings for small suppliers at ?org=")
def openings_list(
    request, org: str, year: int | None = None, threshold: int | None = None, limit: int | None = None
):
    """Categories bought from many small suppliers, ranked and explained, as much as the buyer shows."""
    organisation = organisation_for(org)
    member = caller(request).has_perm("spend.view_report", organisation)
    data = openings(
        organisation, member=member, year=checked_year(year), threshold=checked_threshold(threshold)
    )
    if limit is not None:
        data["openings"] = data["openings"][: max(limit, 0)]
    return data


class UnresolvedOut(Schema):
    id: int
    name: str
    lines: int
    spend: float

    @staticmethod
    def resolve_lines(supplier: Supplier) -> int:
        return supplier.line_count or 0

    @staticmethod
    def resolve_spend(supplier: Supplier) -> float:
        return round((supplier.amount or 0) / 100, 2)


@router.get(
    "/suppliers/unresolved",
    response=list[UnresolvedOut],
    auth=api_auth,
    summary="Suppliers known only by name",
)
@paginate
def unresolved(request, org: str):
    """The organisation's suppliers with no organisation number, largest spend first (members only)."""
    top = organisation_for(org).top()
    if not caller(request).has_perm("spend.view_report", top):
        raise HttpError(403, "Only members of the organisation see its spend.")
    return (
        Supplier.objects.filter(organisation=top)
        .unresolved()
        .annotate(line_count=Sum("summaries__lines"), amount=Sum("summaries__amount_ore"))
        .order_by("-amount", "name")
    )


class LinkIn(Schema):
    orgnr: str


class LinkOut(Schema):
    supplier: int
    name: str
    orgnr: str
    moved_lines: int


@router.post(
    "/suppliers/{supplier_id}/link", response=LinkOut, auth=api_auth, summary="Link a name to a number"
)
def link(request, supplier_id: int, payload: LinkIn):
    """Give a supplier known only by name its organisation number; its lines move (editors only)."""
    supplier = get_object_or_404(Supplier.objects.unresolved().select_related("organisation"), pk=supplier_id)
    if not caller(request).has_perm("spend.change_spend", supplier.organisation):
        raise HttpError(403, "Only editors of the organisation link its suppliers.")
    try:
        target, moved = link_supplier(supplier, payload.orgnr)
    except FieldError as error:
        raise HttpError(422, f"orgnr: {error.reason}") from None
    return {"supplier": target.pk, "name": target.name, "orgnr": target.orgnr, "moved_lines": moved}


class ImportOut(Schema):
    id: int
    organisation: int
    file_name: str
    lines: int
    credit_lines: int
    total: float
    currency: str
    source_currency: str
    rate: float
    first_date: date | None
    last_date: date | None
    imported_at: datetime

    @staticmethod
    def resolve_organisation(batch: SpendImport) -> int:
        return batch.organisation_id


@router.get("/imports", response=list[ImportOut], auth=api_auth, summary="The spend imports of ?org=")
def imports(request, org: str):
    """Every file imported into the organisation's spend, newest first (members only)."""
    organisation = organisation_for(org)
    if not caller(request).has_perm("spend.view_report", organisation):
        raise HttpError(403, "Only members of the organisation see its spend.")
    return SpendImport.objects.filter(organisation=organisation).order_by("-imported_at", "-pk")


@router.delete(
    "/imports/{import_id}",
    response={204: None},
    auth=api_auth,
    summary="Take an import back out of the spend",
)
def import_remove(request, import_id: int):
    """Subtract the import's lines from the reports and forget its file, which may then be imported
    again (editors of the organisation only)."""
    batch = get_object_or_404(SpendImport.objects.select_related("organisation"), pk=import_id)
    user = caller(request)
    if not user.has_perm("spend.view_report", batch.organisation):
        raise HttpError(404, "Not Found")
    if not user.has_perm("spend.change_spend", batch.organisation):
        raise HttpError(403, "Only editors of the organisation remove its imports.")
    try:
        remove_import(batch, removed_by=user)
    except SpendImport.DoesNotExist:
        raise HttpError(404, "Not Found") from None
    except SummaryMismatchError as error:
        raise HttpError(409, str(error)) from None
    return Status(204, None)
