"""Organisations and the signed-in person, as JSON."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import FilterSchema, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import HttpBearer, SessionAuth

from skala.apitypes import DatabaseInt
from skala.orgs.models import ApiToken, Organisation, OrganisationKind
from skala.reference.models import Country


class TokenAuth(HttpBearer):
    """A personal API token: 'Authorization: Bearer skala_…'."""

    def authenticate(self, request, token: str):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


def anonymous(request):
    """Public reads: anyone may call; what they see depends on who they turn out to be. A caller that
    sent a token the other methods did not take (revoked, expired or mistyped) is told so, not answered
    as anonymous: it would silently see only what is public."""
    # Only a bearer token: a proxy in front of a staging site may add Basic credentials of its own.
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        raise HttpError(401, "The API token is not valid: it is unknown, revoked or expired.")
    return request.user


# Either a token or the browser's session; the session is checked for CSRF on writes.
api_auth = [TokenAuth(), SessionAuth()]
# The same, for public reads that show more to those who sign in.
optional_auth = [TokenAuth(), SessionAuth(), anonymous]

# For POSTs that only read (the matcher): a token, or the session without a CSRF check, since nothing
# is changed; or anonymous, who sees what is public.
read_auth = [TokenAuth(), SessionAuth(csrf=False), anonymous]

router = Router(tags=["organisations"])
accounts_router = Router(tags=["accounts"])


class MunicipalityRef(Schema):
    country: str
    number: str
    name: str


class OrganisationRef(Schema):
    id: int
    name: str


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    unit: str
    parent: OrganisationRef | None
    country: str
    orgnr: str
    municipality: MunicipalityRef | None
    website: str
    is_public_buyer: bool
    is_demo: bool


class OrganisationDetail(OrganisationOut):
    description: str
    children: list[OrganisationRef]


class OrganisationFilter(FilterSchema):
    kind: OrganisationKind | None = None
    country: Country | None = None
    municipality: str | None = None
    parent: DatabaseInt | None = None
    q: str | None = None

    def filter_municipality(self, value: str | None):
        return Q(municipality__number=value) if value else Q()

    def filter_parent(self, value: int | None):
        return Q(parent_id=value) if value is not None else Q()

    def filter_q(self, value: str | None):
        return Q(name__icontains=value) | Q(orgnr=value.replace(" ", "")) if value else Q()


@router.get("", response=list[OrganisationOut], summary="Organisations, filtered and paginated")
@paginate
def organisation_list(request, filters: Query[OrganisationFilter]):
    queryset = Organisation.objects.select_related("parent", "municipality").order_by("name", "id")
    return filters.filter(queryset)


@router.get("/{organisation_id}", response=OrganisationDetail, summary="One organisation with its units")
def organisation_detail(request, organisation_id: int):
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent", "municipality").prefetch_related("children"),
        pk=organisation_id,
    )
    return organisation


class MembershipOut(Schema):
    organisation: OrganisationRef
    role: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    is_facilitator: bool
    is_staff: bool
    memberships: list[MembershipOut]


@accounts_router.get("", response=MeOut, auth=api_auth, summary="The person the request acts as")
def me(request):
    user = request.auth
    if user is None:
        raise HttpError(401, "Not signed in.")
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "is_facilitator": user.is_facilitator,
        "is_staff": user.is_staff,
        "memberships": [
            {"organisation": {"id": m.organisation_id, "name": m.organisation.name}, "role": m.role}
            for m in user.memberships.select_related("organisation")
        ],
    }
