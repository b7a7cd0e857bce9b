"""Imported notices as JSON (public, read-only), the procedure advisor, OCDS exports, and eForms
drafts of a procurement's notices for the buyer's editors."""

from datetime import date
from decimal import Decimal

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from skala.orgs.api import api_auth
from skala.pagination import LimitOffsetPagination
from skala.procedures.advisor import BuyerType, ContractType, Question, advise
from skala.procedures.eforms import DraftError, NoticeKind, draft, filename
from skala.procedures.models import Notice, Procurement

router = Router(tags=["notices"])
procedures_router = Router(tags=["procedures"])


class NoticeOut(Schema):
    # A whole number where the notice's JSON Lines file gave one, as the matcher answers it.
    id: int | str
    source: str
    title: str
    description: str
    language: str
    cpv: list[str]
    buyer_name: str
    buyer_orgnr: str
    buyer_country: str
    published: date | None
    url: str

    @staticmethod
    def resolve_id(notice: Notice) -> int | str:
        return int(notice.import_id) if notice.import_id_is_number else notice.import_id


@router.get("", response=list[NoticeOut], summary="Imported notices, newest first")
@paginate(LimitOffsetPagination)
def list_notices(request, country: str = "", cpv: str = "", source: str = "", q: str = ""):
    notices = Notice.objects.search(q)
    if country:
        notices = notices.filter(buyer_country=country.upper())
    if source:
        notices = notices.filter(source=source)
    return notices.with_cpv_prefix(cpv)


@router.get("/{path:import_id}", response=NoticeOut, summary="One notice by its import id")
def get_notice(request, import_id: str):
    return get_object_or_404(Notice, import_id=import_id)


class StatementOut(Schema):
    text: str
    source_title: str
    source_url: str
    fact: str


class DeadlineOut(Schema):
    step: str
    days: int
    fact: str


class AdviceOut(Schema):
    regime: str
    regime_label: str
    announce_doffin: bool
    announce_ted: bool
    protocol: bool
    procedures: list[str]
    deadlines: list[DeadlineOut]
    statements: list[StatementOut]
    threshold_set: list[str]


@procedures_router.get("/advice", response=AdviceOut, summary="The procedure advisor, with sources")
def advice(
    request,
    value_nok: Decimal,
    buyer_type: BuyerType = BuyerType.OTHER,
    contract_type: ContractType = ContractType.GOODS_SERVICES,
    solution_exists: bool = True,
    rd_share: Decimal = Decimal(0),
    buyer_pays_full_cost: bool = True,
    buyer_keeps_all_results: bool = True,
    defence_or_concession: bool = False,
    day: date | None = None,
):
    if value_nok < 0 or not 0 <= rd_share <= 1:
        raise HttpError(422, "value_nok must be 0 or more, and rd_share between 0 and 1.")
    return advise(
        Question(
            value_nok,
            buyer_type,
            contract_type,
            solution_exists,
            rd_share,
            buyer_pays_full_cost,
            buyer_keeps_all_results,
            defence_or_concession,
            day or date.today(),
        )
    )


@procedures_router.get(
    "/procurements/{procurement_id}/eforms/{kind}",
    auth=api_auth,
    summary="An eForms XML draft of the procurement's advisory or contract notice, checked first",
)
def eforms_draft(request, procurement_id: int, kind: NoticeKind):
    user = request.auth if request.auth is not None else request.user
    procurement = get_object_or_404(Procurement.objects.select_related("buyer", "need"), pk=procurement_id)
    if not user.has_perm("procedures.change_procurement", procurement):
        raise HttpError(403, "Only the buyer's editors may draft its notices.")
    try:
        choice, xml = draft(procurement, kind, user)
    except DraftError as error:
        detail = "The draft does not pass Skala's eForms checks and is not offered."
        return JsonResponse({"detail": detail, "problems": error.problems}, status=422)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(procurement, choice)}"'
    return response


ocds_router = Router(tags=["ocds"])


@ocds_router.get("/releases", summary="Procurements as a validated OCDS 1.1.5 release package")
def ocds_releases(request, since: date | None = None):
    from django.conf import settings

    from skala.procedures.models import Procurement
    from skala.procedures.ocds import ExportError, release_package

    procurements = Procurement.objects.select_related("buyer").order_by("pk")
    if since is not None:
        procurements = procurements.filter(updated_at__date__gte=since)
    try:
        return release_package(procurements, f"{settings.SITE_URL}/api/v1/ocds/releases")
    except ExportError as error:
        raise HttpError(500, f"The export does not validate against OCDS 1.1.5: {error}") from None
