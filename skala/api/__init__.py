"""The JSON API, version 1: one router per app, assembled here."""

from ninja import NinjaAPI
from ninja.errors import ValidationError

from skala.corpus.api import router as matching_router
from skala.dialogue.api import router as dialogue_router
from skala.kpis.api import router as kpis_router
from skala.needs.api import router as needs_router
from skala.orgs.api import accounts_router
from skala.orgs.api import router as orgs_router
from skala.portfolio.api import router as portfolio_router
from skala.procedures.api import ocds_router, procedures_router
from skala.procedures.api import router as notices_router
from skala.reference.api import router as reference_router
from skala.spend.api import router as spend_router
from skala.suppliers.api import alerts_router, proposals_router, subscriptions_router
from skala.suppliers.api import router as suppliers_router

api = NinjaAPI(
    title="Skala API",
    version="1",
    description=(
        "Skala's JSON API. Read endpoints for public data need no login; others take the browser "
        "session or a personal API token sent as 'Authorization: Bearer skala_…'."
    ),
    urls_namespace="api-v1",
)


@api.exception_handler(OverflowError)
def number_out_of_range(request, error):
    # A query parameter such as ?parent=310383045696220037120 is a whole number no database stores.
    return api.create_response(request, {"detail": "A number in the request is out of range."}, status=400)


@api.exception_handler(ValidationError)
def invalid_request(request, error):
    # The matcher answers as its command line does, {"detail": "..."}; a body that is not a list of
    # objects fails the schema before its items are checked.
    body_refused = any(str((problem.get("loc") or [""])[0]) == "body" for problem in error.errors)
    if body_refused and request.path_info.startswith("/api/v1/match/"):
        detail = "the body must be a JSON list of objects, each with 'id' and 'text'"
        return api.create_response(request, {"detail": detail}, status=400)
    return api.create_response(request, {"detail": error.errors}, status=422)  # django-ninja's own answer


api.add_router("/reference/", reference_router)
api.add_router("/organisations", orgs_router)
api.add_router("/me", accounts_router)
api.add_router("/needs", needs_router)
api.add_router("/match", matching_router)
api.add_router("/notices", notices_router)
api.add_router("/procedures", procedures_router)
api.add_router("/ocds", ocds_router)
api.add_router("/suppliers", suppliers_router)
api.add_router("/proposals", proposals_router)
api.add_router("/subscriptions", subscriptions_router)
api.add_router("/alerts", alerts_router)
api.add_router("/dialogue", dialogue_router)
api.add_router("/portfolio", portfolio_router)
api.add_router("/spend", spend_router)
api.add_router("/kpis", kpis_router)
